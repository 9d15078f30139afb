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
    "and meetings; deleted records (Salesforce IsDeleted, HubSpot archived) included with is_deleted = true; "
    "Salesforce archived activities are ordinary history.",
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
    is_deleted=(
        "Deleted in the CRM: Salesforce IsDeleted, HubSpot archived. A Salesforce archived activity "
        "(IsArchived alone) is history, not a deletion."
    ),
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

# -- marts (contract section 3) ------------------------------------------------------------------------

FIRST_APPOINTMENTS = _doc(
    "One row per prospect with a held meeting: its first appointment, computed once for the marts that "
    "count first appointments. Held = live, at or before as_of, outcome scheduled, completed or none.",
    prospect_id="The prospect (core.activities.prospect_id).",
    activity_id="The prospect's held meeting with the smallest (occurred_at, activity_id).",
    rep_id="That meeting's rep; NULL when it has no owner (it is still the prospect's first appointment).",
    occurred_at="When that meeting started.",
    as_of="When the build ran: one value per build; nothing dated after it counts.",
)

_AS_OF = "When the marts were built: one value per build; nothing dated after it counts."
_REP = "The rep (core.reps.rep_id) credited."
_REP_NAME = "The rep's name (core.reps.name); NULL when the rep is not in core.reps."
_WIN_RATE = "deals_won / (deals_won + deals_lost); NULL when both are 0."
_ARPS = (
    "Revenue of the won deals / their number with a convertible amount, rounded half away from zero to "
    "cents; NULL when none."
)
_CYCLE = "Mean of (closed_on − created_at date) over the won deals, in days; NULL when none."

REP_DAILY_ACTIVITY = _doc(
    "Activity per rep and reporting-timezone date (one row where a count is > 0); deleted activities "
    "and anything after as_of excluded.",
    activity_date="The reporting-timezone date.",
    rep_id=_REP,
    rep_name=_REP_NAME,
    calls="Calls that occurred on the date.",
    connected_calls="Of those, calls with outcome connected.",
    call_minutes="Sum of the known call durations / 60; 0 when none is known.",
    meetings_booked="Meetings (any outcome) whose booked_at falls on the date, at or before as_of.",
    meetings_held="Held meetings (outcome NULL, scheduled or completed; at or before as_of) on the date.",
    first_appointments=(
        "Held meetings on the date that are their prospect's first (smallest occurred_at, then activity_id "
        "as text); a meeting without prospect never is."
    ),
    connect_rate="connected_calls / calls; NULL when no calls.",
    appointment_rate="meetings_booked / connected_calls; NULL when no connected calls.",
    as_of=_AS_OF,
)

REP_WEEKLY_SCORECARD = _doc(
    "Inputs, results, revenue target, magic number and activity barometer per rep and ISO week; a row "
    "where a count is > 0 or a revenue target covers a day of the week (future weeks included).",
    week_start="Monday of the ISO week (reporting timezone).",
    rep_id=_REP,
    rep_name=_REP_NAME,
    calls="Calls that occurred in the week.",
    connected_calls="Of those, connected.",
    meetings_held="Held meetings that occurred in the week.",
    first_appointments="First appointments that occurred in the week.",
    deals_created="The rep's deals created in the week.",
    proposals="The rep's deals whose reached_proposal_at falls in the week.",
    deals_won="The rep's deals won with closed_on in the week.",
    deals_lost="The rep's deals closed and not won with closed_on in the week.",
    revenue_won="Sum of amount_reporting of the deals won in the week; 0 when none.",
    win_rate=_WIN_RATE,
    avg_revenue_per_sale=_ARPS,
    avg_sales_cycle_days=_CYCLE,
    revenue_target=(
        "The week's share of the rep's targets (per day, the sum over the target rows covering it of "
        "revenue_target / days in the period), rounded to cents; NULL when no day is covered."
    ),
    attainment_pct="100 × revenue_won / revenue_target (unrounded); NULL when the target is NULL or 0.",
    required_first_appointments=(
        "The magic number: revenue_target / (arps × a2p × p2c) over [week_start − 91 days, week_start), "
        "each factor the team's where the rep's is NULL or 0; 0 when the target is 0; NULL when a factor "
        "is still NULL or 0 or there is no target."
    ),
    activity_barometer_pct=(
        "100 × first_appointments / required_first_appointments (100 = on pace); NULL when the magic "
        "number is NULL or 0."
    ),
    as_of=_AS_OF,
)

FUNNEL_MONTHLY = _doc(
    "The rep's first appointments by the month they occurred, and how many led to a proposal and a win.",
    cohort_month="First day of the month the first appointments occurred in (reporting timezone).",
    rep_id=_REP,
    rep_name=_REP_NAME,
    first_appointments="First appointments of the cohort.",
    reached_proposal=(
        "Of those, how many have a live deal (any rep's) with the prospect whose reached_proposal_at is at "
        "or after the appointment and at or before as_of."
    ),
    won="Of those, how many have such a deal that is won (whatever its close date).",
    appointment_to_proposal_rate="reached_proposal / first_appointments.",
    proposal_to_win_rate="won / reached_proposal; NULL when reached_proposal is 0.",
    as_of=_AS_OF,
)

REP_PEER_COMPARISON = _doc(
    "Each rep's results per calendar quarter beside the team's (all reps' deals closed in the quarter); "
    "a row for each rep with a deal closed in the quarter.",
    quarter_start="First day of the calendar quarter of closed_on.",
    rep_id=_REP,
    rep_name=_REP_NAME,
    deals_won="Deals won with closed_on in the quarter.",
    deals_lost="Deals closed and not won with closed_on in the quarter.",
    win_rate=_WIN_RATE,
    avg_revenue_per_sale=_ARPS,
    avg_sales_cycle_days=_CYCLE,
    team_win_rate="The win rate over all reps' deals closed in the quarter.",
    team_avg_revenue_per_sale="Revenue per sale over all reps' won deals of the quarter, rounded to cents.",
    team_avg_sales_cycle_days="Sales cycle over all reps' won deals of the quarter.",
    revenue_per_sale_vs_team_pct="100 × (avg_revenue_per_sale / team_avg_revenue_per_sale − 1), unrounded.",
    sales_cycle_vs_team_pct="100 × (avg_sales_cycle_days / team_avg_sales_cycle_days − 1).",
    win_rate_vs_team_pts="100 × (win_rate − team_win_rate).",
    as_of=_AS_OF,
)

DEAL_FACTS = _doc(
    "One row per live deal for drill-down: the core.deals columns with the rep's name, the sales cycle, "
    "the prospect's first appointment and the activity before the close.",
    **{name: text for name, text in DEALS.columns.items() if name in ("deal_id", "source", "crm_id")},
    deal_name=DEALS.columns["deal_name"],
    rep_id=DEALS.columns["rep_id"],
    rep_name=_REP_NAME,
    **{
        name: text
        for name, text in DEALS.columns.items()
        if name not in ("deal_id", "source", "crm_id", "deal_name", "rep_id")
    },
    sales_cycle_days=(
        "closed_on − created_at date in days (won or lost); NULL while open or while closed_on is after "
        "the as-of date."
    ),
    first_appointment_at="When the prospect's first appointment occurred, whoever held it.",
    calls_before_close=(
        "All reps' calls with the prospect dated on or before closed_on (open: at or before as_of); 0 "
        "without prospect."
    ),
    meetings_before_close="All reps' held meetings with the prospect, counted the same way.",
    as_of=_AS_OF,
)

# Staging: the shared steps between the landing tables and core (sql/staging), one rule in one place.
CRM_OWNERS = _doc(
    "One row per CRM owner record, every Salesforce User and every HubSpot owner (archived included), "
    "with the rep it credits: core.reps groups these rows into reps; core.activities and staging.deals "
    "look their records' owners up here.",
    rep_id=REPS.columns["rep_id"],
    source=_SOURCE,
    owner_id="The owner's id in its CRM (Salesforce User Id, HubSpot owner id), as text.",
    email=REPS.columns["email"],
    name=(
        "Salesforce Name, else FirstName LastName; HubSpot the non-empty parts of firstName lastName "
        "joined by a space; NULL when empty."
    ),
    is_active="Salesforce IsActive; HubSpot owner not archived.",
    modified_at="Salesforce SystemModstamp; HubSpot updatedAt, else createdAt.",
)

HUBSPOT_LINKS = _doc(
    "For each HubSpot call, meeting and deal with associations, the prospect and the deal it is about: "
    "what core.activities and staging.deals read.",
    object_type="calls, meetings or deals: the HubSpot object the row is for.",
    object_id="The object's HubSpot id.",
    prospect_id=(
        "hubspot:<id> of the associated company with the smallest id, else of the contact with the smallest "
        "id (ids compare numerically); NULL when neither."
    ),
    deal_id="hubspot:<id> of the associated deal with the smallest id (calls and meetings); else NULL.",
)

STAGING_DEALS = _doc(
    "One row per CRM deal (Salesforce Opportunity, HubSpot deal; deleted and archived included) in one "
    "shape, with its current state: what core.deals and core.deal_stage_history read.",
    **{
        name: DEALS.columns[name]
        for name in ("deal_id", "source", "crm_id", "deal_name", "prospect_id", "pipeline", "stage")
    },
    exact_amount="The amount as the CRM sends it, exact (DECIMAL(38,10)); NULL when the deal has none.",
    deal_currency=(
        "The amount's currency as the CRM sends it (Salesforce CurrencyIsoCode, HubSpot "
        "deal_currency_code), upper-cased; NULL when none (core.deals then takes the reporting currency)."
    ),
    created_at=DEALS.columns["created_at"],
    is_closed=DEALS.columns["is_closed"],
    is_won=DEALS.columns["is_won"],
    close_date=(
        "The CRM's close date, open deals included (core.deals keeps it as closed_on only while closed): "
        "Salesforce CloseDate; HubSpot the date of closedate in the reporting timezone."
    ),
    is_deleted=DEALS.columns["is_deleted"],
    source_updated_at=DEALS.columns["source_updated_at"],
    rep_id=DEALS.columns["rep_id"],
)


# One staging view per landing or config table core needs (<source>_<table>): each renames, casts and
# cleans its table; the shared steps above are built on them.
_OWNER_ID = "The owner's id in its CRM, as text; NULL without owner"
_ACTIVITY_VIEW = "what core.activities reads."

SALESFORCE_USERS = _doc(
    "One row per Salesforce User (a CRM owner), cleaned: what staging.crm_owners reads.",
    **{name: CRM_OWNERS.columns[name] for name in ("source", "owner_id", "email")},
    name="Name, else FirstName LastName (the non-empty parts joined by a space); NULL when empty.",
    is_active="IsActive.",
    modified_at="SystemModstamp.",
)

HUBSPOT_OWNERS = _doc(
    "One row per HubSpot owner (archived included), cleaned: what staging.crm_owners reads.",
    **{name: CRM_OWNERS.columns[name] for name in ("source", "owner_id", "email")},
    name="The non-empty parts of firstName lastName joined by a space; NULL when empty.",
    is_active="Not archived.",
    modified_at="updatedAt, else createdAt.",
)

SALESFORCE_TASKS = _doc(
    "One row per Salesforce Task (deleted and archived included), cleaned; the calls among them are "
    + _ACTIVITY_VIEW,
    **{name: ACTIVITIES.columns[name] for name in ("activity_id", "source", "crm_id")},
    is_call="TaskSubtype is Call (or empty): the Task is a call.",
    owner_id=_OWNER_ID + ": OwnerId (empty is none).",
    prospect_id="salesforce:<AccountId>, else salesforce:<WhoId> (empty ids are none); NULL when neither.",
    deal_id="salesforce:<WhatId> when WhatId is an Opportunity (prefix 006); else NULL.",
    occurred_at="CompletedDateTime, else CreatedDate.",
    duration_seconds="CallDurationInSeconds.",
    disposition=(
        "CallDisposition normalised (macro salesforce_disposition: lower-cased, surrounding whitespace "
        "removed, runs of whitespace and hyphens as one _); NULL when empty."
    ),
    is_deleted="IsDeleted (an archived Task, IsArchived alone, is history, not a deletion).",
    source_updated_at="SystemModstamp.",
)

SALESFORCE_EVENTS = _doc(
    "One row per Salesforce Event, i.e. meeting (deleted and archived included), cleaned: " + _ACTIVITY_VIEW,
    **{name: ACTIVITIES.columns[name] for name in ("activity_id", "source", "crm_id")},
    owner_id=SALESFORCE_TASKS.columns["owner_id"],
    prospect_id=SALESFORCE_TASKS.columns["prospect_id"],
    deal_id=SALESFORCE_TASKS.columns["deal_id"],
    occurred_at="StartDateTime.",
    booked_at="CreatedDate.",
    duration_seconds="DurationInMinutes × 60.",
    is_deleted="IsDeleted (an archived Event, IsArchived alone, is history, not a deletion).",
    source_updated_at="SystemModstamp.",
)

_HUBSPOT_ID = "The record's HubSpot id (an integer): the key staging.hubspot_links uses."
_HUBSPOT_UPDATED_AT = (
    "hs_lastmodifieddate, else updatedAt; for an archived record, archivedAt first (macro "
    "hubspot_updated_at)."
)

HUBSPOT_CALLS = _doc(
    "One row per HubSpot call (archived included), cleaned: " + _ACTIVITY_VIEW,
    **{name: ACTIVITIES.columns[name] for name in ("activity_id", "source", "crm_id")},
    hubspot_id=_HUBSPOT_ID,
    owner_id=_OWNER_ID + ": hubspot_owner_id.",
    occurred_at="hs_timestamp.",
    duration_seconds="hs_call_duration (ms) // 1000.",
    disposition="hs_call_disposition (a GUID) trimmed; NULL when empty.",
    is_deleted="Archived.",
    source_updated_at=_HUBSPOT_UPDATED_AT,
)

HUBSPOT_MEETINGS = _doc(
    "One row per HubSpot meeting (archived included), cleaned: " + _ACTIVITY_VIEW,
    **{name: ACTIVITIES.columns[name] for name in ("activity_id", "source", "crm_id")},
    hubspot_id=_HUBSPOT_ID,
    owner_id=HUBSPOT_CALLS.columns["owner_id"],
    occurred_at="hs_meeting_start_time, else hs_timestamp.",
    booked_at="hs_createdate, else createdAt.",
    duration_seconds="hs_meeting_end_time − hs_meeting_start_time in whole seconds (rounded down).",
    outcome=(
        "hs_meeting_outcome trimmed and lower-cased when it is scheduled, completed, rescheduled, no_show "
        "or canceled; else NULL."
    ),
    is_deleted="Archived.",
    source_updated_at=_HUBSPOT_UPDATED_AT,
)

SALESFORCE_OPPORTUNITIES = _doc(
    "One row per Salesforce Opportunity, i.e. deal (deleted included), cleaned: what staging.deals reads.",
    **{name: DEALS.columns[name] for name in ("deal_id", "source", "crm_id")},
    deal_name="Name.",
    owner_id=SALESFORCE_TASKS.columns["owner_id"],
    prospect_id=(
        "salesforce:<AccountId>, else salesforce:<ContactId> (empty ids are none); NULL when neither."
    ),
    pipeline="NULL: Salesforce deals have no pipeline.",
    stage="StageName.",
    exact_amount="Amount, exact (DECIMAL(38,10), from its shortest decimal form); NULL when none.",
    deal_currency="CurrencyIsoCode upper-cased; NULL when empty.",
    created_at="CreatedDate.",
    is_closed="IsClosed.",
    is_won="IsWon.",
    close_date="CloseDate, open deals included.",
    is_deleted="IsDeleted.",
    source_updated_at="SystemModstamp.",
)

HUBSPOT_DEALS = _doc(
    "One row per HubSpot deal (archived included), cleaned: what staging.deals reads.",
    **{name: DEALS.columns[name] for name in ("deal_id", "source", "crm_id")},
    hubspot_id=_HUBSPOT_ID,
    deal_name="dealname.",
    owner_id=HUBSPOT_CALLS.columns["owner_id"],
    pipeline="The pipeline id.",
    stage="The dealstage id.",
    exact_amount=(
        "amount, exact (DECIMAL(38,10)); NULL when empty (HubSpot sends a string; the landing column may "
        "already be a number)."
    ),
    deal_currency="deal_currency_code upper-cased; NULL when empty.",
    created_at="createdate, else createdAt.",
    deal_is_closed="hs_is_closed, the deal's own flag (staging.deals prefers the pipeline stage's).",
    deal_is_won="hs_is_closed_won, the deal's own flag (staging.deals prefers the pipeline stage's).",
    close_at="closedate, the instant (staging.deals takes its date in the reporting timezone).",
    is_deleted="Archived.",
    source_updated_at=_HUBSPOT_UPDATED_AT,
)

HUBSPOT_DEAL_STAGES = _doc(
    "One row per stage of a HubSpot deal pipeline, with what it says of a deal in it: what staging.deals "
    "reads.",
    pipeline_id="The pipeline id.",
    stage_id="The stage id (a deal's dealstage).",
    is_closed="The stage's isClosed.",
    is_won="Closed and the stage's probability numerically 1.",
)

SALESFORCE_OPPORTUNITY_HISTORY = _doc(
    "One row per Salesforce OpportunityHistory entry: what core.deal_stage_history reads.",
    deal_id="salesforce:<OpportunityId>.",
    history_id="The entry's Id: orders entries of the same CreatedDate.",
    stage="StageName, as sent (an entry without one is no stage entered).",
    entered_at="CreatedDate.",
)

HUBSPOT_DEAL_STAGE_HISTORY = _doc(
    "One row per entry of a HubSpot deal's dealstage history: what core.deal_stage_history reads.",
    deal_id="hubspot:<deal id>.",
    sequence="The entry's position in the deal's history, 0 = oldest.",
    stage="The dealstage id entered, as sent (an entry without one is no stage entered).",
    entered_at="When the deal entered it.",
)

CONFIG_BUILD = _doc(
    "The build's reporting settings (config.build), one row: what the core models and staging.deals read.",
    timezone="The reporting timezone (IANA name).",
    currency="The reporting currency (ISO code).",
    as_of="When the build ran; nothing after it counts.",
    as_of_date="as_of's date in the reporting timezone.",
)

CONFIG_FX_RATES = _doc(
    "One row per configured currency (config.fx_rates), its rate exact: what core.deals reads.",
    currency="ISO currency code.",
    rate=(
        "1 unit of the currency = rate × the reporting currency, DECIMAL(18,10) from the rate's shortest "
        "decimal form."
    ),
)

CONFIG_CALL_OUTCOMES = _doc(
    "The configured call outcomes (config.call_outcomes) keyed as the calls' dispositions are cleaned: "
    "what core.activities reads.",
    source=_SOURCE,
    disposition=(
        "The configured value cleaned as the calls' are: Salesforce normalised (macro "
        "salesforce_disposition), HubSpot trimmed."
    ),
    outcome="The outcome it maps to (the smallest where two values clean to one disposition).",
)

FUNNEL_STAGES = _doc(
    "config.stage_mapping resolved for every pipeline the deals use, one lookup for core.deals and "
    "core.deal_stage_history: a per-pipeline entry wins over the source's any-pipeline entry.",
    source=_SOURCE,
    pipeline=(
        "The deals' pipeline: a HubSpot pipeline id; NULL for Salesforce and a HubSpot deal without one."
    ),
    stage="A mapped CRM stage (Salesforce StageName, HubSpot dealstage id).",
    funnel_stage="Its canonical funnel stage (appointment, qualified, proposal, negotiation, won, lost).",
)

DOCS: Mapping[str, TableDoc] = MappingProxyType(
    {
        "staging.crm_owners": CRM_OWNERS,
        "staging.hubspot_links": HUBSPOT_LINKS,
        "staging.deals": STAGING_DEALS,
        "staging.salesforce_users": SALESFORCE_USERS,
        "staging.hubspot_owners": HUBSPOT_OWNERS,
        "staging.salesforce_tasks": SALESFORCE_TASKS,
        "staging.salesforce_events": SALESFORCE_EVENTS,
        "staging.hubspot_calls": HUBSPOT_CALLS,
        "staging.hubspot_meetings": HUBSPOT_MEETINGS,
        "staging.salesforce_opportunities": SALESFORCE_OPPORTUNITIES,
        "staging.hubspot_deals": HUBSPOT_DEALS,
        "staging.hubspot_deal_stages": HUBSPOT_DEAL_STAGES,
        "staging.salesforce_opportunity_history": SALESFORCE_OPPORTUNITY_HISTORY,
        "staging.hubspot_deal_stage_history": HUBSPOT_DEAL_STAGE_HISTORY,
        "staging.config_build": CONFIG_BUILD,
        "staging.config_fx_rates": CONFIG_FX_RATES,
        "staging.config_call_outcomes": CONFIG_CALL_OUTCOMES,
        "staging.funnel_stages": FUNNEL_STAGES,
        "core.reps": REPS,
        "core.activities": ACTIVITIES,
        "core.deals": DEALS,
        "core.deal_stage_history": DEAL_STAGE_HISTORY,
        "intermediate.first_appointments": FIRST_APPOINTMENTS,
        "marts.rep_daily_activity": REP_DAILY_ACTIVITY,
        "marts.rep_weekly_scorecard": REP_WEEKLY_SCORECARD,
        "marts.funnel_monthly": FUNNEL_MONTHLY,
        "marts.rep_peer_comparison": REP_PEER_COMPARISON,
        "marts.deal_facts": DEAL_FACTS,
    }
)
