-- core.deals: one row per deal (KPI contract, section 2): Salesforce Opportunities, HubSpot deals.
-- Deleted and archived deals stay, with is_deleted = true. Money is DECIMAL(18,2): amount_reporting is
-- converted from the exact amount (its shortest decimal form) and rounded half away from zero to cents.
-- Dates are reporting-timezone dates (config.build). The current-state rules (stage, is_closed,
-- is_won, created_at, source_updated_at) match sql/core/deal_stage_history.sql.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, currency from config.build
),

fx_rates as (
    select
        rates.currency,
        cast(cast(rates.rate as varchar) as decimal(18, 10)) as rate
    from config.fx_rates as rates
),

salesforce_reps as (
    select
        users.Id as owner_id,
        coalesce(nullif(lower(trim(users.Email)), ''), 'salesforce:' || users.Id) as rep_id
    from raw_salesforce."user" as users
),

hubspot_reps as (
    select
        owners.id as owner_id,
        coalesce(nullif(lower(trim(owners.email)), ''), 'hubspot:' || owners.id) as rep_id
    from raw_hubspot.owners as owners
),

salesforce_deals as (
    select
        'salesforce:' || opportunities.Id as deal_id,
        'salesforce' as source,
        opportunities.Id as crm_id,
        opportunities.Name as deal_name,
        case
            when nullif(opportunities.OwnerId, '') is not null
                then coalesce(reps.rep_id, 'salesforce:' || opportunities.OwnerId)
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
    left join salesforce_reps as reps on reps.owner_id = opportunities.OwnerId
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

-- HubSpot ids are integers: "the smallest id" compares numerically.
hubspot_deal_links as (
    select
        links.deal_id,
        min(links.to_id) filter (where links.to_object_type = 'companies') as company_id,
        min(links.to_id) filter (where links.to_object_type = 'contacts') as contact_id
    from raw_hubspot.deal_associations as links
    group by links.deal_id
),

hubspot_deals as (
    select
        'hubspot:' || deals.id as deal_id,
        'hubspot' as source,
        cast(deals.id as varchar) as crm_id,
        deals.dealname as deal_name,
        case
            when deals.hubspot_owner_id is not null
                then coalesce(reps.rep_id, 'hubspot:' || deals.hubspot_owner_id)
        end as rep_id,
        'hubspot:' || coalesce(links.company_id, links.contact_id) as prospect_id,
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
    left join hubspot_reps as reps on reps.owner_id = deals.hubspot_owner_id
    left join hubspot_deal_links as links on links.deal_id = deals.id
    left join hubspot_stages as stages
        on stages.pipeline_id = deals.pipeline and stages.stage_id = deals.dealstage
),

unioned as (
    select * from salesforce_deals
    union all
    select * from hubspot_deals
),

converted as (
    select
        unioned.*,
        coalesce(unioned.deal_currency, settings.currency) as currency,
        case
            when coalesce(unioned.deal_currency, settings.currency) = settings.currency
                then cast(unioned.exact_amount as decimal(18, 2))
            else cast(unioned.exact_amount * fx_rates.rate as decimal(18, 2))
        end as amount_reporting
    from unioned
    cross join settings
    left join fx_rates on fx_rates.currency = coalesce(unioned.deal_currency, settings.currency)
),

-- A per-pipeline mapping wins over the source's any-pipeline mapping.
mapped as (
    select
        converted.*,
        coalesce(pipeline_mapping.funnel_stage, source_mapping.funnel_stage) as mapped_funnel_stage
    from converted
    left join config.stage_mapping as pipeline_mapping
        on pipeline_mapping.source = converted.source
        and pipeline_mapping.pipeline = converted.pipeline
        and pipeline_mapping.stage = converted.stage
    left join config.stage_mapping as source_mapping
        on source_mapping.source = converted.source
        and source_mapping.pipeline is null
        and source_mapping.stage = converted.stage
),

-- Funnel ranks: appointment 1, qualified 2, proposal 3, negotiation 4, won 5 (lost has none).
proposals as (
    select
        history.deal_id,
        min(history.entered_at) as reached_proposal_at
    from core.deal_stage_history as history
    where history.funnel_stage in ('proposal', 'negotiation', 'won')
    group by history.deal_id
),

final as (
    select
        mapped.deal_id,
        mapped.source,
        mapped.crm_id,
        mapped.deal_name,
        mapped.rep_id,
        mapped.prospect_id,
        mapped.pipeline,
        mapped.stage,
        case
            when mapped.mapped_funnel_stage is not null then mapped.mapped_funnel_stage
            when mapped.is_won then 'won'
            when mapped.is_closed then 'lost'
        end as funnel_stage,
        cast(mapped.exact_amount as decimal(18, 2)) as amount,
        mapped.currency,
        mapped.amount_reporting,
        mapped.created_at,
        case when mapped.is_closed then mapped.close_date end as closed_on,
        mapped.is_closed,
        mapped.is_won,
        proposals.reached_proposal_at,
        mapped.is_deleted,
        mapped.source_updated_at
    from mapped
    left join proposals on proposals.deal_id = mapped.deal_id
)

select * from final
