-- marts.deal_facts: one row per live deal for drill-down: every core.deals column, the rep's name, the
-- sales cycle, the prospect's first appointment and the calls and held meetings with the prospect
-- before the close (KPI contract, section 3). Activities of every rep (or none) count.
with

settings as (
    select
        coalesce(
            max(value) filter (where key = 'timezone'),
            error('config.settings has no timezone: write the reporting configuration first '
                || '(models.reporting.write_config)')
        ) as timezone,
        cast(
            coalesce(
                max(value) filter (where key = 'as_of'),
                error('config.settings has no as_of: write the reporting configuration first '
                    || '(models.reporting.write_config)')
            ) as timestamptz
        ) as as_of
    from config.settings
),

as_of_dates as (
    select
        settings.*,
        cast(timezone(settings.timezone, settings.as_of) as date) as as_of_date
    from settings
),

-- Calls and held meetings that happened (at or before as_of), with their reporting-timezone date.
prospect_activities as (
    select
        activities.activity_id,
        activities.prospect_id,
        activities.activity_type,
        activities.occurred_at,
        cast(timezone(settings.timezone, activities.occurred_at) as date) as occurred_on
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

-- A prospect's first appointment: its held meeting with the smallest (occurred_at, activity_id); only
-- its time is needed, the smallest occurred_at.
first_appointments as (
    select
        prospect_id,
        min(occurred_at) as first_appointment_at
    from prospect_activities
    where activity_type = 'meeting'
    group by prospect_id
),

live_deals as (
    select deals.*
    from core.deals as deals
    where not deals.is_deleted
),

before_close as (
    select
        deals.deal_id,
        count(*) filter (where activities.activity_type = 'call') as calls_before_close,
        count(*) filter (where activities.activity_type = 'meeting') as meetings_before_close
    from live_deals as deals
    inner join prospect_activities as activities
        on activities.prospect_id = deals.prospect_id
        and (deals.closed_on is null or activities.occurred_on <= deals.closed_on)
    group by 1
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
        deals.is_deleted,
        deals.source_updated_at,
        cast(
            case
                when deals.closed_on <= as_of_dates.as_of_date
                    then deals.closed_on - cast(timezone(as_of_dates.timezone, deals.created_at) as date)
            end as double
        ) as sales_cycle_days,
        first_appointments.first_appointment_at,
        coalesce(before_close.calls_before_close, 0) as calls_before_close,
        coalesce(before_close.meetings_before_close, 0) as meetings_before_close,
        as_of_dates.as_of
    from live_deals as deals
    cross join as_of_dates
    left join core.reps as reps on reps.rep_id = deals.rep_id
    left join first_appointments on first_appointments.prospect_id = deals.prospect_id
    left join before_close on before_close.deal_id = deals.deal_id
)

select * from final
