-- core.activities: one row per call, meeting, e-mail or task (docs/metrics.md, "core.activities").
-- Salesforce calls, e-mails and tasks = Tasks by TaskSubtype, meetings = Events; HubSpot calls, meetings,
-- e-mails and tasks. Deleted records stay, with is_deleted = true (Salesforce IsDeleted, HubSpot
-- archived). Salesforce archived activities (IsArchived, served by queryAll only) are ordinary history,
-- not deletions. Each source arrives cleaned by its staging view; here they become one shape, matched by
-- column name.
with

-- A disposition is a call's only: e-mails and tasks have no outcome.
salesforce_activities as (
    select * from staging.salesforce_tasks where activity_type = 'call'
    union all by name
    select * exclude (disposition) from staging.salesforce_tasks where activity_type in ('email', 'task')
    union all by name
    select 'meeting' as activity_type, * from staging.salesforce_events
),

hubspot_activities as (
    select 'call' as activity_type, 'calls' as object_type, * from staging.hubspot_calls
    union all by name
    select 'meeting' as activity_type, 'meetings' as object_type, * from staging.hubspot_meetings
    union all by name
    select 'email' as activity_type, 'emails' as object_type, * from staging.hubspot_emails
    union all by name
    select 'task' as activity_type, 'tasks' as object_type, * from staging.hubspot_tasks
),

-- HubSpot's prospect, deal and contacts come from the associations (staging.hubspot_links).
hubspot_linked as (
    select
        activities.* exclude (object_type, hubspot_id),
        links.prospect_id,
        links.deal_id,
        links.contact_id,
        links.contact_ids
    from hubspot_activities as activities
    left join staging.hubspot_links as links
        on links.object_type = activities.object_type and links.object_id = activities.hubspot_id
),

activities as (
    select * from salesforce_activities
    union all by name
    select * from hubspot_linked
),

-- The live executives among the contacts (core.contacts).
executives as (
    select contact_id from core.contacts where is_executive and not is_deleted
),

-- HubSpot activities with any associated contact an executive (Salesforce: the one WhoId contact).
hubspot_reaching as (
    select distinct reached.activity_id
    from (
        select activity_id, unnest(contact_ids) as contact_id from hubspot_linked where contact_ids is not null
    ) as reached
    inner join executives on executives.contact_id = reached.contact_id
),

-- rep_id: the owner's rep (macro credited_rep_id, with the e-mail staging.crm_owners lists).
-- outcome: a call's disposition as configured (staging.config_call_outcomes), else a Salesforce
-- standard value as it is, else 'other'; NULL without disposition. A meeting keeps its own outcome.
-- is_done: FALSE only for a task not done. reaches_executive: Salesforce, the WhoId contact is a live
-- executive; HubSpot, any associated contact is.
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
        activities.source_updated_at,
        activities.direction,
        coalesce(activities.is_done, true) as is_done,
        activities.contact_id,
        case
            when activities.source = 'salesforce' then executives.contact_id is not null
            else hubspot_reaching.activity_id is not null
        end as reaches_executive
    from activities
    left join staging.crm_owners as owners
        on owners.source = activities.source and owners.owner_id = activities.owner_id
    left join staging.config_call_outcomes as configured
        on configured.source = activities.source and configured.disposition = activities.disposition
    left join executives
        on activities.source = 'salesforce' and executives.contact_id = activities.contact_id
    left join hubspot_reaching on hubspot_reaching.activity_id = activities.activity_id
)

select * from final
