"""bench/marts.py works: a tiny run as a real process, checking its JSON and that every model was rebuilt
and every floor part measured, not their speed."""

from pathlib import Path

import duckdb
import pytest
from bench_process import run_bench

from models import sqlmodels

TINY = ("--activities", "20000", "--deals", "2000", "--reps", "50", "--repeats", "1")
MODELS = {model.name for model in sqlmodels.discover() if model.schema in ("intermediate", "marts")}
FLOOR_PARTS = {
    "rep x day counts",
    "first meeting per prospect",
    "activity times per prospect",
    "writing the rebuilt rows",
}


def ratio_bounds(top: float, bottom: float) -> tuple[float, float]:
    """Where top / bottom lies when both were rounded to the millisecond and the ratio to 0.01 (a tiny
    run's scan takes a few milliseconds: its rounding alone moves the ratio by several percent)."""
    half = 0.0005
    return (top - half) / (bottom + half) - 0.005, (top + half) / max(bottom - half, half) + 0.005


def test_marts_benchmark_measures_scan_rebuild_and_floor(tmp_path: Path) -> None:
    database = tmp_path / "bench.duckdb"
    result, stdout = run_bench("marts.py", *TINY, "--db", str(database), timeout=120)
    assert result["sizes"]["core.activities"] == 20_000
    assert result["sizes"]["core.deals"] == 2_000
    assert set(result["rebuild_by_model"]) == MODELS
    assert all(result["rows"][model] > 0 for model in MODELS)
    assert set(result["floor_by_part"]) == FLOOR_PARTS
    assert all(seconds > 0 for seconds in result["floor_by_part"].values())
    # one repeat: each total is the sum of its parts (rounded to the millisecond)
    assert result["rebuild_seconds"] == pytest.approx(sum(result["rebuild_by_model"].values()), abs=0.01)
    assert result["floor_seconds"] == pytest.approx(sum(result["floor_by_part"].values()), abs=0.01)
    for ratio, top, bottom in (
        ("ratio", "rebuild_seconds", "scan_seconds"),
        ("floor_ratio", "floor_seconds", "scan_seconds"),
        ("rebuild_floor_ratio", "rebuild_seconds", "floor_seconds"),
    ):
        low, high = ratio_bounds(result[top], result[bottom])
        assert low <= result[ratio] <= high, (ratio, result[ratio], low, high)
    assert "ratio (c)/(a)" in stdout
    assert f"ratio (b)/(c) = {result['rebuild_floor_ratio']:.2f}  (goal <= 2.5: " in stdout
    with duckdb.connect(str(database), read_only=True) as conn:
        schemas = {name for (name,) in conn.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert "bench_floor" not in schemas  # the floor's scratch copies are dropped
