-- staging.salesforce_events: one row per Salesforce Event, i.e. meeting (deleted and archived
-- included), cleaned as staging.salesforce_tasks is: ids as <source>:<id>, the prospect and the deal,
-- the start, when it was booked (created), its duration in seconds and its contact (macro
-- salesforce_contact_id). core.activities reads it.
with

final as (
    select
        'salesforce:' || events.Id as activity_id,
        'salesforce' as source,
        events.Id as crm_id,
        nullif(events.OwnerId, '') as owner_id,
        'salesforce:' || coalesce(nullif(events.AccountId, ''), nullif(events.WhoId, '')) as prospect_id,
        case when events.WhatId like '006%' then 'salesforce:' || events.WhatId end as deal_id,
        events.StartDateTime as occurred_at,
        events.CreatedDate as booked_at,
        cast(events.DurationInMinutes * 60 as integer) as duration_seconds,
        coalesce(events._is_deleted, false) as is_deleted,
        coalesce(events.SystemModstamp, events._source_updated_at) as source_updated_at,
        salesforce_contact_id(events.WhoId) as contact_id
    from raw_salesforce.event as events
)

select * from final
