"""Writing the scorecard: where the page goes, opening the warehouse read-only, and the write itself
(render into a temporary file beside the target, then rename, so a reader never sees half a page)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlalchemy.engine import make_url

from models.engine import ENV_VAR as WAREHOUSE_VAR
from models.engine import warehouse_url
from pipelines.report.page import render
from pipelines.report.queries import BUILD_FIRST, ReportError, load_scorecard

REPORT_FILE_VAR = "BAROMETER_REPORT_FILE"
DEFAULT_WEEKS = 12
MAX_WEEKS = 104


@dataclass(frozen=True)
class WrittenReport:
    path: Path
    bytes: int
    reps: int
    weeks: int
    seconds: float  # reading the marts, rendering and writing


def report_path(warehouse: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """`BAROMETER_REPORT_FILE` if set, else `<warehouse name>-scorecard.html` beside the warehouse file
    (data/demo.duckdb → data/demo-scorecard.html)."""
    env = os.environ if env is None else env
    configured = env.get(REPORT_FILE_VAR, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    if warehouse is None:
        raise ReportError(
            f"the warehouse is not a file, so the report has no default place; set {REPORT_FILE_VAR} "
            "(or pass --out) to the HTML file to write"
        )
    return warehouse.with_name(f"{warehouse.stem}-scorecard.html")


def default_warehouse() -> Path:
    """The warehouse file BAROMETER_WAREHOUSE names (or the default, data/warehouse.duckdb)."""
    database = make_url(warehouse_url()).database or ""
    if not database or database == ":memory:" or database.startswith("md:"):
        raise ReportError(
            f"{WAREHOUSE_VAR} does not name a DuckDB file; pass --database with the warehouse file"
        )
    return Path(database).expanduser().resolve()


def open_read_only(database: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the warehouse file, reporting timestamps in UTC."""
    if not database.is_file():
        raise ReportError(
            f"no warehouse at {database}; {BUILD_FIRST}, or point --database (or BAROMETER_WAREHOUSE) at "
            "the warehouse file"
        )
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise ReportError(
                f"{database} is open for writing by another process (a sync or build running?); "
                "run the report again when it has finished"
            ) from None
        raise ReportError(f"cannot open {database} as a DuckDB warehouse: {exc}") from None
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {database} as a DuckDB warehouse: {exc}") from None
    con.execute("set TimeZone = 'UTC'")
    return con


def write_report(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    weeks: int = DEFAULT_WEEKS,
    now: datetime | None = None,
) -> WrittenReport:
    """Read the marts over `con`, render the page and write it to `path` (folders created)."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ReportError(f"weeks must be from 1 to {MAX_WEEKS}, got {weeks}")
    started = time.perf_counter()
    card = load_scorecard(con, weeks=weeks)
    page = render(card, generated_at=now or datetime.now(UTC)).encode("utf-8")
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
            tmp.write(page)
        os.replace(tmp.name, path)
    except OSError as exc:
        raise ReportError(
            f"cannot write the report to {path} ({exc.strerror or exc}); pass --out or set "
            f"{REPORT_FILE_VAR} to a file in a writable folder"
        ) from None
    return WrittenReport(
        path=path,
        bytes=len(page),
        reps=card.rep_count,
        weeks=weeks,
        seconds=time.perf_counter() - started,
    )
