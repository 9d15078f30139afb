"""Golden rows for marts.rep_weekly_scorecard (KPI contract §3), and over the same data funnel_monthly,
rep_peer_comparison and deal_facts: inputs and results by ISO week, the
as_of cut-off, deleted and ownerless records, deals without amount, the weekly share of overlapping
targets spanning weeks, months and years (future weeks included), the magic number over its trailing
91-day window with the team fallback of each factor, a zero target, and zero denominators."""

import pytest
from marts_data import at, build_marts, day, deal, empty_core, insert_core, mart, meeting
from sql_helpers import dec, fetch, warehouse

from models.sqlmodels import discover

DOCS = {model.name: model.doc for model in discover() if model.doc}  # each model's file (<table>.yml)

AS_OF = at("2024-06-05 12:00")  # a Wednesday: the current week starts 2024-06-03
ANN, BOB, CAT, DAVE = "ann@x.com", "bob@x.com", "cat@x.com", "dave@x.com"

TARGETS = (
    "rep_email,period_start,period_end,revenue_target\n"
    "ANN@x.com,2024-06-01,2024-06-30,3000\n"  # 100 a day
    "ann@x.com,2024-06-10,2024-06-16,70\n"  # overlaps: adds up
    "bob@x.com,2024-06-03,2024-06-09,1400\n"
    "bob@x.com,2024-06-10,2024-06-16,0\n"  # a zero target: magic number 0
    "cat@x.com,2024-06-10,2024-06-12,1000\n"  # no history: every factor from the team
    "dave@x.com,2023-12-28,2024-01-03,700\n"  # across weeks, months and years; empty windows
    "nobody@x.com,2024-06-01,2024-06-30,5000\n"  # matches no rep: ignored
)


def _meeting(activity_id, rep_id, prospect_id, occurred, **extra):
    return meeting(activity_id, rep_id, prospect_id, occurred, **{"outcome": "completed", **extra})


def _call(activity_id, occurred, outcome, **extra):
    return {
        "activity_id": activity_id,
        "activity_type": "call",
        "rep_id": ANN,
        "occurred_at": at(occurred),
        "outcome": outcome,
        **extra,
    }


_deal = deal


@pytest.fixture(scope="module")
def built(raw_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("weekly")
    engine = warehouse(raw_template, folder / "warehouse.duckdb")
    empty_core(engine, as_of=AS_OF)
    insert_core(
        engine,
        "core.reps",
        *({"rep_id": rep, "name": rep.split("@")[0].title(), "email": rep} for rep in (ANN, BOB, CAT, DAVE)),
    )
    insert_core(
        engine,
        "core.activities",
        _meeting("hubspot:1", ANN, "P-A", "2024-04-20 10:00"),
        _meeting("hubspot:2", ANN, "P-B", "2024-05-05 10:00"),
        _meeting("hubspot:3", ANN, "P-D", "2024-05-25 10:00"),
        _meeting("hubspot:4", ANN, "P-E", "2024-06-04 10:00"),
        _meeting("hubspot:5", ANN, "P-F", "2024-05-10 10:00"),
        _meeting("hubspot:6", BOB, "P-G", "2024-03-20 10:00"),
        _call("salesforce:c1", "2024-06-03 10:00", "connected", prospect_id="P-D"),
        _call("salesforce:c2", "2024-06-04 10:00", "busy", prospect_id="P-A"),  # after d1 closed
        _call("salesforce:c3", "2024-06-04 10:00", "connected", prospect_id="P-D", is_deleted=True),
        _call("salesforce:c4", "2024-06-05 13:00", "connected", prospect_id="P-D"),  # after as_of
    )
    insert_core(
        engine,
        "core.deals",
        _deal("d1", ANN, "P-A", "2024-05-01 10:00", closed="2024-05-15", won=True, amount="1000.00",
              proposal="2024-05-01 12:00"),
        _deal("d2", ANN, "P-B", "2024-04-20 10:00", closed="2024-05-20", proposal="2024-05-10 10:00"),
        _deal("d3", ANN, "P-X", "2024-06-01 10:00", closed="2024-06-04", won=True, amount="500.00"),
        _deal("d4", ANN, "P-Y", "2024-06-02 10:00", closed="2024-06-04", won=True,
              proposal="2024-06-03 09:00"),  # no convertible amount
        _deal("d5", ANN, "P-Z", "2024-06-02 10:00", closed="2024-06-04", won=True, amount="9999.00",
              is_deleted=True),
        _deal("d6", ANN, "P-Z", "2024-06-03 10:00", closed="2024-06-07", won=True, amount="700.00"),
        _deal("d7", BOB, "P-C", "2024-03-01 10:00", closed="2024-04-10", won=True, amount="3000.00"),
        _deal("d8", None, "P-C", "2024-03-01 10:00", closed="2024-04-10", won=True, amount="100000.00",
              proposal="2024-04-01 10:00"),  # no owner: in no team figure
        _deal("d9", BOB, "P-D", "2024-06-04 09:00", proposal="2024-06-04 10:00"),
        _deal("d10", None, "P-F", "2024-04-01 10:00", proposal="2024-05-01 10:00"),
    )  # fmt: skip
    build_marts(engine, as_of=AS_OF, targets_csv=TARGETS, folder=folder)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def rows(built):
    return mart(built, "rep_weekly_scorecard", "rep_id, week_start")


COLUMNS = (
    "week_start",
    "rep_id",
    "rep_name",
    "calls",
    "connected_calls",
    "meetings_held",
    "first_appointments",
    "deals_created",
    "proposals",
    "deals_won",
    "deals_lost",
    "revenue_won",
    "win_rate",
    "avg_revenue_per_sale",
    "avg_sales_cycle_days",
    "revenue_target",
    "attainment_pct",
    "required_first_appointments",
    "activity_barometer_pct",
)

# Magic numbers: target / (arps × a2p × p2c), each factor over [week_start − 91 days, week_start).
ANN_MAY_27 = 200 / (1000 * (2 / 4) * (1 / 2))  # d1; a1, a2 of a1 a2 a3 a5; d1 of d1 d2
ANN_JUNE_3 = 700 / (1000 * (2 / 4) * (1 / 2))  # a3's proposal (June 4) is not before June 3
ANN_JUNE_10 = 770 / (750 * (3 / 5) * (2 / 3))  # d1 d3; a1 a2 a3 of a1..a5; d1 d4 of d1 d2 d4
ANN_LATER = 700 / (750 * (3 / 5) * (2 / 3))
BOB_JUNE_3 = 1400 / (3000 * (2 / 5) * (1 / 2))  # bob's a2p is 0 and p2c NULL: the team's
CAT_JUNE_10 = 1000 / (1500 * (3 / 6) * (2 / 3))  # all three the team's

Z = dec("0.00")
EXPECTED = [
    # week_start, rep, name, calls, conn, held, first, created, proposals, won, lost, revenue, win_rate,
    # arps, cycle, target, attainment, magic, barometer
    ("2024-04-15", ANN, "Ann", 0, 0, 1, 1, 1, 0, 0, 0, Z, None, None, None, None, None, None, None),
    ("2024-04-29", ANN, "Ann", 0, 0, 1, 1, 1, 1, 0, 0, Z, None, None, None, None, None, None, None),
    ("2024-05-06", ANN, "Ann", 0, 0, 1, 1, 0, 1, 0, 0, Z, None, None, None, None, None, None, None),
    ("2024-05-13", ANN, "Ann", 0, 0, 0, 0, 0, 0, 1, 0, dec("1000.00"), 1.0, dec("1000.00"), 14.0,
     None, None, None, None),
    ("2024-05-20", ANN, "Ann", 0, 0, 1, 1, 0, 0, 0, 1, Z, 0.0, None, None, None, None, None, None),
    ("2024-05-27", ANN, "Ann", 0, 0, 0, 0, 2, 0, 0, 0, Z, None, None, None, dec("200.00"), 0.0,
     ANN_MAY_27, 0.0),
    ("2024-06-03", ANN, "Ann", 2, 1, 1, 1, 1, 1, 2, 0, dec("500.00"), 1.0, dec("500.00"), 2.5,
     dec("700.00"), 100 * 500 / 700, ANN_JUNE_3, 100 * 1 / ANN_JUNE_3),
    ("2024-06-10", ANN, "Ann", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("770.00"), 0.0,
     ANN_JUNE_10, 0.0),
    ("2024-06-17", ANN, "Ann", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("700.00"), 0.0,
     ANN_LATER, 0.0),
    ("2024-06-24", ANN, "Ann", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("700.00"), 0.0,
     ANN_LATER, 0.0),
    ("2024-02-26", BOB, "Bob", 0, 0, 0, 0, 1, 0, 0, 0, Z, None, None, None, None, None, None, None),
    ("2024-03-18", BOB, "Bob", 0, 0, 1, 1, 0, 0, 0, 0, Z, None, None, None, None, None, None, None),
    ("2024-04-08", BOB, "Bob", 0, 0, 0, 0, 0, 0, 1, 0, dec("3000.00"), 1.0, dec("3000.00"), 40.0,
     None, None, None, None),
    ("2024-06-03", BOB, "Bob", 0, 0, 0, 0, 1, 1, 0, 0, Z, None, None, None, dec("1400.00"), 0.0,
     BOB_JUNE_3, 0.0),
    ("2024-06-10", BOB, "Bob", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, Z, None, 0.0, None),
    ("2024-06-10", CAT, "Cat", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("1000.00"), 0.0,
     CAT_JUNE_10, 0.0),
    ("2023-12-25", DAVE, "Dave", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("400.00"), 0.0, None,
     None),
    ("2024-01-01", DAVE, "Dave", 0, 0, 0, 0, 0, 0, 0, 0, Z, None, None, None, dec("300.00"), 0.0, None,
     None),
]  # fmt: skip


def _same(got, want):
    if isinstance(want, float) and isinstance(got, float):
        return got == pytest.approx(want, rel=1e-12)
    return type(got) is type(want) and got == want


def test_golden_rows(rows):
    got = [{k: v for k, v in row.items() if k != "as_of"} for row in rows]
    want = [dict(zip(COLUMNS, (day(r[0]), *r[1:]), strict=True)) for r in EXPECTED]
    assert [(r["rep_id"], r["week_start"]) for r in got] == [(r["rep_id"], r["week_start"]) for r in want]
    for g, w in zip(got, want, strict=True):
        wrong = {k: (g[k], w[k]) for k in COLUMNS if not _same(g[k], w[k])}
        assert not wrong, f"{w['rep_id']} {w['week_start']}: (got, want) {wrong}"


def test_every_row_carries_the_build_as_of(rows):
    assert {row["as_of"] for row in rows} == {AS_OF}


def test_funnel_monthly(built):
    got = [
        {k: v for k, v in row.items() if k != "as_of"}
        for row in mart(built, "funnel_monthly", "rep_id, cohort_month")
    ]
    # a1 (P-A: d1 proposal after it, won); a2 (P-B: d2 proposal, lost); a3 (P-D: d9's proposal on
    # June 4, open); a5 (P-F: d10's proposal was before it); a4 and b1: no deal.
    assert got == [
        _funnel("2024-04-01", ANN, "Ann", 1, 1, 1, 1.0, 1.0),
        _funnel("2024-05-01", ANN, "Ann", 3, 2, 0, 2 / 3, 0.0),
        _funnel("2024-06-01", ANN, "Ann", 1, 0, 0, 0.0, None),
        _funnel("2024-03-01", BOB, "Bob", 1, 0, 0, 0.0, None),
    ]


def _funnel(month, rep, name, firsts, proposals, won, a2p, p2w):
    return {
        "cohort_month": day(month),
        "rep_id": rep,
        "rep_name": name,
        "first_appointments": firsts,
        "reached_proposal": proposals,
        "won": won,
        "appointment_to_proposal_rate": a2p,
        "proposal_to_win_rate": p2w,
        # no contact in this data: no first appointment reaches the top (tests/sql/test_marts_followups.py)
        "executive_first_appointments": 0,
        "executive_reached_proposal": 0,
        "executive_appointment_to_proposal_rate": None,
        "other_appointment_to_proposal_rate": a2p,
    }


def test_rep_peer_comparison(built):
    got = mart(built, "rep_peer_comparison", "rep_id, quarter_start")
    # Q2: ann d1 (won, 14 days), d2 (lost), d3 (won, 3 days), d4 (won, no amount, 2 days); d6 closes
    # after the as-of date, d5 is deleted, d8 has no owner. bob d7 (won, 40 days).
    team = {
        "team_win_rate": 4 / 5,
        "team_avg_revenue_per_sale": dec("1500.00"),
        "team_avg_sales_cycle_days": 59 / 4,
    }
    want = [
        {
            "quarter_start": day("2024-04-01"),
            "rep_id": ANN,
            "rep_name": "Ann",
            "deals_won": 3,
            "deals_lost": 1,
            "win_rate": 0.75,
            "avg_revenue_per_sale": dec("750.00"),
            "avg_sales_cycle_days": 19 / 3,
            **team,
            "revenue_per_sale_vs_team_pct": -50.0,
            "sales_cycle_vs_team_pct": 100 * ((19 / 3) / (59 / 4) - 1),
            "win_rate_vs_team_pts": 100 * (0.75 - 0.8),
            "as_of": AS_OF,
        },
        {
            "quarter_start": day("2024-04-01"),
            "rep_id": BOB,
            "rep_name": "Bob",
            "deals_won": 1,
            "deals_lost": 0,
            "win_rate": 1.0,
            "avg_revenue_per_sale": dec("3000.00"),
            "avg_sales_cycle_days": 40.0,
            **team,
            "revenue_per_sale_vs_team_pct": 100.0,
            "sales_cycle_vs_team_pct": 100 * (40 / (59 / 4) - 1),
            "win_rate_vs_team_pts": 100 * (1 - 0.8),
            "as_of": AS_OF,
        },
    ]
    assert [list(g) for g in got] == [list(w) for w in want]
    for g, w in zip(got, want, strict=True):
        assert all(_same(g[k], w[k]) for k in w), (g, w)


def test_deal_facts(built):
    got = mart(built, "deal_facts", "deal_id")
    assert [list(row)[:6] for row in got[:1]] == [
        ["deal_id", "source", "crm_id", "deal_name", "rep_id", "rep_name"]
    ]
    assert list(got[0])[-5:] == [
        "sales_cycle_days",
        "first_appointment_at",
        "calls_before_close",
        "meetings_before_close",
        "as_of",
    ]
    facts = {
        row["deal_id"]: (
            row["rep_name"],
            row["sales_cycle_days"],
            row["first_appointment_at"],
            row["calls_before_close"],
            row["meetings_before_close"],
        )
        for row in got
    }
    assert facts == {
        "d1": ("Ann", 14.0, at("2024-04-20 10:00"), 0, 1),  # c2 is after the close
        "d2": ("Ann", 30.0, at("2024-05-05 10:00"), 0, 1),
        "d3": ("Ann", 3.0, None, 0, 0),
        "d4": ("Ann", 2.0, None, 0, 0),
        "d6": ("Ann", None, None, 0, 0),  # closes after the as-of date
        "d7": ("Bob", 40.0, None, 0, 0),
        "d8": (None, 40.0, None, 0, 0),
        "d9": ("Bob", None, at("2024-05-25 10:00"), 1, 1),  # open: c1 only (c3 deleted, c4 after as_of)
        "d10": (None, None, at("2024-05-10 10:00"), 0, 1),
    }
    assert {row["as_of"] for row in got} == {AS_OF}


@pytest.mark.parametrize(
    "name",
    ["rep_daily_activity", "rep_weekly_scorecard", "funnel_monthly", "rep_peer_comparison", "deal_facts"],
)
def test_every_mart_column_is_documented(built, name):
    columns = [row["column_name"] for row in mart_columns(built, name)]
    assert list(DOCS[f"marts.{name}"].columns) == columns
    assert all(row["comment"] for row in mart_columns(built, name))


def mart_columns(engine, name):
    return fetch(
        engine,
        "select column_name, comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = :name order by column_index",
        name=name,
    )
