-- staging.deals: one row per CRM deal, Salesforce Opportunities and HubSpot deals (deleted and archived
-- included) in one shape: ids, owner's rep (macro credited_rep_id, staging.crm_owners), prospect,
-- pipeline and stage, the exact amount and its currency, and the current state (is_closed, is_won,
-- created_at, close_date, source_updated_at). The one place these rules live: core.deals and
-- core.deal_stage_history read it.
with

settings as (
    select timezone from staging.config_build
),

-- HubSpot: the prospect from the associations (staging.hubspot_links), closed and won from the
-- pipeline stage (the deal's own flags when the stage is not in the pipeline metadata), the close date
-- in the reporting timezone.
hubspot_deals as (
    select
        deals.* exclude (hubspot_id, deal_is_closed, deal_is_won, close_at),
        links.prospect_id,
        coalesce(stages.is_closed, deals.deal_is_closed, false) as is_closed,
        coalesce(stages.is_won, deals.deal_is_won, false) as is_won,
        cast(timezone(settings.timezone, deals.close_at) as date) as close_date
    from staging.hubspot_deals as deals
    cross join settings
    left join staging.hubspot_links as links
        on links.object_type = 'deals' and links.object_id = deals.hubspot_id
    left join staging.hubspot_deal_stages as stages
        on stages.pipeline_id = deals.pipeline and stages.stage_id = deals.stage
),

deals as (
    select * from staging.salesforce_opportunities
    union all by name
    select * from hubspot_deals
),

final as (
    select
        deals.* exclude (owner_id),
        credited_rep_id(deals.source, deals.owner_id, owners.email) as rep_id
    from deals
    left join staging.crm_owners as owners
        on owners.source = deals.source and owners.owner_id = deals.owner_id
)

select * from final
