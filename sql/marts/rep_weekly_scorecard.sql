-- marts.rep_weekly_scorecard: one row per rep and ISO week (week_start, a Monday) with any activity or
-- result, or a revenue target covering a day of the week (future weeks included): inputs, results, the
-- week's share of the revenue target, the magic number and the activity barometer
-- (docs/metrics.md, "marts.rep_weekly_scorecard"). Nothing after as_of counts; deleted records never
-- count.
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
-- connected calls, held meetings, first appointments, sent e-mails and completed tasks (live, at or
-- before as_of, with a rep) on the same reporting-timezone dates, and its rows where all six are 0 add
-- nothing.
activity_weeks as (
    select
        rep_id,
        cast(date_trunc('week', activity_date) as date) as week_start,
        cast(sum(calls) as bigint) as calls,
        cast(sum(connected_calls) as bigint) as connected_calls,
        cast(sum(meetings_held) as bigint) as meetings_held,
        cast(sum(first_appointments) as bigint) as first_appointments,
        cast(sum(emails_sent) as bigint) as emails_sent,
        cast(sum(tasks_completed) as bigint) as tasks_completed
    from marts.rep_daily_activity
    where
        calls > 0 or meetings_held > 0 or first_appointments > 0 or emails_sent > 0 or tasks_completed > 0
    group by 1, 2
),

-- The week's first appointments that reach the top (intermediate.first_appointments), by the same
-- reporting-timezone week they count in first_appointments.
executive_weeks as (
    select
        appointments.rep_id,
        cast(date_trunc('week', timezone(settings.timezone, appointments.occurred_at)) as date) as week_start,
        count(*) as executive_first_appointments
    from intermediate.first_appointments as appointments
    cross join settings
    where appointments.rep_id is not null and appointments.reaches_executive
    group by 1, 2
),

created_weeks as (
    select
        live_deals.rep_id,
        cast(date_trunc('week', live_deals.created_on) as date) as week_start,
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

-- Deals closed per rep and week: the week's results, and the magic number's arps and p2c inputs.
closed_weeks as (
    select
        rep_id,
        cast(date_trunc('week', counted_closed_on) as date) as week_start,
        count(*) filter (where is_won) as deals_won,
        count(*) filter (where not is_won) as deals_lost,
        sum(amount_reporting) filter (where is_won) as revenue_won,
        count(amount_reporting) filter (where is_won) as won_with_amount,
        avg(counted_closed_on - created_on) filter (where is_won) as avg_sales_cycle_days,
        count(*) filter (where proposal_at is not null and is_won) as proposals_won,
        count(*) filter (where proposal_at is not null) as proposals_closed
    from live_deals
    where rep_id is not null and counted_closed_on is not null
    group by 1, 2
),

-- Revenue targets matched to reps by lower-cased e-mail (an unmatched row is ignored). Each row gives
-- every day of its period revenue_target / (its number of days); a week takes the days it covers.
-- Shares are summed exactly in units of 1e-10 (macro target_share_units) before rounding to cents.
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
        sum(target_share_units(revenue_target, period_start, period_end, week_start, week_start + 6))
            as target_units
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

-- The first appointments that reached a proposal within their window, with the week of the earliest
-- proposal (on or after the appointment) among its prospect's live deals. Both as reporting-timezone
-- weeks: a window's bounds are local midnights of Mondays, so an instant is inside
-- [week_start - 91, week_start) exactly when its local week is one of the 13 before week_start.
proposal_appointments as (
    select
        rep_id,
        occurred_week,
        proposal_week
    from (
        select
            appointments.rep_id,
            cast(date_trunc('week', timezone(settings.timezone, appointments.occurred_at)) as date)
                as occurred_week,
            cast(date_trunc('week', timezone(settings.timezone, min(deals.proposal_at))) as date)
                as proposal_week
        from intermediate.first_appointments as appointments
        cross join settings
        inner join live_deals as deals
            on deals.prospect_id = appointments.prospect_id
            and deals.proposal_at >= appointments.occurred_at
        where appointments.rep_id is not null
        group by appointments.activity_id, appointments.rep_id, appointments.occurred_at, settings.timezone
    )
    where proposal_week <= occurred_week + 84
),

-- The magic number's factors over the trailing window [week_start - 91 days, week_start), as running
-- totals: what happened in week w is inside the windows of the Mondays w + 7 … w + 91, so it is added at
-- w + 7 and taken back at w + 98, and a window's totals are the running sums at its week_start (no join
-- of every window with every item). First appointments are counted by week (activity_weeks counts the
-- same ones); an appointment counts as reaching a proposal from the week after its proposal's until it
-- leaves the window.
factor_changes as (
    select
        rep_id,
        week_start + 7 as change_week,
        first_appointments as appointments,
        0 as with_proposal,
        0 as won_amount,
        0 as won_with_amount,
        0 as proposals_won,
        0 as proposals_closed
    from activity_weeks
    where first_appointments > 0
    union all
    select rep_id, week_start + 98, -first_appointments, 0, 0, 0, 0, 0
    from activity_weeks
    where first_appointments > 0
    union all
    select rep_id, proposal_week + 7, 0, 1, 0, 0, 0, 0
    from proposal_appointments
    union all
    select rep_id, occurred_week + 98, 0, -1, 0, 0, 0, 0
    from proposal_appointments
    union all
    select
        rep_id,
        week_start + 7,
        0,
        0,
        coalesce(revenue_won, 0),
        won_with_amount,
        proposals_won,
        proposals_closed
    from closed_weeks
    union all
    select
        rep_id,
        week_start + 98,
        0,
        0,
        -coalesce(revenue_won, 0),
        -won_with_amount,
        -proposals_won,
        -proposals_closed
    from closed_weeks
),

rep_changes as (
    select
        rep_id,
        change_week,
        sum(appointments) as appointments,
        sum(with_proposal) as with_proposal,
        sum(won_amount) as won_amount,
        sum(won_with_amount) as won_with_amount,
        sum(proposals_won) as proposals_won,
        sum(proposals_closed) as proposals_closed
    from factor_changes
    group by 1, 2
),

rep_running as (
    select
        rep_id,
        change_week,
        sum(appointments) over running as appointments,
        sum(with_proposal) over running as with_proposal,
        sum(won_amount) over running as won_amount,
        sum(won_with_amount) over running as won_with_amount,
        sum(proposals_won) over running as proposals_won,
        sum(proposals_closed) over running as proposals_closed
    from rep_changes
    window running as (partition by rep_id order by change_week rows unbounded preceding)
),

team_running as (
    select
        change_week,
        sum(sum(appointments)) over running as appointments,
        sum(sum(with_proposal)) over running as with_proposal,
        sum(sum(won_amount)) over running as won_amount,
        sum(sum(won_with_amount)) over running as won_with_amount,
        sum(sum(proposals_won)) over running as proposals_won,
        sum(sum(proposals_closed)) over running as proposals_closed
    from rep_changes
    group by change_week
    window running as (order by change_week rows unbounded preceding)
),

-- A factor is NULL where its denominator is 0 (nothing in the window).
rep_factors as (
    select
        rep_weeks.rep_id,
        rep_weeks.week_start,
        running.won_amount / nullif(running.won_with_amount, 0) as arps,
        running.with_proposal / nullif(running.appointments, 0) as a2p,
        running.proposals_won / nullif(running.proposals_closed, 0) as p2c
    from rep_weeks
    asof left join rep_running as running
        on running.rep_id = rep_weeks.rep_id and running.change_week <= rep_weeks.week_start
),

team_factors as (
    select
        weeks.week_start,
        running.won_amount / nullif(running.won_with_amount, 0) as arps,
        running.with_proposal / nullif(running.appointments, 0) as a2p,
        running.proposals_won / nullif(running.proposals_closed, 0) as p2c
    from (select distinct week_start from rep_weeks) as weeks
    asof left join team_running as running on running.change_week <= weeks.week_start
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
        coalesce(activity_weeks.emails_sent, 0) as emails_sent,
        coalesce(activity_weeks.tasks_completed, 0) as tasks_completed,
        coalesce(executive_weeks.executive_first_appointments, 0) as executive_first_appointments,
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
    left join activity_weeks using (rep_id, week_start)
    left join executive_weeks using (rep_id, week_start)
    left join created_weeks using (rep_id, week_start)
    left join proposal_weeks using (rep_id, week_start)
    left join closed_weeks using (rep_id, week_start)
    left join target_shares using (rep_id, week_start)
    left join rep_factors using (rep_id, week_start)
    left join team_factors on team_factors.week_start = rep_weeks.week_start
    left join core.reps as reps on reps.rep_id = rep_weeks.rep_id
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

-- Money rounded half away from zero to cents with integer arithmetic on cents (macro average_cents)
-- and on 1e-10 units (macro target_cents).
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
        average_cents(magic.revenue_won_cents, magic.won_with_amount) as avg_revenue_per_sale,
        cast(magic.avg_sales_cycle_days as double) as avg_sales_cycle_days,
        target_cents(magic.target_units) as revenue_target,
        100 * cast(magic.revenue_won as double) / nullif(magic.exact_target, 0) as attainment_pct,
        cast(magic.required_first_appointments as double) as required_first_appointments,
        100 * magic.first_appointments / nullif(magic.required_first_appointments, 0)
            as activity_barometer_pct,
        magic.emails_sent,
        magic.tasks_completed,
        magic.emails_sent + magic.tasks_completed as follow_ups,
        magic.executive_first_appointments,
        100 * magic.executive_first_appointments / nullif(magic.first_appointments, 0) as executive_reach_pct,
        settings.as_of
    from magic
    cross join settings
)

select * from final
