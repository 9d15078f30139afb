from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from warehouse_toys import DEALS, EVERYTHING, STAGES, ListStream, deal, page, rows, scalar, ts

from connectors.streams import Column, Reject, Window
from models import loader
from models.loader import MergeResult
from models.raw import ensure_tables, spec_fingerprint, sync_runs
from models.sync import (
    HISTORY_START,
    OVERLAP,
    ReconciliationError,
    catch_up_window,
    loaded_until,
    run_stream,
)

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
WINDOW = Window(ts(0), ts(24))


def deals_stream(pages_per_window, specs=(DEALS,), **kwargs):
    """A 'toy.deals' stream whose n-th call of pages() yields pages_per_window[n]."""
    calls = iter(pages_per_window)
    return ListStream(name="toy.deals", specs=specs, build=lambda window: next(calls), **kwargs)


def runs(engine):
    return rows(engine, "raw_meta.sync_runs", order_by="started_at")


def test_loaded_until_follows_the_unbroken_span_of_successful_windows(engine):
    assert loaded_until(engine, "salesforce.task") is None  # no metadata tables yet
    ensure_tables(engine, [])

    def run(run_id, start, end, status="succeeded", stream="salesforce.task"):
        with engine.begin() as conn:
            conn.execute(
                sync_runs.insert().values(
                    run_id=run_id,
                    stream=stream,
                    window_start=start,
                    window_end=end,
                    started_at=end or datetime(2026, 3, 9, 12, tzinfo=UTC),
                    status=status,
                )
            )

    day = timedelta(days=1)
    d1 = datetime(2026, 3, 1, tzinfo=UTC)
    run("later-only", d1, d1 + day)
    assert loaded_until(engine, "salesforce.task") is None  # nothing from the start of history
    run("history", HISTORY_START, d1 + day / 2)
    assert loaded_until(engine, "salesforce.task") == d1 + day
    run("failed", d1 + day, d1 + 2 * day, status="failed")
    run("after-a-gap", d1 + 3 * day, d1 + 4 * day)
    assert loaded_until(engine, "salesforce.task") == d1 + day
    run("backfill", HISTORY_START, d1)  # an older window again: the span does not move back
    assert loaded_until(engine, "salesforce.task") == d1 + day
    run("open-ended", d1 + day - timedelta(minutes=5), None)  # window_end NULL: up to when it ran
    assert loaded_until(engine, "salesforce.task") == datetime(2026, 3, 9, 12, tzinfo=UTC)
    assert loaded_until(engine, "hubspot.calls") is None


def test_catch_up_starts_at_history_then_where_the_loaded_data_stops_minus_the_overlap(engine):
    stream = deals_stream([[page(DEALS, [deal("a", 1)])], [page(DEALS, [deal("b", 2)])]])
    first = catch_up_window(engine, "toy.deals", now=NOW)
    assert first == Window(HISTORY_START, NOW)
    run_stream(engine, stream, first)
    later = NOW + timedelta(hours=6)
    assert catch_up_window(engine, "toy.deals", now=later) == Window(NOW - OVERLAP, later)
    second = catch_up_window(engine, "toy.deals", overlap=timedelta(minutes=10), now=later)
    assert second == Window(NOW - timedelta(minutes=10), later)
    run_stream(engine, stream, second)
    assert stream.windows == [first, second]
    assert loaded_until(engine, "toy.deals") == later
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b"]


def test_a_successful_run_is_recorded_and_reconciles(engine):
    stream = deals_stream(
        [
            [
                page(DEALS, [deal("a", 1), deal("a", 1)], rejects=[Reject("x", "bad", "{}")], api_calls=2),
                page(STAGES, [{"deal_id": "a", "seq": 1, "stage": "new"}], parent_ids=["a"], api_calls=1),
                page(DEALS, [deal("b", 2)], api_calls=3),
            ]
        ],
        specs=(DEALS, STAGES),
    )
    report = run_stream(engine, stream, WINDOW, run_id="run-ok")
    assert (report.fetched, report.loaded, report.rejected, report.api_calls) == (5, 4, 1, 6)
    assert report.fetched == report.loaded + report.rejected
    assert report.tables == {
        "raw_hubspot.toy_deals": MergeResult(loaded=3, rejected=1, inserted=2),
        "raw_hubspot.toy_deal_stages": MergeResult(loaded=1, inserted=1),
    }
    assert report.newest_change_at == ts(2)
    assert report.seconds > 0
    (run,) = runs(engine)
    assert run["run_id"] == "run-ok"
    assert run["status"] == "succeeded"
    assert (run["window_start"], run["window_end"]) == (ts(0), ts(24))
    assert (run["fetched"], run["loaded"], run["rejected"], run["api_calls"]) == (5, 4, 1, 6)
    assert run["newest_change_at"] == ts(2)
    assert run["error"] is None
    assert run["finished_at"] >= run["started_at"]
    assert scalar(engine, "SELECT count(*) FROM raw_meta.rejects WHERE run_id = 'run-ok'") == 1


def test_a_failed_run_keeps_committed_pages_and_records_the_error(engine):
    stream = deals_stream(
        [
            [
                page(DEALS, [deal("a", 1)]),
                page(DEALS, [deal("b", 2)]),
                page(DEALS, [deal("c", 3)]),
            ]
        ],
        fail_after=2,
    )
    with pytest.raises(RuntimeError, match="toy source failed after 2 pages"):
        run_stream(engine, stream, Window(HISTORY_START, NOW), run_id="run-bad")
    (run,) = runs(engine)
    assert run["status"] == "failed"
    assert run["error"] == "RuntimeError: toy source failed after 2 pages"
    assert (run["fetched"], run["loaded"], run["newest_change_at"]) == (2, 2, ts(2))
    assert run["finished_at"] is not None
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b"]
    assert loaded_until(engine, "toy.deals") is None  # a failed window is not loaded


def test_a_failing_merge_marks_the_run_failed(engine, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(loader, "_count_in_run", fail)
    stream = deals_stream([[page(DEALS, [deal("a", 1)])]])
    with pytest.raises(OSError, match="disk full"):
        run_stream(engine, stream, WINDOW)
    (run,) = runs(engine)
    assert (run["status"], run["error"], run["loaded"]) == ("failed", "OSError: disk full", 0)
    assert rows(engine, "raw_hubspot.toy_deals") == []


def test_pages_are_committed_as_they_arrive_with_the_runs_counts(engine):
    seen = []

    def check(yielded):
        committed = scalar(engine, "SELECT count(*) FROM raw_hubspot.toy_deals")
        seen.append((committed, scalar(engine, "SELECT loaded FROM raw_meta.sync_runs")))

    stream = deals_stream(
        [[page(DEALS, [deal("a", 1)]), page(DEALS, [deal("b", 1), deal("c", 1)])]], on_resume=check
    )
    run_stream(engine, stream, WINDOW)
    assert seen == [(1, 1), (3, 3)]  # each page and its counts are visible to other connections


def test_a_run_with_no_pages_records_zero_counts(engine):
    report = run_stream(engine, deals_stream([[]]), WINDOW)
    (run,) = runs(engine)
    assert (run["status"], run["fetched"], run["loaded"], run["rejected"]) == ("succeeded", 0, 0, 0)
    assert (report.fetched, report.newest_change_at) == (0, None)


def test_a_page_for_a_table_the_stream_does_not_declare_fails_the_run(engine):
    stream = deals_stream([[page(EVERYTHING, [])]])
    with pytest.raises(ValueError, match="not among its specs"):
        run_stream(engine, stream, WINDOW)
    assert runs(engine)[0]["status"] == "failed"


def test_counts_that_do_not_reconcile_fail_the_run(engine, monkeypatch):
    real_merge = loader.merge_page

    def lossy_merge(conn, page, **kwargs):
        result = real_merge(conn, page, **kwargs)
        return MergeResult(loaded=result.loaded - 1, rejected=result.rejected)

    monkeypatch.setattr("models.sync.merge_page", lossy_merge)
    stream = deals_stream([[page(DEALS, [deal("a", 1), deal("b", 1)])]])
    with pytest.raises(ReconciliationError, match="fetched 2 records but loaded 1"):
        run_stream(engine, stream, WINDOW)
    assert runs(engine)[0]["status"] == "failed"


def stage_row(deal_id, seq):
    return {"deal_id": deal_id, "seq": seq, "stage": "new"}


def test_a_crash_before_the_children_refetches_their_parent_with_them(engine):
    """Deals pages each followed by the stage history of their deals; the run dies after b's page,
    before b's children: the failed window is not loaded, so the catch-up reads b again, children too."""
    pages = [
        page(DEALS, [deal("a", 1)]),
        page(STAGES, [stage_row("a", 1)], parent_ids=["a"]),
        page(DEALS, [deal("b", 2)]),
        page(STAGES, [stage_row("b", 1)], parent_ids=["b"]),
    ]
    crashing = deals_stream([pages], specs=(DEALS, STAGES), fail_after=3)
    window = catch_up_window(engine, "toy.deals", now=NOW)
    with pytest.raises(RuntimeError, match="failed after 3 pages"):
        run_stream(engine, crashing, window)
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deals")] == ["a", "b"]
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deal_stages")] == ["a"]
    retry = catch_up_window(engine, "toy.deals", now=NOW + timedelta(hours=1))
    assert retry.start == window.start
    run_stream(engine, deals_stream([pages], specs=(DEALS, STAGES)), retry)
    assert [r["deal_id"] for r in rows(engine, "raw_hubspot.toy_deal_stages")] == ["a", "b"]


def test_a_run_left_running_by_a_dead_process_is_closed_by_the_next_run(engine):
    stream = deals_stream([[page(DEALS, [deal("a", 1)])], [page(DEALS, [deal("b", 2)])]])
    run_stream(engine, stream, Window(HISTORY_START, NOW))
    with engine.begin() as conn:  # what a SIGKILL mid-run leaves behind
        conn.execute(sa.text("UPDATE raw_meta.sync_runs SET status = 'running', finished_at = NULL"))
    assert loaded_until(engine, "toy.deals") is None  # a run still 'running' loads nothing yet
    run_stream(engine, stream, catch_up_window(engine, "toy.deals", now=NOW))
    recorded = runs(engine)
    assert [r["status"] for r in recorded] == ["failed", "succeeded"]
    assert recorded[0]["error"].startswith("abandoned")
    assert stream.windows[1].start == HISTORY_START  # the abandoned window is fetched again


# A stream whose definition changed: the same table, now documented (and extracted) with a filter.
FILTERED = replace(DEALS, description="Toy deals, open ones only (stage <> 'closed').")
# ... or with a column more.
GROWN = replace(DEALS, columns=(*DEALS.columns, Column("region", "string", "Sales region.")))


def every_window(spec):
    """A 'toy.deals' stream of `spec` yielding one deal per window, and the windows it was asked for."""
    return ListStream(name="toy.deals", specs=(spec,), build=lambda window: [page(spec, [deal("a", 1)])])


def test_a_stream_whose_definition_changed_rereads_its_history_once(engine):
    old = every_window(DEALS)
    run_stream(engine, old, catch_up_window(engine, old, now=NOW))
    assert loaded_until(engine, old) == NOW
    later = NOW + timedelta(hours=6)
    changed = every_window(FILTERED)
    assert loaded_until(engine, changed) is None  # the loaded windows were read with another definition
    first = catch_up_window(engine, changed, now=later)
    assert first == Window(HISTORY_START, later)
    run_stream(engine, changed, first)
    assert catch_up_window(engine, changed, now=later + timedelta(hours=1)).start == later - OVERLAP
    assert [r["fingerprint"] for r in runs(engine)] == [
        spec_fingerprint("toy.deals", (DEALS,)),
        spec_fingerprint("toy.deals", (FILTERED,)),
    ]
    assert loaded_until(engine, "toy.deals") == later  # a bare name counts every definition's runs


def old_style_warehouse(engine) -> None:
    """A warehouse synced by a version without fingerprints: toy.deals loaded up to NOW."""
    ensure_tables(engine, [DEALS])
    with engine.begin() as conn:
        conn.execute(
            sync_runs.insert().values(
                run_id="old",
                stream="toy.deals",
                window_start=HISTORY_START,
                window_end=NOW,
                started_at=NOW,
                status="succeeded",
            )
        )
        conn.exec_driver_sql("ALTER TABLE raw_meta.sync_runs DROP COLUMN fingerprint")


def test_old_runs_keep_counting_for_an_unchanged_stream(engine):
    old_style_warehouse(engine)
    same = every_window(DEALS)
    assert loaded_until(engine, same) == NOW
    window = catch_up_window(engine, same, now=NOW + timedelta(hours=1))
    assert window.start == NOW - OVERLAP
    run_stream(engine, same, window)  # its upgrade step stamps the old run with the definition it had
    assert {r["run_id"]: r["fingerprint"] for r in runs(engine)}["old"] == spec_fingerprint(
        "toy.deals", (DEALS,)
    )
    assert loaded_until(engine, same) == NOW + timedelta(hours=1)


@pytest.mark.parametrize("changed", [FILTERED, GROWN], ids=["filter", "column"])
def test_old_runs_of_a_changed_stream_do_not_count(engine, changed):
    old_style_warehouse(engine)
    stream = every_window(changed)
    assert loaded_until(engine, stream) is None
    ensure_tables(engine, [changed], stream="toy.deals")  # the upgrade: old runs get the old definition
    assert scalar(engine, "select fingerprint from raw_meta.sync_runs") == spec_fingerprint(
        "toy.deals", (DEALS,)
    )
    assert loaded_until(engine, stream) is None
    run_stream(engine, stream, catch_up_window(engine, stream, now=NOW + timedelta(hours=1)))
    assert stream.windows == [Window(HISTORY_START, NOW + timedelta(hours=1))]
    assert loaded_until(engine, stream) == NOW + timedelta(hours=1)
