-- staging.deals: one row per CRM deal, Salesforce Opportunities and HubSpot deals (deleted and archived
-- included) in one shape: ids, owner's rep (staging.crm_owners), prospect, pipeline and stage, the exact
-- amount and its currency, and the current state (is_closed, is_won, created_at, close_date,
-- source_updated_at). The one place these rules live: core.deals and core.deal_stage_history read it.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone from config.build
),

salesforce_deals as (
    select
        'salesforce:' || opportunities.Id as deal_id,
        'salesforce' as source,
        opportunities.Id as crm_id,
        opportunities.Name as deal_name,
        case
            when nullif(opportunities.OwnerId, '') is not null
                then coalesce(owners.rep_id, 'salesforce:' || opportunities.OwnerId)
        end as rep_id,
        'salesforce:' || coalesce(nullif(opportunities.AccountId, ''), nullif(opportunities.ContactId, ''))
            as prospect_id,
        cast(null as varchar) as pipeline,
        opportunities.StageName as stage,
        cast(nullif(trim(cast(opportunities.Amount as varchar)), '') as decimal(38, 10)) as exact_amount,
        upper(nullif(trim(opportunities.CurrencyIsoCode), '')) as deal_currency,
        opportunities.CreatedDate as created_at,
        coalesce(opportunities.IsClosed, false) as is_closed,
        coalesce(opportunities.IsWon, false) as is_won,
        opportunities.CloseDate as close_date,
        coalesce(opportunities._is_deleted, false) as is_deleted,
        coalesce(opportunities.SystemModstamp, opportunities._source_updated_at) as source_updated_at
    from raw_salesforce.opportunity as opportunities
    left join staging.crm_owners as owners
        on owners.source = 'salesforce' and owners.owner_id = opportunities.OwnerId
),

hubspot_stages as (
    select
        stages.pipeline_id,
        stages.stage_id,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_closed, false) and coalesce(try_cast(stages.probability as double) = 1, false)
            as is_won
    from raw_hubspot.deal_pipelines as stages
),

hubspot_deals as (
    select
        'hubspot:' || deals.id as deal_id,
        'hubspot' as source,
        cast(deals.id as varchar) as crm_id,
        deals.dealname as deal_name,
        case
            when deals.hubspot_owner_id is not null
                then coalesce(owners.rep_id, 'hubspot:' || deals.hubspot_owner_id)
        end as rep_id,
        links.prospect_id,
        deals.pipeline,
        deals.dealstage as stage,
        -- HubSpot sends the amount as a string (empty = none); the landing column may already be a number.
        cast(nullif(trim(cast(deals.amount as varchar)), '') as decimal(38, 10)) as exact_amount,
        upper(nullif(trim(deals.deal_currency_code), '')) as deal_currency,
        coalesce(deals.createdate, deals.created_at) as created_at,
        coalesce(stages.is_closed, deals.hs_is_closed, false) as is_closed,
        coalesce(stages.is_won, deals.hs_is_closed_won, false) as is_won,
        cast(timezone(settings.timezone, deals.closedate) as date) as close_date,
        coalesce(deals.archived, false) as is_deleted,
        case
            when deals.archived then coalesce(deals.archived_at, deals.hs_lastmodifieddate, deals.updated_at)
            else coalesce(deals.hs_lastmodifieddate, deals.updated_at)
        end as source_updated_at
    from raw_hubspot.deals as deals
    cross join settings
    left join staging.crm_owners as owners
        on owners.source = 'hubspot' and owners.owner_id = cast(deals.hubspot_owner_id as varchar)
    left join staging.hubspot_links as links on links.object_type = 'deals' and links.object_id = deals.id
    left join hubspot_stages as stages
        on stages.pipeline_id = deals.pipeline and stages.stage_id = deals.dealstage
),

final as (
    select * from salesforce_deals
    union all
    select * from hubspot_deals
)

select * from final
