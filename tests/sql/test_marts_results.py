"""Golden rows for new customers and referrals in marts.deal_facts and for marts.rep_monthly_results
(KPI contract 5.4, 5.5): a prospect's second win is not a new customer; a deleted first win makes the
next one new; a win closed after the as-of date is not counted; a tie on closed_on goes to the smaller
deal_id; a month with a target and no wins; the as-of month's pace; a future month. The model files'
checks pass on these rows and fail on a damaged row."""

from decimal import Decimal

import pytest
import sqlalchemy as sa
from marts_data import at, build_marts, day, deal, insert_core, mart, marts_warehouse
from sql_helpers import fetch

from models import sqlmodels
from pipelines.checks import evaluate, model_checks

AS_OF = at("2024-06-10 12:00")
ANN, BOB = "ann@x.com", "bob@x.com"
TARGETS = (
    "rep_email,period_start,period_end,revenue_target\n"
    "ann@x.com,2024-02-01,2024-02-29,290.00\n"  # February: a target, no win
    "ann@x.com,2024-04-01,2024-04-30,600.00\n"
    "ann@x.com,2024-06-01,2024-06-30,3000.00\n"  # the as-of month: 100.00 a day
    "ann@x.com,2024-07-01,2024-07-31,310.00\n"  # a future month
    "nobody@x.com,2024-06-01,2024-06-30,999.00\n"  # matches no rep: ignored
)


def _won(deal_id, prospect_id, closed, amount, rep_id=ANN, **extra):
    return deal(
        deal_id, rep_id, prospect_id, "2024-01-02 10:00", closed=closed, won=True, amount=amount, **extra
    )


DEALS = [
    _won("d01", "P1", "2024-03-05", "100.00"),  # P1's first win: new
    _won("d02", "P1", "2024-05-10", "200.00", lead_source="Partner Referral", is_referral=True),  # second
    _won("d03", "P2", "2024-02-01", "999.00", is_deleted=True),  # deleted first win: never counts
    _won("d04", "P2", "2024-04-15", "300.00"),  # so this one is P2's first: new
    _won("d05", "P3", "2024-06-20", "400.00"),  # closed after the as-of date: not counted, not new
    _won("d06", "P3", "2024-06-03", "500.00", rep_id=BOB, lead_source="REFERRALS", is_referral=True),
    _won("d07", "P4", "2024-06-20", "700.00"),  # P4's only win, after the as-of date: not new
    _won("d08", "P5", "2024-05-20", "80.00", rep_id=BOB),  # a tie on closed_on: the smaller deal_id
    _won("d09", "P5", "2024-05-20", "70.00", rep_id=BOB),
    _won("d11", None, "2024-05-02", "50.00"),  # no prospect: revenue, never a new customer
    _won("d12", "P8", "2024-05-03", "60.00", rep_id=None),  # no rep: new customer, in no rep's row
    _won("d13", "P7", "2024-06-08", "1200.00"),
    deal("d10", ANN, "P6", "2024-01-02 10:00", closed="2024-05-01"),  # lost: never a new customer
]

NEW_CUSTOMERS = {"d01", "d04", "d06", "d08", "d12", "d13"}


@pytest.fixture(scope="module")
def built(raw_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("results_marts")
    engine = marts_warehouse(raw_template, folder, {ANN: "Ann", BOB: "Bob"}, as_of=AS_OF)
    insert_core(engine, "core.deals", *DEALS)
    build_marts(engine, as_of=AS_OF, targets_csv=TARGETS, folder=folder)
    yield engine
    engine.dispose()


def test_deal_facts_new_customers_and_referrals(built):
    rows = mart(built, "deal_facts", "deal_id")
    assert [r["deal_id"] for r in rows] == [d["deal_id"] for d in sorted(DEALS, key=lambda d: d["deal_id"])
                                            if not d.get("is_deleted")]  # fmt: skip
    assert {r["deal_id"] for r in rows if r["is_new_customer"]} == NEW_CUSTOMERS
    assert all(r["is_new_customer"] is False for r in rows if r["deal_id"] not in NEW_CUSTOMERS)
    assert {r["deal_id"]: (r["lead_source"], r["is_referral"]) for r in rows if r["lead_source"]} == {
        "d02": ("Partner Referral", True),
        "d06": ("REFERRALS", True),
    }


def test_rep_monthly_results_golden(built):
    rows = mart(built, "rep_monthly_results", "rep_id, month_start")
    got = [
        (r["rep_id"], r["month_start"], r["deals_won"], r["revenue_won"], r["new_customers"],
         r["new_customer_revenue"], r["referral_deals_won"], r["referral_revenue"], r["revenue_target"],
         r["target_deviation"], r["expected_to_date"])
        for r in rows
    ]  # fmt: skip
    D = Decimal
    assert got == [
        # February: a target and no win (the deleted d03 does not count).
        (ANN, day("2024-02-01"), 0, D("0.00"), 0, D("0.00"), 0, D("0.00"), D("290.00"), D("-290.00"),
         D("290.00")),
        # March: a win and no target.
        (ANN, day("2024-03-01"), 1, D("100.00"), 1, D("100.00"), 0, D("0.00"), None, None, None),
        (ANN, day("2024-04-01"), 1, D("300.00"), 1, D("300.00"), 0, D("0.00"), D("600.00"), D("-300.00"),
         D("600.00")),
        # May: P1's second win (a referral) and a win without prospect; the lost d10 is no win.
        (ANN, day("2024-05-01"), 2, D("250.00"), 0, D("0.00"), 1, D("200.00"), None, None, None),
        # June, the as-of month: d13 only (d05 and d07 close after the as-of date); 10 days of 100.00.
        (ANN, day("2024-06-01"), 1, D("1200.00"), 1, D("1200.00"), 0, D("0.00"), D("3000.00"),
         D("-1800.00"), D("1000.00")),
        # July: a future month, nothing expected yet.
        (ANN, day("2024-07-01"), 0, D("0.00"), 0, D("0.00"), 0, D("0.00"), D("310.00"), D("-310.00"),
         D("0.00")),
        (BOB, day("2024-05-01"), 2, D("150.00"), 1, D("80.00"), 0, D("0.00"), None, None, None),
        (BOB, day("2024-06-01"), 1, D("500.00"), 1, D("500.00"), 1, D("500.00"), None, None, None),
    ]  # fmt: skip
    pct = {
        (r["rep_id"], str(r["month_start"])): (r["target_deviation_pct"], r["pace_deviation_pct"])
        for r in rows
    }
    assert pct[(ANN, "2024-02-01")] == (pytest.approx(-100), pytest.approx(-100))
    assert pct[(ANN, "2024-03-01")] == (None, None)
    assert pct[(ANN, "2024-04-01")] == (pytest.approx(-50), pytest.approx(-50))
    # 1200 against 3000 for the month, against 1000 so far: behind the month, ahead of the pace.
    assert pct[(ANN, "2024-06-01")] == (pytest.approx(-60), pytest.approx(20))
    assert pct[(ANN, "2024-07-01")] == (pytest.approx(-100), None)  # nothing expected yet: no pace
    assert all(r["rep_name"] == {ANN: "Ann", BOB: "Bob"}[r["rep_id"]] for r in rows)
    assert {r["as_of"] for r in rows} == {AS_OF}


def _checks(name):
    model = next(m for m in sqlmodels.discover() if m.name == name)
    return model_checks([model])


@pytest.mark.parametrize("name", ["marts.deal_facts", "marts.rep_monthly_results"])
def test_model_file_checks_pass(built, name):
    with built.connect() as conn:
        assert [c.name for c in _checks(name) if not evaluate(conn, c).passed] == []


def test_reconciliation_checks_fail_on_a_damaged_row(built, tmp_path):
    engine = built
    with engine.begin() as conn:
        conn.execute(sa.text("create table scratch_copy as select * from marts.rep_monthly_results"))
        conn.execute(
            sa.text(
                "update marts.rep_monthly_results set revenue_won = revenue_won + 1, "
                "revenue_target = revenue_target + 5 where rep_id = :rep and month_start = :month"
            ),
            {"rep": ANN, "month": day("2024-06-01")},
        )
    try:
        with engine.connect() as conn:
            failed = {c.name for c in _checks("marts.rep_monthly_results") if not evaluate(conn, c).passed}
        assert failed == {"results_reconcile_with_deal_facts", "targets_reconcile_with_config"}
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("delete from marts.rep_monthly_results"))
            conn.execute(sa.text("insert into marts.rep_monthly_results select * from scratch_copy"))
            conn.execute(sa.text("drop table scratch_copy"))
    assert fetch(engine, "select count(*) as n from marts.rep_monthly_results")[0]["n"] == 8
