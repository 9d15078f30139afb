-- marts.rep_weekly_scorecard: one row per rep and ISO week (week_start, a Monday) with any activity or
-- result, or a revenue target covering a day of the week (future weeks included): inputs, results, the
-- week's share of the revenue target, the magic number and the activity barometer (KPI contract,
-- section 3). Nothing after as_of counts; deleted records never count.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of, as_of_date from config.build
),

live_deals as (
    select
        deals.*,
        cast(timezone(settings.timezone, deals.created_at) as date) as created_on,
        case when deals.reached_proposal_at <= settings.as_of then deals.reached_proposal_at end
            as proposal_at,
        case when deals.closed_on <= settings.as_of_date then deals.closed_on end as counted_closed_on
    from core.deals as deals
    cross join settings
    where not deals.is_deleted
),

-- The weekly inputs are the daily ones summed by week: marts.rep_daily_activity counts the same calls,
-- connected calls, held meetings and first appointments (live, at or before as_of, with a rep) on the
-- same reporting-timezone dates, and its rows where all four are 0 add nothing.
activity_weeks as (
    select
        rep_id,
        cast(date_trunc('week', activity_date) as date) as week_start,
        cast(sum(calls) as bigint) as calls,
        cast(sum(connected_calls) as bigint) as connected_calls,
        cast(sum(meetings_held) as bigint) as meetings_held,
        cast(sum(first_appointments) as bigint) as first_appointments
    from marts.rep_daily_activity
    where calls > 0 or meetings_held > 0 or first_appointments > 0
    group by 1, 2
),

created_weeks as (
    select
        live_deals.rep_id,
        cast(date_trunc('week', timezone(settings.timezone, live_deals.created_at)) as date) as week_start,
        count(*) as deals_created
    from live_deals
    cross join settings
    where live_deals.rep_id is not null and live_deals.created_at <= settings.as_of
    group by 1, 2
),

proposal_weeks as (
    select
        live_deals.rep_id,
        cast(date_trunc('week', timezone(settings.timezone, live_deals.proposal_at)) as date) as week_start,
        count(*) as proposals
    from live_deals
    cross join settings
    where live_deals.rep_id is not null and live_deals.proposal_at is not null
    group by 1, 2
),

closed_weeks as (
    select
        rep_id,
        cast(date_trunc('week', counted_closed_on) as date) as week_start,
        count(*) filter (where is_won) as deals_won,
        count(*) filter (where not is_won) as deals_lost,
        sum(amount_reporting) filter (where is_won) as revenue_won,
        count(amount_reporting) filter (where is_won) as won_with_amount,
        avg(counted_closed_on - created_on) filter (where is_won) as avg_sales_cycle_days
    from live_deals
    where rep_id is not null and counted_closed_on is not null
    group by 1, 2
),

-- Revenue targets matched to reps by lower-cased e-mail (an unmatched row is ignored). Each row gives
-- every day of its period revenue_target / (its number of days); a week takes the days it covers.
-- Shares are summed exactly in units of 1e-10 (integer arithmetic) before rounding to cents.
target_weeks as (
    select
        reps.rep_id,
        targets.period_start,
        targets.period_end,
        targets.revenue_target,
        cast(
            unnest(
                generate_series(
                    date_trunc('week', targets.period_start),
                    date_trunc('week', targets.period_end),
                    interval 7 day
                )
            ) as date
        ) as week_start
    from config.revenue_targets as targets
    inner join core.reps as reps on reps.email = targets.rep_email
),

target_shares as (
    select
        rep_id,
        week_start,
        sum(
            (
                2 * cast(revenue_target * 100 as hugeint) * 100000000
                * (least(period_end, week_start + 6) - greatest(period_start, week_start) + 1)
                + (period_end - period_start + 1)
            ) // (2 * (period_end - period_start + 1))
        ) as target_units
    from target_weeks
    group by 1, 2
),

rep_weeks as (
    select rep_id, week_start from activity_weeks
    union
    select rep_id, week_start from created_weeks
    union
    select rep_id, week_start from proposal_weeks
    union
    select rep_id, week_start from closed_weeks
    union
    select rep_id, week_start from target_shares
),

-- The magic number's trailing window [week_start - 91 days, week_start), local midnights.
windows as (
    select distinct
        rep_weeks.week_start,
        timezone(settings.timezone, cast(rep_weeks.week_start - 91 as timestamp)) as window_start_at,
        timezone(settings.timezone, cast(rep_weeks.week_start as timestamp)) as window_end_at
    from rep_weeks
    cross join settings
),

-- Each first appointment's earliest proposal (on or after it) among its prospect's live deals, found
-- once: the appointment reached a proposal within a window when that proposal is before the window's end.
appointment_proposals as (
    select
        appointments.activity_id,
        appointments.rep_id,
        appointments.occurred_at,
        min(deals.proposal_at) as next_proposal_at
    from intermediate.first_appointments as appointments
    left join live_deals as deals
        on deals.prospect_id = appointments.prospect_id
        and deals.proposal_at >= appointments.occurred_at
    where appointments.rep_id is not null
    group by 1, 2, 3
),

window_appointments as (
    select
        windows.week_start,
        appointments.rep_id,
        appointments.activity_id,
        coalesce(appointments.next_proposal_at < windows.window_end_at, false) as has_proposal
    from windows
    inner join appointment_proposals as appointments
        on appointments.occurred_at >= windows.window_start_at
        and appointments.occurred_at < windows.window_end_at
),

-- Closed deals summed per rep and closing week first: a window [week_start - 91, week_start) of a Monday
-- is exactly the 13 whole weeks before it.
closed_deal_weeks as (
    select
        rep_id,
        cast(date_trunc('week', counted_closed_on) as date) as close_week,
        sum(amount_reporting) filter (where is_won) as won_amount,
        count(amount_reporting) filter (where is_won) as won_with_amount,
        count(*) filter (where proposal_at is not null and is_won) as proposals_won,
        count(*) filter (where proposal_at is not null) as proposals_closed
    from live_deals
    where rep_id is not null and counted_closed_on is not null
    group by 1, 2
),

window_deals as (
    select
        windows.week_start,
        deals.rep_id,
        deals.won_amount,
        deals.won_with_amount,
        deals.proposals_won,
        deals.proposals_closed
    from windows
    inner join closed_deal_weeks as deals
        on deals.close_week >= windows.week_start - 91
        and deals.close_week < windows.week_start
),

rep_factors as (
    select
        coalesce(deals.week_start, appointments.week_start) as week_start,
        coalesce(deals.rep_id, appointments.rep_id) as rep_id,
        deals.arps,
        appointments.a2p,
        deals.p2c
    from (
        select
            week_start,
            rep_id,
            sum(won_amount) / nullif(cast(sum(won_with_amount) as bigint), 0) as arps,
            cast(sum(proposals_won) as bigint) / nullif(cast(sum(proposals_closed) as bigint), 0) as p2c
        from window_deals
        group by 1, 2
    ) as deals
    full outer join (
        select
            week_start,
            rep_id,
            avg(cast(has_proposal as integer)) as a2p
        from window_appointments
        group by 1, 2
    ) as appointments
        on appointments.week_start = deals.week_start and appointments.rep_id = deals.rep_id
),

team_factors as (
    select
        windows.week_start,
        deals.arps,
        appointments.a2p,
        deals.p2c
    from windows
    left join (
        select
            week_start,
            sum(won_amount) / nullif(cast(sum(won_with_amount) as bigint), 0) as arps,
            cast(sum(proposals_won) as bigint) / nullif(cast(sum(proposals_closed) as bigint), 0) as p2c
        from window_deals
        group by 1
    ) as deals on deals.week_start = windows.week_start
    left join (
        select
            week_start,
            avg(cast(has_proposal as integer)) as a2p
        from window_appointments
        group by 1
    ) as appointments on appointments.week_start = windows.week_start
),

joined as (
    select
        rep_weeks.week_start,
        rep_weeks.rep_id,
        reps.name as rep_name,
        coalesce(activity_weeks.calls, 0) as calls,
        coalesce(activity_weeks.connected_calls, 0) as connected_calls,
        coalesce(activity_weeks.meetings_held, 0) as meetings_held,
        coalesce(activity_weeks.first_appointments, 0) as first_appointments,
        coalesce(created_weeks.deals_created, 0) as deals_created,
        coalesce(proposal_weeks.proposals, 0) as proposals,
        coalesce(closed_weeks.deals_won, 0) as deals_won,
        coalesce(closed_weeks.deals_lost, 0) as deals_lost,
        cast(coalesce(closed_weeks.revenue_won, 0) as decimal(18, 2)) as revenue_won,
        cast(coalesce(closed_weeks.revenue_won, 0) * 100 as hugeint) as revenue_won_cents,
        coalesce(closed_weeks.won_with_amount, 0) as won_with_amount,
        closed_weeks.avg_sales_cycle_days,
        target_shares.target_units,
        target_shares.target_units / 1e10 as exact_target,
        coalesce(nullif(rep_factors.arps, 0), team_factors.arps) as arps,
        coalesce(nullif(rep_factors.a2p, 0), team_factors.a2p) as a2p,
        coalesce(nullif(rep_factors.p2c, 0), team_factors.p2c) as p2c
    from rep_weeks
    left join core.reps as reps on reps.rep_id = rep_weeks.rep_id
    left join activity_weeks
        on activity_weeks.rep_id = rep_weeks.rep_id and activity_weeks.week_start = rep_weeks.week_start
    left join created_weeks
        on created_weeks.rep_id = rep_weeks.rep_id and created_weeks.week_start = rep_weeks.week_start
    left join proposal_weeks
        on proposal_weeks.rep_id = rep_weeks.rep_id and proposal_weeks.week_start = rep_weeks.week_start
    left join closed_weeks
        on closed_weeks.rep_id = rep_weeks.rep_id and closed_weeks.week_start = rep_weeks.week_start
    left join target_shares
        on target_shares.rep_id = rep_weeks.rep_id and target_shares.week_start = rep_weeks.week_start
    left join rep_factors
        on rep_factors.rep_id = rep_weeks.rep_id and rep_factors.week_start = rep_weeks.week_start
    left join team_factors on team_factors.week_start = rep_weeks.week_start
    where rep_weeks.rep_id is not null
),

magic as (
    select
        joined.*,
        case
            when target_units is null then null
            when target_units = 0 then 0.0
            when coalesce(arps, 0) = 0 or coalesce(a2p, 0) = 0 or coalesce(p2c, 0) = 0 then null
            else exact_target / (arps * a2p * p2c)
        end as required_first_appointments
    from joined
),

-- Money rounded half away from zero to cents with integer arithmetic on cents (and 1e-10 units).
final as (
    select
        magic.week_start,
        magic.rep_id,
        magic.rep_name,
        magic.calls,
        magic.connected_calls,
        magic.meetings_held,
        magic.first_appointments,
        magic.deals_created,
        magic.proposals,
        magic.deals_won,
        magic.deals_lost,
        magic.revenue_won,
        magic.deals_won / nullif(magic.deals_won + magic.deals_lost, 0) as win_rate,
        cast(
            cast(
                sign(magic.revenue_won_cents)
                * ((2 * abs(magic.revenue_won_cents) + magic.won_with_amount)
                    // nullif(2 * magic.won_with_amount, 0))
                as decimal(18, 0)
            ) * 0.01 as decimal(18, 2)
        ) as avg_revenue_per_sale,
        cast(magic.avg_sales_cycle_days as double) as avg_sales_cycle_days,
        cast(
            cast((magic.target_units + 50000000) // 100000000 as decimal(18, 0)) * 0.01 as decimal(18, 2)
        ) as revenue_target,
        100 * cast(magic.revenue_won as double) / nullif(magic.exact_target, 0) as attainment_pct,
        cast(magic.required_first_appointments as double) as required_first_appointments,
        100 * magic.first_appointments / nullif(magic.required_first_appointments, 0)
            as activity_barometer_pct,
        settings.as_of
    from magic
    cross join settings
)

select * from final
