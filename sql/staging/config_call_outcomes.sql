-- staging.config_call_outcomes: the configured call outcomes (config.call_outcomes) keyed the way the
-- calls' dispositions are cleaned: a Salesforce value normalised as staging.salesforce_tasks normalises
-- CallDisposition (macro salesforce_disposition), a HubSpot value trimmed as staging.hubspot_calls
-- trims it; where two values meet in one key, the smallest outcome. core.activities reads it.
with

keyed as (
    select
        outcomes.source,
        case
            when outcomes.source = 'salesforce' then salesforce_disposition(outcomes.value)
            else trim(outcomes.value)
        end as disposition,
        outcomes.outcome
    from config.call_outcomes as outcomes
),

final as (
    select
        source,
        disposition,
        min(outcome) as outcome
    from keyed
    group by 1, 2
)

select * from final
