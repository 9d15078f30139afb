"""What a `barometer sync` run does, called directly with no Dagster: every stream over its catch-up
window (history start to now, on a fresh warehouse) through models.sync.run_stream, the
reporting config written, every SQL model (core, then marts, in dependency order) materialized.
Reads the same environment variables as the CLI (the CRMs, BAROMETER_WAREHOUSE,
BAROMETER_CONFIG_FILE). Prints one JSON line with the seconds of each step (imports excluded).

    python bench/direct_sync.py
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from harness import emit, peak_rss_mb

from connectors.sources import open_sources
from connectors.streams import Window
from models.engine import make_engine
from models.reporting import reporting_config_from_env, write_config
from models.sqlmodels import discover, materialize
from models.sync import HISTORY_START, run_stream


def main() -> None:
    started = time.perf_counter()
    engine = make_engine()
    now = datetime.now(UTC)
    steps: dict[str, float] = {}
    records = 0
    with open_sources(os.environ) as sources:
        for stream in sources.streams:
            report = run_stream(engine, stream, Window(HISTORY_START, now))
            steps[stream.name] = round(report.seconds, 3)
            records += report.fetched
    t = time.perf_counter()
    write_config(engine, reporting_config_from_env(), as_of=datetime.now(UTC))
    steps["config"] = round(time.perf_counter() - t, 3)
    rows = {}
    for model in discover():
        t = time.perf_counter()
        rows[model.name] = materialize(engine, model)
        steps[model.name] = round(time.perf_counter() - t, 3)
    engine.dispose()
    emit(
        {
            "seconds": round(time.perf_counter() - started, 3),
            "records": records,
            "rows": rows,
            "steps": steps,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
