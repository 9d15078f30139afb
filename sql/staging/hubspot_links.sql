-- staging.hubspot_links: for each HubSpot call, meeting and deal with associations, the prospect and the
-- deal it is about (docs/metrics.md, "core.activities"): the associated company with the smallest id,
-- else the contact with the smallest id; for calls and meetings, the associated deal with the smallest id.
-- HubSpot ids are integers: "the smallest id" compares numerically. core.activities and staging.deals
-- read it.
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
),

smallest as (
    select
        object_type,
        object_id,
        min(to_id) filter (where to_object_type = 'companies') as company_id,
        min(to_id) filter (where to_object_type = 'contacts') as contact_id,
        min(to_id) filter (where to_object_type = 'deals') as deal_id
    from associations
    group by object_type, object_id
),

final as (
    select
        object_type,
        object_id,
        'hubspot:' || coalesce(company_id, contact_id) as prospect_id,
        'hubspot:' || deal_id as deal_id
    from smallest
)

select * from final
