"""Golden rows for core.deal_stage_history (KPI contract §2): consecutive repeats collapsed, the current
stage added when the history ends elsewhere, funnel stages with the fallback on the latest row only,
and reached_proposal_at in core.deals; the raw rows are in sql_deal_data."""

import pytest
from sql_helpers import at, fetch

EXPECTED = [
    ("hubspot:501", "appointmentscheduled", "appointment", at("2024-01-10 15:00")),
    ("hubspot:501", "contractsent", "proposal", at("2024-02-01 00:00")),
    ("hubspot:501", "closedwon", "won", at("2024-03-01 04:30")),
    ("hubspot:502", "qualifiedtobuy", "qualified", at("2024-01-12 00:00")),  # no history: created_at
    ("hubspot:503", "appointmentscheduled", "appointment", at("2024-02-01 00:00")),
    ("hubspot:503", "customwon", "won", at("2024-03-31 03:59")),  # latest row: fallback
    ("hubspot:504", "almostwon", "lost", at("2024-02-15 00:00")),
    ("hubspot:505", "openhundred", None, at("2024-02-16 00:00")),  # unmapped, open
    ("hubspot:506", "contractsent", "negotiation", at("2024-02-20 00:00")),  # per-pipeline mapping
    ("hubspot:507", "closedlost", "lost", at("2024-03-20 12:00")),  # archived deal: history kept
    ("hubspot:508", "ghoststage", "won", at("2024-01-20 00:00")),
    ("hubspot:509", "appointmentscheduled", "appointment", at("2024-01-15 00:00")),
    ("hubspot:509", "qualifiedtobuy", "qualified", at("2024-01-25 00:00")),
    ("hubspot:509", "contractsent", "proposal", at("2024-02-25 00:00")),  # added at source_updated_at
    ("hubspot:510", "appointmentscheduled", "appointment", at("2024-01-05 12:00")),  # sequence 1: latest
    ("hubspot:510", "qualifiedtobuy", "qualified", at("2024-01-05 12:00")),  # sequence 0
    ("salesforce:006A", "Prospecting", "appointment", at("2024-01-05 10:00")),
    ("salesforce:006A", "Proposal/Price Quote", "proposal", at("2024-02-01 00:00")),
    ("salesforce:006A", "Negotiation/Review", "negotiation", at("2024-02-20 00:00")),
    ("salesforce:006A", "Closed Won", "won", at("2024-03-15 18:00")),
    ("salesforce:006B", "Qualification", "qualified", at("2024-02-01 09:00")),
    ("salesforce:006C", "Prospecting", "appointment", at("2024-01-10 00:00")),
    ("salesforce:006C", "Closed Lost", "lost", at("2024-03-01 12:00")),
    ("salesforce:006D", "Prospecting", "appointment", at("2024-01-02 00:00")),  # deleted deal
    ("salesforce:006E", "Won - Custom", None, at("2024-01-03 00:00")),  # not the latest row: no fallback
    ("salesforce:006E", "Prospecting", "appointment", at("2024-01-04 00:00")),
    ("salesforce:006E", "Won - Custom", "won", at("2024-03-03 00:00")),
    ("salesforce:006F", "Prospecting", "appointment", at("2024-01-05 00:00")),
    ("salesforce:006F", "Lost - Custom", "lost", at("2024-02-05 00:00")),  # repeat on 02-06 collapsed
    ("salesforce:006G", "Discovery", None, at("2024-01-07 00:00")),
    ("salesforce:006H", "Negotiation/Review", "negotiation", at("2024-02-01 00:00")),
    ("salesforce:006I", "Prospecting", "appointment", at("2024-01-01 00:00")),
    ("salesforce:006I", "Proposal/Price Quote", "proposal", at("2024-02-10 00:00")),  # not before the last
    ("salesforce:006I", "Qualification", "qualified", at("2024-02-10 00:00")),
]


@pytest.fixture(scope="module")
def history(deals_warehouse):
    return fetch(deals_warehouse, "select * from core.deal_stage_history order by deal_id, entered_at, stage")


def test_history_columns(history):
    assert list(history[0]) == ["deal_id", "stage", "funnel_stage", "entered_at"]


def test_history_golden(history):
    assert [tuple(r.values()) for r in history] == EXPECTED


def test_history_key_is_unique(deals_warehouse):
    assert (
        fetch(
            deals_warehouse,
            "select deal_id, entered_at, stage, count(*) as n from core.deal_stage_history "
            "group by all having count(*) > 1",
        )
        == []
    )


def test_current_stage_is_the_latest_row(deals_warehouse):
    """Every deal's stage and funnel stage are those of a row entered at its history's latest time."""
    mismatches = fetch(
        deals_warehouse,
        """
        select deals.deal_id, deals.stage, deals.funnel_stage
        from core.deals as deals
        where not exists (
            select 1 from core.deal_stage_history as history
            where history.deal_id = deals.deal_id
              and history.stage = deals.stage
              and history.funnel_stage is not distinct from deals.funnel_stage
              and history.entered_at = (
                  select max(entered_at) from core.deal_stage_history where deal_id = deals.deal_id
              )
        )
        """,
    )
    assert mismatches == []


def test_reached_proposal_at_is_the_first_rank_3_stage(deals_warehouse):
    rows = fetch(
        deals_warehouse,
        "select deal_id, reached_proposal_at from core.deals where reached_proposal_at is not null "
        "order by deal_id",
    )
    assert [tuple(r.values()) for r in rows] == [
        ("hubspot:501", at("2024-02-01 00:00")),  # contractsent, before negotiation and won
        ("hubspot:503", at("2024-03-31 03:59")),  # won by the fallback
        ("hubspot:506", at("2024-02-20 00:00")),  # negotiation in pipeline enterprise
        ("hubspot:508", at("2024-01-20 00:00")),  # won by the fallback, no history
        ("hubspot:509", at("2024-02-25 00:00")),  # the added current-stage row
        ("salesforce:006A", at("2024-02-01 00:00")),
        ("salesforce:006E", at("2024-03-03 00:00")),
        ("salesforce:006H", at("2024-02-01 00:00")),
        ("salesforce:006I", at("2024-02-10 00:00")),
    ]
