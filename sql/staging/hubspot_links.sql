-- staging.hubspot_links: for each HubSpot call, meeting, e-mail, task, deal and contact with
-- associations, the prospect, the deal and the contacts it is about (docs/metrics.md, "core.activities"
-- and "core.contacts"): the associated company with the smallest id, else the contact with the smallest
-- id; for activities, the associated deal with the smallest id, the contact with the smallest id and
-- every associated contact (whether any is an executive is core's to say). HubSpot ids are integers:
-- "the smallest id" compares numerically. core.activities, core.contacts and staging.deals read it.
with

associations as (
    select 'calls' as object_type, links.call_id as object_id, links.to_object_type, links.to_id
    from raw_hubspot.call_associations as links
    union all
    select 'meetings', links.meeting_id, links.to_object_type, links.to_id
    from raw_hubspot.meeting_associations as links
    union all
    select 'deals', links.deal_id, links.to_object_type, links.to_id
    from raw_hubspot.deal_associations as links
    union all
    select 'emails', links.email_id, links.to_object_type, links.to_id
    from raw_hubspot.email_associations as links
    union all
    select 'tasks', links.task_id, links.to_object_type, links.to_id
    from raw_hubspot.task_associations as links
    union all
    select 'contacts', links.contact_id, links.to_object_type, links.to_id
    from raw_hubspot.contact_associations as links
),

smallest as (
    select
        object_type,
        object_id,
        min(to_id) filter (where to_object_type = 'companies') as company_id,
        min(to_id) filter (where to_object_type = 'contacts') as contact_id,
        min(to_id) filter (where to_object_type = 'deals') as deal_id,
        list(distinct 'hubspot:' || to_id) filter (where to_object_type = 'contacts') as contact_ids
    from associations
    group by object_type, object_id
),

final as (
    select
        object_type,
        object_id,
        'hubspot:' || coalesce(company_id, contact_id) as prospect_id,
        'hubspot:' || deal_id as deal_id,
        'hubspot:' || contact_id as contact_id,
        contact_ids
    from smallest
)

select * from final
