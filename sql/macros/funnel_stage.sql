-- funnel_stage(mapped_stage, is_won, is_closed): a deal stage's canonical funnel stage (docs/metrics.md,
-- "core.deals" and "core.deal_stage_history", funnel_stage): the stage mapping's (staging.funnel_stages),
-- else won for a won deal, lost for a closed one, else NULL. core.deal_stage_history passes is_won and
-- is_closed for the deal's latest row only: the other rows take no fallback.
create or replace macro funnel_stage(mapped_stage, is_won, is_closed) as
    case
        when mapped_stage is not null then mapped_stage
        when is_won then 'won'
        when is_closed then 'lost'
    end;
