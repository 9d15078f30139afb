-- staging.hubspot_deal_stage_history: one row per entry of a HubSpot deal's dealstage history: the deal
-- (<source>:<id>), its position (sequence 0 = oldest), the stage id entered and when.
-- core.deal_stage_history reads it.
with

final as (
    select
        'hubspot:' || history.deal_id as deal_id,
        history.sequence,
        history.stage,
        history.entered_at
    from raw_hubspot.deal_stage_history as history
)

select * from final
