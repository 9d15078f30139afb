-- core.activities: one row per call or meeting (docs/metrics.md, "core.activities").
-- Salesforce calls = Tasks with TaskSubtype 'Call', meetings = Events; HubSpot calls and meetings.
-- Deleted records stay, with is_deleted = true (Salesforce IsDeleted, HubSpot archived). Salesforce
-- archived activities (IsArchived, served by queryAll only) are ordinary history, not deletions.
-- Each source arrives cleaned by its staging view; here they become one shape, matched by column name.
with

salesforce_activities as (
    select 'call' as activity_type, * exclude (is_call) from staging.salesforce_tasks where is_call
    union all by name
    select 'meeting' as activity_type, * from staging.salesforce_events
),

hubspot_activities as (
    select 'call' as activity_type, 'calls' as object_type, * from staging.hubspot_calls
    union all by name
    select 'meeting' as activity_type, 'meetings' as object_type, * from staging.hubspot_meetings
),

-- HubSpot's prospect and deal come from the associations (staging.hubspot_links).
hubspot_linked as (
    select
        activities.* exclude (object_type, hubspot_id),
        links.prospect_id,
        links.deal_id
    from hubspot_activities as activities
    left join staging.hubspot_links as links
        on links.object_type = activities.object_type and links.object_id = activities.hubspot_id
),

activities as (
    select * from salesforce_activities
    union all by name
    select * from hubspot_linked
),

-- rep_id: the owner's rep (macro credited_rep_id, with the e-mail staging.crm_owners lists).
-- outcome: a call's disposition as configured (staging.config_call_outcomes), else a Salesforce
-- standard value as it is, else 'other'; NULL without disposition. A meeting keeps its own outcome.
final as (
    select
        activities.activity_id,
        activities.source,
        activities.crm_id,
        activities.activity_type,
        credited_rep_id(activities.source, activities.owner_id, owners.email) as rep_id,
        activities.prospect_id,
        activities.deal_id,
        activities.occurred_at,
        activities.booked_at,
        activities.duration_seconds,
        case
            when activities.disposition is null then activities.outcome
            when configured.outcome is not null then configured.outcome
            when activities.source = 'salesforce' and activities.disposition in (
                'connected', 'busy', 'no_answer', 'left_voicemail', 'left_live_message', 'wrong_number'
            ) then activities.disposition
            else 'other'
        end as outcome,
        activities.is_deleted,
        activities.source_updated_at
    from activities
    left join staging.crm_owners as owners
        on owners.source = activities.source and owners.owner_id = activities.owner_id
    left join staging.config_call_outcomes as configured
        on configured.source = activities.source and configured.disposition = activities.disposition
)

select * from final
