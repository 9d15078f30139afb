"""Data-quality checks, written as queries for offending rows: a check passes when its query returns none,
and reports how many there are with a sample. Each is attached to the table it judges and runs once
that table and every table it reads are built; a check whose tables no SQL model builds is left out.

Two more checks live with their assets: fetched = loaded + rejected (extract_assets) and the row-count
drop (sql_assets). `source_freshness` checks that each stream's data is loaded up to recent hours.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from pipelines.extract_assets import WAREHOUSE_POOL, CatalogStream, table_key
from pipelines.partitions import loaded_until
from pipelines.sql_assets import table_key as model_key

SAMPLE_ROWS = 10
FRESH = "fresh"


@dataclass(frozen=True)
class QueryCheck:
    table: str  # the table judged, e.g. "core.deals"
    name: str
    description: str
    sql: str  # offending rows grouped: the telling columns, then a count
    reads: tuple[str, ...] = ()  # other tables the query reads
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR

    @property
    def key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(model_key(self.table), self.name)


def unique_key(table: str, *columns: str) -> QueryCheck:
    cols = ", ".join(columns)
    return QueryCheck(
        table,
        "unique_key",
        f"No two rows share ({cols}).",
        f"select {cols}, count(*) as copies from {table} "
        f"group by {cols} having count(*) > 1 order by copies desc",
    )


def no_orphans(table: str, column: str, parent: str, parent_column: str) -> QueryCheck:
    return QueryCheck(
        table,
        f"{column}_in_{parent.split('.')[-1]}",
        f"Every non-NULL {column} is a {parent_column} of {parent}.",
        f"select child.{column}, count(*) as rows from {table} as child "
        f"where child.{column} is not null and not exists "
        f"(select 1 from {parent} as p where p.{parent_column} = child.{column}) "
        "group by all order by rows desc",
        reads=(parent,),
    )


# Keys and references of the KPI contract, section 2.
CHECKS: tuple[QueryCheck, ...] = (
    unique_key("core.reps", "rep_id"),
    unique_key("core.activities", "activity_id"),
    unique_key("core.deals", "deal_id"),
    unique_key("core.deal_stage_history", "deal_id", "entered_at", "stage"),
    no_orphans("core.activities", "rep_id", "core.reps", "rep_id"),
    no_orphans("core.activities", "deal_id", "core.deals", "deal_id"),
    no_orphans("core.deals", "rep_id", "core.reps", "rep_id"),
    no_orphans("core.deal_stage_history", "deal_id", "core.deals", "deal_id"),
    QueryCheck(
        "core.deals",
        "stages_mapped",
        "Every stage of a live deal maps to a funnel stage (stage mapping, BAROMETER_CONFIG_FILE).",
        "select source, pipeline, stage, count(*) as deals from core.deals "
        "where funnel_stage is null and not is_deleted group by all order by deals desc",
        severity=dg.AssetCheckSeverity.WARN,
    ),
    QueryCheck(
        "core.deal_stage_history",
        "stages_mapped",
        "Every stage a live deal entered maps to a funnel stage (stage mapping, BAROMETER_CONFIG_FILE).",
        "select d.source, d.pipeline, h.stage, count(*) as entries from core.deal_stage_history as h "
        "join core.deals as d using (deal_id) where h.funnel_stage is null and not d.is_deleted "
        "group by all order by entries desc",
        reads=("core.deals",),
        severity=dg.AssetCheckSeverity.WARN,
    ),
    QueryCheck(
        "core.deals",
        "currencies_convertible",
        "Every live deal's amount converts to the reporting currency (BAROMETER_FX_RATES).",
        "select currency, count(*) as deals from core.deals "
        "where amount is not null and amount_reporting is null and not is_deleted "
        "group by all order by deals desc",
        severity=dg.AssetCheckSeverity.WARN,
    ),
)


def data_quality_checks(
    built_tables: Iterable[str], checks: Iterable[QueryCheck] = CHECKS
) -> list[dg.AssetChecksDefinition]:
    """One multi-asset check over the checks whose tables are all built by SQL models."""
    built = set(built_tables)
    usable = [c for c in checks if c.table in built and built.issuperset(c.reads)]
    if not usable:
        return []
    by_key = {c.key: c for c in usable}

    @dg.multi_asset_check(
        name="data_quality",
        specs=[
            dg.AssetCheckSpec(
                c.name,
                asset=model_key(c.table),
                description=c.description,
                additional_deps=[model_key(t) for t in c.reads],
            )
            for c in usable
        ],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse"},
    )
    def data_quality(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        with context.resources.warehouse.engine() as engine, engine.connect() as conn:
            for key in context.selected_asset_check_keys:
                yield evaluate(conn, by_key[key])

    return [data_quality]


def evaluate(conn: sa.Connection, check: QueryCheck) -> dg.AssetCheckResult:
    result = conn.exec_driver_sql(check.sql)
    columns = list(result.keys())
    rows = result.fetchall()
    total = sum(row[-1] for row in rows)
    metadata: dict[str, object] = {"offending_groups": len(rows), "offending_rows": total}
    if rows:
        sample = [dict(zip(columns, (str(v) for v in row), strict=True)) for row in rows[:SAMPLE_ROWS]]
        metadata["sample"] = dg.MetadataValue.json(sample)
    return dg.AssetCheckResult(
        asset_key=model_key(check.table),
        check_name=check.name,
        passed=not rows,
        severity=check.severity,
        metadata=metadata,
    )


def source_freshness(streams: Iterable[CatalogStream], freshness: timedelta) -> dg.AssetChecksDefinition:
    """Per stream: its data is loaded without a gap up to at most `freshness` ago (pipelines.partitions);
    a CRM without credentials passes, noted as not configured."""
    streams = list(streams)
    hours = freshness.total_seconds() / 3600
    by_key: Mapping[dg.AssetCheckKey, CatalogStream] = {
        dg.AssetCheckKey(table_key(s.specs[0]), FRESH): s for s in streams
    }

    @dg.multi_asset_check(
        name="source_freshness",
        specs=[
            dg.AssetCheckSpec(
                FRESH,
                asset=key.asset_key,
                description=f"Loaded without a gap up to less than {hours:g} hours ago.",
            )
            for key in by_key
        ],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", *{s.source for s in streams}},
    )
    def freshness_check(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        now = datetime.now(UTC)
        with context.resources.warehouse.engine() as engine:
            for key in context.selected_asset_check_keys:
                stream = by_key[key]
                if not getattr(context.resources, stream.source).configured:
                    yield dg.AssetCheckResult(
                        asset_key=key.asset_key,
                        check_name=FRESH,
                        passed=True,
                        metadata={"skipped": "not configured"},
                    )
                    continue
                until = loaded_until(engine, stream.name)
                lag = now - until if until else None
                yield dg.AssetCheckResult(
                    asset_key=key.asset_key,
                    check_name=FRESH,
                    passed=lag is not None and lag <= freshness,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "loaded_until": until.isoformat() if until else "never",
                        "lag_hours": round(lag.total_seconds() / 3600, 2) if lag is not None else "n/a",
                    },
                )

    return freshness_check
