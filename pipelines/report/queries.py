"""Reading what the scorecard shows from the warehouse, over one DuckDB connection (the CLI's is
read-only): the KPI marts, the reporting settings and the sync log. Every value is a bound parameter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from models.coaching import CoachingThresholds
from pipelines.report.model import (
    WEEK,
    CoachingRow,
    CohortRow,
    MonthRow,
    PeerRow,
    ReportContext,
    Scorecard,
    SourceFreshness,
    WeekRow,
    build_coaching,
    build_results,
    build_scorecard,
    month_window,
    report_weeks,
)

# The marts the page reads (with config.build, the reporting settings the marts are built from).
REPORT_MARTS = (
    "marts.rep_weekly_scorecard",
    "marts.funnel_monthly",
    "marts.rep_peer_comparison",
    "marts.rep_coaching",
    "marts.rep_monthly_results",
)
SETTINGS_TABLE = "config.build"
THRESHOLDS_TABLE = "config.coaching_thresholds"
RESULT_MONTHS = 6  # the monthly results show at least this many months, the as-of month last
SYNC_RUNS_TABLE = "raw_meta.sync_runs"
BUILD_FIRST = "run `barometer demo` (the sandbox) or `barometer sync` (your CRMs) first"


class ReportError(RuntimeError):
    """The scorecard cannot be made; the message says what to do."""


def load_scorecard(con: duckdb.DuckDBPyConnection, *, weeks: int) -> Scorecard:
    """The page model of the `weeks` weeks ending with the week of the marts' as_of."""
    tables = _tables(con)
    missing = [name for name in (SETTINGS_TABLE, *REPORT_MARTS) if name not in tables]
    if missing:
        raise ReportError(f"the warehouse has no KPI marts yet (missing {', '.join(missing)}); {BUILD_FIRST}")
    settings = con.execute(f"select timezone, currency, as_of from {SETTINGS_TABLE}").fetchone()
    if settings is None:
        raise ReportError(f"{SETTINGS_TABLE} is empty; {BUILD_FIRST}")
    timezone, currency, built_as_of = settings
    as_of = _as_of(con, built_as_of)
    window = report_weeks(as_of, timezone, weeks)
    context = ReportContext(
        as_of=as_of,
        timezone=timezone,
        currency=currency,
        weeks=window,
        freshness=_freshness(con) if SYNC_RUNS_TABLE in tables else (),
    )
    first_month = window[0].replace(day=1)
    quarter = _quarter_start(context.local_as_of.date())
    previous_quarter = _quarter_start(quarter.replace(day=1) - WEEK)
    months = month_window(window[0], context.local_as_of.date().replace(day=1), RESULT_MONTHS)
    return build_scorecard(
        context,
        _rows(
            con,
            WeekRow,
            "from marts.rep_weekly_scorecard where week_start between ? and ? and rep_id is not null",
            [window[0], window[-1] + WEEK],
        ),
        _rows(
            con,
            CohortRow,
            "from marts.funnel_monthly where cohort_month between ? and ? and rep_id is not null",
            [first_month, window[-1] + WEEK],
        ),
        _rows(
            con,
            PeerRow,
            "from marts.rep_peer_comparison where quarter_start in (?, ?) and rep_id is not null",
            [quarter, previous_quarter],
        ),
        coaching=build_coaching(
            _rows(
                con,
                CoachingRow,
                "from marts.rep_coaching where rep_id is not null and quarter_start = "
                "(select max(quarter_start) from marts.rep_coaching where rep_id is not null)",
                [],
            ),
            _thresholds(con, tables),
        ),
        results=build_results(
            months,
            _rows(
                con,
                MonthRow,
                "from marts.rep_monthly_results where month_start between ? and ? and rep_id is not null",
                [months[0], months[-1]],
            ),
        ),
    )


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in (?, ?, ?)",
        ["marts", "config", "raw_meta"],
    ).fetchall()
    return {name for (name,) in rows}


def _thresholds(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, float]:
    """The coaching flags' thresholds the marts were built with (the defaults without the table)."""
    names = list(CoachingThresholds().row())
    row = None
    if THRESHOLDS_TABLE in tables:
        row = con.execute(f"select {', '.join(names)} from {THRESHOLDS_TABLE}").fetchone()
    return CoachingThresholds().row() if row is None else dict(zip(names, row, strict=True))


def _as_of(con: duckdb.DuckDBPyConnection, built_as_of: datetime) -> datetime:
    """The marts' as_of (the build they come from); config.build's when the marts are empty."""
    (marts_as_of,) = con.execute("select max(as_of) from marts.rep_weekly_scorecard").fetchone()
    return built_as_of if marts_as_of is None else marts_as_of


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _rows(con: duckdb.DuckDBPyConnection, kind: type, where: str, params: Sequence[Any]) -> list:
    """`kind` (a row dataclass) for each row of `select <its fields> <where>`."""
    names = list(kind.__dataclass_fields__)
    cursor = con.execute(f"select {', '.join(names)} {where}", list(params))
    return [kind(*row) for row in cursor.fetchall()]


def _freshness(con: duckdb.DuckDBPyConnection) -> tuple[SourceFreshness, ...]:
    rows = con.execute(
        f"""
        select
            split_part(stream, '.', 1) as source,
            max(finished_at) filter (where status = ?),
            max(newest_change_at) filter (where status = ?),
            arg_max(status, started_at),
            max(started_at)
        from {SYNC_RUNS_TABLE}
        group by 1
        order by 1
        """,
        ["succeeded", "succeeded"],
    ).fetchall()
    return tuple(SourceFreshness(*row) for row in rows)
