-- marts.deal_facts: one row per live deal for drill-down: every core.deals column, the rep's name, the
-- sales cycle, the prospect's first appointment, the calls and held meetings with the prospect before
-- the close, and whether the deal won a new customer (docs/metrics.md, "marts.deal_facts"). Activities
-- of every rep (or none) count.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of, as_of_date from config.build
),

-- Calls and held meetings that happened (at or before as_of).
prospect_activities as (
    select
        activities.prospect_id,
        activities.activity_type,
        activities.occurred_at
    from core.activities as activities
    cross join settings
    where
        not activities.is_deleted
        and activities.prospect_id is not null
        and activities.occurred_at <= settings.as_of
        and (
            activities.activity_type = 'call'
            or coalesce(activities.outcome, 'scheduled') in ('scheduled', 'completed')
        )
),

-- Per prospect, one aggregation: the times of its calls and of its held meetings.
prospects as (
    select
        prospect_id,
        list(occurred_at) filter (where activity_type = 'call') as call_times,
        list(occurred_at) filter (where activity_type = 'meeting') as meeting_times
    from prospect_activities
    group by prospect_id
),

-- An activity's reporting-timezone date is on or before closed_on exactly when it happened before the
-- local midnight that starts the next day (no time-zone conversion per activity). An open deal has no
-- cut-off.
live_deals as (
    select
        deals.*,
        timezone(settings.timezone, cast(deals.closed_on + 1 as timestamp)) as cutoff_at
    from core.deals as deals
    cross join settings
    where not deals.is_deleted
),

-- Each prospect's first win (contract 5.4): the smallest (closed_on, deal_id) among its live won deals
-- closed on or before the as-of date. One aggregation: the smallest struct orders by closed_on, then
-- deal_id (unique).
first_wins as (
    select min({'closed_on': deals.closed_on, 'deal_id': deals.deal_id}).deal_id as deal_id
    from live_deals as deals
    cross join settings
    where deals.is_won and deals.prospect_id is not null and deals.closed_on <= settings.as_of_date
    group by deals.prospect_id
),

final as (
    select
        deals.deal_id,
        deals.source,
        deals.crm_id,
        deals.deal_name,
        deals.rep_id,
        reps.name as rep_name,
        deals.prospect_id,
        deals.pipeline,
        deals.stage,
        deals.funnel_stage,
        deals.amount,
        deals.currency,
        deals.amount_reporting,
        deals.created_at,
        deals.closed_on,
        deals.is_closed,
        deals.is_won,
        deals.reached_proposal_at,
        deals.lead_source,
        deals.is_referral,
        first_wins.deal_id is not null as is_new_customer,
        deals.is_deleted,
        deals.source_updated_at,
        cast(
            case
                when deals.closed_on <= settings.as_of_date
                    then deals.closed_on - cast(timezone(settings.timezone, deals.created_at) as date)
            end as double
        ) as sales_cycle_days,
        first_appointments.occurred_at as first_appointment_at,
        -- each deal counts its prospect's calls and held meetings before the cut-off in the prospect's
        -- lists (about 20 a prospect) instead of joining every activity to every deal of its prospect
        coalesce(
            len(
                list_filter(prospects.call_times, lambda t: deals.cutoff_at is null or t < deals.cutoff_at)
            ),
            0
        ) as calls_before_close,
        coalesce(
            len(
                list_filter(prospects.meeting_times, lambda t: deals.cutoff_at is null or t < deals.cutoff_at)
            ),
            0
        ) as meetings_before_close,
        settings.as_of
    from live_deals as deals
    cross join settings
    left join core.reps as reps on reps.rep_id = deals.rep_id
    left join prospects on prospects.prospect_id = deals.prospect_id
    left join intermediate.first_appointments as first_appointments
        on first_appointments.prospect_id = deals.prospect_id
    left join first_wins on first_wins.deal_id = deals.deal_id
)

select * from final
