import json

import pyarrow as pa
import pytest
from warehouse_toys import DEALS, STAGES, deal, page, record_run, rows, ts

from connectors.streams import Page, Reject
from models import loader
from models.loader import MergeResult, PageSchemaError, merge_page
from models.raw import ensure_tables


@pytest.fixture
def merge(engine):
    """merge(page) into a warehouse with DEALS and STAGES, as stream 'toy.deals' in run 'run-1'."""
    ensure_tables(engine, [DEALS, STAGES])
    record_run(engine, "run-1")
    conn = engine.connect()

    def merge(p, run_id="run-1"):
        return merge_page(conn, p, run_id=run_id, stream_name="toy.deals")

    yield merge
    conn.close()


def deals(engine):
    return {r["deal_id"]: r for r in rows(engine, "raw_hubspot.toy_deals")}


def run_record(engine, run_id="run-1"):
    """(fetched, loaded, rejected, api_calls, newest_change_at) of the run's raw_meta.sync_runs row."""
    (run,) = [r for r in rows(engine, "raw_meta.sync_runs") if r["run_id"] == run_id]
    return tuple(run[c] for c in ("fetched", "loaded", "rejected", "api_calls", "newest_change_at"))


def test_newest_version_wins(engine, merge):
    assert merge(page(DEALS, [deal("a", 1, amount=10), deal("b", 1, amount=20)])) == MergeResult(
        loaded=2, inserted=2
    )
    assert merge(page(DEALS, [deal("a", 2, amount=11)])) == MergeResult(loaded=1, updated=1)
    got = deals(engine)
    assert (got["a"]["amount"], got["a"]["_source_updated_at"]) == (11, ts(2))
    assert got["b"]["amount"] == 20


def test_an_old_window_rerun_never_overwrites_a_newer_version(engine, merge):
    merge(page(DEALS, [deal("a", 5, amount=50)]))
    result = merge(page(DEALS, [deal("a", 1, amount=10), deal("b", 1, amount=1)]))
    assert result == MergeResult(loaded=2, inserted=1, skipped_older=1)
    got = deals(engine)
    assert (got["a"]["amount"], got["a"]["_source_updated_at"]) == (50, ts(5))


def test_the_same_page_twice_changes_nothing(engine, merge):
    p = page(DEALS, [deal("a", 1, amount=1), deal("b", 2, amount=2)])
    merge(p)
    before = deals(engine)
    assert merge(p) == MergeResult(loaded=2, updated=2)  # equal versions replace: same content
    assert deals(engine) == before


def test_duplicates_in_a_page_keep_the_newest_then_the_later_row(engine, merge):
    result = merge(
        page(
            DEALS,
            [
                deal("a", 3, amount=1),
                deal("a", 1, amount=2),  # older, later in the page: loses
                deal("b", 2, amount=1),
                deal("b", 2, amount=2),  # same time: the later row wins
                deal("b", 2, amount=3),
                deal("b", 0, amount=4),
            ],
        )
    )
    assert result == MergeResult(loaded=6, inserted=2)
    assert result.duplicates == 4
    got = deals(engine)
    assert (got["a"]["amount"], got["b"]["amount"]) == (1, 3)


def test_an_equal_timestamp_in_a_later_page_replaces(engine, merge):
    merge(page(DEALS, [deal("a", 1, amount=1)]))
    merge(page(DEALS, [deal("a", 1, amount=2)]))
    assert deals(engine)["a"]["amount"] == 2


def test_deletes_are_rows_that_stay(engine, merge):
    merge(page(DEALS, [deal("a", 1, amount=5)]))
    merge(page(DEALS, [deal("a", 2, amount=None, deleted=True)]))
    merge(page(DEALS, [deal("a", 1, amount=5)]))  # an older live version cannot resurrect it
    got = deals(engine)
    assert list(got) == ["a"]
    assert got["a"]["_is_deleted"] is True
    assert got["a"]["_source_updated_at"] == ts(2)


def test_child_rows_are_replaced_per_parent(engine, merge):
    def stage(deal_id, seq, name):
        return {"deal_id": deal_id, "seq": seq, "stage": name}

    merge(
        page(
            STAGES,
            [stage("d1", 1, "new"), stage("d1", 2, "won"), stage("d2", 1, "new")],
            parent_ids=["d1", "d2"],
        )
    )
    # d1's history is now one row (a stage was corrected away); d2 is not in the page and keeps its rows;
    # d3 has no children any more: listing it deletes them.
    merge(page(STAGES, [stage("d3", 1, "x")], parent_ids=["d3"]))
    result = merge(
        page(STAGES, [stage("d1", 1, "open"), stage("d1", 1, "qualified")], parent_ids=["d1", "d3"])
    )
    assert result == MergeResult(loaded=2, inserted=1, replaced=3)
    assert [(r["deal_id"], r["seq"], r["stage"]) for r in rows(engine, "raw_hubspot.toy_deal_stages")] == [
        ("d1", 1, "qualified"),
        ("d2", 1, "new"),
    ]


def test_child_rows_without_parent_ids_are_upserted(engine, merge):
    merge(page(STAGES, [{"deal_id": "d1", "seq": 1, "stage": "a"}]))
    result = merge(page(STAGES, [{"deal_id": "d1", "seq": 1, "stage": "b"}]))
    assert result == MergeResult(loaded=1, updated=1)
    assert rows(engine, "raw_hubspot.toy_deal_stages") == [{"deal_id": "d1", "seq": 1, "stage": "b"}]


def test_rejects_are_stored_with_reason_and_payload_and_counted(engine, merge):
    bad = [
        Reject("42", "amount: 'lots' is not a number", json.dumps({"id": "42", "amount": "lots"})),
        Reject(None, "no id", "{truncated"),  # not JSON: kept as a JSON string
    ]
    result = merge(page(DEALS, [deal("a", 1)], rejects=bad), run_id="run-7")
    assert (result.loaded, result.rejected) == (1, 2)
    stored = rows(engine, "raw_meta.rejects", order_by="record_id NULLS LAST")
    assert [(r["run_id"], r["stream"], r["table_name"], r["record_id"], r["reason"]) for r in stored] == [
        ("run-7", "toy.deals", "raw_hubspot.toy_deals", "42", "amount: 'lots' is not a number"),
        ("run-7", "toy.deals", "raw_hubspot.toy_deals", None, "no id"),
    ]
    assert stored[0]["payload"] == {"id": "42", "amount": "lots"}
    assert stored[1]["payload"] == "{truncated"
    assert all(r["rejected_at"] is not None for r in stored)


def test_a_page_of_rejects_only(engine, merge):
    result = merge(page(DEALS, [], rejects=[Reject("1", "bad", "{}")]))
    assert result == MergeResult(rejected=1)
    assert run_record(engine) == (1, 0, 1, 1, None)
    assert deals(engine) == {}


def test_each_page_adds_its_counts_and_newest_change_to_its_run(engine, merge):
    merge(page(DEALS, [deal("a", 4), deal("b", 1)], rejects=[Reject("x", "bad", "{}")], api_calls=2))
    assert run_record(engine) == (3, 2, 1, 2, ts(4))
    merge(page(DEALS, [deal("c", 2)]))  # an older change does not move newest_change_at back
    merge(page(STAGES, [{"deal_id": "a", "seq": 1, "stage": "new"}], parent_ids=["a"]))  # no change time
    assert run_record(engine) == (5, 4, 1, 4, ts(4))
    merge(page(DEALS, [deal("d", 6)]))
    assert run_record(engine) == (6, 5, 1, 5, ts(6))


@pytest.mark.parametrize("step", ["_insert_rejects", "_count_in_run"])
def test_a_failure_inside_the_transaction_keeps_neither_data_nor_counts(engine, merge, monkeypatch, step):
    merge(page(DEALS, [deal("a", 1, amount=1)]))
    before = (deals(engine), run_record(engine), rows(engine, "raw_meta.rejects"))

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(loader, step, fail)
    with pytest.raises(OSError, match="disk full"):
        merge(
            page(
                DEALS,
                [deal("a", 2, amount=2), deal("b", 2)],
                rejects=[Reject("c", "bad", "{}")],
            )
        )
    assert (deals(engine), run_record(engine), rows(engine, "raw_meta.rejects")) == before


def test_a_failing_statement_rolls_back_and_the_connection_stays_usable(engine, merge):
    merge(page(DEALS, [deal("a", 1)]))
    broken = page(DEALS, [deal("b", 2) | {"_raw": "{not json"}])
    with pytest.raises(Exception, match="Malformed JSON"):
        merge(broken)
    assert (list(deals(engine)), run_record(engine)[1]) == (["a"], 1)
    merge(page(DEALS, [deal("c", 3)]))
    assert (list(deals(engine)), run_record(engine)[1]) == (["a", "c"], 2)


def test_a_page_that_does_not_match_its_spec_names_stream_and_column(merge):
    good = page(DEALS, [deal("a", 1)])
    wrong_type = good.rows.set_column(1, "amount", pa.array(["10"], pa.string()))
    with pytest.raises(
        PageSchemaError, match=r"stream toy\.deals.*column amount is string, the spec says double"
    ):
        merge(Page(DEALS, wrong_type))
    with pytest.raises(PageSchemaError, match="column stage is missing"):
        merge(Page(DEALS, good.rows.drop_columns(["stage"])))
    with pytest.raises(PageSchemaError, match="column extra is not in the spec"):
        merge(Page(DEALS, good.rows.append_column("extra", pa.array([1]))))
    reordered = good.rows.select(["amount", "deal_id", *good.rows.column_names[2:]])
    with pytest.raises(PageSchemaError, match="order"):
        merge(Page(DEALS, reordered))


def test_null_keys_and_required_columns_are_refused(merge):
    null_key = pa.Table.from_pylist([deal("a", 1) | {"deal_id": None}], schema=DEALS.schema.remove_metadata())
    with pytest.raises(PageSchemaError, match="deal_id hold NULL"):
        merge(Page(DEALS, null_key))


def test_parent_ids_on_an_own_table_are_refused(merge):
    with pytest.raises(PageSchemaError, match="replace_key"):
        merge(page(DEALS, [deal("a", 1)], parent_ids=["a"]))


def test_merge_page_refuses_an_open_transaction(engine):
    ensure_tables(engine, [DEALS])
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # autobegins
        with pytest.raises(RuntimeError, match="its own transaction"):
            merge_page(conn, page(DEALS, [deal("a", 1)]), run_id="r", stream_name="s")


def test_a_missing_table_says_to_run_ensure_tables(engine):
    ensure_tables(engine, [])
    with engine.connect() as conn, pytest.raises(RuntimeError, match="ensure_tables"):
        merge_page(conn, page(DEALS, [deal("a", 1)]), run_id="r", stream_name="s")
