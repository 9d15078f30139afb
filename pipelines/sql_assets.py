"""The SQL models as assets: one per `sql/<schema>/<table>.sql` file (models.sqlmodels.discover), keyed
`<schema>/<table>`, its upstream assets read from the SQL itself (SqlModel.dependencies):
`raw_<source>.<table>` is that table's extract asset, `config.<table>` a reporting-config asset
(models.reporting.write_config), `<schema>.<table>` that model's asset. A new file, e.g. a mart in
sql/marts/, becomes an asset with no code change. One step writes the config and builds every model
(`models_asset`); each table and view is still an asset of its own, with its own materialization.

Each model asset also checks that its row count did not drop by more than the configured share since
its previous build.
"""

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime

import dagster as dg
import sqlalchemy as sa

from models.reporting import CONFIG_SCHEMA, CONFIG_TABLES, write_config
from models.sqlmodels import SqlModel, define_macros, materialize
from pipelines.errors import innermost_message
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


BUILD_STEP = "build_models"


def models_asset(
    models: Iterable[SqlModel], upstream: Iterable[dg.AssetKey], *, max_row_drop_percent: float
) -> dg.AssetsDefinition:
    """One step that writes the reporting config and builds every SQL model, each table its own asset;
    `upstream` are the keys of the non-SQL assets models may read (the landing tables; the config
    tables are this step's own). A selection builds only its assets, in dependency order. A model that
    fails does not stop the ones that do not read it; the step fails at the end, naming it. (A step per
    model cost Dagster's per-step work 14 times a run: docs/operations.md, "Costs".)"""
    models = list(models)
    config_keys = [dg.AssetKey([CONFIG_SCHEMA, table.name]) for table in CONFIG_TABLES]
    known = set(upstream) | set(config_keys) | {model_key(m.name) for m in models}
    checked = [m for m in models if _counts_rows(m)]

    @dg.multi_asset(
        name=BUILD_STEP,
        specs=[
            *(
                dg.AssetSpec(key=key, description=table.comment, group_name=CONFIG_GROUP, kinds={"duckdb"})
                for key, table in zip(config_keys, CONFIG_TABLES, strict=True)
            ),
            *(_spec(model, known) for model in models),
        ],
        check_specs=[
            dg.AssetCheckSpec(
                ROW_COUNT_CHECK,
                asset=model_key(model.name),
                description=f"The row count fell by at most {max_row_drop_percent:g}% since the previous "
                "build.",
            )
            for model in checked
        ],
        can_subset=True,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", "reporting"},
    )
    def build(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        selected = context.selected_asset_keys
        chosen = [m for m in models if model_key(m.name) in selected]
        previous = _previous_row_counts(context.instance, [model_key(m.name) for m in chosen])
        with context.resources.warehouse.engine() as engine:
            if selected & set(config_keys):
                yield from _write_config(context, engine, selected)
            define_macros(engine, chosen)
            broken: dict[str, str] = {}  # model → why it was not built
            for model in chosen:
                key = model_key(model.name)
                unbuilt = sorted(model.dependencies & broken.keys())
                if unbuilt:
                    broken[model.name] = f"not built: reads {', '.join(unbuilt)}"
                    continue
                try:
                    rows = materialize(engine, model, macros_defined=True)
                except Exception as exc:  # the models that do not read it still build
                    broken[model.name] = innermost_message(exc)  # logged: the step goes on
                    context.log.error(f"{model.name} failed: {broken[model.name]}")
                    continue
                yield dg.MaterializeResult(
                    asset_key=key, metadata={ROW_COUNT: rows, "sql_file": model.path.name}
                )
                if dg.AssetCheckKey(key, ROW_COUNT_CHECK) in context.selected_asset_check_keys:
                    yield row_count_check(key, rows, previous.get(key), max_row_drop_percent)
        if broken:
            raise dg.Failure(description="; ".join(f"{name}: {why}" for name, why in broken.items()))

    return build


def _write_config(
    context: dg.AssetExecutionContext, engine: sa.Engine, selected: AbstractSet[dg.AssetKey]
) -> Iterator[dg.MaterializeResult]:
    """The config.* tables (settings with the build's as_of, FX rates, stage mapping, call outcomes) from
    the reporting resource, upstream of every model that reads them."""
    config = context.resources.reporting.reporting_config()
    as_of = datetime.now(UTC)
    write_config(engine, config, as_of=as_of)
    metadata = {
        "timezone": config.timezone,
        "currency": config.currency,
        "fx_rates": ", ".join(f"{code}={rate}" for code, rate in sorted(config.fx_rates.items())) or "none",
        "stage_mappings": len(config.stage_mapping),
        "call_outcomes": len(config.call_outcomes),
        "as_of": as_of.isoformat(),
    }
    context.log.info("reporting config: " + ", ".join(f"{name} {value}" for name, value in metadata.items()))
    for table in CONFIG_TABLES:
        key = dg.AssetKey([CONFIG_SCHEMA, table.name])
        if key in selected:
            yield dg.MaterializeResult(asset_key=key, metadata=metadata)


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


def _previous_row_counts(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, int]:
    """Each asset's row count at its latest materialization, in one query."""
    counts = {}
    for key, event in instance.get_latest_materialization_events(keys).items():
        materialization = event.asset_materialization if event else None
        value = materialization.metadata.get(ROW_COUNT) if materialization else None
        if isinstance(value, dg.IntMetadataValue) and value.value is not None:
            counts[key] = value.value
    return counts


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
