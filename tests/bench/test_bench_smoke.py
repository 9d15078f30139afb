"""The benchmark harness works: bench/run_all.py at a tiny size, as a real process against a real
sandbox, with Barometer and dlt each syncing it once, then the incremental sync after 1 % changed.
Checks the JSON document's shape and that its figures are sane, not their speed."""

import math

import pytest
from bench_process import run_bench

from connectors.hubspot.settings import CRM_OBJECTS as HUBSPOT_CRM_OBJECTS
from connectors.hubspot.specs import CATALOG as HUBSPOT_CATALOG
from connectors.salesforce.specs import CATALOG as SALESFORCE_CATALOG

TINY = ("--activities", "3000", "--repeats", "1", "--skip", "memory", "dagster")
STREAMS = {*SALESFORCE_CATALOG, *HUBSPOT_CATALOG}  # every stream of both connectors


@pytest.fixture(scope="module")
def result() -> dict:
    document, stdout = run_bench("run_all.py", *TINY, timeout=240)
    assert "Goals" in stdout  # the tables come before the JSON
    return document


@pytest.mark.slow
def test_both_engines_land_every_sandbox_record_and_throughput_is_reported(result):
    full = result["full_sync_vs_dlt"]
    expected = full["records_by_stream"]
    assert set(expected) == STREAMS
    assert all(n > 0 for n in expected.values())
    assert full["records"] == sum(expected.values())
    assert full["landed"]["barometer"] == expected
    assert full["landed"]["dlt"] == expected
    speed = full["throughput"]
    assert len(speed["barometer_seconds"]) == len(speed["dlt_seconds"]) == 1
    assert speed["barometer_records_per_second"] > 0
    assert speed["dlt_records_per_second"] > 0
    assert speed["ratio"] == pytest.approx(speed["dlt_seconds"][0] / speed["barometer_seconds"][0], abs=0.01)
    assert all(m > 50 for m in speed["barometer_peak_rss_mb"] + speed["dlt_peak_rss_mb"])
    assert speed["dlt_api_calls"] == sum(speed["dlt_endpoints"].values()) > 0


@pytest.mark.slow
def test_api_calls_are_itemised_against_their_minimum(result):
    calls = result["full_sync_vs_dlt"]["api_calls"]
    assert set(calls["streams"]) == STREAMS
    for name, stream in calls["streams"].items():
        assert stream["record_calls"] >= stream["minimum"] >= 1, name
        assert sum(stream["child_calls"].values()) >= stream["child_minimum"], name
        assert stream["unexpected_calls"] == {}, name
        fixed = sum(stream["fixed_calls"].values())
        assert stream["total"] == stream["record_calls"] + sum(stream["child_calls"].values()) + fixed, name
    for name in ("hubspot.calls", "hubspot.meetings", "hubspot.deals", "hubspot.contacts", "hubspot.emails"):
        assert calls["streams"][name]["child_minimum"] > 0  # associations are read per record
    total = calls["total"]
    assert total["fixed_calls"]["describe (once per object)"] == len(SALESFORCE_CATALOG)
    assert total["fixed_calls"]["property list (once per object)"] == len(HUBSPOT_CRM_OBJECTS)
    assert total["record_calls"] >= total["minimum"]


@pytest.mark.slow
def test_incremental_sync_reads_the_change_after_a_no_change_run(result):
    full = result["full_sync_vs_dlt"]
    inc = result["incremental"]
    assert inc["changes"]["records_changed"] >= math.ceil(0.01 * full["records"])
    runs = inc["runs"]
    assert runs["full"]["records"] == full["barometer_full_sync"]["records"]
    assert 0 < runs["no_change"]["api_calls"] <= runs["changed"]["api_calls"] < runs["full"]["api_calls"]
    assert runs["no_change"]["records"] < runs["changed"]["records"] < runs["full"]["records"]
    assert set(inc["streams"]) == STREAMS
    assert inc["variable_calls"] == runs["changed"]["api_calls"] - runs["no_change"]["api_calls"]


@pytest.mark.slow
def test_the_goals_table_has_one_row_per_goal_measured(result):
    goals = result["goals"]
    assert len(goals) == 4  # throughput, calls, incremental; the marts row points to bench/marts.py
    assert [g["met"] for g in goals][-1] is None
    assert all(isinstance(g["met"], bool) for g in goals[:-1])
    assert {"date", "cores", "memory_gib", "load_average", "versions"} <= set(result["machine"])
