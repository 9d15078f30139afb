"""Golden rows for core.deals (KPI contract §1 currency/timezone, §2 core.deals and funnel stages);
the raw rows and the rule each deal exercises are in sql_deal_data."""

import pytest
import sqlalchemy as sa
from sql_helpers import at, build_core, dec, fetch, insert

from models.reporting import ReportingConfig

COLUMNS = [
    "deal_id",
    "source",
    "crm_id",
    "deal_name",
    "rep_id",
    "prospect_id",
    "pipeline",
    "stage",
    "funnel_stage",
    "amount",
    "currency",
    "amount_reporting",
    "created_at",
    "closed_on",
    "is_closed",
    "is_won",
    "reached_proposal_at",
    "is_deleted",
    "source_updated_at",
]
# The columns of KPI contract 5.3, after reached_proposal_at: tested by test_lead_source_and_referrals.
LEAD_COLUMNS = ["lead_source", "is_referral"]

HAL, RITA = "hal@example.com", "rita@example.com"


def day(text):
    return at(text).date()


EXPECTED = [
    ("hubspot:501", "hubspot", "501", "Globex", HAL, "hubspot:9", "default", "closedwon", "won",
     dec("2500.00"), "USD", dec("2500.00"), at("2024-01-10 15:00"), day("2024-02-29"), True, True,
     at("2024-02-01 00:00"), False, at("2024-03-01 05:00")),
    ("hubspot:502", "hubspot", "502", "Initech", HAL, "hubspot:40", "default", "qualifiedtobuy", "qualified",
     None, "USD", None, at("2024-01-12 00:00"), None, False, False, None, False, at("2024-02-12 00:00")),
    ("hubspot:503", "hubspot", "503", "Umbrella", HAL, None, "default", "customwon", "won",
     dec("10.00"), "EUR", dec("10.80"), at("2024-01-15 00:00"), day("2024-03-30"), True, True,
     at("2024-03-31 03:59"), False, at("2024-03-31 04:00")),
    ("hubspot:504", "hubspot", "504", "Hooli", "hubspot:999", None, "default", "almostwon", "lost",
     dec("3.00"), "USD", dec("3.00"), at("2024-02-15 00:00"), day("2024-04-01"), True, False, None, False,
     at("2024-04-01 05:00")),
    ("hubspot:505", "hubspot", "505", "Vandelay", None, None, "default", "openhundred", None,
     dec("4.00"), "USD", dec("4.00"), at("2024-02-16 00:00"), None, False, False, None, False,
     at("2024-02-16 00:00")),
    ("hubspot:506", "hubspot", "506", "Stark", HAL, None, "enterprise", "contractsent", "negotiation",
     dec("6.00"), "USD", dec("6.00"), at("2024-02-19 00:00"), None, False, False, at("2024-02-20 00:00"),
     False, at("2024-02-20 00:00")),
    ("hubspot:507", "hubspot", "507", "Wayne", HAL, None, "default", "closedlost", "lost",
     dec("8.00"), "USD", dec("8.00"), at("2024-01-20 00:00"), day("2024-03-20"), True, False, None, True,
     at("2024-04-10 00:00")),
    ("hubspot:508", "hubspot", "508", "Tyrell", HAL, None, "default", "ghoststage", "won",
     dec("9.00"), "USD", dec("9.00"), at("2024-01-20 00:00"), day("2024-02-10"), True, True,
     at("2024-01-20 00:00"), False, at("2024-02-10 12:00")),
    ("hubspot:509", "hubspot", "509", "Cyberdyne", HAL, None, "default", "contractsent", "proposal",
     dec("11.00"), "USD", dec("11.00"), at("2024-01-15 00:00"), None, False, False, at("2024-02-25 00:00"),
     False, at("2024-02-25 00:00")),
    ("hubspot:510", "hubspot", "510", "Soylent", HAL, None, "default", "appointmentscheduled", "appointment",
     dec("12.00"), "USD", dec("12.00"), at("2024-01-05 12:00"), None, False, False, None, False,
     at("2024-01-05 12:00")),
    ("salesforce:006A", "salesforce", "006A", "Acme renewal", RITA, "salesforce:001A", None, "Closed Won",
     "won", dec("1000.25"), "EUR", dec("1080.27"), at("2024-01-05 10:00"), day("2024-03-15"), True, True,
     at("2024-02-01 00:00"), False, at("2024-03-15 18:00")),
    ("salesforce:006B", "salesforce", "006B", "Beta pilot", RITA, "salesforce:003Z", None, "Qualification",
     "qualified", dec("1.01"), "USD", dec("1.01"), at("2024-02-01 09:00"), None, False, False, None, False,
     at("2024-02-02 09:00")),
    ("salesforce:006C", "salesforce", "006C", "Cyan", RITA, "salesforce:001C", None, "Closed Lost", "lost",
     dec("64.50"), "GBP", dec("75.47"), at("2024-01-10 00:00"), day("2024-03-01"), True, False, None, False,
     at("2024-03-01 12:00")),
    ("salesforce:006D", "salesforce", "006D", "Deleted deal", None, None, None, "Prospecting", "appointment",
     None, "USD", None, at("2024-01-02 00:00"), None, False, False, None, True, at("2024-04-01 00:00")),
    ("salesforce:006E", "salesforce", "006E", "Eagle", RITA, "salesforce:001E", None, "Won - Custom", "won",
     dec("50000.00"), "JPY", None, at("2024-01-03 00:00"), day("2024-03-03"), True, True,
     at("2024-03-03 00:00"), False, at("2024-03-03 00:00")),
    ("salesforce:006F", "salesforce", "006F", "Falcon", RITA, "salesforce:001F", None, "Lost - Custom",
     "lost", dec("10.00"), "USD", dec("10.00"), at("2024-01-05 00:00"), day("2024-02-06"), True, False, None,
     False, at("2024-02-06 00:00")),
    ("salesforce:006G", "salesforce", "006G", "Gull", RITA, "salesforce:001G", None, "Discovery", None,
     dec("0.13"), "USD", dec("0.13"), at("2024-01-07 00:00"), None, False, False, None, False,
     at("2024-01-07 00:00")),
    ("salesforce:006H", "salesforce", "006H", "Heron", RITA, "salesforce:001H", None, "Negotiation/Review",
     "negotiation", dec("5.00"), "USD", dec("5.00"), at("2024-01-08 00:00"), day("2024-02-02"), True, True,
     at("2024-02-01 00:00"), False, at("2024-02-02 00:00")),
    ("salesforce:006I", "salesforce", "006I", "Ibis", RITA, "salesforce:001I", None, "Proposal/Price Quote",
     "proposal", dec("7.00"), "USD", dec("7.00"), at("2024-01-01 00:00"), None, False, False,
     at("2024-02-10 00:00"), False, at("2024-02-01 00:00")),
]  # fmt: skip


@pytest.fixture(scope="module")
def deals(deals_warehouse):
    return fetch(deals_warehouse, "select * from core.deals order by deal_id")


def test_deals_columns(deals):
    assert list(deals[0]) == COLUMNS[:17] + LEAD_COLUMNS + COLUMNS[17:]


def test_deals_golden(deals):
    assert [tuple(r[c] for c in COLUMNS) for r in deals] == EXPECTED
    # none of these deals has a lead source
    assert {(r["lead_source"], r["is_referral"]) for r in deals} == {(None, False)}


def test_lead_source_and_referrals(engine, tmp_path):
    """Salesforce LeadSource, HubSpot hs_analytics_source (trimmed, empty = none); a referral when the
    lead source, lower-cased, contains a referral value: any case, multi-word sources; configurable."""
    sources = {
        "006A": "Partner Referral",  # multi-word
        "006B": "EMPLOYEE REFERRAL",  # upper case
        "006C": "Web",
        "006D": "  ",  # empty after trimming: none
        "006E": None,
        "006F": "Trade Show",
        "006G": "referral",
    }
    insert(
        engine,
        "raw_salesforce.opportunity",
        *(
            {"Id": crm_id, "Name": crm_id, "StageName": "Prospecting", "LeadSource": source,
             "CreatedDate": at("2024-01-01 00:00"), "SystemModstamp": at("2024-01-01 00:00")}
            for crm_id, source in sources.items()
        ),
    )  # fmt: skip
    insert(
        engine,
        "raw_hubspot.deals",
        *(
            {"id": hubspot_id, "dealstage": "appointmentscheduled", "pipeline": "default",
             "hs_analytics_source": source, "createdate": at("2024-01-01 00:00"),
             "hs_lastmodifieddate": at("2024-01-01 00:00")}
            for hubspot_id, source in {701: "REFERRALS", 702: "ORGANIC_SEARCH", 703: None}.items()
        ),
    )  # fmt: skip
    build_core(engine)
    query = "select deal_id, lead_source, is_referral from core.deals order by deal_id"
    assert [tuple(r.values()) for r in fetch(engine, query)] == [
        ("hubspot:701", "REFERRALS", True),
        ("hubspot:702", "ORGANIC_SEARCH", False),
        ("hubspot:703", None, False),  # a portal without the property lands NULL: not a referral
        ("salesforce:006A", "Partner Referral", True),
        ("salesforce:006B", "EMPLOYEE REFERRAL", True),
        ("salesforce:006C", "Web", False),
        ("salesforce:006D", None, False),
        ("salesforce:006E", None, False),
        ("salesforce:006F", "Trade Show", False),
        ("salesforce:006G", "referral", True),
    ]
    # Configured values replace the default: "Partner" and "trade show" (any case), no longer "referral".
    build_core(engine, ReportingConfig(referral_values=("Partner", "TRADE show")))
    referrals = fetch(engine, "select deal_id from core.deals where is_referral order by deal_id")
    assert [r["deal_id"] for r in referrals] == ["salesforce:006A", "salesforce:006F"]


def test_money_is_decimal_18_2(deals_warehouse):
    types = fetch(
        deals_warehouse,
        "select column_name, data_type from duckdb_columns() where schema_name = 'core' "
        "and table_name = 'deals' and column_name in ('amount', 'amount_reporting', 'closed_on')",
    )
    assert {r["column_name"]: r["data_type"] for r in types} == {
        "amount": "DECIMAL(18,2)",
        "amount_reporting": "DECIMAL(18,2)",
        "closed_on": "DATE",
    }


def test_hubspot_amount_as_text_and_utc_dates(engine):
    """HubSpot sends amounts as strings: an empty one is no amount, and the SQL reads a text column as
    well as a number. In UTC, a closedate's date is its UTC date."""
    with engine.begin() as conn:
        conn.exec_driver_sql("alter table raw_hubspot.deals alter amount type varchar")
    amounts = ["", " 1234.50 ", "99.995", None]
    insert(
        engine,
        "raw_hubspot.deals",
        *(
            {"id": 600 + i, "dealstage": "closedwon", "pipeline": "default",
             "closedate": at("2024-03-01 04:30"), "createdate": at("2024-01-01 00:00"),
             "hs_lastmodifieddate": at("2024-03-01 05:00")}
            for i in range(len(amounts))
        ),
    )  # fmt: skip
    with engine.begin() as conn:
        for i, amount in enumerate(amounts):
            conn.execute(
                sa.text("update raw_hubspot.deals set amount = :amount where id = :id"),
                {"amount": amount, "id": 600 + i},
            )
    insert(
        engine,
        "raw_hubspot.deal_pipelines",
        {"pipeline_id": "default", "stage_id": "closedwon", "is_closed": True, "probability": 1.0},
    )
    build_core(engine)  # timezone UTC, currency USD
    rows = fetch(engine, "select crm_id, amount, amount_reporting, closed_on from core.deals order by crm_id")
    march_1 = day("2024-03-01")
    assert [tuple(r.values()) for r in rows] == [
        ("600", None, None, march_1),
        ("601", dec("1234.50"), dec("1234.50"), march_1),
        ("602", dec("100.00"), dec("100.00"), march_1),
        ("603", None, None, march_1),
    ]
