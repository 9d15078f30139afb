"""The SQL models as assets: one per `sql/<schema>/<table>.sql` file (models.sqlmodels.discover), keyed
`<schema>/<table>`, its upstream assets read from the SQL itself (SqlModel.dependencies):
`raw_<source>.<table>` is that table's extract asset, `config.<table>` the reporting-config asset
(models.reporting.write_config), `<schema>.<table>` that model's asset. A new file, e.g. a mart in
sql/marts/, becomes an asset with no code change. A table is built by a step of its own; the views of a
schema (staging) by one step together.

Each model asset also checks that its row count did not drop by more than the configured share since
its previous build.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import dagster as dg

from models.reporting import CONFIG_SCHEMA, CONFIG_TABLES, write_config
from models.sqlmodels import VIEW_SCHEMAS, SqlModel, materialize
from pipelines.extract_assets import WAREHOUSE_POOL

ROW_COUNT_CHECK = "row_count_not_dropped"
ROW_COUNT = "dagster/row_count"
CONFIG_GROUP = "config"


class SqlDependencyError(ValueError):
    """A SQL model reads a table no asset produces; the message names the file and the table."""


def model_key(table: str) -> dg.AssetKey:
    """The asset key of a table as SQL models name it, `schema.table` → `schema/table` (a model, or a
    landing or config table a model reads)."""
    return dg.AssetKey(table.split("."))


def config_asset() -> dg.AssetsDefinition:
    """Writes the config.* tables (settings with the build's as_of, FX rates, stage mapping, call
    outcomes) from the reporting resource; upstream of every model that reads them."""

    @dg.multi_asset(
        name="reporting_config",
        specs=[
            dg.AssetSpec(
                key=[CONFIG_SCHEMA, table.name],
                description=table.comment,
                group_name=CONFIG_GROUP,
                kinds={"duckdb"},
            )
            for table in CONFIG_TABLES
        ],
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", "reporting"},
    )
    def reporting_config(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        config = context.resources.reporting.reporting_config()
        as_of = datetime.now(UTC)
        with context.resources.warehouse.engine() as engine:
            write_config(engine, config, as_of=as_of)
        metadata = {
            "timezone": config.timezone,
            "currency": config.currency,
            "fx_rates": ", ".join(f"{code}={rate}" for code, rate in sorted(config.fx_rates.items()))
            or "none",
            "stage_mappings": len(config.stage_mapping),
            "call_outcomes": len(config.call_outcomes),
            "as_of": as_of.isoformat(),
        }
        context.log.info(
            "reporting config: " + ", ".join(f"{name} {value}" for name, value in metadata.items())
        )
        for table in CONFIG_TABLES:
            yield dg.MaterializeResult(asset_key=[CONFIG_SCHEMA, table.name], metadata=metadata)

    return reporting_config


def sql_model_assets(
    models: Iterable[SqlModel], upstream: Iterable[dg.AssetKey], *, max_row_drop_percent: float
) -> list[dg.AssetsDefinition]:
    """An asset per model; `upstream` are the keys of the non-SQL assets models may read. The views
    (VIEW_SCHEMAS: staging) are built together in one step: each is a cheap CREATE VIEW, and a step
    apiece would cost a Dagster step's overhead (events, a pool slot, resources) per view per run."""
    models = list(models)
    known = set(upstream) | {model_key(m.name) for m in models}
    views = [m for m in models if m.schema in VIEW_SCHEMAS]
    tables = [m for m in models if m.schema not in VIEW_SCHEMAS]
    steps = [_models_asset(f"build_{m.schema}_{m.table}", [m], known, max_row_drop_percent) for m in tables]
    for schema in sorted({m.schema for m in views}):
        layer = [m for m in views if m.schema == schema]
        steps.append(_models_asset(f"build_{schema}", layer, known, max_row_drop_percent))
    return steps


def _counts_rows(model: SqlModel) -> bool:
    """A model built from the reporting configuration alone (staging.config_*) follows the
    configuration: its row count falling is a configuration change, not lost data, so it has no
    row-count check."""
    from_config = {table for table in model.dependencies if table.startswith(f"{CONFIG_SCHEMA}.")}
    return not from_config or from_config != model.dependencies


def _spec(model: SqlModel, known: set[dg.AssetKey]) -> dg.AssetSpec:
    deps = []
    for table in sorted(model.dependencies):
        if model_key(table) not in known:
            raise SqlDependencyError(
                f"{model.path}: reads {table}, which no asset produces; read a raw_<source>.<table> an "
                "extract stream lands, a config.* table, or another SQL model (sql/<schema>/<table>.sql)"
            )
        deps.append(model_key(table))
    doc = model.doc
    schema = (
        {
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(n, description=d) for n, d in doc.columns.items()]
            )
        }
        if doc
        else {}
    )
    return dg.AssetSpec(
        key=model_key(model.name),
        deps=deps,
        description=doc.description if doc else f"Built by {model.path.name}.",
        group_name=model.schema,
        kinds={"sql", "duckdb"},
        metadata={"sql_file": str(model.path), **schema},
    )


def _models_asset(
    name: str, models: list[SqlModel], known: set[dg.AssetKey], max_drop: float
) -> dg.AssetsDefinition:
    """One step building `models` in the given (dependency) order, each its own asset."""
    checked = [m for m in models if _counts_rows(m)]

    @dg.multi_asset(
        name=name,
        specs=[_spec(model, known) for model in models],
        check_specs=[
            dg.AssetCheckSpec(
                ROW_COUNT_CHECK,
                asset=model_key(model.name),
                description=f"The row count fell by at most {max_drop:g}% since the previous build.",
            )
            for model in checked
        ],
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse"},
    )
    def build(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with context.resources.warehouse.engine() as engine:
            for model in models:
                key = model_key(model.name)
                previous = _previous_row_count(context.instance, key)
                rows = materialize(engine, model)
                context.log.info(f"{model.name}: {rows:,} rows")
                yield dg.MaterializeResult(
                    asset_key=key, metadata={ROW_COUNT: rows, "sql_file": model.path.name}
                )
                if model in checked:
                    yield row_count_check(key, rows, previous, max_drop)

    return build


def _previous_row_count(instance: dg.DagsterInstance, key: dg.AssetKey) -> int | None:
    event = instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event else None
    value = materialization.metadata.get(ROW_COUNT) if materialization else None
    return value.value if isinstance(value, dg.IntMetadataValue) else None


def row_count_check(
    key: dg.AssetKey, rows: int, previous: int | None, max_drop: float
) -> dg.AssetCheckResult:
    """Passes unless the count fell by more than `max_drop` percent of the previous one."""
    dropped = 0.0 if not previous else max(0.0, 100.0 * (previous - rows) / previous)
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=ROW_COUNT_CHECK,
        passed=dropped <= max_drop,
        metadata={
            "rows": rows,
            "previous_rows": previous if previous is not None else "none",
            "drop_percent": round(dropped, 2),
            "max_drop_percent": max_drop,
        },
    )
