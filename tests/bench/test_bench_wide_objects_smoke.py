"""bench/wide_objects.py works: a quick run as a real process, checking that the wide org lands the
narrow org's records in every mode, at the calls its field chunks explain, not its speed."""

import pytest
from bench_process import run_bench

STREAMS = {"salesforce.task", "salesforce.event", "salesforce.opportunity"}


@pytest.mark.slow
def test_wide_objects_benchmark_compares_a_wide_org_with_the_same_narrow_one():
    result, stdout = run_bench("wide_objects.py", "--quick", timeout=240)
    assert "chunks" in stdout  # the table comes before the JSON
    assert result["custom_fields"] == 800
    for mode in ("default", "rest only"):
        narrow, wide = result["narrow"]["modes"][mode], result["wide"]["modes"][mode]
        assert set(narrow) == set(wide) == STREAMS
        for name in STREAMS:
            n, w = narrow[name], wide[name]
            assert w["records"] == n["records"] > 0, name
            assert w["fields"] == n["fields"] + 800, name
            assert (n["field_chunks"], w["field_chunks"]) == (1, 2), name
            assert n["record_calls"] >= n["minimum"] >= 1, name
            assert w["minimum"] == n["minimum"], name
            # a quick org's windows are one REST page: one query per field chunk
            assert w["record_calls"] == w["field_chunks"] * n["record_calls"], name
            assert w["api_calls"] == n["api_calls"] + w["record_calls"] - n["record_calls"], name
