-- core.activities: one row per call or meeting (KPI contract, section 2).
-- Salesforce calls = Tasks with TaskSubtype 'Call', meetings = Events; HubSpot calls and meetings.
-- Deleted records stay, with is_deleted = true (Salesforce IsDeleted, HubSpot archived). Salesforce
-- archived activities (IsArchived, served by queryAll only) are ordinary history, not deletions.
with

-- Salesforce CallDisposition is free text: lower-cased, stripped of surrounding Unicode whitespace
-- ([\t-\r\x{85}\pZ] is exactly Unicode's White_Space), every run of whitespace and hyphens → one '_'.
-- A configured (salesforce, value) entry is normalised the same way before it is matched.
salesforce_configured_outcomes as (
    select
        regexp_replace(
            regexp_replace(lower(outcomes.value), '^[\t-\r\x{85}\pZ]+|[\t-\r\x{85}\pZ]+$', '', 'g'),
            '[\t-\r\x{85}\pZ-]+', '_', 'g'
        ) as disposition,
        min(outcomes.outcome) as outcome
    from config.call_outcomes as outcomes
    where outcomes.source = 'salesforce'
    group by 1
),

hubspot_configured_outcomes as (
    select
        trim(outcomes.value) as disposition,
        min(outcomes.outcome) as outcome
    from config.call_outcomes as outcomes
    where outcomes.source = 'hubspot'
    group by 1
),

salesforce_tasks as (
    select
        tasks.*,
        nullif(
            regexp_replace(
                regexp_replace(
                    lower(tasks.CallDisposition), '^[\t-\r\x{85}\pZ]+|[\t-\r\x{85}\pZ]+$', '', 'g'
                ),
                '[\t-\r\x{85}\pZ-]+', '_', 'g'
            ),
            ''
        ) as disposition
    from raw_salesforce.task as tasks
    where coalesce(tasks.TaskSubtype, 'Call') = 'Call'
),

salesforce_calls as (
    select
        'salesforce:' || tasks.Id as activity_id,
        'salesforce' as source,
        tasks.Id as crm_id,
        'call' as activity_type,
        case
            when nullif(tasks.OwnerId, '') is not null
                then coalesce(owners.rep_id, 'salesforce:' || tasks.OwnerId)
        end as rep_id,
        'salesforce:' || coalesce(nullif(tasks.AccountId, ''), nullif(tasks.WhoId, '')) as prospect_id,
        case when tasks.WhatId like '006%' then 'salesforce:' || tasks.WhatId end as deal_id,
        coalesce(tasks.CompletedDateTime, tasks.CreatedDate) as occurred_at,
        cast(null as timestamptz) as booked_at,
        cast(tasks.CallDurationInSeconds as integer) as duration_seconds,
        case
            when tasks.disposition is null then null
            when configured.outcome is not null then configured.outcome
            when tasks.disposition in (
                'connected', 'busy', 'no_answer', 'left_voicemail', 'left_live_message', 'wrong_number'
            ) then tasks.disposition
            else 'other'
        end as outcome,
        coalesce(tasks._is_deleted, false) as is_deleted,
        coalesce(tasks.SystemModstamp, tasks._source_updated_at) as source_updated_at
    from salesforce_tasks as tasks
    left join staging.crm_owners as owners
        on owners.source = 'salesforce' and owners.owner_id = tasks.OwnerId
    left join salesforce_configured_outcomes as configured on configured.disposition = tasks.disposition
),

salesforce_meetings as (
    select
        'salesforce:' || events.Id as activity_id,
        'salesforce' as source,
        events.Id as crm_id,
        'meeting' as activity_type,
        case
            when nullif(events.OwnerId, '') is not null
                then coalesce(owners.rep_id, 'salesforce:' || events.OwnerId)
        end as rep_id,
        'salesforce:' || coalesce(nullif(events.AccountId, ''), nullif(events.WhoId, '')) as prospect_id,
        case when events.WhatId like '006%' then 'salesforce:' || events.WhatId end as deal_id,
        events.StartDateTime as occurred_at,
        events.CreatedDate as booked_at,
        cast(events.DurationInMinutes * 60 as integer) as duration_seconds,
        cast(null as varchar) as outcome,
        coalesce(events._is_deleted, false) as is_deleted,
        coalesce(events.SystemModstamp, events._source_updated_at) as source_updated_at
    from raw_salesforce.event as events
    left join staging.crm_owners as owners
        on owners.source = 'salesforce' and owners.owner_id = events.OwnerId
),

hubspot_calls as (
    select
        'hubspot:' || calls.id as activity_id,
        'hubspot' as source,
        cast(calls.id as varchar) as crm_id,
        'call' as activity_type,
        case
            when calls.hubspot_owner_id is not null
                then coalesce(owners.rep_id, 'hubspot:' || calls.hubspot_owner_id)
        end as rep_id,
        links.prospect_id,
        links.deal_id,
        calls.hs_timestamp as occurred_at,
        cast(null as timestamptz) as booked_at,
        cast(floor(calls.hs_call_duration / 1000) as integer) as duration_seconds,
        case
            when nullif(trim(calls.hs_call_disposition), '') is null then null
            else coalesce(configured.outcome, 'other')
        end as outcome,
        coalesce(calls.archived, false) as is_deleted,
        case
            when calls.archived then coalesce(calls.archived_at, calls.hs_lastmodifieddate, calls.updated_at)
            else coalesce(calls.hs_lastmodifieddate, calls.updated_at)
        end as source_updated_at
    from raw_hubspot.calls as calls
    left join staging.crm_owners as owners
        on owners.source = 'hubspot' and owners.owner_id = cast(calls.hubspot_owner_id as varchar)
    left join staging.hubspot_links as links on links.object_type = 'calls' and links.object_id = calls.id
    left join hubspot_configured_outcomes as configured
        on configured.disposition = trim(calls.hs_call_disposition)
),

hubspot_meetings as (
    select
        'hubspot:' || meetings.id as activity_id,
        'hubspot' as source,
        cast(meetings.id as varchar) as crm_id,
        'meeting' as activity_type,
        case
            when meetings.hubspot_owner_id is not null
                then coalesce(owners.rep_id, 'hubspot:' || meetings.hubspot_owner_id)
        end as rep_id,
        links.prospect_id,
        links.deal_id,
        coalesce(meetings.hs_meeting_start_time, meetings.hs_timestamp) as occurred_at,
        coalesce(meetings.hs_createdate, meetings.created_at) as booked_at,
        cast(
            floor(
                (epoch_us(meetings.hs_meeting_end_time) - epoch_us(meetings.hs_meeting_start_time)) / 1000000
            ) as integer
        ) as duration_seconds,
        case
            when lower(trim(meetings.hs_meeting_outcome)) in (
                'scheduled', 'completed', 'rescheduled', 'no_show', 'canceled'
            ) then lower(trim(meetings.hs_meeting_outcome))
        end as outcome,
        coalesce(meetings.archived, false) as is_deleted,
        case
            when meetings.archived
                then coalesce(meetings.archived_at, meetings.hs_lastmodifieddate, meetings.updated_at)
            else coalesce(meetings.hs_lastmodifieddate, meetings.updated_at)
        end as source_updated_at
    from raw_hubspot.meetings as meetings
    left join staging.crm_owners as owners
        on owners.source = 'hubspot' and owners.owner_id = cast(meetings.hubspot_owner_id as varchar)
    left join staging.hubspot_links as links
        on links.object_type = 'meetings' and links.object_id = meetings.id
),

final as (
    select * from salesforce_calls
    union all
    select * from salesforce_meetings
    union all
    select * from hubspot_calls
    union all
    select * from hubspot_meetings
)

select * from final
