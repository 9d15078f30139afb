"""Rows/s of models.loader.merge_page: 100,000-row pages merged into a landing table of 1,000,000 rows,
through the real engine, in a DuckDB file.

    .venv/bin/python bench/merge.py [--rows 1000000] [--page 100000] [--quick]

Cases: `load` fills the empty table page by page (all inserts); `upsert` merges pages that are half
newer versions of stored rows and half new records; `rerun` merges an already loaded page again (all
equal: replaced with the same content); `stale` merges a page older than what is stored (all skipped).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from connectors.streams import Column, Page, StreamSpec
from models.engine import make_engine
from models.loader import merge_page
from models.raw import ensure_tables

SPEC = StreamSpec(
    source="salesforce",
    name="bench_task",
    description="Benchmark table shaped like a Salesforce Task landing table.",
    columns=(
        Column("id", "string", "Record id.", nullable=False),
        Column("owner_id", "string", "Owner."),
        Column("account_id", "string", "Account."),
        Column("subject", "string", "Subject."),
        Column("call_duration_seconds", "integer", "Call duration."),
        Column("completed_at", "timestamp", "Completion time."),
        Column("amount", "double", "A number."),
        Column("is_closed", "boolean", "A flag."),
    ),
    primary_key=("id",),
)
T0 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)


def make_rows(first: int, count: int, version: int) -> pa.Table:
    """Rows with ids first…first+count-1; `version` sets the modification time (larger = newer)."""
    ids = np.arange(first, first + count)
    rng = np.random.default_rng(first + version)
    id_strings = np.char.add("00T", np.char.zfill(ids.astype(str), 15))
    modified = np.full(count, T0 + version * 3_600_000_000, dtype="int64")
    raw = np.char.add(np.char.add('{"Id": "', id_strings), '", "Custom__c": 1}')
    columns = {
        "id": pa.array(id_strings),
        "owner_id": pa.array(np.char.add("005", (ids % 60).astype(str))),
        "account_id": pa.array(np.char.add("001", (ids % 5000).astype(str))),
        "subject": pa.array(np.char.add("Call ", (ids % 97).astype(str))),
        "call_duration_seconds": pa.array(rng.integers(0, 3600, count, dtype=np.int32)),
        "completed_at": pa.array(modified, pa.timestamp("us", tz="UTC")),
        "amount": pa.array(rng.random(count)),
        "is_closed": pa.array(rng.random(count) < 0.5),
        "_source_updated_at": pa.array(modified, pa.timestamp("us", tz="UTC")),
        "_is_deleted": pa.array(np.zeros(count, dtype=bool)),
        "_raw": pa.array(raw),
    }
    return pa.Table.from_pydict(columns, schema=SPEC.schema)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the table before the upserts")
    parser.add_argument("--page", type=int, default=100_000, help="rows per page")
    parser.add_argument("--pages", type=int, default=5, help="pages per measured case")
    parser.add_argument("--quick", action="store_true", help="100,000 rows, 10,000-row pages: a smoke run")
    args = parser.parse_args()
    total, size = (100_000, 10_000) if args.quick else (args.rows, args.page)
    timings: dict[str, tuple[int, float]] = {}

    def measure(case: str, conn, pages: list[Page]) -> None:
        rows, seconds = timings.get(case, (0, 0.0))
        for page in pages:
            started = time.perf_counter()
            merge_page(conn, page, run_id="bench", stream_name="bench.task")
            seconds += time.perf_counter() - started
            rows += page.rows.num_rows
        timings[case] = (rows, seconds)

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(Path(folder) / "bench.duckdb")
        ensure_tables(engine, [SPEC])
        with engine.connect() as conn:
            for first in range(0, total, size):  # pages are built one at a time: memory stays bounded
                measure("load", conn, [Page(SPEC, make_rows(first, min(size, total - first), version=1))])
            for n in range(args.pages):  # half updates of stored rows, half new records
                first = total - size // 2 + n * (size // 2)
                measure("upsert", conn, [Page(SPEC, make_rows(first, size, version=2 + n))])
            measure("rerun", conn, [Page(SPEC, make_rows(0, size, version=1)) for _ in range(args.pages)])
            measure("stale", conn, [Page(SPEC, make_rows(size, size, version=0)) for _ in range(args.pages)])
            table_rows = conn.exec_driver_sql(f"SELECT count(*) FROM {SPEC.table_name}").scalar()
        engine.dispose()

    result = {
        "table_rows_before_upserts": total,
        "table_rows_after": table_rows,
        "page_rows": size,
        "cases": {
            case: {"rows": rows, "seconds": round(seconds, 3), "rows_per_second": round(rows / seconds)}
            for case, (rows, seconds) in timings.items()
        },
    }
    print(f"{'case':<8}{'rows':>11}{'seconds':>10}{'rows/s':>12}")
    for case, r in result["cases"].items():
        print(f"{case:<8}{r['rows']:>11,}{r['seconds']:>10.2f}{r['rows_per_second']:>12,}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
