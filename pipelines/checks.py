"""Data-quality checks, written as queries for offending rows: a check passes when its query returns none,
and reports how many there are with a sample. Each is attached to the table it judges and runs once
that table and every table it reads are built; a check whose tables no asset builds is left out.

The checks are declared in the models' own files (`sql/<schema>/<table>.yml`, models.model_files): its
generic `tests:` (unique_key, not_null, accepted_values, relationships, share) become queries here, its
custom `checks:` are queries already. `model_checks` turns them into QueryChecks and
`data_quality_checks` into one Dagster multi-asset check.

Three more checks live with their assets: fetched = loaded + rejected and nothing rejected
(extract_assets), and the row-count drop (sql_assets). `source_freshness` checks that each stream's
data is loaded up to recent hours.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import sqlalchemy as sa

from models.model_files import (
    AcceptedValues,
    ModelFileError,
    NotNull,
    Relationship,
    Share,
    SqlCheck,
    Test,
    UniqueKey,
)
from models.sqlmodels import SqlModel, dependencies
from models.sync import loaded_until
from pipelines.extract_assets import WAREHOUSE_POOL, CatalogStream, landing_table_key
from pipelines.sql_assets import model_key

SAMPLE_ROWS = 10
FRESH = "fresh"
SEVERITY = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


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


def model_checks(models: Iterable[SqlModel]) -> tuple[QueryCheck, ...]:
    """The tests and checks of every model's file, in model order, then file order."""
    found: list[QueryCheck] = []
    for model in models:
        if model.doc is None:
            continue
        checks = [query_check(model.name, item) for item in (*model.doc.tests, *model.doc.checks)]
        names = [check.name for check in checks]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ModelFileError(
                f"{model.doc.path}: two checks of {model.name} are named {', '.join(twice)}; rename the "
                "custom check under checks: (generic tests are named after their column)"
            )
        found.extend(checks)
    return tuple(found)


def query_check(table: str, item: Test | SqlCheck) -> QueryCheck:
    """The query for one test or custom check of `table`'s model file."""
    severity = SEVERITY[item.severity]
    match item:
        case UniqueKey(columns=columns):
            return unique_key(table, *columns, severity=severity)
        case NotNull(column=column):
            return not_null(table, column, severity=severity)
        case AcceptedValues(column=column, values=values):
            return accepted_values(table, column, values, severity=severity)
        case Relationship(column=column, to=parent, field=field):
            return no_orphans(table, column, parent, field, severity=severity)
        case Share(column=column):
            return share_within_unit(table, column, severity=severity)
        case SqlCheck(name=name, description=description, sql=sql):
            reads = tuple(sorted(dependencies(sql, where=f"{table} check {name}") - {table}))
            return QueryCheck(table, name, description, sql, reads=reads, severity=severity)
    raise TypeError(f"not a model-file test: {item!r}")


def unique_key(
    table: str, *columns: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> QueryCheck:
    cols = ", ".join(columns)
    return QueryCheck(
        table,
        "unique_key",
        f"No two rows share ({cols}).",
        f"select {cols}, count(*) as copies from {table} "
        f"group by {cols} having count(*) > 1 order by copies desc",
        severity=severity,
    )


def not_null(
    table: str, column: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> QueryCheck:
    return QueryCheck(
        table,
        f"{column}_not_null",
        f"Every row has a {column}.",
        f"select count(*) as rows from {table} where {column} is null having count(*) > 0",
        severity=severity,
    )


def accepted_values(
    table: str,
    column: str,
    values: Iterable[str],
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> QueryCheck:
    values = tuple(values)
    listed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return QueryCheck(
        table,
        f"{column}_accepted_values",
        f"Every non-NULL {column} is one of {', '.join(values)}.",
        f"select {column}, count(*) as rows from {table} "
        f"where cast({column} as varchar) not in ({listed}) group by all order by rows desc",
        severity=severity,
    )


def no_orphans(
    table: str,
    column: str,
    parent: str,
    parent_column: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> QueryCheck:
    """The model files declare these `severity: warn`: an orphan (an owner missing from the CRM's users,
    a task on an opportunity the integration user cannot see) leaves every figure right, only without
    the parent's details, so it is reported without stopping a publication."""
    return QueryCheck(
        table,
        f"{column}_in_{parent.split('.')[-1]}",
        f"Every non-NULL {column} is a {parent_column} of {parent}.",
        f"select child.{column}, count(*) as rows from {table} as child "
        f"where child.{column} is not null and not exists "
        f"(select 1 from {parent} as p where p.{parent_column} = child.{column}) "
        "group by all order by rows desc",
        reads=(parent,),
        severity=severity,
    )


def share_within_unit(
    table: str, column: str, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR
) -> QueryCheck:
    """A ratio of a part to its whole. Ratios that are not shares are not declared: appointment_rate =
    meetings_booked / connected_calls can exceed 1 (meetings are booked without a call too)."""
    return QueryCheck(
        table,
        f"{column}_within_0_1",
        f"Every non-NULL {column} is a share: between 0 and 1.",
        f"select {column}, count(*) as rows from {table} where {column} < 0 or {column} > 1 "
        "group by all order by rows desc",
        severity=severity,
    )


def data_quality_checks(
    built_tables: Iterable[str], checks: Iterable[QueryCheck]
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
    """Per stream: its data is loaded without a gap up to at most `freshness` ago (pipelines.windows);
    a CRM without credentials passes, noted as not configured."""
    streams = list(streams)
    hours = freshness.total_seconds() / 3600
    by_key: Mapping[dg.AssetCheckKey, CatalogStream] = {
        dg.AssetCheckKey(landing_table_key(s.specs[0]), FRESH): s for s in streams
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
                until = loaded_until(engine, stream)
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
