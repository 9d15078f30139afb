-- staging.salesforce_tasks: one row per Salesforce Task (deleted and archived included), cleaned: ids
-- as <source>:<id> (an empty id is none), the activity type its TaskSubtype gives (Call → call, Email and
-- ListEmail → email, Task or none → task; another subtype none), the prospect (AccountId, else WhoId),
-- the contact (macro salesforce_contact_id: WhoId when it is a Contact or a Lead) and the deal (WhatId
-- when it is an Opportunity, prefix 006), the direction, whether it is done, the call disposition
-- normalised (macro salesforce_disposition). core.activities reads the rows with an activity type.
with

final as (
    select
        'salesforce:' || tasks.Id as activity_id,
        'salesforce' as source,
        tasks.Id as crm_id,
        case
            when tasks.TaskSubtype = 'Call' then 'call'
            when tasks.TaskSubtype in ('Email', 'ListEmail') then 'email'
            when tasks.TaskSubtype = 'Task' or tasks.TaskSubtype is null then 'task'
        end as activity_type,
        nullif(tasks.OwnerId, '') as owner_id,
        'salesforce:' || coalesce(nullif(tasks.AccountId, ''), nullif(tasks.WhoId, '')) as prospect_id,
        case when tasks.WhatId like '006%' then 'salesforce:' || tasks.WhatId end as deal_id,
        coalesce(tasks.CompletedDateTime, tasks.CreatedDate) as occurred_at,
        cast(tasks.CallDurationInSeconds as integer) as duration_seconds,
        nullif(salesforce_disposition(tasks.CallDisposition), '') as disposition,
        coalesce(tasks._is_deleted, false) as is_deleted,
        coalesce(tasks.SystemModstamp, tasks._source_updated_at) as source_updated_at,
        case
            when tasks.TaskSubtype in ('Email', 'ListEmail') then 'outbound'
            when tasks.TaskSubtype = 'Call' and tasks.CallType = 'Outbound' then 'outbound'
            when tasks.TaskSubtype = 'Call' and tasks.CallType = 'Inbound' then 'inbound'
        end as direction,
        case
            when tasks.TaskSubtype = 'Task' or tasks.TaskSubtype is null then coalesce(tasks.IsClosed, false)
            else true
        end as is_done,
        salesforce_contact_id(tasks.WhoId) as contact_id
    from raw_salesforce.task as tasks
)

select * from final
