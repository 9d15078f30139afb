-- staging.hubspot_deal_stages: one row per stage of a HubSpot deal pipeline (raw_hubspot.deal_pipelines),
-- with what the stage says of a deal in it: is_closed (the stage's isClosed) and is_won (closed and the
-- stage's probability numerically 1). staging.deals reads it.
with

final as (
    select
        stages.pipeline_id,
        stages.stage_id,
        coalesce(stages.is_closed, false) as is_closed,
        coalesce(stages.is_closed, false) and coalesce(try_cast(stages.probability as double) = 1, false)
            as is_won
    from raw_hubspot.deal_pipelines as stages
)

select * from final
