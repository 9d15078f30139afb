"""Golden rows for marts.rep_daily_activity (KPI contract §3) in a reporting timezone other than UTC
(Europe/Paris, UTC+2 in May): dates near midnight, as_of cut-offs, deleted records, held versus
canceled/no-show/future meetings, booked dates, first-appointment ties by activity_id as text, zero
denominators, a rep missing from core.reps and activities without owner."""

import dataclasses
from decimal import Decimal

import pytest
import sqlalchemy as sa
from marts_data import at, build_marts, day, empty_core, insert_core, mart, meeting
from sql_helpers import warehouse

from models import sqlmodels
from models.reporting import ReportingConfig

PARIS = ReportingConfig(timezone="Europe/Paris")
AS_OF = at("2024-06-01 00:00")  # 02:00 in Paris: the as-of date is 2024-06-01
ANN, BOB, GHOST = "ann@x.com", "bob@x.com", "salesforce:005Z"


def _call(activity_id, rep_id, occurred, outcome=None, seconds=None, **extra):
    return {
        "activity_id": activity_id,
        "activity_type": "call",
        "rep_id": rep_id,
        "occurred_at": at(occurred),
        "outcome": outcome,
        "duration_seconds": seconds,
        **extra,
    }


def _meeting(activity_id, rep_id, prospect_id, occurred, booked=None, outcome=None, **extra):
    booked_at = at(booked) if booked else None
    return meeting(activity_id, rep_id, prospect_id, occurred, booked_at=booked_at, outcome=outcome, **extra)


@pytest.fixture(scope="module")
def rows(raw_template, tmp_path_factory):
    engine = warehouse(raw_template, tmp_path_factory.mktemp("daily") / "warehouse.duckdb")
    empty_core(engine, PARIS, as_of=AS_OF)
    insert_core(
        engine,
        "core.reps",
        {"rep_id": ANN, "name": "Ann", "email": ANN},
        {"rep_id": BOB, "name": "Bob", "email": BOB},
    )
    insert_core(
        engine,
        "core.activities",
        _call("salesforce:c1", ANN, "2024-05-06 21:30", "connected", 120),  # 23:30 Paris, May 6
        _call("salesforce:c2", ANN, "2024-05-06 22:30", "busy"),  # 00:30 Paris: May 7
        _call("salesforce:c3", ANN, "2024-05-06 10:00", "connected", 30),
        _call("salesforce:c4", ANN, "2024-05-06 10:00", "connected", 600, is_deleted=True),
        _call("salesforce:c5", ANN, "2024-06-01 00:30", "connected", 60),  # after as_of (same date)
        _call("salesforce:c6", None, "2024-05-06 10:00", "connected", 60),  # no owner
        _call("salesforce:c7", GHOST, "2024-05-06 10:00"),  # a rep missing from core.reps
        _call("hubspot:1", BOB, "2024-05-07 10:00", "no_answer"),
        # P1: two held meetings at the same time; 'hubspot:10' < 'hubspot:9' as text → Bob's is first.
        _meeting("hubspot:9", ANN, "hubspot:P1", "2024-05-08 09:00", booked="2024-05-06 12:00"),
        _meeting("hubspot:10", BOB, "hubspot:P1", "2024-05-08 09:00", outcome="completed"),
        # P2: canceled (booked, not held), then a completed meeting booked at 00:30 Paris on May 9.
        _meeting("hubspot:20", ANN, "hubspot:P2", "2024-05-07 10:00", "2024-05-07 08:00", "canceled"),
        _meeting("hubspot:21", ANN, "hubspot:P2", "2024-05-09 10:00", "2024-05-08 22:30", "completed"),
        # P3: booked before as_of (June 1, 01:30 Paris), takes place after it: booked, not held.
        _meeting("hubspot:30", ANN, "hubspot:P3", "2024-06-03 10:00", "2024-05-31 23:30", "scheduled"),
        # Held without prospect: never a first appointment.
        _meeting("salesforce:m6", ANN, None, "2024-05-09 12:00", "2024-05-09 11:00"),
        # P4: first appointment held by nobody: no row; Bob's later meeting is held, not a first.
        _meeting("salesforce:m7", None, "salesforce:P4", "2024-05-09 12:00"),
        _meeting("salesforce:m9", BOB, "salesforce:P4", "2024-05-09 13:00"),
        # P5: deleted, no-show and rescheduled: nothing held, nothing booked (booked_at unknown).
        _meeting("salesforce:m8", ANN, "salesforce:P5", "2024-05-10 08:00", is_deleted=True),
        _meeting("hubspot:50", ANN, "hubspot:P5", "2024-05-10 09:00", outcome="no_show"),
        _meeting("hubspot:51", ANN, "hubspot:P5", "2024-05-10 10:00", outcome="rescheduled"),
        # Booked after as_of: not counted.
        _meeting("hubspot:60", ANN, "hubspot:P6", "2024-06-05 10:00", "2024-06-01 00:30", "scheduled"),
    )
    build_marts(engine, PARIS, as_of=AS_OF)
    yield mart(engine, "rep_daily_activity", "rep_id, activity_date")
    engine.dispose()


COLUMNS = (
    "activity_date",
    "rep_id",
    "rep_name",
    "calls",
    "connected_calls",
    "call_minutes",
    "meetings_booked",
    "meetings_held",
    "first_appointments",
    "connect_rate",
    "appointment_rate",
    "emails_sent",
    "tasks_completed",
    "executive_meetings_held",
)

EXPECTED = [
    ("2024-05-06", ANN, "Ann", 2, 2, 2.5, 1, 0, 0, 1.0, 0.5, 0, 0, 0),
    ("2024-05-07", ANN, "Ann", 1, 0, 0.0, 1, 0, 0, 0.0, None, 0, 0, 0),
    ("2024-05-08", ANN, "Ann", 0, 0, 0.0, 0, 1, 0, None, None, 0, 0, 0),
    ("2024-05-09", ANN, "Ann", 0, 0, 0.0, 2, 2, 1, None, None, 0, 0, 0),
    ("2024-06-01", ANN, "Ann", 0, 0, 0.0, 1, 0, 0, None, None, 0, 0, 0),
    ("2024-05-07", BOB, "Bob", 1, 0, 0.0, 0, 0, 0, 0.0, None, 0, 0, 0),
    ("2024-05-08", BOB, "Bob", 0, 0, 0.0, 0, 1, 1, None, None, 0, 0, 0),
    ("2024-05-09", BOB, "Bob", 0, 0, 0.0, 0, 1, 0, None, None, 0, 0, 0),
    ("2024-05-06", GHOST, None, 1, 0, 0.0, 0, 0, 0, 0.0, None, 0, 0, 0),
]


def test_golden_rows(rows):
    got = [{k: v for k, v in row.items() if k != "as_of"} for row in rows]
    want = [dict(zip(COLUMNS, (day(r[0]), *r[1:]), strict=True)) for r in EXPECTED]
    assert got == want


def test_every_row_carries_the_build_as_of(rows):
    assert {row["as_of"] for row in rows} == {AS_OF}


def test_types(rows):
    row = rows[0]
    assert isinstance(row["call_minutes"], float)
    assert isinstance(row["connect_rate"], float)
    assert not isinstance(row["call_minutes"], Decimal)


def test_reps_sharing_a_rep_key_stop_the_build(engine):
    """The daily aggregation keys reps by a 64-bit hash of rep_id. Two rep_ids with one key would merge
    their counts, so the build stops naming them; a collision is forced here by keying every rep by 0."""
    empty_core(engine, PARIS, as_of=AS_OF)
    insert_core(
        engine,
        "core.activities",
        _call("salesforce:c1", ANN, "2024-05-06 10:00", "connected", 60),
        _call("salesforce:c2", BOB, "2024-05-06 11:00", "busy"),
    )
    build_marts(engine, PARIS, as_of=AS_OF)  # the real keys: two reps, two rows
    assert [row["rep_id"] for row in mart(engine, "rep_daily_activity", "rep_id")] == [ANN, BOB]

    model = next(m for m in sqlmodels.discover() if m.name == "marts.rep_daily_activity")
    assert model.sql.count("hash(rep_id)") == 4  # the three event streams and the key map
    colliding = dataclasses.replace(model, sql=model.sql.replace("hash(rep_id)", "cast(0 as ubigint)"))
    with pytest.raises(sa.exc.DBAPIError, match="two rep_ids share one 64-bit hash") as raised:
        sqlmodels.materialize(engine, colliding)
    assert ANN in str(raised.value)
    assert BOB in str(raised.value)
    assert [row["rep_id"] for row in mart(engine, "rep_daily_activity", "rep_id")] == [ANN, BOB]  # kept
