"""Whatever order versions arrive in, and however they are split into pages, the table ends up holding
the newest version of each record; among versions with the same (largest) `_source_updated_at`, the one
that arrived last (later page, or later row of the same page) wins."""

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warehouse_toys import DEALS, deal, page, rows

from models.engine import make_engine
from models.loader import merge_page
from models.raw import ensure_tables

version = st.tuples(
    st.sampled_from("abcd"),  # record id
    st.integers(0, 2),  # modification time (hours): few values, so ties happen
    st.integers(0, 2),  # content; an identical tuple is an exact duplicate
    st.booleans(),  # deleted
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    engine = make_engine(tmp_path_factory.mktemp("property") / "w.duckdb")
    ensure_tables(engine, [DEALS])
    yield engine
    engine.dispose()


def expected(versions):
    """Per id, the version with the largest time; among equals, the last to arrive."""
    newest = {}
    for deal_id, hours, amount, deleted in versions:
        if deal_id not in newest or hours >= newest[deal_id][0]:
            newest[deal_id] = (hours, amount, deleted)
    return {d: deal(d, h, amount=a, deleted=x) for d, (h, a, x) in newest.items()}


def stored(engine):
    return {r["deal_id"]: r | {"_raw": json.dumps(r["_raw"])} for r in rows(engine, "raw_hubspot.toy_deals")}


@settings(max_examples=30, deadline=None)
@given(versions=st.lists(version, min_size=1, max_size=16), data=st.data())
def test_the_table_holds_the_newest_version_of_each_record(warehouse, versions, data):
    cuts = data.draw(st.sets(st.integers(1, len(versions) - 1), max_size=4)) if len(versions) > 1 else set()
    bounds = [0, *sorted(cuts), len(versions)]
    pages = [
        page(DEALS, [deal(d, h, amount=a, deleted=x) for d, h, a, x in versions[lo:hi]])
        for lo, hi in itertools.pairwise(bounds)
    ]
    want = expected(versions)
    with warehouse.connect() as conn:
        conn.exec_driver_sql("DELETE FROM raw_hubspot.toy_deals")
        conn.commit()
        for p in pages:
            merge_page(conn, p, run_id="prop", stream_name="toy.deals")
        assert stored(warehouse) == want  # every column, _raw included, from the one winning version
        for p in pages:  # the same pages again, in the same order: nothing changes
            merge_page(conn, p, run_id="prop", stream_name="toy.deals")
        assert stored(warehouse) == want


@settings(max_examples=30, deadline=None)
@given(versions=st.lists(version, min_size=1, max_size=16), data=st.data())
def test_pages_arriving_in_any_order_and_replayed_keep_the_newest_version(warehouse, versions, data):
    """Pages merged in any order, some more than once (a re-run partition, a backfill of an older
    window after newer data, a page fetched again after a crash), each in its own transaction: per
    record the newest version wins; among equal times the last arrival."""
    cuts = data.draw(st.sets(st.integers(1, len(versions) - 1), max_size=4)) if len(versions) > 1 else set()
    bounds = [0, *sorted(cuts), len(versions)]
    chunks = [versions[lo:hi] for lo, hi in itertools.pairwise(bounds)]
    order = data.draw(st.permutations(range(len(chunks))))
    replays = data.draw(st.lists(st.integers(0, len(chunks) - 1), max_size=3))
    schedule = list(order)
    for index in replays:  # each replay goes somewhere after the page's first arrival
        first = schedule.index(index)
        schedule.insert(data.draw(st.integers(first + 1, len(schedule))), index)
    arrived = [v for index in schedule for v in chunks[index]]
    with warehouse.connect() as conn:
        conn.exec_driver_sql("DELETE FROM raw_hubspot.toy_deals")
        conn.commit()
        for index in schedule:
            chunk = chunks[index]
            merge_page(
                conn,
                page(DEALS, [deal(d, h, amount=a, deleted=x) for d, h, a, x in chunk]),
                run_id="prop",
                stream_name="toy.deals",
            )
    assert stored(warehouse) == expected(arrived)
