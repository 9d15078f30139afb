-- core.deal_stage_history: one row per stage a deal entered (KPI contract, section 2).
-- Salesforce OpportunityHistory (StageName, CreatedDate), HubSpot dealstage history (sequence 0 = oldest).
-- Consecutive repeats of a stage collapse to the first; the deal's current stage is always the latest
-- row: when the history ends in another stage (or is empty) a row for the current stage is added,
-- entered at created_at when the deal has no history, else at source_updated_at (never before the
-- previous row). Funnel stage via config.stage_mapping; only the latest row takes the won/lost fallback.
-- The deal's current state (stage, is_closed, is_won, created_at, source_updated_at) comes from
-- staging.deals, as core.deals' does; core.deals reads this table for reached_proposal_at.
with

-- The deals' current state, by the rules core.deals uses too (staging.deals).
deal_states as (
    select
        deal_id,
        source,
        pipeline,
        stage,
        is_closed,
        is_won,
        created_at,
        source_updated_at
    from staging.deals
),

-- A history entry without a stage (a cleared value) is not a stage the deal entered.
salesforce_history as (
    select
        'salesforce:' || history.OpportunityId as deal_id,
        history.StageName as stage,
        history.CreatedDate as entered_at,
        row_number() over (partition by history.OpportunityId order by history.CreatedDate, history.Id)
            as position
    from raw_salesforce.opportunity_history as history
    where nullif(trim(history.StageName), '') is not null
),

hubspot_history as (
    select
        'hubspot:' || history.deal_id as deal_id,
        history.stage,
        history.entered_at,
        row_number() over (partition by history.deal_id order by history.sequence) as position
    from raw_hubspot.deal_stage_history as history
    where nullif(trim(history.stage), '') is not null
),

history as (
    select * from salesforce_history
    union all
    select * from hubspot_history
),

collapsed as (
    select
        deal_id,
        stage,
        entered_at,
        position
    from history
    qualify lag(stage) over (partition by deal_id order by position) is distinct from stage
),

last_history as (
    select
        deal_id,
        stage,
        entered_at,
        position
    from collapsed
    qualify row_number() over (partition by deal_id order by position desc) = 1
),

current_stage_rows as (
    select
        deal_states.deal_id,
        deal_states.stage,
        case
            when last_history.deal_id is null
                then coalesce(deal_states.created_at, deal_states.source_updated_at)
            else greatest(deal_states.source_updated_at, last_history.entered_at)
        end as entered_at,
        coalesce(last_history.position, 0) + 1 as position
    from deal_states
    left join last_history on last_history.deal_id = deal_states.deal_id
    where nullif(trim(deal_states.stage), '') is not null
        and last_history.stage is distinct from deal_states.stage
),

stage_rows as (
    select * from collapsed
    union all
    select * from current_stage_rows
),

positioned as (
    select
        stage_rows.deal_id,
        stage_rows.stage,
        stage_rows.entered_at,
        deal_states.source,
        deal_states.pipeline,
        deal_states.is_closed,
        deal_states.is_won,
        stage_rows.stage = deal_states.stage
        and row_number() over (partition by stage_rows.deal_id order by stage_rows.position desc) = 1
            as is_current
    from stage_rows
    inner join deal_states on deal_states.deal_id = stage_rows.deal_id
),

-- A per-pipeline mapping wins over the source's any-pipeline mapping.
mapped as (
    select
        positioned.*,
        coalesce(pipeline_mapping.funnel_stage, source_mapping.funnel_stage) as mapped_funnel_stage
    from positioned
    left join config.stage_mapping as pipeline_mapping
        on pipeline_mapping.source = positioned.source
        and pipeline_mapping.pipeline = positioned.pipeline
        and pipeline_mapping.stage = positioned.stage
    left join config.stage_mapping as source_mapping
        on source_mapping.source = positioned.source
        and source_mapping.pipeline is null
        and source_mapping.stage = positioned.stage
),

final as (
    select
        deal_id,
        stage,
        case
            when mapped_funnel_stage is not null then mapped_funnel_stage
            when is_current and is_won then 'won'
            when is_current and is_closed then 'lost'
        end as funnel_stage,
        entered_at
    from mapped
)

select * from final
