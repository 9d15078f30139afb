from datetime import timedelta

import pytest
import sqlalchemy as sa
from warehouse_toys import DEALS, EVERYTHING, STAGES, ListStream, deal, page, rows, scalar, ts

from connectors.streams import Reject, Window
from models import loader
from models.loader import MergeResult
from models.sync import ReconciliationError, run_stream, saved_cursor


def deals_stream(pages_per_window, specs=(DEALS,), **kwargs):
    """A 'toy.deals' stream whose n-th call of pages() yields pages_per_window[n]."""
    calls = iter(pages_per_window)
    return ListStream(name="toy.deals", specs=specs, build=lambda window: next(calls), **kwargs)


def runs(engine):
    return rows(engine, "raw_meta.sync_runs", order_by="started_at")


def test_first_sync_starts_at_initial_start_then_at_cursor_minus_overlap(engine):
    stream = deals_stream(
        [
            [page(DEALS, [deal("a", 1), deal("b", 2)], high_watermark=ts(2))],
            [page(DEALS, [deal("b", 2), deal("c", 3)], high_watermark=ts(3))],
        ]
    )
    assert saved_cursor(engine, "toy.deals") is None  # before any table exists
    first = run_stream(engine, stream, initial_start=ts(-100))
    assert first.window == Window(start=ts(-100))
    assert first.cursor_at == ts(2) == saved_cursor(engine, "toy.deals")
    second = run_stream(engine, stream, overlap=timedelta(minutes=10))
    assert stream.windows[1] == Window(start=ts(2) - timedelta(minutes=10))
    assert second.cursor_at == ts(3)
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b", "c"]


def test_a_successful_run_is_recorded_and_reconciles(engine):
    stream = deals_stream(
        [
            [
                page(DEALS, [deal("a", 1), deal("a", 1)], rejects=[Reject("x", "bad", "{}")], api_calls=2),
                page(STAGES, [{"deal_id": "a", "seq": 1, "stage": "new"}], parent_ids=["a"], api_calls=1),
                page(DEALS, [deal("b", 2)], high_watermark=ts(2), api_calls=3),
            ]
        ],
        specs=(DEALS, STAGES),
    )
    report = run_stream(engine, stream, Window(ts(0), ts(24)), run_id="run-ok")
    assert (report.fetched, report.loaded, report.rejected, report.api_calls) == (5, 4, 1, 6)
    assert report.fetched == report.loaded + report.rejected
    assert report.tables == {
        "raw_hubspot.toy_deals": MergeResult(loaded=3, rejected=1, inserted=2),
        "raw_hubspot.toy_deal_stages": MergeResult(loaded=1, inserted=1),
    }
    assert report.seconds > 0
    (run,) = runs(engine)
    assert run["run_id"] == "run-ok"
    assert run["status"] == "succeeded"
    assert (run["window_start"], run["window_end"]) == (ts(0), ts(24))
    assert (run["fetched"], run["loaded"], run["rejected"], run["api_calls"]) == (5, 4, 1, 6)
    assert run["cursor_at"] == ts(2)
    assert run["error"] is None
    assert run["finished_at"] >= run["started_at"]
    assert scalar(engine, "SELECT count(*) FROM raw_meta.rejects WHERE run_id = 'run-ok'") == 1


def test_a_failed_run_keeps_committed_pages_and_records_the_error(engine):
    stream = deals_stream(
        [
            [
                page(DEALS, [deal("a", 1)], high_watermark=ts(1)),
                page(DEALS, [deal("b", 2)], high_watermark=ts(2)),
                page(DEALS, [deal("c", 3)], high_watermark=ts(3)),
            ]
        ],
        fail_after=2,
    )
    with pytest.raises(RuntimeError, match="toy source failed after 2 pages"):
        run_stream(engine, stream, run_id="run-bad")
    (run,) = runs(engine)
    assert run["status"] == "failed"
    assert run["error"] == "RuntimeError: toy source failed after 2 pages"
    assert (run["fetched"], run["loaded"], run["cursor_at"]) == (2, 2, ts(2))
    assert run["finished_at"] is not None
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b"]
    assert saved_cursor(engine, "toy.deals") == ts(2)


def test_a_failing_merge_marks_the_run_failed(engine, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(loader, "advance_cursor", fail)
    stream = deals_stream([[page(DEALS, [deal("a", 1)], high_watermark=ts(1))]])
    with pytest.raises(OSError, match="disk full"):
        run_stream(engine, stream)
    (run,) = runs(engine)
    assert (run["status"], run["error"], run["loaded"]) == ("failed", "OSError: disk full", 0)
    assert rows(engine, "raw_hubspot.toy_deals") == []


def test_pages_are_committed_as_they_arrive(engine):
    seen = []

    def check(yielded):
        seen.append(scalar(engine, "SELECT count(*) FROM raw_hubspot.toy_deals"))

    stream = deals_stream(
        [[page(DEALS, [deal("a", 1)]), page(DEALS, [deal("b", 1), deal("c", 1)])]], on_resume=check
    )
    run_stream(engine, stream)
    assert seen == [1, 3]  # the page before each resumption is already visible to other connections


def test_windowed_runs_advance_last_window_end_never_backwards(engine):
    stream = deals_stream([[page(DEALS, [deal("a", 30)])], [page(DEALS, [deal("b", 5)])], []])
    run_stream(engine, stream, Window(ts(24), ts(48)))
    run_stream(engine, stream, Window(ts(0), ts(24)))  # a backfill of an older day
    assert scalar(engine, "SELECT last_window_end FROM raw_meta.sync_state") == ts(48)
    run_stream(engine, stream)  # incremental: no window end to record
    assert scalar(engine, "SELECT last_window_end FROM raw_meta.sync_state") == ts(48)
    assert [r["status"] for r in runs(engine)] == ["succeeded"] * 3


def test_a_page_for_a_table_the_stream_does_not_declare_fails_the_run(engine):
    stream = deals_stream([[page(EVERYTHING, [])]])
    with pytest.raises(ValueError, match="not among its specs"):
        run_stream(engine, stream)
    assert runs(engine)[0]["status"] == "failed"


def test_counts_that_do_not_reconcile_fail_the_run(engine, monkeypatch):
    real_merge = loader.merge_page

    def lossy_merge(conn, page, **kwargs):
        result = real_merge(conn, page, **kwargs)
        return MergeResult(loaded=result.loaded - 1, rejected=result.rejected)

    monkeypatch.setattr("models.sync.merge_page", lossy_merge)
    stream = deals_stream([[page(DEALS, [deal("a", 1), deal("b", 1)])]])
    with pytest.raises(ReconciliationError, match="fetched 2 records but loaded 1"):
        run_stream(engine, stream)
    assert runs(engine)[0]["status"] == "failed"


def stage_row(deal_id, seq):
    return {"deal_id": deal_id, "seq": seq, "stage": "new"}


def parent_and_children_stream(**kwargs):
    """Deals pages each followed by the stage-history page of their deals."""
    return deals_stream(
        [
            [
                page(DEALS, [deal("a", 1)], high_watermark=ts(1)),
                page(STAGES, [stage_row("a", 1)], parent_ids=["a"]),
                page(DEALS, [deal("b", 2)], high_watermark=ts(2)),
                page(STAGES, [stage_row("b", 1)], parent_ids=["b"]),
            ]
        ],
        specs=(DEALS, STAGES),
        **kwargs,
    )


def test_with_child_tables_the_cursor_waits_for_the_children(engine):
    seen = []

    def check(yielded):
        seen.append((yielded, saved_cursor(engine, "toy.deals")))

    report = run_stream(engine, parent_and_children_stream(on_resume=check))
    # a's cursor is saved once a's children are in (with b's page); b's when the run succeeds
    assert seen == [(1, None), (2, None), (3, ts(1)), (4, ts(1))]
    assert report.cursor_at == ts(2) == saved_cursor(engine, "toy.deals")


def test_a_crash_before_the_children_leaves_the_cursor_before_their_parent(engine):
    with pytest.raises(RuntimeError, match="failed after 3 pages"):
        run_stream(engine, parent_and_children_stream(fail_after=3))
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b"]
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deal_stages")] == ["a"]
    assert saved_cursor(engine, "toy.deals") == ts(1)  # the next run fetches b (and its children) again
    assert runs(engine)[0]["cursor_at"] == ts(1)


def test_a_run_left_running_by_a_dead_process_is_closed_by_the_next_run(engine):
    stream = deals_stream(
        [
            [page(DEALS, [deal("a", 1)], high_watermark=ts(1))],
            [page(DEALS, [deal("b", 2)], high_watermark=ts(2))],
        ]
    )
    run_stream(engine, stream, initial_start=ts(-100))
    with engine.begin() as conn:  # what a SIGKILL mid-run leaves behind
        conn.execute(sa.text("UPDATE raw_meta.sync_runs SET status = 'running', finished_at = NULL"))
    run_stream(engine, stream)
    recorded = runs(engine)
    assert [r["status"] for r in recorded] == ["failed", "succeeded"]
    assert recorded[0]["error"].startswith("abandoned")
