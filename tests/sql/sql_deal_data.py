"""The raw deals, pipelines and stage histories behind the core.deals and core.deal_stage_history golden
tests; each deal exercises a rule of the KPI contract, noted beside it.

Reporting configuration: timezone America/New_York (UTC-5, UTC-4 from 10 March 2024), currency USD,
EUR = 1.08, GBP = 1.17, the default stage mapping plus: in HubSpot pipeline `enterprise`, contractsent
counts as negotiation (elsewhere it stays proposal).
"""

from __future__ import annotations

import sqlalchemy as sa
from sql_helpers import at, insert

from models.reporting import DEFAULT_STAGE_MAPPING, ReportingConfig, StageMapping

CONFIG = ReportingConfig(
    timezone="America/New_York",
    currency="USD",
    fx_rates={"EUR": 1.08, "GBP": 1.17},
    stage_mapping=(
        *DEFAULT_STAGE_MAPPING,
        StageMapping("hubspot", "enterprise", "contractsent", "negotiation"),
    ),
)


def _sf_history(history_id: str, deal: str, stage: str | None, when: str) -> dict:
    return {"Id": history_id, "OpportunityId": deal, "StageName": stage, "CreatedDate": at(when)}


def _hs_history(deal: int, sequence: int, stage: str | None, when: str) -> dict:
    return {"deal_id": deal, "sequence": sequence, "stage": stage, "entered_at": at(when)}


def _stage(pipeline: str, stage: str, *, closed: bool, probability: float) -> dict:
    return {"pipeline_id": pipeline, "stage_id": stage, "is_closed": closed, "probability": probability}


def load(engine: sa.Engine) -> None:
    insert(engine, "raw_salesforce.user", {"Id": "005R1", "Email": "Rita@Example.com", "Name": "Rita"})
    insert(engine, "raw_hubspot.owners", {"id": 201, "email": "hal@example.com", "first_name": "Hal"})

    insert(
        engine,
        "raw_salesforce.opportunity",
        # Every field; EUR converted (1000.25 × 1.08 = 1080.27); history with a repeat (amount change).
        {"Id": "006A", "Name": "Acme renewal", "OwnerId": "005R1", "AccountId": "001A", "ContactId": "003C",
         "StageName": "Closed Won", "Amount": 1000.25, "CurrencyIsoCode": "EUR",
         "CloseDate": at("2024-03-15").date(), "IsClosed": True, "IsWon": True,
         "CreatedDate": at("2024-01-05 10:00"), "SystemModstamp": at("2024-03-15 18:00")},
        # Open: no closed_on; no currency: USD; 1.005 rounds half away from zero (a double would give 1.00);
        # no account: the contact; no history: one row at created_at.
        {"Id": "006B", "Name": "Beta pilot", "OwnerId": "005R1", "AccountId": None, "ContactId": "003Z",
         "StageName": "Qualification", "Amount": 1.005, "CurrencyIsoCode": None,
         "CloseDate": at("2024-06-30").date(), "IsClosed": False, "IsWon": False,
         "CreatedDate": at("2024-02-01 09:00"), "SystemModstamp": at("2024-02-02 09:00")},
        # Closed lost; GBP 64.5 × 1.17 = 75.465 → 75.47 (in doubles 75.46499…: 75.46).
        {"Id": "006C", "Name": "Cyan", "OwnerId": "005R1", "AccountId": "001C", "StageName": "Closed Lost",
         "Amount": 64.5, "CurrencyIsoCode": "GBP", "CloseDate": at("2024-03-01").date(), "IsClosed": True,
         "IsWon": False, "CreatedDate": at("2024-01-10 00:00"), "SystemModstamp": at("2024-03-01 12:00")},
        # Deleted: stays, is_deleted; no amount, no owner, no prospect.
        {"Id": "006D", "Name": "Deleted deal", "OwnerId": None, "StageName": "Prospecting", "Amount": None,
         "IsClosed": False, "IsWon": False, "CreatedDate": at("2024-01-02 00:00"),
         "SystemModstamp": at("2024-04-01 00:00"), "IsDeleted": True, "_is_deleted": True},
        # Unmapped stage, won: funnel won on the current stage only (not on its earlier history row);
        # JPY has no rate: amount_reporting NULL.
        {"Id": "006E", "Name": "Eagle", "OwnerId": "005R1", "AccountId": "001E", "StageName": "Won - Custom",
         "Amount": 50000.0, "CurrencyIsoCode": "JPY", "CloseDate": at("2024-03-03").date(), "IsClosed": True,
         "IsWon": True, "CreatedDate": at("2024-01-03 00:00"), "SystemModstamp": at("2024-03-03 00:00")},
        # Unmapped stage, closed and not won: lost.
        {"Id": "006F", "Name": "Falcon", "OwnerId": "005R1", "AccountId": "001F",
         "StageName": "Lost - Custom",
         "Amount": 10.0, "CurrencyIsoCode": "usd", "CloseDate": at("2024-02-06").date(), "IsClosed": True,
         "IsWon": False, "CreatedDate": at("2024-01-05 00:00"), "SystemModstamp": at("2024-02-06 00:00")},
        # Unmapped open stage: NULL.
        {"Id": "006G", "Name": "Gull", "OwnerId": "005R1", "AccountId": "001G", "StageName": "Discovery",
         "Amount": 0.125, "CurrencyIsoCode": "USD", "IsClosed": False, "IsWon": False,
         "CreatedDate": at("2024-01-07 00:00"), "SystemModstamp": at("2024-01-07 00:00")},
        # A mapped stage keeps its mapping even when the deal is won: no fallback.
        {"Id": "006H", "Name": "Heron", "OwnerId": "005R1", "AccountId": "001H",
         "StageName": "Negotiation/Review",
         "Amount": 5.0, "CloseDate": at("2024-02-02").date(), "IsClosed": True, "IsWon": True,
         "CreatedDate": at("2024-01-08 00:00"), "SystemModstamp": at("2024-02-02 00:00")},
        # The current stage is not in the history and SystemModstamp is older than the last history row:
        # the added row is entered at the last row's time, so the current stage stays the latest row.
        {"Id": "006I", "Name": "Ibis", "OwnerId": "005R1", "AccountId": "001I",
         "StageName": "Proposal/Price Quote", "Amount": 7.0, "IsClosed": False, "IsWon": False,
         "CreatedDate": at("2024-01-01 00:00"), "SystemModstamp": at("2024-02-01 00:00")},
    )  # fmt: skip
    insert(
        engine,
        "raw_salesforce.opportunity_history",
        _sf_history("008A1", "006A", "Prospecting", "2024-01-05 10:00"),
        _sf_history("008A2", "006A", "Prospecting", "2024-01-20 00:00"),  # repeat: collapsed
        _sf_history("008A3", "006A", "Proposal/Price Quote", "2024-02-01 00:00"),
        _sf_history("008A4", "006A", "Negotiation/Review", "2024-02-20 00:00"),
        _sf_history("008A5", "006A", "Closed Won", "2024-03-15 18:00"),
        _sf_history("008C1", "006C", "Prospecting", "2024-01-10 00:00"),
        _sf_history("008C2", "006C", "Closed Lost", "2024-03-01 12:00"),
        _sf_history("008E1", "006E", "Won - Custom", "2024-01-03 00:00"),
        _sf_history("008E2", "006E", "Prospecting", "2024-01-04 00:00"),
        _sf_history("008F1", "006F", "Prospecting", "2024-01-05 00:00"),
        _sf_history("008F2", "006F", "Lost - Custom", "2024-02-05 00:00"),
        _sf_history("008F3", "006F", "Lost - Custom", "2024-02-06 00:00"),
        _sf_history("008H1", "006H", "Negotiation/Review", "2024-02-01 00:00"),
        _sf_history("008I1", "006I", "Prospecting", "2024-01-01 00:00"),
        _sf_history("008I2", "006I", "Qualification", "2024-02-10 00:00"),
        _sf_history("008X1", "006X", "Prospecting", "2024-01-01 00:00"),  # no such deal: dropped
    )

    insert(
        engine,
        "raw_hubspot.deal_pipelines",
        _stage("default", "appointmentscheduled", closed=False, probability=0.2),
        _stage("default", "qualifiedtobuy", closed=False, probability=0.4),
        _stage("default", "contractsent", closed=False, probability=0.9),
        _stage("default", "closedwon", closed=True, probability=1.0),
        _stage("default", "closedlost", closed=True, probability=0.0),
        _stage("default", "customwon", closed=True, probability=1.0),  # unmapped, won
        _stage("default", "almostwon", closed=True, probability=0.999),  # closed, not won
        _stage("default", "openhundred", closed=False, probability=1.0),  # probability 1 but open
        _stage("enterprise", "contractsent", closed=False, probability=0.8),
    )
    insert(
        engine,
        "raw_hubspot.deals",
        # Every field; closedate 04:30 UTC on 1 March is still 29 February in New York.
        {"id": 501, "dealname": "Globex", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "closedwon", "amount": 2500.0, "deal_currency_code": None,
         "closedate": at("2024-03-01 04:30"), "createdate": at("2024-01-10 15:00"),
         "created_at": at("2024-01-10 15:01"), "hs_lastmodifieddate": at("2024-03-01 05:00"),
         "updated_at": at("2024-03-01 05:01")},
        # Open: no closed_on; no createdate: createdAt; no hs_lastmodifieddate: updatedAt; no amount.
        {"id": 502, "dealname": "Initech", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "qualifiedtobuy", "amount": None, "closedate": at("2024-05-01 04:00"),
         "createdate": None, "created_at": at("2024-01-12 00:00"), "hs_lastmodifieddate": None,
         "updated_at": at("2024-02-12 00:00")},
        # An unmapped closed stage with probability 1: won. 03:59 UTC on 31 March = 30 March, 23:59 EDT.
        {"id": 503, "dealname": "Umbrella", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "customwon", "amount": 10.0, "deal_currency_code": "EUR",
         "closedate": at("2024-03-31 03:59"), "createdate": at("2024-01-15 00:00"),
         "hs_lastmodifieddate": at("2024-03-31 04:00")},
        # Probability 0.999 is not 1: closed, lost. 04:00 UTC on 1 April = midnight EDT: 1 April.
        {"id": 504, "dealname": "Hooli", "hubspot_owner_id": 999, "pipeline": "default",
         "dealstage": "almostwon", "amount": 3.0, "closedate": at("2024-04-01 04:00"),
         "createdate": at("2024-02-15 00:00"), "hs_lastmodifieddate": at("2024-04-01 05:00")},
        # Probability 1 but open: neither closed nor won; unmapped: NULL.
        {"id": 505, "dealname": "Vandelay", "hubspot_owner_id": None, "pipeline": "default",
         "dealstage": "openhundred", "amount": 4.0, "closedate": at("2024-07-01 12:00"),
         "createdate": at("2024-02-16 00:00"), "hs_lastmodifieddate": at("2024-02-16 00:00")},
        # Per-pipeline mapping: contractsent counts as negotiation in pipeline enterprise.
        {"id": 506, "dealname": "Stark", "hubspot_owner_id": 201, "pipeline": "enterprise",
         "dealstage": "contractsent", "amount": 6.0, "createdate": at("2024-02-19 00:00"),
         "hs_lastmodifieddate": at("2024-02-20 00:00")},
        # Archived: stays, is_deleted, source_updated_at = archivedAt.
        {"id": 507, "dealname": "Wayne", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "closedlost", "amount": 8.0, "closedate": at("2024-03-20 12:00"),
         "createdate": at("2024-01-20 00:00"), "hs_lastmodifieddate": at("2024-03-21 00:00"),
         "archived": True, "archived_at": at("2024-04-10 00:00"), "_is_deleted": True},
        # A stage missing from the pipeline metadata: HubSpot's own closed/won flags.
        {"id": 508, "dealname": "Tyrell", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "ghoststage", "amount": 9.0, "closedate": at("2024-02-10 12:00"),
         "createdate": at("2024-01-20 00:00"), "hs_lastmodifieddate": at("2024-02-10 12:00"),
         "hs_is_closed": True, "hs_is_closed_won": True},
        # The history ends in another stage: the current stage is added at hs_lastmodifieddate.
        {"id": 509, "dealname": "Cyberdyne", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "contractsent", "amount": 11.0, "createdate": at("2024-01-15 00:00"),
         "hs_lastmodifieddate": at("2024-02-25 00:00")},
        # Two stages at the same instant: the history's sequence orders them.
        {"id": 510, "dealname": "Soylent", "hubspot_owner_id": 201, "pipeline": "default",
         "dealstage": "appointmentscheduled", "amount": 12.0, "createdate": at("2024-01-05 12:00"),
         "hs_lastmodifieddate": at("2024-01-05 12:00")},
    )  # fmt: skip
    insert(
        engine,
        "raw_hubspot.deal_associations",
        {"deal_id": 501, "to_object_type": "companies", "to_id": 10},
        {"deal_id": 501, "to_object_type": "companies", "to_id": 9},
        {"deal_id": 501, "to_object_type": "contacts", "to_id": 1},
        {"deal_id": 502, "to_object_type": "contacts", "to_id": 300},
        {"deal_id": 502, "to_object_type": "contacts", "to_id": 40},
    )
    insert(
        engine,
        "raw_hubspot.deal_stage_history",
        _hs_history(501, 0, "appointmentscheduled", "2024-01-10 15:00"),
        _hs_history(501, 1, "appointmentscheduled", "2024-01-11 00:00"),  # repeat: collapsed
        _hs_history(501, 2, "contractsent", "2024-02-01 00:00"),
        _hs_history(501, 3, "", "2024-02-02 00:00"),  # cleared: not a stage
        _hs_history(501, 4, "contractsent", "2024-02-03 00:00"),  # a repeat once the empty value is gone
        _hs_history(501, 5, "closedwon", "2024-03-01 04:30"),
        _hs_history(503, 0, "appointmentscheduled", "2024-02-01 00:00"),
        _hs_history(503, 1, "customwon", "2024-03-31 03:59"),
        _hs_history(506, 0, "contractsent", "2024-02-20 00:00"),
        _hs_history(507, 0, "closedlost", "2024-03-20 12:00"),
        _hs_history(509, 0, "appointmentscheduled", "2024-01-15 00:00"),
        _hs_history(509, 1, "qualifiedtobuy", "2024-01-25 00:00"),
        _hs_history(510, 1, "appointmentscheduled", "2024-01-05 12:00"),
        _hs_history(510, 0, "qualifiedtobuy", "2024-01-05 12:00"),
        _hs_history(9999, 0, "closedwon", "2024-01-01 00:00"),  # no such deal: dropped
    )
