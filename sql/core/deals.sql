-- core.deals: one row per deal (docs/metrics.md, "core.deals"): Salesforce Opportunities, HubSpot deals.
-- Deleted and archived deals stay, with is_deleted = true. Money is DECIMAL(18,2): amount_reporting is
-- converted from the exact amount (its shortest decimal form) and rounded half away from zero to cents.
-- The deals come from staging.deals (ids, rep, prospect, stage and current state, in one shape).
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select currency from staging.config_build
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
    left join staging.config_fx_rates as fx_rates
        on fx_rates.currency = coalesce(deals.deal_currency, settings.currency)
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

-- A referral: the lead source, lower-cased, contains one of the referral values
-- (staging.config_referral_values, lower-cased there).
referrals as (
    select
        converted.deal_id,
        true as is_referral
    from converted
    where exists (
        select 1
        from staging.config_referral_values as referral_values
        where contains(lower(converted.lead_source), referral_values.value)
    )
),

final as (
    select
        converted.deal_id,
        converted.source,
        converted.crm_id,
        converted.deal_name,
        converted.rep_id,
        converted.prospect_id,
        converted.pipeline,
        converted.stage,
        funnel_stage(funnel_stages.funnel_stage, converted.is_won, converted.is_closed) as funnel_stage,
        cast(converted.exact_amount as decimal(18, 2)) as amount,
        converted.currency,
        converted.amount_reporting,
        converted.created_at,
        case when converted.is_closed then converted.close_date end as closed_on,
        converted.is_closed,
        converted.is_won,
        proposals.reached_proposal_at,
        converted.lead_source,
        coalesce(referrals.is_referral, false) as is_referral,
        converted.is_deleted,
        converted.source_updated_at
    from converted
    left join staging.funnel_stages as funnel_stages
        on funnel_stages.source = converted.source
        and funnel_stages.pipeline is not distinct from converted.pipeline
        and funnel_stages.stage = converted.stage
    left join proposals on proposals.deal_id = converted.deal_id
    left join referrals on referrals.deal_id = converted.deal_id
)

select * from final
