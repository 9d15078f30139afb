"""The marts' checks (KPI contract, section 3) on the sandbox: each mart's key is unique, its share-type
ratios within [0, 1], and its totals reconcile with core. All pass on a synced warehouse and each fails
on a seeded problem: a duplicated row, a share of 1.5, an altered total."""

import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import sandbox_environment

from models.model_files import Share, UniqueKey
from models.sqlmodels import SQL_ROOT, discover
from pipelines.definitions import build_definitions
from pipelines.jobs import CHECK_JOB
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import catch_up, run_job
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
# Long enough for deals closed in two quarters.
ORG = OrgConfig(seed=11, reps=6, teams=2, days=120, end=MIDNIGHT - timedelta(days=1), activities=1_200)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=2)).date())
# Each mart's model file (sql/marts/<mart>.yml): its key, shares and reconciliations with core.
MARTS = {model.name: model.doc for model in discover() if model.schema == "marts"}
SHARES = {table: [t.column for t in doc.tests if isinstance(t, Share)] for table, doc in MARTS.items()}


def asset(table: str) -> str:
    return table.replace(".", "/")


RECONCILED = {(asset(table), check.name) for table, doc in MARTS.items() for check in doc.checks}


def rule_checks() -> set[tuple[str, str]]:
    return {
        (asset(table), name)
        for table, shares in SHARES.items()
        for name in ("unique_key", *(f"{column}_within_0_1" for column in shares))
    }


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reporting(reporting_file) -> ReportingResource:
    return ReportingResource(config_file=str(reporting_file))


def definitions(warehouse, reporting: ReportingResource) -> dg.Definitions:
    return build_definitions(
        SETTINGS, resources={"warehouse": WarehouseResource(location=str(warehouse)), "reporting": reporting}
    )


@pytest.fixture(scope="module")
def synced(box, instance, reporting, tmp_path_factory):
    """A first sync of everything (marts included, every check run) into a fresh warehouse."""
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with sandbox_environment(box):
        outcome = catch_up(definitions(warehouse, reporting), instance=instance)
    assert outcome.success, outcome.failures
    return warehouse, outcome


def check_damaged(
    box, instance, reporting, synced, tmp_path, *statements: str
) -> dict[tuple[str, str], object]:
    """Run the `check` job on a copy of the synced warehouse after `statements`: the marts' checks by key."""
    warehouse = tmp_path / "damaged.duckdb"
    shutil.copy(synced[0], warehouse)
    with duckdb.connect(str(warehouse)) as db:
        for statement in statements:
            db.execute(statement)
    with sandbox_environment(box):
        outcome = run_job(definitions(warehouse, reporting), CHECK_JOB, instance=instance)
    assert outcome.success, outcome.failures
    return {(c.asset, c.name): c for c in outcome.checks if c.asset.startswith("marts/")}


def failed(checks) -> set[tuple[str, str]]:
    return {key for key, check in checks.items() if not check.passed}


def test_every_mart_declares_its_key_shares_and_reconciliation_in_its_model_file():
    assert set(MARTS) == {f"marts.{path.stem}" for path in (SQL_ROOT / "marts").glob("*.sql")}
    for table, doc in MARTS.items():
        assert doc is not None, f"{table} has no model file"
        assert [type(t) for t in doc.tests].count(UniqueKey) == 1, table
    assert {name for _, name in RECONCILED} == {
        "totals_reconcile_with_core",
        "deals_reconcile_with_core",
        "rows_reconcile_with_core",
        "new_customer_once_per_prospect",
        "results_reconcile_with_deal_facts",
        "targets_reconcile_with_config",
        "flags_agree_with_figures",
        "figures_agree_with_peer_comparison",
    }
    # appointment_rate = meetings_booked / connected_calls is a ratio, not a share: it may exceed 1.
    assert "appointment_rate" not in SHARES["marts.rep_daily_activity"]
    check_keys = {
        (key.asset_key.to_user_string(), key.name)
        for key in build_definitions(SETTINGS).resolve_asset_graph().asset_check_keys
    }
    assert rule_checks() | RECONCILED <= check_keys


def test_every_mart_check_passes_on_clean_data(synced):
    warehouse, outcome = synced
    checks = {(c.asset, c.name): c for c in outcome.checks}
    assert rule_checks() | RECONCILED <= set(checks)
    assert [key for key in rule_checks() | RECONCILED if not checks[key].passed] == []
    with duckdb.connect(str(warehouse), read_only=True) as db:  # the totals reconcile something
        assert db.execute("select sum(revenue_won) from marts.rep_weekly_scorecard").fetchone()[0] > 0
        assert (
            db.execute("select count(distinct quarter_start) from marts.rep_peer_comparison").fetchone()[0]
            > 1
        )
        # the sandbox's customers buy again and some deals come through referrals, in both CRMs
        won, new, referral = db.execute(
            "select sum(deals_won), sum(new_customers), sum(referral_revenue) from marts.rep_monthly_results"
        ).fetchone()
        assert won > new > 0
        assert referral > 0
        referrals = "select distinct source from marts.deal_facts where is_referral"
        assert {source for (source,) in db.execute(referrals).fetchall()} == {"salesforce", "hubspot"}
        coached = "select count(*) from marts.rep_coaching where closing_ratio is not null"
        assert db.execute(coached).fetchone()[0] > 0


def test_a_duplicated_row_fails_its_marts_unique_key(box, instance, reporting, synced, tmp_path):
    checks = check_damaged(
        box,
        instance,
        reporting,
        synced,
        tmp_path,
        *(f"insert into {table} select * from {table} limit 1" for table in MARTS),
    )
    assert {(asset(table), "unique_key") for table in MARTS} <= failed(checks)
    assert not any(name.endswith("_within_0_1") for _, name in failed(checks))
    sample = checks[("marts/deal_facts", "unique_key")].metadata["sample"]
    assert [row["copies"] for row in sample] == ["2"]


def test_a_share_above_1_fails_and_a_ratio_above_1_does_not(box, instance, reporting, synced, tmp_path):
    statements = [
        f"update {table} set {column} = 1.5 where rowid = (select min(rowid) from {table})"
        for table, shares in SHARES.items()
        for column in shares
    ]
    checks = check_damaged(
        box,
        instance,
        reporting,
        synced,
        tmp_path,
        *statements,
        # the coaching flags follow their (damaged) figures: only the shares' checks fail
        "update marts.rep_coaching set below_appointment_to_proposal = false, below_closing_ratio = false "
        "where rowid = (select min(rowid) from marts.rep_coaching)",
        "update marts.rep_daily_activity set appointment_rate = 3.0",
        # within a cent per row of rounding: still reconciles
        "update marts.rep_weekly_scorecard set revenue_won = revenue_won + 0.01 "
        "where rowid = (select min(rowid) from marts.rep_weekly_scorecard)",
    )
    shares = {key for key in rule_checks() if key[1] != "unique_key"}
    assert failed(checks) == shares
    assert checks[("marts/rep_daily_activity", "connect_rate_within_0_1")].metadata["sample"] == [
        {"connect_rate": "1.5", "rows": "1"}
    ]


def test_altered_totals_fail_the_reconciliations_with_core(box, instance, reporting, synced, tmp_path):
    checks = check_damaged(
        box,
        instance,
        reporting,
        synced,
        tmp_path,
        "update marts.rep_weekly_scorecard set revenue_won = revenue_won + 100 "
        "where rowid = (select min(rowid) from marts.rep_weekly_scorecard where revenue_won > 0)",
        "update marts.rep_peer_comparison set deals_won = deals_won + 1, deals_lost = deals_lost - 1 "
        "where rowid = (select min(rowid) from marts.rep_peer_comparison where deals_lost > 0)",
        "delete from marts.deal_facts where rowid = (select min(rowid) from marts.deal_facts)",
        "update marts.deal_facts set is_new_customer = true "
        "where rowid = (select min(rowid) from marts.deal_facts where not is_won)",
        "update marts.rep_monthly_results set referral_revenue = referral_revenue + 1, target_deviation = 1 "
        "where rowid = (select min(rowid) from marts.rep_monthly_results)",
        "update marts.rep_coaching set sales_cycle_vs_team_pct = coalesce(sales_cycle_vs_team_pct, 0) + 1, "
        "below_closing_ratio = not coalesce(below_closing_ratio, false) "
        "where rowid = (select min(rowid) from marts.rep_coaching)",
    )
    assert failed(checks) == RECONCILED
    (revenue,) = checks[("marts/rep_weekly_scorecard", "totals_reconcile_with_core")].metadata["sample"]
    assert float(revenue["mart_revenue_won"]) - float(revenue["core_revenue_won"]) == pytest.approx(100)
    assert revenue["mart_deals_won"] == revenue["core_deals_won"]
    (quarter,) = checks[("marts/rep_peer_comparison", "deals_reconcile_with_core")].metadata["sample"]
    assert int(quarter["mart_deals_won"]) == int(quarter["core_deals_won"]) + 1
    (rows,) = checks[("marts/deal_facts", "rows_reconcile_with_core")].metadata["sample"]
    assert int(rows["mart_rows"]) == int(rows["core_rows"]) - 1
