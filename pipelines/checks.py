"""Data-quality checks, written as queries for offending rows: a check passes when its query returns none,
and reports how many there are with a sample. Each is attached to the table it judges and runs once
that table and every table it reads are built; a check whose tables no asset builds is left out.
The marts' checks are derived from MARTS (each mart's key and share columns) beside the
reconciliations of their totals with core (RECONCILIATIONS).

Three more checks live with their assets: fetched = loaded + rejected and nothing rejected
(extract_assets), and the row-count drop (sql_assets). `source_freshness` checks that each stream's
data is loaded up to recent hours.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from models.sync import loaded_until
from pipelines.extract_assets import WAREHOUSE_POOL, CatalogStream, table_key
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
    """A warning, not an error: an orphan (an owner missing from the CRM's users, a task on an opportunity
    the integration user cannot see) leaves every figure right, only without the parent's details, so it
    is reported without stopping a publication."""
    return QueryCheck(
        table,
        f"{column}_in_{parent.split('.')[-1]}",
        f"Every non-NULL {column} is a {parent_column} of {parent}.",
        f"select child.{column}, count(*) as rows from {table} as child "
        f"where child.{column} is not null and not exists "
        f"(select 1 from {parent} as p where p.{parent_column} = child.{column}) "
        "group by all order by rows desc",
        reads=(parent,),
        severity=dg.AssetCheckSeverity.WARN,
    )


@dataclass(frozen=True)
class MartRules:
    key: tuple[str, ...]  # the grain: one row per value
    shares: tuple[str, ...] = ()  # ratios of a part to its whole: within [0, 1] or NULL


# The grain and the share-type ratios of each mart (KPI contract, section 3). Ratios that are not shares
# are left out: appointment_rate = meetings_booked / connected_calls can exceed 1 (meetings are booked
# without a call too).
MARTS: dict[str, MartRules] = {
    "marts.rep_daily_activity": MartRules(("rep_id", "activity_date"), ("connect_rate",)),
    "marts.rep_weekly_scorecard": MartRules(("rep_id", "week_start"), ("win_rate",)),
    "marts.funnel_monthly": MartRules(
        ("rep_id", "cohort_month"), ("appointment_to_proposal_rate", "proposal_to_win_rate")
    ),
    "marts.rep_peer_comparison": MartRules(("rep_id", "quarter_start"), ("win_rate", "team_win_rate")),
    "marts.deal_facts": MartRules(("deal_id",)),
}


def share_within_unit(table: str, column: str) -> QueryCheck:
    return QueryCheck(
        table,
        f"{column}_within_0_1",
        f"Every non-NULL {column} is a share: between 0 and 1.",
        f"select {column}, count(*) as rows from {table} where {column} < 0 or {column} > 1 "
        "group by all order by rows desc",
    )


def mart_rule_checks(marts: Mapping[str, MartRules] = MARTS) -> tuple[QueryCheck, ...]:
    """Per mart: its key is unique, each share within [0, 1]."""
    return tuple(
        check
        for table, rules in marts.items()
        for check in (unique_key(table, *rules.key), *(share_within_unit(table, c) for c in rules.shares))
    )


def _as_of_date(mart: str) -> str:
    """The mart's as-of date: its as_of (the build's) as a reporting-timezone date (config.build)."""
    return (
        "(select cast(timezone((select timezone from config.build), "
        f"(select max(as_of) from {mart})) as date))"
    )


def _counted_deals(mart: str) -> str:
    """The live core deals with a rep closed on or before the mart's as-of date: the deals_won,
    deals_lost and revenue_won of the rep marts (KPI contract, section 3)."""
    return (
        "select * from core.deals where not is_deleted and rep_id is not null "
        f"and closed_on <= {_as_of_date(mart)}"
    )


# Totals of the marts against core (KPI contract, section 3): one offending row per mismatch.
RECONCILIATIONS: tuple[QueryCheck, ...] = (
    QueryCheck(
        "marts.rep_weekly_scorecard",
        "totals_reconcile_with_core",
        "The sums of revenue_won (within a cent per row), deals_won and deals_lost equal core.deals' "
        "over the live won / lost deals with a rep closed on or before the as-of date.",
        "with mart as (select coalesce(sum(revenue_won), 0) as revenue_won, coalesce(sum(deals_won), 0) "
        "as deals_won, coalesce(sum(deals_lost), 0) as deals_lost, count(*) as rows "
        "from marts.rep_weekly_scorecard), "
        "core as (select coalesce(sum(amount_reporting) filter (where is_won), 0) as revenue_won, "
        "count(*) filter (where is_won) as deals_won, count(*) filter (where not is_won) as deals_lost "
        f"from ({_counted_deals('marts.rep_weekly_scorecard')})) "
        "select mart.revenue_won as mart_revenue_won, core.revenue_won as core_revenue_won, "
        "mart.deals_won as mart_deals_won, core.deals_won as core_deals_won, "
        "mart.deals_lost as mart_deals_lost, core.deals_lost as core_deals_lost, 1 as mismatches "
        "from mart cross join core where abs(mart.revenue_won - core.revenue_won) > 0.01 * mart.rows "
        "or mart.deals_won <> core.deals_won or mart.deals_lost <> core.deals_lost",
        reads=("core.deals", "config.build"),
    ),
    QueryCheck(
        "marts.rep_peer_comparison",
        "deals_reconcile_with_core",
        "Per quarter, the sums of deals_won and deals_lost equal core.deals' over the live won / lost "
        "deals with a rep closed in the quarter on or before the as-of date.",
        "with mart as (select quarter_start, sum(deals_won) as deals_won, sum(deals_lost) as deals_lost "
        "from marts.rep_peer_comparison group by 1), "
        "core as (select cast(date_trunc('quarter', closed_on) as date) as quarter_start, "
        "count(*) filter (where is_won) as deals_won, count(*) filter (where not is_won) as deals_lost "
        f"from ({_counted_deals('marts.rep_peer_comparison')}) group by 1) "
        "select coalesce(mart.quarter_start, core.quarter_start) as quarter_start, "
        "mart.deals_won as mart_deals_won, core.deals_won as core_deals_won, "
        "mart.deals_lost as mart_deals_lost, core.deals_lost as core_deals_lost, 1 as quarters "
        "from mart full outer join core on core.quarter_start = mart.quarter_start "
        "where mart.deals_won is distinct from core.deals_won "
        "or mart.deals_lost is distinct from core.deals_lost order by 1",
        reads=("core.deals", "config.build"),
    ),
    QueryCheck(
        "marts.deal_facts",
        "rows_reconcile_with_core",
        "One row per live core deal: as many rows as core.deals has deals not deleted.",
        "select mart.rows as mart_rows, core.rows as core_rows, 1 as mismatches "
        "from (select count(*) as rows from marts.deal_facts) as mart "
        "cross join (select count(*) as rows from core.deals where not is_deleted) as core "
        "where mart.rows <> core.rows",
        reads=("core.deals",),
    ),
)

# Keys and references of the KPI contract, section 2; the marts' rules and totals, section 3.
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
    *mart_rule_checks(),
    *RECONCILIATIONS,
)


def data_quality_checks(
    built_tables: Iterable[str], checks: Iterable[QueryCheck] = CHECKS
) -> list[dg.AssetChecksDefinition]:
    """One multi-asset check over the checks whose tables are all built (by SQL models or, for the
    tables a check only reads, the reporting config)."""
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
