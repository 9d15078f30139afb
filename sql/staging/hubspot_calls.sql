-- staging.hubspot_calls: one row per HubSpot call (archived included), cleaned: ids as <source>:<id>,
-- the owner's id as text, the duration in whole seconds, the disposition trimmed (empty is none), the
-- direction (hs_call_direction OUTBOUND → outbound, INBOUND → inbound).
-- core.activities reads it, with the prospect and deal of staging.hubspot_links (by hubspot_id).
with

final as (
    select
        'hubspot:' || calls.id as activity_id,
        'hubspot' as source,
        cast(calls.id as varchar) as crm_id,
        calls.id as hubspot_id,
        cast(calls.hubspot_owner_id as varchar) as owner_id,
        calls.hs_timestamp as occurred_at,
        cast(floor(calls.hs_call_duration / 1000) as integer) as duration_seconds,
        nullif(trim(calls.hs_call_disposition), '') as disposition,
        coalesce(calls.archived, false) as is_deleted,
        hubspot_updated_at(calls.archived, calls.archived_at, calls.hs_lastmodifieddate, calls.updated_at)
            as source_updated_at,
        case upper(trim(calls.hs_call_direction))
            when 'OUTBOUND' then 'outbound'
            when 'INBOUND' then 'inbound'
        end as direction
    from raw_hubspot.calls as calls
)

select * from final
