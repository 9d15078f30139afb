"""Publishing for BI tools as an asset: `serving/snapshot` copies the marts and the core tables out of the
warehouse (models.serving: a read-only DuckDB snapshot, Parquet files, optionally PostgreSQL) after
every build. BI tools never open the warehouse, so they never block a sync and never see a half-built
mart.

It runs only after a good build:
- it depends on every published table's asset, so a failed model (or one upstream of it) skips it;
- before copying, it runs the *blocking* checks (`blocking_checks`) on the tables about to be
  published and refuses to publish, failing the run, if one fails. BI tools keep the previous
  publication until the problem is fixed.
"""

from collections.abc import Iterable, Sequence

import dagster as dg
import sqlalchemy as sa

from models.reporting import CONFIG_SCHEMA, CONFIG_TABLES
from models.serving import PUBLISHED_SCHEMAS, Publication, publish
from models.sqlmodels import SqlModel
from pipelines.checks import QueryCheck, evaluate
from pipelines.extract_assets import WAREHOUSE_POOL
from pipelines.sql_assets import model_key

SERVING_KEY = dg.AssetKey(["serving", "snapshot"])
SERVING_GROUP = "serving"


def published_tables(models: Iterable[SqlModel]) -> list[str]:
    """The SQL models BI users query: every model in a published schema (core, marts)."""
    return [model.name for model in models if model.schema in PUBLISHED_SCHEMAS]


def blocking_checks(
    tables: Sequence[str], built: Iterable[str], checks: Iterable[QueryCheck]
) -> list[QueryCheck]:
    """The checks whose failure stops a publication: the ERROR-severity data-quality checks on published
    tables (unique keys, shares within [0, 1], totals reconciling with core) — a failure means wrong
    figures. Not blocking: the WARN checks (an unmapped stage or currency leaves a figure out and says
    so; an orphan reference leaves a name out; a stale source is still correct up to its last load)
    and the row-count drop, an alarm relative to the previous build that would pass unchanged on the
    next run anyway. A check may read any table `built` (SQL models) or a config table."""
    readable = {*tables, *built, *(f"{CONFIG_SCHEMA}.{table.name}" for table in CONFIG_TABLES)}
    return [
        check
        for check in checks
        if check.severity == dg.AssetCheckSeverity.ERROR
        and check.table in tables
        and readable.issuperset(check.reads)
    ]


def publish_asset(models: Iterable[SqlModel], checks: Iterable[QueryCheck]) -> dg.AssetsDefinition:
    models = list(models)
    tables = published_tables(models)
    gate = blocking_checks(tables, [model.name for model in models], checks)

    @dg.multi_asset(
        name="publish_serving_snapshot",
        specs=[
            dg.AssetSpec(
                key=SERVING_KEY,
                deps=[model_key(table) for table in tables],
                description=(
                    "The marts and core tables published for BI tools after each good build: a read-only "
                    "DuckDB file replaced atomically, Parquet files, optionally PostgreSQL (docs/bi.md)."
                ),
                group_name=SERVING_GROUP,
                kinds={"duckdb", "parquet"},
            )
        ],
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", "publish"},
    )
    def publish_serving_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        config = context.resources.publish.config_for(context.resources.warehouse.location)
        with context.resources.warehouse.engine() as engine:
            _refuse_if_failing(engine, gate, config.directory)
            publication = publish(engine, tables, config)
        context.log.info(
            f"published {len(publication.rows)} tables ({sum(publication.rows.values()):,} rows) to "
            f"{publication.snapshot} in {publication.seconds:.1f}s"
        )
        return dg.MaterializeResult(metadata=publication_metadata(publication, checks_passed=len(gate)))

    return publish_serving_snapshot


def publication_metadata(publication: Publication, *, checks_passed: int) -> dict[str, object]:
    as_of = publication.settings.as_of
    return {
        "path": dg.MetadataValue.path(str(publication.snapshot)),
        "parquet": dg.MetadataValue.path(str(publication.parquet)),
        "postgres": (
            f"{publication.postgres.url} (schemas {', '.join(publication.postgres.schemas)}; "
            f"read-only role {publication.postgres.reader_role})"
            if publication.postgres
            else "not configured (BAROMETER_PUBLISH_URL)"
        ),
        "tables": len(publication.rows),
        "rows": sum(publication.rows.values()),
        "row_counts": dg.MetadataValue.json(publication.rows),
        "bytes": publication.bytes,
        "seconds": round(publication.seconds, 3),
        "published_at": publication.published_at.isoformat(),
        "as_of": as_of.isoformat() if as_of else "unknown",
        "blocking_checks_passed": checks_passed,
    }


def _refuse_if_failing(engine: sa.Engine, gate: Iterable[QueryCheck], directory) -> None:
    with engine.connect() as conn:
        failed = [(check, result) for check in gate if not (result := evaluate(conn, check)).passed]
    if not failed:
        return
    listed = "; ".join(
        f"{check.table} {check.name} ({result.metadata['offending_rows'].value} offending rows)"
        for check, result in failed
    )
    raise dg.Failure(
        description=(
            f"not published: {len(failed)} blocking check(s) failed: {listed}. BI tools keep the previous "
            f"publication in {directory}. Fix the data or the SQL, then run the sync again."
        ),
        metadata={"failed_checks": [f"{check.table} {check.name}" for check, _ in failed]},
    )
