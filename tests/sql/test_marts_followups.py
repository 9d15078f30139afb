"""Golden rows for the follow-up and executive-reach columns of rep_daily_activity, rep_weekly_scorecard
and funnel_monthly (docs/metrics.md): outbound e-mails only, completed tasks only, nothing deleted, after
as_of or without owner; a week with follow-ups only has its row; executive meetings held; first
appointments at the top; appointment → proposal for executive against other first appointments."""

import pytest
from marts_data import at, build_marts, day, empty_core, insert_core, mart
from sql_helpers import warehouse

AS_OF = at("2024-06-05 12:00")
ANN, BOB = "ann@x.com", "bob@x.com"


def _activity(activity_id, activity_type, occurred, rep_id=ANN, **extra):
    return {
        "activity_id": activity_id,
        "activity_type": activity_type,
        "rep_id": rep_id,
        "occurred_at": at(occurred),
        **extra,
    }


def _meeting(activity_id, prospect_id, occurred, executive, rep_id=ANN, **extra):
    return _activity(
        activity_id,
        "meeting",
        occurred,
        rep_id,
        prospect_id=prospect_id,
        reaches_executive=executive,
        **extra,
    )


def _deal(deal_id, prospect_id, proposal):
    # No rep: the deals count in the funnel (any rep's deal with the prospect) and in no scorecard row.
    return {
        "deal_id": deal_id,
        "prospect_id": prospect_id,
        "created_at": at("2024-04-01 10:00"),
        "reached_proposal_at": at(proposal) if proposal else None,
    }


@pytest.fixture(scope="module")
def built(raw_template, tmp_path_factory):
    engine = warehouse(raw_template, tmp_path_factory.mktemp("followup_marts") / "warehouse.duckdb")
    empty_core(engine, as_of=AS_OF)
    insert_core(engine, "core.reps", {"rep_id": ANN, "name": "Ann"}, {"rep_id": BOB, "name": "Bob"})
    insert_core(
        engine,
        "core.activities",
        # The week of May 6: follow-ups only.
        _activity("e1", "email", "2024-05-06 10:00", direction="outbound"),
        _activity("e2", "email", "2024-05-06 11:00", direction="inbound"),  # received: not sent
        _activity("e3", "email", "2024-05-06 12:00", direction="outbound", is_deleted=True),
        _activity("e4", "email", "2024-05-06 13:00", direction=None),  # direction unknown
        _activity("e5", "email", "2024-05-06 14:00", rep_id=None, direction="outbound"),  # no owner
        _activity("e6", "email", "2024-06-05 13:00", direction="outbound"),  # after as_of
        _activity("t1", "task", "2024-05-07 09:00", is_done=True),
        _activity("t2", "task", "2024-05-07 10:00", is_done=False),  # open
        _activity("t3", "task", "2024-06-05 12:30", is_done=True),  # after as_of
        # The week of May 13: first appointments, at the top (P1, P4) or not (P2, P5).
        _meeting("m1", "P1", "2024-05-13 10:00", True),
        _meeting("m2", "P2", "2024-05-14 10:00", False),
        _meeting("m3", "P1", "2024-05-15 10:00", True),  # an executive meeting, not a first
        _meeting("m4", "P3", "2024-05-16 10:00", True, outcome="canceled"),  # not held
        _meeting("m5", "P5", "2024-05-17 10:00", False),
        _meeting("m6", "P6", "2024-05-17 11:00", True, is_deleted=True),
        _meeting("b1", "P4", "2024-05-14 10:00", True, rep_id=BOB),
    )
    insert_core(
        engine,
        "core.deals",
        _deal("d1", "P1", "2024-05-20 10:00"),  # after m1: the executive appointment reached a proposal
        _deal("d2", "P2", "2024-05-01 10:00"),  # before m2: not reached
        _deal("d3", "P5", "2024-05-25 10:00"),
        _deal("d4", "P4", None),
    )
    build_marts(engine, as_of=AS_OF)
    yield engine
    engine.dispose()


def test_daily(built):
    columns = (
        "activity_date",
        "rep_id",
        "calls",
        "meetings_held",
        "first_appointments",
        "emails_sent",
        "tasks_completed",
        "executive_meetings_held",
    )
    got = [
        tuple(row[c] for c in columns) for row in mart(built, "rep_daily_activity", "rep_id, activity_date")
    ]
    assert got == [
        (day("2024-05-06"), ANN, 0, 0, 0, 1, 0, 0),
        (day("2024-05-07"), ANN, 0, 0, 0, 0, 1, 0),
        (day("2024-05-13"), ANN, 0, 1, 1, 0, 0, 1),
        (day("2024-05-14"), ANN, 0, 1, 1, 0, 0, 0),
        (day("2024-05-15"), ANN, 0, 1, 0, 0, 0, 1),
        (day("2024-05-17"), ANN, 0, 1, 1, 0, 0, 0),
        (day("2024-05-14"), BOB, 0, 1, 1, 0, 0, 1),
    ]


def test_weekly(built):
    columns = (
        "week_start",
        "rep_id",
        "calls",
        "meetings_held",
        "first_appointments",
        "emails_sent",
        "tasks_completed",
        "follow_ups",
        "executive_first_appointments",
        "executive_reach_pct",
    )
    rows = mart(built, "rep_weekly_scorecard", "rep_id, week_start")
    got = [tuple(row[c] for c in columns) for row in rows]
    assert got == [
        # A week of follow-ups only has its row; no first appointment: no reach share.
        (day("2024-05-06"), ANN, 0, 0, 0, 1, 1, 2, 0, None),
        (day("2024-05-13"), ANN, 0, 4, 3, 0, 0, 0, 1, pytest.approx(100 / 3)),
        (day("2024-05-13"), BOB, 0, 1, 1, 0, 0, 0, 1, 100.0),
    ]
    assert list(rows[0])[-1] == "as_of"


def test_funnel(built):
    columns = (
        "cohort_month",
        "rep_id",
        "first_appointments",
        "reached_proposal",
        "appointment_to_proposal_rate",
        "executive_first_appointments",
        "executive_reached_proposal",
        "executive_appointment_to_proposal_rate",
        "other_appointment_to_proposal_rate",
    )
    got = [tuple(row[c] for c in columns) for row in mart(built, "funnel_monthly", "rep_id, cohort_month")]
    assert got == [
        # Ann: P1 at the top reached (d1); of P2 and P5, P5 reached (d3), P2's proposal came first.
        (day("2024-05-01"), ANN, 3, 2, 2 / 3, 1, 1, 1.0, 0.5),
        # Bob: his one first appointment is at the top and has no proposal; no other appointment.
        (day("2024-05-01"), BOB, 1, 0, 0.0, 1, 0, 0.0, None),
    ]
