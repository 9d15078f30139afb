"""Golden rows for marts.rep_coaching (KPI contract 5.6), each default threshold exactly at its
boundary: appointment → proposal 3 / 5 = 0.60 (not below), closing ratio 13 / 20 = 0.65 (not below),
activity barometer 2 / 2 = 100 (not below), revenue per sale -40 % against the team (low), sales cycle
-30 % (fast); a quarter without a magic number (NULL barometer, NULL flag); a rep without first
appointments or peer row (NULL figures, NULL flags); configured thresholds flip every flag."""

import pytest
import sqlalchemy as sa
from marts_data import at, build_marts, day, deal, insert_core, mart, marts_warehouse, meeting

from models import sqlmodels
from models.coaching import CoachingThresholds
from models.reporting import ReportingConfig
from pipelines.checks import evaluate, model_checks

AS_OF = at("2024-06-10 12:00")
ANN, BOB, CAL = "ann@x.com", "bob@x.com", "cal@x.com"
Q1, Q2 = day("2024-01-01"), day("2024-04-01")
# CAL's magic number for the week of 1 April: 2000.00 / (arps 1000 × a2p 1/1 × p2c 1/1) = 2.
TARGETS = "rep_email,period_start,period_end,revenue_target\ncal@x.com,2024-04-01,2024-04-07,2000.00\n"


def _meeting(activity_id, rep_id, prospect_id, occurred, executive=False):
    return meeting(activity_id, rep_id, prospect_id, occurred, reaches_executive=executive)


def _deal(deal_id, rep_id, *, prospect_id=None, created="2024-01-02 00:00", **fields):
    return deal(deal_id, rep_id, prospect_id, created, **fields)


def _activities():
    return [
        # ANN, Q2: five first appointments (two at the top); the prospects of A1, A2, A3 reach a proposal
        # afterwards: 3 / 5 = 0.60.
        _meeting("a1", ANN, "A1", "2024-04-02 10:00", executive=True),
        _meeting("a2", ANN, "A2", "2024-04-03 10:00", executive=True),
        _meeting("a3", ANN, "A3", "2024-04-04 10:00"),
        _meeting("a4", ANN, "A4", "2024-04-05 10:00"),
        _meeting("a5", ANN, "A5", "2024-04-08 10:00"),
        _meeting("a6", ANN, "A1", "2024-04-09 10:00"),  # a second meeting with A1: not a first
        # CAL, Q1: one first appointment that led to a won proposal (the magic number's history).
        _meeting("c1", CAL, "C1", "2024-03-04 10:00"),
        # CAL, Q2: two first appointments in the week of 1 April, the magic number's 2; no proposal.
        _meeting("c2", CAL, "C2", "2024-04-01 10:00"),
        _meeting("c3", CAL, "C3", "2024-04-02 10:00"),
    ]


def _deals():
    deals = [
        _deal("da1", BOB, prospect_id="A1", proposal="2024-04-20 10:00"),  # any rep's deal counts
        _deal("da2", ANN, prospect_id="A2", proposal="2024-04-03 10:00"),  # the same instant counts
        _deal("da3x", ANN, prospect_id="A3", proposal="2024-04-10 10:00", is_deleted=True),  # deleted
        _deal("da3", ANN, prospect_id="A3", proposal="2024-05-10 10:00"),
        _deal("da4", ANN, prospect_id="A4", proposal="2024-04-01 10:00"),  # before the appointment
        _deal("da5", ANN, prospect_id="A5", proposal="2024-06-10 12:01"),  # after as_of
        _deal(
            "dc1",
            CAL,
            prospect_id="C1",
            proposal="2024-03-04 15:00",
            closed="2024-03-06",
            won=True,
            amount="1000.00",
            created="2024-03-04 12:00",
        ),
    ]
    # Q2 closings: ANN 13 won at 60.00 (cycle 13 days) and 7 lost, all after a proposal: 13 / 20 = 0.65;
    # BOB 13 won at 140.00 (cycle 7 days). Team: 100.00 a sale, 10 days: ANN −40 %, BOB −30 %.
    for n in range(13):
        deals.append(_deal(f"dw{n:02}", ANN, proposal="2024-04-10 10:00", closed="2024-04-20", won=True,
                           amount="60.00", created="2024-04-07 10:00"))  # fmt: skip
        deals.append(_deal(f"db{n:02}", BOB, proposal="2024-04-15 10:00", closed="2024-04-20", won=True,
                           amount="140.00", created="2024-04-13 10:00"))  # fmt: skip
    for n in range(7):
        deals.append(_deal(f"dl{n:02}", ANN, proposal="2024-04-10 10:00", closed="2024-04-20"))
    deals.append(_deal("dz", ANN, closed="2024-04-21"))  # lost without a proposal: not in the ratio
    deals.append(_deal("dy", ANN, proposal="2024-05-01 10:00", closed="2024-06-20", won=True))  # after
    return deals


def _build(raw_template, folder, config=None):
    engine = marts_warehouse(raw_template, folder, {r: r[:3].title() for r in (ANN, BOB, CAL)}, as_of=AS_OF)
    insert_core(engine, "core.activities", *_activities())
    insert_core(engine, "core.deals", *_deals())
    build_marts(engine, config, as_of=AS_OF, targets_csv=TARGETS, folder=folder)
    return engine


@pytest.fixture(scope="module")
def built(raw_template, tmp_path_factory):
    engine = _build(raw_template, tmp_path_factory.mktemp("coaching"))
    yield engine
    engine.dispose()


FIGURES = [
    "first_appointments",
    "executive_first_appointments",
    "appointment_to_proposal_rate",
    "executive_reach_pct",
    "closing_ratio",
    "activity_barometer_pct",
    "revenue_per_sale_vs_team_pct",
    "sales_cycle_vs_team_pct",
]
FLAGS = [
    "below_appointment_to_proposal",
    "below_closing_ratio",
    "below_barometer",
    "low_revenue_per_sale",
    "fast_sales_cycle",
]


def test_rep_coaching_golden(built):
    rows = {
        (r["rep_id"], r["quarter_start"]): r for r in mart(built, "rep_coaching", "rep_id, quarter_start")
    }
    assert list(rows) == [(ANN, Q2), (BOB, Q2), (CAL, Q1), (CAL, Q2)]
    expected = {
        # rate 3/5 at 0.60; 2 of 5 at the top; 13/20 at 0.65; no magic number; −40 %; +30 %
        (ANN, Q2): ((5, 2, 0.6, 40.0, 0.65, None, -40.0, 30.0), (False, False, None, True, False)),
        # no first appointment: NULL rate and flag; 13/13; +40 %; −30 %: fast
        (BOB, Q2): ((0, 0, None, None, 1.0, None, 40.0, -30.0), (None, False, None, False, True)),
        # alone in Q1: the team is CAL; no target in Q1: no magic number, NULL barometer and flag
        (CAL, Q1): ((1, 0, 1.0, 0.0, 1.0, None, 0.0, 0.0), (False, False, None, False, False)),
        # 0 of 2 reached a proposal; no closing, no peer row; barometer 2 / 2 = 100, not below
        (CAL, Q2): ((2, 0, 0.0, 0.0, None, 100.0, None, None), (True, None, False, None, None)),
    }
    for key, (figures, flags) in expected.items():
        row = rows[key]
        assert [row[c] for c in FIGURES] == [None if f is None else pytest.approx(f) for f in figures], key
        assert [row[c] for c in FLAGS] == list(flags), key
    assert rows[(ANN, Q2)]["rep_name"] == "Ann"
    assert {r["as_of"] for r in rows.values()} == {AS_OF}


def test_thresholds_are_configurable(raw_template, tmp_path):
    thresholds = CoachingThresholds(
        appointment_to_proposal_rate=0.61,
        closing_ratio=0.66,
        activity_barometer_pct=100.5,
        revenue_per_sale_vs_team_pct=-40.5,
        sales_cycle_vs_team_pct=-30.5,
    )
    engine = _build(raw_template, tmp_path, ReportingConfig(coaching=thresholds))
    rows = {
        (r["rep_id"], r["quarter_start"]): r for r in mart(engine, "rep_coaching", "rep_id, quarter_start")
    }
    assert [rows[(ANN, Q2)][c] for c in FLAGS] == [True, True, None, False, False]
    assert [rows[(BOB, Q2)][c] for c in FLAGS] == [None, False, None, False, False]
    assert [rows[(CAL, Q2)][c] for c in FLAGS] == [True, None, True, None, None]
    engine.dispose()


def _checks():
    model = next(m for m in sqlmodels.discover() if m.name == "marts.rep_coaching")
    return model_checks([model])


def test_model_file_checks_pass_and_catch_a_flag_that_disagrees(built):
    with built.connect() as conn:
        assert [c.name for c in _checks() if not evaluate(conn, c).passed] == []
    with built.begin() as conn:
        conn.execute(
            sa.text("update marts.rep_coaching set below_closing_ratio = true where rep_id = :r"), {"r": BOB}
        )
    with built.connect() as conn:
        assert [c.name for c in _checks() if not evaluate(conn, c).passed] == ["flags_agree_with_figures"]


def test_a_figure_on_its_threshold_decides_its_flag_as_on_paper(raw_template, tmp_path):
    """DAN sells once at 11.00, the team three times for 55.00 (18.33 a sale): -40 % on paper, while the
    floating-point division gives -39.99999999999999; the flag is raised as on paper."""
    dan, eve = "dan@x.com", "eve@x.com"
    engine = marts_warehouse(raw_template, tmp_path, {dan: "Dan", eve: "Eve"}, as_of=AS_OF)
    won = {"proposal": "2024-04-10 10:00", "closed": "2024-04-20", "won": True, "created": "2024-04-07 10:00"}
    deals = [_deal("dd", dan, amount="11.00", **won)]
    deals += [_deal(f"de{n}", eve, amount=amount, **won) for n, amount in enumerate(("20.00", "24.00"))]
    insert_core(engine, "core.deals", *deals)
    build_marts(engine, None, as_of=AS_OF, targets_csv=None, folder=tmp_path)
    row = next(r for r in mart(engine, "rep_coaching", "rep_id") if r["rep_id"] == dan)
    assert row["revenue_per_sale_vs_team_pct"] == pytest.approx(-40.0)
    assert row["revenue_per_sale_vs_team_pct"] > -40.0  # the last bit, as DuckDB computes it
    assert row["low_revenue_per_sale"] is True
    engine.dispose()
