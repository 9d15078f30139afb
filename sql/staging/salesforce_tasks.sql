-- staging.salesforce_tasks: one row per Salesforce Task (deleted and archived included), cleaned: ids
-- as <source>:<id> (an empty id is none), the prospect (AccountId, else WhoId) and the deal (WhatId when
-- it is an Opportunity, prefix 006), the call disposition normalised (macro salesforce_disposition).
-- core.activities reads the calls among them (is_call).
with

final as (
    select
        'salesforce:' || tasks.Id as activity_id,
        'salesforce' as source,
        tasks.Id as crm_id,
        coalesce(tasks.TaskSubtype, 'Call') = 'Call' as is_call,
        nullif(tasks.OwnerId, '') as owner_id,
        'salesforce:' || coalesce(nullif(tasks.AccountId, ''), nullif(tasks.WhoId, '')) as prospect_id,
        case when tasks.WhatId like '006%' then 'salesforce:' || tasks.WhatId end as deal_id,
        coalesce(tasks.CompletedDateTime, tasks.CreatedDate) as occurred_at,
        cast(tasks.CallDurationInSeconds as integer) as duration_seconds,
        nullif(salesforce_disposition(tasks.CallDisposition), '') as disposition,
        coalesce(tasks._is_deleted, false) as is_deleted,
        coalesce(tasks.SystemModstamp, tasks._source_updated_at) as source_updated_at
    from raw_salesforce.task as tasks
)

select * from final
