-- staging.salesforce_opportunity_history: one row per Salesforce OpportunityHistory entry: the deal
-- (<source>:<id>), the stage it entered (StageName as sent) and when (CreatedDate); history_id orders
-- entries of the same instant. core.deal_stage_history reads it.
with

final as (
    select
        'salesforce:' || history.OpportunityId as deal_id,
        history.Id as history_id,
        history.StageName as stage,
        history.CreatedDate as entered_at
    from raw_salesforce.opportunity_history as history
)

select * from final
