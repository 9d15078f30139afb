"""Time a rebuild of every mart against a bare DuckDB aggregate scan of the same core tables.

    .venv/bin/python bench/marts.py [--quick] [--activities 10000000] [--deals 1000000] [--reps 2000]
                                    [--db PATH] [--reuse] [--repeats 3] [--threads N]

Generates synthetic core tables (core.reps, core.activities, core.deals, core.deal_stage_history, with
the real core column names and types) straight into a DuckDB file with set-based SQL, writes the
reporting configuration (models.reporting.write_config) and revenue targets, then measures side by side,
`--repeats` times each, taking the median:

(a) the bare scan: one aggregate query per core table the marts read, touching every column they read
    (the cost of reading the data once);
(b) the rebuild: every model built from core (sql/intermediate, sql/marts) materialized with
    models.sqlmodels, in dependency order;
(c) the floor: what any full rebuild has to do at least, each part in the cheapest form measured (see
    FLOOR_QUERIES): the three groupings of the activities the contract's figures need, and writing the
    rows the rebuild wrote (each built table copied once into a scratch schema, then dropped).

Prints a table and one JSON line with the seconds, the per-model seconds and the ratios (b)/(a), (c)/(a)
and (b)/(c); the goal is a rebuild within FLOOR_GOAL times the floor, (b)/(c) <= 2.5, at 10,000,000
activities and 1,000,000 deals (the first goal, (b)/(a) <= 3, no rewrite could reach where (c)/(a) is
above 3 already). `--quick` is 1,000,000 activities
and 100,000 deals. The file (default: a temporary folder) is reused with `--db PATH --reuse`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import sqlalchemy as sa
from harness import OtherCpu

from models import sqlmodels
from models.engine import make_engine
from models.reporting import ReportingConfig, write_config

TIMEZONE = "America/New_York"
FX_RATES = {"EUR": 1.08}  # CHF deals stay unconverted (no rate)
START = datetime(2024, 11, 25, tzinfo=UTC)  # a Monday: two years of history
AS_OF = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)  # meetings are booked up to here (after as_of: future)

# Uniform [0, 1) draw number k for row x: deterministic, set-based, no Python loop.
_MACROS = """
create or replace temp macro u(x, k) as (hash(x * 32 + k) >> 11) / 9007199254740992.0;
create or replace temp macro prospect_source(p) as
    case when u(p, 31) < 0.6 then 'salesforce' else 'hubspot' end;
create or replace temp macro prospect_key(p) as
    case when u(p, 31) < 0.6 then 'salesforce:001' || lpad(cast(p as varchar), 15, '0')
    else 'hubspot:' || cast(p + 5000000000 as varchar) end;
create or replace temp macro deal_key(d) as
    case when u(d, 30) < 0.6 then 'salesforce:006' || lpad(cast(d as varchar), 15, '0')
    else 'hubspot:' || cast(d + 9000000000 as varchar) end;
create or replace temp macro rep_key(r) as
    case when r % 97 = 0 then 'hubspot:' || cast(r + 100 as varchar)
    else 'rep' || lpad(cast(r as varchar), 5, '0') || '@example.com' end;
"""

_REPS = """
create or replace table core.reps as
select
    rep_key(r) as rep_id,
    'Rep ' || cast(r as varchar) as name,
    case when r % 97 = 0 then null else rep_key(r) end as email,
    u(r, 1) < 0.95 as is_active
from range({reps}) as t(r)
"""

# Calls 35 %, e-mails 33 % (85 % outbound), tasks 12 % (70 % done), meetings 20 %: about as many e-mails
# as calls, fewer tasks. 80 % of the activities with a prospect have a contact; meetings reach an executive
# 25 % of the time, other activities 10 %. Prospects (N / 20 of them, independent of the rep) are shared
# across reps, so a prospect has several reps' meetings and exactly one first appointment; 3 % of
# meetings sit on the prospect's "tie slot", so first-appointment ties on occurred_at happen. Meetings run
# to 2027-01-01 (after as_of: future). 1 % without rep, 3 % without prospect, 2 % deleted.
_ACTIVITIES = """
create or replace table core.activities as
with draws as (
    select
        i,
        case
            when u(i, 1) < 0.35 then 'call'
            when u(i, 1) < 0.68 then 'email'
            when u(i, 1) < 0.80 then 'task'
            else 'meeting'
        end as activity_type,
        u(i, 2) as u_rep,
        case when u(i, 3) < 0.97 then cast(floor(u(i, 4) * {prospects}) as bigint) end as p,
        u(i, 5) as u_time,
        u(i, 6) as u_lead,
        u(i, 7) as u_duration,
        u(i, 8) as u_outcome,
        u(i, 9) < 0.02 as is_deleted,
        u(i, 10) < 0.03 as on_tie_slot,
        u(i, 11) < 0.30 as has_deal,
        cast(floor(u(i, 12) * {deals}) as bigint) as d,
        u(i, 16) as u_direction
    from range({activities}) as t(i)
),
shaped as (
    select
        *,
        activity_type = 'call' as is_call,
        activity_type <> 'meeting' as is_timed_like_call,
        coalesce(prospect_source(p), case when u(i, 13) < 0.6 then 'salesforce' else 'hubspot' end)
            as source,
        case
            when is_timed_like_call
                then timestamptz '{start}' + to_seconds(cast(floor(u_time * {call_span}) as bigint))
            when on_tie_slot and p is not null
                then timestamptz '{start}'
                    + to_seconds(cast(floor(u(p, 14) * {meeting_slots}) as bigint) * 1800)
            else timestamptz '{start}' + to_seconds(cast(floor(u_time * {meeting_slots}) as bigint) * 1800)
        end as occurred_at
    from draws
)
select
    source || ':' || crm_id as activity_id,
    source,
    crm_id,
    activity_type,
    case when u_rep < 0.01 then null else rep_key(cast(floor(u_rep * {reps}) as bigint)) end as rep_id,
    prospect_key(p) as prospect_id,
    case when has_deal then deal_key(d) end as deal_id,
    occurred_at,
    case when activity_type = 'meeting'
        then occurred_at - to_seconds(cast(floor(u_lead * 21 * 86400) as bigint)) end as booked_at,
    cast(
        case
            when u_duration < 0.1 or activity_type in ('email', 'task') then null
            when is_call then floor(u_duration * 1500)
            else case when u_duration < 0.6 then 1800 else 3600 end
        end as integer
    ) as duration_seconds,
    case
        when is_call then
            case
                when u_outcome < 0.30 then 'connected'
                when u_outcome < 0.60 then 'no_answer'
                when u_outcome < 0.80 then 'left_voicemail'
                when u_outcome < 0.88 then 'busy'
                when u_outcome < 0.93 then 'left_live_message'
                when u_outcome < 0.95 then 'wrong_number'
                when u_outcome < 0.97 then 'other'
            end
        when activity_type in ('email', 'task') then null
        when source = 'salesforce' then null
        when occurred_at > timestamptz '{as_of}' then 'scheduled'
        when u_outcome < 0.55 then 'completed'
        when u_outcome < 0.75 then 'scheduled'
        when u_outcome < 0.85 then 'canceled'
        when u_outcome < 0.93 then 'no_show'
        else 'rescheduled'
    end as outcome,
    is_deleted,
    least(occurred_at, timestamptz '{as_of}') + to_seconds(cast(floor(u(i, 15) * 86400) as bigint))
        as source_updated_at,
    case
        when is_call and u_direction < 0.80 then 'outbound'
        when is_call and u_direction < 0.95 then 'inbound'
        when activity_type = 'email' and u_direction < 0.85 then 'outbound'
        when activity_type = 'email' then 'inbound'
    end as direction,
    activity_type <> 'task' or u(i, 17) < 0.70 as is_done,
    case when p is not null and u(i, 18) < 0.80
        then case when source = 'salesforce'
            then 'salesforce:003' || lpad(cast(3 * p + i % 3 as varchar), 15, '0')
            else 'hubspot:' || cast(3 * p + i % 3 + 7000000000 as varchar) end
    end as contact_id,
    u(i, 19) < case when activity_type = 'meeting' then 0.25 else 0.10 end as reaches_executive
from (
    select
        *,
        case when source = 'salesforce'
            then case when activity_type = 'meeting' then '00U' else '00T' end
                || lpad(cast(i as varchar), 15, '0')
            else cast(i + 1 as varchar)
        end as crm_id
    from shaped
)
"""

# 35 % won, 40 % lost, 25 % open; cycles of 5 to 185 days (some close after as_of); amounts in USD
# (75 %), EUR (22 %, converted at 1.08) and CHF (3 %, no rate: amount_reporting NULL); 4 % NULL amounts.
_DEALS = """
create or replace table core.deals as
with draws as (
    select
        d,
        case when u(d, 1) < 0.98 then cast(floor(u(d, 2) * {prospects}) as bigint) end as p,
        case when u(d, 3) < 0.35 then 'won' when u(d, 3) < 0.75 then 'lost' else 'open' end as status,
        timestamptz '{start}' + to_seconds(cast(floor(u(d, 4) * {deal_span}) as bigint)) as created_at,
        5 + cast(floor(u(d, 5) * u(d, 5) * 180) as integer) as cycle_days,
        u(d, 6) as u_proposal,
        case when u(d, 7) < 0.04 then null
            else cast(round(500 + u(d, 8) * u(d, 8) * u(d, 8) * 200000, 2) as decimal(18, 2)) end as amount,
        case when u(d, 9) < 0.75 then 'USD' when u(d, 9) < 0.97 then 'EUR' else 'CHF' end as currency,
        u(d, 10) as u_rep,
        u(d, 11) < 0.01 as is_deleted,
        u(d, 12) as u_open_stage,
        u(d, 14) as u_lead_source
    from range({deals}) as t(d)
),
shaped as (
    select
        *,
        coalesce(prospect_source(p), case when u(d, 13) < 0.6 then 'salesforce' else 'hubspot' end)
            as source,
        case
            when status = 'won' and u_proposal < 0.95 then true
            when status = 'lost' and u_proposal < 0.45 then true
            when status = 'open' and u_open_stage >= 0.5 then true
            else false
        end as has_proposal,
        case when status <> 'open'
            then cast(timezone('{timezone}', created_at) as date) + cycle_days end as closed_on
    from draws
)
select
    deal_key(d) as deal_id,
    source,
    regexp_replace(deal_key(d), '^[a-z]+:', '') as crm_id,
    'Deal ' || cast(d as varchar) as deal_name,
    case when u_rep < 0.01 then null else rep_key(cast(floor(u_rep * {reps}) as bigint)) end as rep_id,
    prospect_key(p) as prospect_id,
    case when source = 'hubspot' then 'default' end as pipeline,
    case
        when status = 'won' then case when source = 'salesforce' then 'Closed Won' else 'closedwon' end
        when status = 'lost' then case when source = 'salesforce' then 'Closed Lost' else 'closedlost' end
        when u_open_stage < 0.25 then case when source = 'salesforce' then 'Prospecting'
            else 'appointmentscheduled' end
        when u_open_stage < 0.5 then case when source = 'salesforce' then 'Qualification'
            else 'qualifiedtobuy' end
        when u_open_stage < 0.8 then case when source = 'salesforce' then 'Proposal/Price Quote'
            else 'contractsent' end
        else case when source = 'salesforce' then 'Negotiation/Review' else 'contractsent' end
    end as stage,
    case
        when status in ('won', 'lost') then status
        when u_open_stage < 0.25 then 'appointment'
        when u_open_stage < 0.5 then 'qualified'
        when u_open_stage < 0.8 or source = 'hubspot' then 'proposal'
        else 'negotiation'
    end as funnel_stage,
    amount,
    currency,
    cast(
        case currency when 'USD' then amount when 'EUR' then round(amount * 1.08, 2) end as decimal(18, 2)
    ) as amount_reporting,
    created_at,
    closed_on,
    status <> 'open' as is_closed,
    status = 'won' as is_won,
    case when has_proposal
        then created_at + to_seconds(cast(floor(cycle_days * 0.6 * 86400) as bigint)) end
        as reached_proposal_at,
    case
        when u_lead_source < 0.08 then null
        when u_lead_source < 0.23 then 'Partner Referral'
        when u_lead_source < 0.55 then 'Web'
        when u_lead_source < 0.80 then 'Outbound'
        else 'Trade Show'
    end as lead_source,
    u_lead_source >= 0.08 and u_lead_source < 0.23 as is_referral,
    is_deleted,
    least(created_at + to_seconds(cast(cycle_days * 86400 as bigint)), timestamptz '{as_of}')
        as source_updated_at
from shaped
"""

# About four rows a deal: appointment, qualified, proposal (when reached), then the current stage.
_HISTORY = """
create or replace table core.deal_stage_history as
select
    deals.deal_id,
    case step
        when 0 then case when deals.source = 'salesforce' then 'Prospecting' else 'appointmentscheduled' end
        when 1 then case when deals.source = 'salesforce' then 'Qualification' else 'qualifiedtobuy' end
        when 2 then case when deals.source = 'salesforce' then 'Proposal/Price Quote' else 'contractsent' end
        else deals.stage
    end as stage,
    case step when 0 then 'appointment' when 1 then 'qualified' when 2 then 'proposal'
        else deals.funnel_stage end as funnel_stage,
    case step
        when 0 then deals.created_at
        when 1 then deals.created_at + interval 3 day
        when 2 then deals.reached_proposal_at
        else greatest(deals.source_updated_at, deals.created_at + interval 4 day)
    end as entered_at
from core.deals as deals
cross join range(4) as t(step)
where
    (step < 2 and deals.funnel_stage not in ('appointment', 'qualified'))
    or (step = 2 and deals.reached_proposal_at is not null)
    or step = 3
"""

# 70 % of reps have quarterly targets (2025 to 2027-Q1, so future weeks too); 10 % also an overlapping
# monthly stretch target.
_TARGETS = """
insert into config.revenue_targets
select reps.email, q.period_start, cast(q.period_start + interval 3 month - interval 1 day as date),
    cast(round(100000 + u(hash(reps.email) % 1000000 + q.n, 16) * 200000, 2) as decimal(18, 2))
from core.reps as reps
cross join (
    select n, cast(date '2025-01-01' + to_months(cast(3 * n as integer)) as date) as period_start
    from range(9) as t(n)
) as q
where reps.email is not null and u(hash(reps.email) % 1000000, 17) < 0.7;
insert into config.revenue_targets
select reps.email, date '2026-10-01', date '2026-10-31', 25000.00
from core.reps as reps
where reps.email is not null and u(hash(reps.email) % 1000000, 18) < 0.1;
"""

# (a) One aggregate per core table the marts read, over every column they read.
SCAN_QUERIES = {
    "core.activities": """
        select count(*), min(activity_id), max(activity_id), min(activity_type), max(activity_type),
            min(rep_id), max(rep_id), min(prospect_id), max(prospect_id), min(occurred_at),
            max(occurred_at), min(booked_at), max(booked_at), sum(duration_seconds), min(outcome),
            max(outcome), count_if(is_deleted), min(direction), max(direction), count_if(is_done),
            count_if(reaches_executive)
        from core.activities
    """,
    "core.deals": """
        select count(*), min(deal_id), max(deal_id), min(source), max(crm_id), max(deal_name),
            min(rep_id), max(rep_id), min(prospect_id), max(prospect_id), max(pipeline), max(stage),
            max(funnel_stage), sum(amount), max(currency), sum(amount_reporting), min(created_at),
            max(created_at), min(closed_on), max(closed_on), count_if(is_closed), count_if(is_won),
            min(reached_proposal_at), max(reached_proposal_at), max(lead_source), count_if(is_referral),
            count_if(is_deleted), max(source_updated_at)
        from core.deals
    """,
    "core.reps": "select count(*), min(rep_id), max(rep_id), max(name), max(email) from core.reps",
    "config.revenue_targets": """
        select count(*), max(rep_email), min(period_start), max(period_end), sum(revenue_target)
        from config.revenue_targets
    """,
}


# (c) The floor's groupings, each in the cheapest form found, returning one row (so nothing is pruned):
# - rep × day: the daily and weekly counts group the activities by rep and date; here by a 64-bit hash of
#   rep_id (an integer key is cheaper than text) and the UTC day (no time-zone lookup);
# - the first appointment: each prospect's earliest held meeting; here only min(occurred_at) of its
#   meetings (no tie-break, no outcome or as-of filter);
# - the activities before each deal's close: each deal compares its prospect's activity times with its
#   close; here only the per-prospect lists of times, without the deals (the cheapest form measured; the
#   join of every deal with its prospect's activities, counted per deal, costs about 1.5× as much).
FLOOR_QUERIES = {
    "rep x day counts": """
        select count(*), sum(events) from (
            select hash(rep_id), epoch_us(occurred_at) // 86400000000, count(*) as events
            from core.activities
            where not is_deleted and rep_id is not null
            group by all
        )
    """,
    "first meeting per prospect": """
        select count(*), max(first_at) from (
            select prospect_id, min(occurred_at) as first_at
            from core.activities
            where not is_deleted and activity_type = 'meeting' and prospect_id is not null
            group by all
        )
    """,
    "activity times per prospect": """
        select sum(len(times)) from (
            select prospect_id, list(occurred_at) as times
            from core.activities
            where not is_deleted and prospect_id is not null
            group by all
        )
    """,
}
FLOOR_SCHEMA = "bench_floor"
FLOOR_GOAL = 2.5  # the rebuild within this many times the floor (c)
# Other work above this share of the CPU while measuring makes the figures unfit to judge the goal: it
# slows the rebuild's long queries more than the floor's short ones.
QUIET_PERCENT = 5.0


def quiet(result: dict[str, object]) -> bool:
    return float(result["other_cpu_percent"]) <= QUIET_PERCENT


def generate(path: Path, *, activities: int, deals: int, reps: int, threads: int | None) -> dict[str, float]:
    """Write the synthetic core tables into the DuckDB file."""
    values = {
        "activities": activities,
        "deals": deals,
        "reps": reps,
        "prospects": max(1_000, activities // 20),
        "start": START.isoformat(),
        "as_of": AS_OF.isoformat(),
        "timezone": TIMEZONE,
        "call_span": int((AS_OF - START).total_seconds()),
        "meeting_slots": int((END - START).total_seconds()) // 1800,
        "deal_span": int((AS_OF - START).total_seconds()) - 86400,
    }
    timings: dict[str, float] = {}
    with duckdb.connect(str(path)) as conn:
        conn.execute("set TimeZone = 'UTC'")
        if threads:
            conn.execute(f"set threads = {int(threads)}")
        conn.execute("create schema if not exists core")
        conn.execute(_MACROS)
        for name, sql in (
            ("core.reps", _REPS),
            ("core.activities", _ACTIVITIES),
            ("core.deals", _DEALS),
            ("core.deal_stage_history", _HISTORY),
        ):
            started = time.perf_counter()
            conn.execute(sql.format(**values))
            timings[name] = time.perf_counter() - started
        conn.execute("checkpoint")
    return timings


def configure(path: Path) -> None:
    """(Re)write the reporting configuration and the revenue targets (also into a reused file, whose
    configuration tables may come from an older version)."""
    engine = make_engine(path)
    try:
        write_config(engine, ReportingConfig(timezone=TIMEZONE, fx_rates=FX_RATES), as_of=AS_OF)
    finally:
        engine.dispose()
    with duckdb.connect(str(path)) as conn:
        conn.execute(_MACROS)
        conn.execute(_TARGETS)
        conn.execute("checkpoint")


def _seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _floor(engine: sa.Engine, floors: dict[str, str], models: list[sqlmodels.SqlModel]) -> dict[str, float]:
    """(c) once: the floor's groupings, then each built table copied into FLOOR_SCHEMA (the cost of
    writing its rows), which is dropped afterwards."""
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        for name, sql in floors.items():
            timings[name] = _seconds(lambda sql=sql, conn=conn: conn.exec_driver_sql(sql).all())
        conn.exec_driver_sql(f"create schema if not exists {FLOOR_SCHEMA}")
    writes = 0.0
    for model in models:
        copy = f"create or replace table {FLOOR_SCHEMA}.copy as select * from {model.schema}.{model.table}"
        with engine.begin() as conn:
            writes += _seconds(lambda copy=copy, conn=conn: conn.exec_driver_sql(copy))
    timings["writing the rebuilt rows"] = writes
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop schema {FLOOR_SCHEMA} cascade")
    return timings


def measure(
    engine: sa.Engine,
    repeats: int,
    *,
    scans: dict[str, str] = SCAN_QUERIES,
    models: list[sqlmodels.SqlModel] | None = None,
    floors: dict[str, str] | None = None,
) -> dict[str, object]:
    """Run (a) the `scans`, (b) the rebuild of `models` (default: every model built from core, i.e. the
    intermediate models and the marts) and, with `floors`, (c) the floor, `repeats` times, alternating;
    medians of each."""
    if models is None:
        models = [m for m in sqlmodels.discover() if m.schema in sqlmodels.FROM_CORE]
    scan_runs: list[dict[str, float]] = []
    rebuilds: list[dict[str, float]] = []
    floor_runs: list[dict[str, float]] = []
    rows: dict[str, int] = {}
    with engine.connect() as conn:
        conn.exec_driver_sql("select 1").all()  # open the connection outside the timings
    for _ in range(repeats):
        scan: dict[str, float] = {}
        with engine.connect() as conn:
            for table, sql in scans.items():
                scan[table] = _seconds(lambda sql=sql, conn=conn: conn.exec_driver_sql(sql).all())
        scan_runs.append(scan)
        rebuild: dict[str, float] = {}
        for model in models:
            started = time.perf_counter()
            rows[model.name] = sqlmodels.materialize(engine, model)
            rebuild[model.name] = time.perf_counter() - started
        rebuilds.append(rebuild)
        if floors:
            floor_runs.append(_floor(engine, floors, models))
    scan_total = statistics.median(sum(s.values()) for s in scan_runs)
    rebuild_total = statistics.median(sum(r.values()) for r in rebuilds)
    floor: dict[str, object] = {}
    if floor_runs:
        floor_total = statistics.median(sum(f.values()) for f in floor_runs)
        parts = floor_runs[0]
        floor = {
            "floor_seconds": round(floor_total, 3),
            "floor_ratio": round(floor_total / scan_total, 2),
            "rebuild_floor_ratio": round(rebuild_total / floor_total, 2),
            "floor_by_part": {p: round(statistics.median(f[p] for f in floor_runs), 3) for p in parts},
        }
    return {
        "scan_seconds": round(scan_total, 3),
        "rebuild_seconds": round(rebuild_total, 3),
        "ratio": round(rebuild_total / scan_total, 2),
        "scan_by_table": {t: round(statistics.median(s[t] for s in scan_runs), 3) for t in scans},
        "rebuild_by_model": {
            m.name: round(statistics.median(r[m.name] for r in rebuilds), 3) for m in models
        },
        "rows": rows,
        **floor,
        "repeats": repeats,
    }


def _table(sizes: dict[str, int], result: dict[str, object]) -> str:
    lines = [
        "sizes: " + ", ".join(f"{name} {count:,}" for name, count in sizes.items()),
        f"{'measurement':<34} {'seconds':>9}  {'rows':>11}",
    ]
    for table, seconds in result["scan_by_table"].items():
        lines.append(f"{'(a) scan ' + table:<34} {seconds:>9.3f}")
    lines.append(f"{'(a) bare aggregate scan, total':<34} {result['scan_seconds']:>9.3f}")
    for model, seconds in result["rebuild_by_model"].items():
        lines.append(f"{'(b) ' + model:<34} {seconds:>9.3f}  {result['rows'][model]:>11,}")
    lines.append(f"{'(b) rebuild all marts, total':<34} {result['rebuild_seconds']:>9.3f}")
    for part, seconds in result.get("floor_by_part", {}).items():
        lines.append(f"{'(c) ' + part:<34} {seconds:>9.3f}")
    if "floor_seconds" in result:
        lines.append(f"{'(c) floor, total':<34} {result['floor_seconds']:>9.3f}")
    repeats = result["repeats"]
    lines.append(f"ratio (b)/(a) = {result['ratio']:.2f}  (medians of {repeats})")
    if "floor_ratio" in result:
        lines.append(f"ratio (c)/(a) = {result['floor_ratio']:.2f}  (a lower bound for any full rebuild)")
        verdict = "met" if result["rebuild_floor_ratio"] <= FLOOR_GOAL else "missed"
        lines.append(
            f"ratio (b)/(c) = {result['rebuild_floor_ratio']:.2f}  (goal <= {FLOOR_GOAL:g}: {verdict})"
        )
    if "other_cpu_percent" in result:
        lines.append(
            f"other work used {result['other_cpu_percent']:g}% of the CPU while measuring (steal "
            f"{result['steal_percent']:g}%)"
            + (f"; above {QUIET_PERCENT:g}%, rerun on a quiet machine" if not quiet(result) else "")
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 activities and 100,000 deals")
    parser.add_argument("--activities", type=int, default=None, help="default 10,000,000")
    parser.add_argument("--deals", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--reps", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="keep the core tables already in --db")
    args = parser.parse_args()
    activities = args.activities or (1_000_000 if args.quick else 10_000_000)
    deals = args.deals or (100_000 if args.quick else 1_000_000)

    with tempfile.TemporaryDirectory(prefix="barometer-bench-") as folder:
        path = args.db or Path(folder) / "warehouse.duckdb"
        generation: dict[str, float] = {}
        if not (args.reuse and path.exists()):
            if path.exists():
                path.unlink()
            generation = generate(
                path, activities=activities, deals=deals, reps=args.reps, threads=args.threads
            )
        configure(path)
        engine = make_engine(path)
        if args.threads:
            sa.event.listen(
                engine, "connect", lambda dbapi, _r: dbapi.execute(f"set threads = {int(args.threads)}")
            )
        try:
            with engine.connect() as conn:
                sizes = {
                    table: int(conn.exec_driver_sql(f"select count(*) from {table}").scalar_one())
                    for table in ("core.reps", "core.activities", "core.deals", "core.deal_stage_history")
                }
                threads = conn.exec_driver_sql("select current_setting('threads')").scalar_one()
            with OtherCpu() as other:
                result = measure(engine, args.repeats, floors=FLOOR_QUERIES)
            result |= other.result()
        finally:
            engine.dispose()
    print(_table(sizes, result))
    print(json.dumps({
        "benchmark": "marts",
        "sizes": sizes,
        **result,
        "floor_goal": FLOOR_GOAL,
        "quiet": quiet(result),
        "threads": int(threads),
        "cpus": os.cpu_count(),
        "generate_seconds": {name: round(s, 2) for name, s in generation.items()},
        "duckdb": duckdb.__version__,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
