-- staging.hubspot_deals: one row per HubSpot deal (archived included), cleaned: ids as <source>:<id>,
-- the owner's id as text, the exact amount (HubSpot sends a string, empty = none; the landing column may
-- already be a number) and its currency upper-cased, the original source (hs_analytics_source: NULL where
-- the portal has no such property, as the connector lands it), the deal's own closed/won flags and close
-- time.
-- staging.deals reads it, with the pipeline stages' state and the prospect of staging.hubspot_links.
with

final as (
    select
        'hubspot:' || deals.id as deal_id,
        'hubspot' as source,
        cast(deals.id as varchar) as crm_id,
        deals.id as hubspot_id,
        deals.dealname as deal_name,
        cast(deals.hubspot_owner_id as varchar) as owner_id,
        deals.pipeline,
        deals.dealstage as stage,
        cast(nullif(trim(cast(deals.amount as varchar)), '') as decimal(38, 10)) as exact_amount,
        upper(nullif(trim(deals.deal_currency_code), '')) as deal_currency,
        nullif(trim(deals.hs_analytics_source), '') as lead_source,
        coalesce(deals.createdate, deals.created_at) as created_at,
        deals.hs_is_closed as deal_is_closed,
        deals.hs_is_closed_won as deal_is_won,
        deals.closedate as close_at,
        coalesce(deals.archived, false) as is_deleted,
        hubspot_updated_at(deals.archived, deals.archived_at, deals.hs_lastmodifieddate, deals.updated_at)
            as source_updated_at
    from raw_hubspot.deals as deals
)

select * from final
