-- staging.funnel_stages: the stage mapping (config.stage_mapping) resolved for every pipeline the deals
-- use (those of staging.deals, read from the per-source views it unions), so core.deals and
-- core.deal_stage_history map a (source, pipeline, stage) with one lookup: one row per source, pipeline
-- (NULL for Salesforce and for a HubSpot deal without one) and mapped stage, with its funnel stage; a
-- per-pipeline entry wins over the source's any-pipeline entry. A lookup, hence its joins: the rule
-- lives here only.
with

pipelines as (
    select distinct source, pipeline from staging.salesforce_opportunities
    union all
    select distinct source, pipeline from staging.hubspot_deals
),

keys as (
    select distinct
        pipelines.source,
        pipelines.pipeline,
        mapping.stage
    from pipelines
    inner join config.stage_mapping as mapping on mapping.source = pipelines.source
),

final as (
    select
        keys.source,
        keys.pipeline,
        keys.stage,
        coalesce(pipeline_mapping.funnel_stage, source_mapping.funnel_stage) as funnel_stage
    from keys
    left join config.stage_mapping as pipeline_mapping
        on pipeline_mapping.source = keys.source
        and pipeline_mapping.pipeline = keys.pipeline
        and pipeline_mapping.stage = keys.stage
    left join config.stage_mapping as source_mapping
        on source_mapping.source = keys.source
        and source_mapping.pipeline is null
        and source_mapping.stage = keys.stage
    where coalesce(pipeline_mapping.funnel_stage, source_mapping.funnel_stage) is not null
)

select * from final
