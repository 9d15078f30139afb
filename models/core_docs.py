"""What every column of the SQL-built tables means, as written in the KPI contract
(/work/shared/kpi-contract.md, section 2 for `core`). `models.sqlmodels.materialize` turns these into
table and column comments, so BI tools and `duckdb_columns()` show them. The marts' descriptions join
`DOCS` as they are written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class TableDoc:
    description: str
    columns: Mapping[str, str]  # column name → description, in table order


def _doc(description: str, **columns: str) -> TableDoc:
    return TableDoc(description, MappingProxyType(columns))


_SOURCE = "Origin CRM: salesforce or hubspot."

REPS = _doc(
    "One row per rep, from every Salesforce User and every HubSpot owner (archived owners included); "
    "the same person in both CRMs (same e-mail) is one rep.",
    rep_id="Lower-cased owner e-mail; where the owner has no e-mail, <source>:<owner id>.",
    name=(
        "From the owner record modified most recently that has a name (Salesforce User.SystemModstamp, "
        "HubSpot owner updatedAt; on a tie the Salesforce record); a HubSpot name is the non-empty parts "
        "of firstName lastName joined by a space."
    ),
    email="Lower-cased e-mail; NULL when the owner has none.",
    is_active="Active in any CRM: Salesforce IsActive, HubSpot owner not archived.",
)

ACTIVITIES = _doc(
    "One row per call or meeting: Salesforce Tasks with TaskSubtype 'Call' and Events, HubSpot calls "
    "and meetings; deleted and archived records included with is_deleted = true.",
    activity_id="<source>:<crm id>.",
    source=_SOURCE,
    crm_id="The record's id in its CRM.",
    activity_type="call or meeting.",
    rep_id="The owner's rep_id (core.reps); NULL for a record without owner.",
    prospect_id=(
        "The account/company the activity is about, else the contact/lead, else NULL (<source>:<id>); "
        "HubSpot: the associated company with the smallest id, else the contact with the smallest id."
    ),
    deal_id=(
        "The related deal, else NULL: Salesforce WhatId when it is an Opportunity (prefix 006); "
        "HubSpot the associated deal with the smallest id."
    ),
    occurred_at=(
        "When the call happened / the meeting starts. Salesforce calls CompletedDateTime, else "
        "CreatedDate; meetings StartDateTime. HubSpot calls hs_timestamp; meetings "
        "hs_meeting_start_time, else hs_timestamp."
    ),
    booked_at=(
        "Meetings: when the meeting was created (booked): Salesforce CreatedDate, HubSpot hs_createdate, "
        "else createdAt. Calls: NULL."
    ),
    duration_seconds=(
        "Duration in seconds, NULL when unknown: Salesforce CallDurationInSeconds / DurationInMinutes × 60; "
        "HubSpot hs_call_duration (ms) // 1000 / meeting end − start in whole seconds (rounded down)."
    ),
    outcome=(
        "Calls: connected, busy, no_answer, left_voicemail, left_live_message, wrong_number or other "
        "(HubSpot disposition GUIDs via config.call_outcomes; Salesforce CallDisposition normalised); NULL "
        "when empty. Meetings: HubSpot scheduled, completed, rescheduled, no_show or canceled, else NULL; "
        "Salesforce NULL."
    ),
    is_deleted="Deleted (Salesforce IsDeleted) or archived (Salesforce IsArchived, HubSpot archived).",
    source_updated_at=(
        "Salesforce SystemModstamp; HubSpot hs_lastmodifieddate, else updatedAt; for an archived "
        "HubSpot record, archivedAt."
    ),
)

DEALS = _doc(
    "One row per deal (Salesforce Opportunity, HubSpot deal), deleted and archived ones included with "
    "is_deleted = true.",
    deal_id="<source>:<crm id>.",
    source=_SOURCE,
    crm_id="The deal's id in its CRM.",
    deal_name="Salesforce Name, HubSpot dealname.",
    rep_id="The owner's rep_id (core.reps); NULL for a deal without owner.",
    prospect_id=(
        "The account/company, else the contact (<source>:<id>): Salesforce AccountId, else ContactId; "
        "HubSpot the associated company with the smallest id, else the contact with the smallest id."
    ),
    pipeline="HubSpot pipeline id; NULL for Salesforce.",
    stage="The CRM's current stage: Salesforce StageName, HubSpot dealstage id.",
    funnel_stage=(
        "Canonical funnel stage of the current stage via config.stage_mapping (appointment, qualified, "
        "proposal, negotiation, won, lost); an unmapped stage is won when the deal is won, lost when "
        "closed and not won, else NULL."
    ),
    amount="Deal amount in its own currency, DECIMAL(18,2); NULL when the deal has none.",
    currency="ISO currency of the amount: Salesforce CurrencyIsoCode, HubSpot deal_currency_code, else the "
    "reporting currency.",
    amount_reporting=(
        "The amount in the reporting currency (amount × config.fx_rates rate, rounded half away from zero "
        "to cents); NULL when the amount is NULL or its currency has no rate."
    ),
    created_at="Salesforce CreatedDate; HubSpot createdate, else createdAt.",
    closed_on=(
        "Close date while closed, NULL while open: Salesforce CloseDate; HubSpot the date of closedate in "
        "the reporting timezone."
    ),
    is_closed=(
        "Salesforce IsClosed; HubSpot the pipeline stage's isClosed (the deal's hs_is_closed when the "
        "stage is not in the pipeline metadata)."
    ),
    is_won=(
        "Salesforce IsWon; HubSpot closed and the stage's probability numerically 1 (the deal's "
        "hs_is_closed_won when the stage is not in the pipeline metadata)."
    ),
    reached_proposal_at=(
        "The earliest entered_at in core.deal_stage_history of a stage with funnel rank >= 3 (proposal, "
        "negotiation, won); NULL if none."
    ),
    is_deleted="Deleted (Salesforce IsDeleted) or archived (HubSpot).",
    source_updated_at=(
        "Salesforce SystemModstamp; HubSpot hs_lastmodifieddate, else updatedAt; for an archived deal, "
        "archivedAt."
    ),
)

DEAL_STAGE_HISTORY = _doc(
    "One row per stage a deal entered (key deal_id, entered_at, stage): Salesforce OpportunityHistory, "
    "HubSpot dealstage history; consecutive repeats collapsed to the first; the deal's current stage is "
    "always the latest row.",
    deal_id="The deal (core.deals).",
    stage="The CRM stage entered (Salesforce StageName, HubSpot dealstage id).",
    funnel_stage=(
        "Canonical funnel stage via config.stage_mapping; on the deal's latest row only, an unmapped stage "
        "is won when the deal is won, lost when closed and not won."
    ),
    entered_at=(
        "When the deal entered the stage: Salesforce OpportunityHistory.CreatedDate, HubSpot history "
        "timestamp; for the added current-stage row, the deal's created_at when it has no history, else its "
        "source_updated_at (never before the previous row)."
    ),
)

DOCS: Mapping[str, TableDoc] = MappingProxyType(
    {
        "core.reps": REPS,
        "core.activities": ACTIVITIES,
        "core.deals": DEALS,
        "core.deal_stage_history": DEAL_STAGE_HISTORY,
    }
)
