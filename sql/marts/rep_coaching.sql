-- marts.rep_coaching: one row per rep and calendar quarter (up to the as-of quarter) with a first
-- appointment, a closed deal that reached a proposal, or a weekly-scorecard week with a magic number:
-- the five coaching figures and their flags against the configured thresholds (config.coaching_thresholds,
-- models.coaching; docs/metrics.md, "marts.rep_coaching"). A flag is NULL where its figure is.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of, as_of_date from config.build
),

thresholds as (
    select * from config.coaching_thresholds
),

-- First appointments by quarter: marts.funnel_monthly's monthly cohorts (the month, in the reporting
-- timezone, in which they occurred; reached_proposal by the same rule: any rep's live deal with the
-- prospect reached a proposal at or after the appointment and at or before as_of), summed.
appointment_quarters as (
    select
        funnel.rep_id,
        cast(date_trunc('quarter', funnel.cohort_month) as date) as quarter_start,
        cast(sum(funnel.first_appointments) as bigint) as first_appointments,
        cast(sum(funnel.executive_first_appointments) as bigint) as executive_first_appointments,
        cast(sum(funnel.reached_proposal) as bigint) as reached_proposal
    from marts.funnel_monthly as funnel
    group by 1, 2
),

-- The rep's live deals that reached a proposal and closed in the quarter, on or before the as-of date.
closing_quarters as (
    select
        deals.rep_id,
        cast(date_trunc('quarter', deals.closed_on) as date) as quarter_start,
        count(*) as proposals_closed,
        count(*) filter (where deals.is_won) as proposals_won
    from core.deals as deals
    cross join settings
    where
        not deals.is_deleted
        and deals.rep_id is not null
        and deals.reached_proposal_at is not null
        and deals.closed_on <= settings.as_of_date
    group by 1, 2
),

-- The weeks of the quarter (started on or before the as-of date) that have a magic number.
barometer_quarters as (
    select
        scorecard.rep_id,
        cast(date_trunc('quarter', scorecard.week_start) as date) as quarter_start,
        sum(scorecard.first_appointments) as first_appointments,
        sum(scorecard.required_first_appointments) as required_first_appointments
    from marts.rep_weekly_scorecard as scorecard
    cross join settings
    where scorecard.required_first_appointments is not null and scorecard.week_start <= settings.as_of_date
    group by 1, 2
),

rep_quarters as (
    select rep_id, quarter_start from appointment_quarters
    union
    select rep_id, quarter_start from closing_quarters
    union
    select rep_id, quarter_start from barometer_quarters
),

figures as (
    select
        rep_quarters.quarter_start,
        rep_quarters.rep_id,
        coalesce(appointment_quarters.first_appointments, 0) as first_appointments,
        coalesce(appointment_quarters.executive_first_appointments, 0) as executive_first_appointments,
        appointment_quarters.reached_proposal / appointment_quarters.first_appointments
            as appointment_to_proposal_rate,
        100 * appointment_quarters.executive_first_appointments / appointment_quarters.first_appointments
            as executive_reach_pct,
        closing_quarters.proposals_won / closing_quarters.proposals_closed as closing_ratio,
        100 * barometer_quarters.first_appointments / nullif(barometer_quarters.required_first_appointments, 0)
            as activity_barometer_pct,
        peers.revenue_per_sale_vs_team_pct,
        peers.sales_cycle_vs_team_pct
    from rep_quarters
    left join appointment_quarters using (rep_id, quarter_start)
    left join closing_quarters using (rep_id, quarter_start)
    left join barometer_quarters using (rep_id, quarter_start)
    left join marts.rep_peer_comparison as peers
        on peers.rep_id = rep_quarters.rep_id and peers.quarter_start = rep_quarters.quarter_start
),

final as (
    select
        figures.quarter_start,
        figures.rep_id,
        reps.name as rep_name,
        figures.first_appointments,
        figures.executive_first_appointments,
        cast(figures.appointment_to_proposal_rate as double) as appointment_to_proposal_rate,
        cast(figures.executive_reach_pct as double) as executive_reach_pct,
        cast(figures.closing_ratio as double) as closing_ratio,
        cast(figures.activity_barometer_pct as double) as activity_barometer_pct,
        figures.revenue_per_sale_vs_team_pct,
        figures.sales_cycle_vs_team_pct,
        -- Compared at 9 decimal places: a figure on its threshold (3 of 5 = 0.60; a cycle 30 % shorter)
        -- decides its flag as on paper, whatever the last bit of its floating-point division.
        round(figures.appointment_to_proposal_rate, 9) < thresholds.appointment_to_proposal_rate
            as below_appointment_to_proposal,
        round(figures.closing_ratio, 9) < thresholds.closing_ratio as below_closing_ratio,
        round(figures.activity_barometer_pct, 9) < thresholds.activity_barometer_pct as below_barometer,
        round(figures.revenue_per_sale_vs_team_pct, 9) <= thresholds.revenue_per_sale_vs_team_pct
            as low_revenue_per_sale,
        round(figures.sales_cycle_vs_team_pct, 9) <= thresholds.sales_cycle_vs_team_pct as fast_sales_cycle,
        settings.as_of
    from figures
    cross join settings
    cross join thresholds
    left join core.reps as reps on reps.rep_id = figures.rep_id
)

select * from final
