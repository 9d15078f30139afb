-- core.deal_stage_history: one row per stage a deal entered (docs/metrics.md,
-- "core.deal_stage_history"). Salesforce OpportunityHistory (StageName, CreatedDate), HubSpot dealstage
-- history (sequence 0 = oldest). Consecutive repeats of a stage collapse to the first; the deal's current
-- stage is always the latest row: when the history ends in another stage (or is empty) a row for the
-- current stage is added, entered at created_at when the deal has no history, else at source_updated_at
-- (never before the previous row). Funnel stage via staging.funnel_stages (config.stage_mapping); only
-- the latest row takes the won/lost fallback.
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

-- Both CRMs' history entries in one shape (matched by column name); an entry without a stage (a cleared
-- value) is not a stage the deal entered. Order within a deal: HubSpot by sequence; Salesforce (no
-- sequence) by CreatedDate, then Id.
history_entries as (
    select * from staging.salesforce_opportunity_history
    union all by name
    select * from staging.hubspot_deal_stage_history
),

history as (
    select
        deal_id,
        stage,
        entered_at,
        row_number() over (partition by deal_id order by sequence, entered_at, history_id) as position
    from history_entries
    where nullif(trim(stage), '') is not null
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

-- Each row with its deal's state and its stage's mapped funnel stage (staging.funnel_stages).
positioned as (
    select
        stage_rows.deal_id,
        stage_rows.stage,
        stage_rows.entered_at,
        funnel_stages.funnel_stage as mapped_stage,
        deal_states.is_closed,
        deal_states.is_won,
        stage_rows.stage = deal_states.stage
        and row_number() over (partition by stage_rows.deal_id order by stage_rows.position desc) = 1
            as is_current
    from stage_rows
    inner join deal_states on deal_states.deal_id = stage_rows.deal_id
    left join staging.funnel_stages as funnel_stages
        on funnel_stages.source = deal_states.source
        and funnel_stages.pipeline is not distinct from deal_states.pipeline
        and funnel_stages.stage = stage_rows.stage
),

-- Only the latest row takes the won/lost fallback (macro funnel_stage).
final as (
    select
        deal_id,
        stage,
        funnel_stage(mapped_stage, is_current and is_won, is_current and is_closed) as funnel_stage,
        entered_at
    from positioned
)

select * from final
