-- staging.hubspot_meetings: one row per HubSpot meeting (archived included), cleaned: ids as
-- <source>:<id>, the owner's id as text, start (hs_meeting_start_time, else hs_timestamp), when it was
-- booked, its duration in whole seconds and its outcome among the five HubSpot knows, lower-cased.
-- core.activities reads it, with the prospect and deal of staging.hubspot_links (by hubspot_id).
with

final as (
    select
        'hubspot:' || meetings.id as activity_id,
        'hubspot' as source,
        cast(meetings.id as varchar) as crm_id,
        meetings.id as hubspot_id,
        cast(meetings.hubspot_owner_id as varchar) as owner_id,
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
        hubspot_updated_at(
            meetings.archived, meetings.archived_at, meetings.hs_lastmodifieddate, meetings.updated_at
        ) as source_updated_at
    from raw_hubspot.meetings as meetings
)

select * from final
