"""The scorecard after every build: `report/scorecard`, downstream of every mart asset (the marts come
from models.sqlmodels.discover, so a new mart is upstream with no change here), writes the HTML page
(pipelines.report) where `barometer report` would: BAROMETER_REPORT_FILE, else beside the warehouse
file. It reads the warehouse through the warehouse resource, so it takes its turn in the warehouse pool.
"""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from models.engine import duckdb_connection
from models.sqlmodels import SqlModel
from pipelines.extract_assets import WAREHOUSE_POOL
from pipelines.report import DEFAULT_WEEKS, REPORT_MARTS, report_path, write_report
from pipelines.sql_assets import model_key

REPORT_KEY = dg.AssetKey(["report", "scorecard"])
REPORT_GROUP = "report"


def report_assets(models: Iterable[SqlModel]) -> list[dg.AssetsDefinition]:
    """The scorecard asset, downstream of every `marts` model; none when the SQL models lack a mart
    the page reads (a trimmed SQL tree, as in some tests)."""
    models = list(models)
    if not set(REPORT_MARTS) <= {m.name for m in models}:
        return []
    marts = [model_key(m.name) for m in models if m.schema == "marts"]

    @dg.asset(
        key=REPORT_KEY,
        deps=marts,
        group_name=REPORT_GROUP,
        kinds={"html"},
        description=(
            "The KPI scorecard: one self-contained HTML page (this week's magic number and barometer per "
            "rep, activity against results per rep and week, the funnel by cohort, each rep against the "
            "team). Path: BAROMETER_REPORT_FILE, else <warehouse name>-scorecard.html beside the warehouse."
        ),
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse"},
    )
    def scorecard(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        with context.resources.warehouse.engine() as engine, engine.connect() as conn:
            path = report_path(_warehouse_file(engine))
            written = write_report(duckdb_connection(conn), path, weeks=DEFAULT_WEEKS)
        context.log.info(f"scorecard: {written.path} ({written.bytes:,} bytes, {written.reps} reps)")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(written.path)),
                "bytes": written.bytes,
                "reps": written.reps,
                "weeks": written.weeks,
                "seconds": round(written.seconds, 3),
            }
        )

    return [scorecard]


def _warehouse_file(engine: sa.Engine) -> Path | None:
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("md:"):
        return None
    return Path(database).expanduser().resolve()
