-- staging.hubspot_tasks: one row per HubSpot task (archived included), cleaned: ids as <source>:<id>,
-- the owner's id as text, when it happened (completed: hs_task_completion_date, else its due date
-- hs_timestamp) and whether it is done (hs_task_status COMPLETED). Subjects stay in raw.
-- core.activities reads it, with the prospect, deal and contacts of staging.hubspot_links (by hubspot_id).
with

final as (
    select
        'hubspot:' || tasks.id as activity_id,
        'hubspot' as source,
        cast(tasks.id as varchar) as crm_id,
        tasks.id as hubspot_id,
        cast(tasks.hubspot_owner_id as varchar) as owner_id,
        coalesce(tasks.hs_task_completion_date, tasks.hs_timestamp) as occurred_at,
        coalesce(tasks.hs_task_status = 'COMPLETED', false) as is_done,
        coalesce(tasks.archived, false) as is_deleted,
        hubspot_updated_at(tasks.archived, tasks.archived_at, tasks.hs_lastmodifieddate, tasks.updated_at)
            as source_updated_at
    from raw_hubspot.tasks as tasks
)

select * from final
