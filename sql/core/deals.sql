-- core.deals: one row per deal (KPI contract, section 2): Salesforce Opportunities, HubSpot deals.
-- Deleted and archived deals stay, with is_deleted = true. Money is DECIMAL(18,2): amount_reporting is
-- converted from the exact amount (its shortest decimal form) and rounded half away from zero to cents.
-- The deals come from staging.deals (ids, rep, prospect, stage and current state, in one shape).
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select currency from config.build
),

fx_rates as (
    select
        rates.currency,
        cast(cast(rates.rate as varchar) as decimal(18, 10)) as rate
    from config.fx_rates as rates
),

converted as (
    select
        deals.*,
        coalesce(deals.deal_currency, settings.currency) as currency,
        case
            when coalesce(deals.deal_currency, settings.currency) = settings.currency
                then cast(deals.exact_amount as decimal(18, 2))
            else cast(deals.exact_amount * fx_rates.rate as decimal(18, 2))
        end as amount_reporting
    from staging.deals as deals
    cross join settings
    left join fx_rates on fx_rates.currency = coalesce(deals.deal_currency, settings.currency)
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
