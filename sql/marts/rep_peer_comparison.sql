-- marts.rep_peer_comparison: one row per rep and calendar quarter in which the rep has a deal closed
-- (on or before the as-of date): the rep's win rate, revenue per sale and sales cycle beside the
-- team's, computed over all reps' deals of the quarter (docs/metrics.md,
-- "marts.rep_peer_comparison").
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select timezone, as_of, as_of_date from config.build
),

closed_deals as (
    select
        deals.rep_id,
        deals.is_won,
        deals.amount_reporting,
        cast(date_trunc('quarter', deals.closed_on) as date) as quarter_start,
        deals.closed_on - cast(timezone(settings.timezone, deals.created_at) as date) as cycle_days
    from core.deals as deals
    cross join settings
    where
        not deals.is_deleted
        and deals.rep_id is not null
        and deals.closed_on <= settings.as_of_date
),

-- Each quarter's figures per rep and, with rep_id NULL, for the team: one aggregation, two groupings.
quarters as (
    select
        rep_id,
        quarter_start,
        count(*) filter (where is_won) as deals_won,
        count(*) filter (where not is_won) as deals_lost,
        cast(sum(amount_reporting) filter (where is_won) * 100 as hugeint) as revenue_cents,
        count(amount_reporting) filter (where is_won) as won_with_amount,
        avg(cycle_days) filter (where is_won) as avg_sales_cycle_days
    from closed_deals
    group by grouping sets ((rep_id, quarter_start), (quarter_start))
),

rep_quarters as (
    select * from quarters where rep_id is not null
),

team_quarters as (
    select * exclude (rep_id) from quarters where rep_id is null
),

-- Unrounded figures: the comparisons are derived from them.
compared as (
    select
        rep_quarters.quarter_start,
        rep_quarters.rep_id,
        rep_quarters.deals_won,
        rep_quarters.deals_lost,
        rep_quarters.revenue_cents,
        rep_quarters.won_with_amount,
        rep_quarters.deals_won / nullif(rep_quarters.deals_won + rep_quarters.deals_lost, 0) as win_rate,
        rep_quarters.revenue_cents / 100 / nullif(rep_quarters.won_with_amount, 0) as exact_revenue_per_sale,
        cast(rep_quarters.avg_sales_cycle_days as double) as avg_sales_cycle_days,
        team_quarters.revenue_cents as team_revenue_cents,
        team_quarters.won_with_amount as team_won_with_amount,
        team_quarters.deals_won / nullif(team_quarters.deals_won + team_quarters.deals_lost, 0)
            as team_win_rate,
        team_quarters.revenue_cents / 100 / nullif(team_quarters.won_with_amount, 0)
            as team_exact_revenue_per_sale,
        cast(team_quarters.avg_sales_cycle_days as double) as team_avg_sales_cycle_days
    from rep_quarters
    inner join team_quarters on team_quarters.quarter_start = rep_quarters.quarter_start
),

-- Money averages rounded half away from zero to cents, with integer arithmetic on cents (macro
-- average_cents).
final as (
    select
        compared.quarter_start,
        compared.rep_id,
        reps.name as rep_name,
        compared.deals_won,
        compared.deals_lost,
        compared.win_rate,
        average_cents(compared.revenue_cents, compared.won_with_amount) as avg_revenue_per_sale,
        compared.avg_sales_cycle_days,
        compared.team_win_rate,
        average_cents(compared.team_revenue_cents, compared.team_won_with_amount)
            as team_avg_revenue_per_sale,
        compared.team_avg_sales_cycle_days,
        100 * (compared.exact_revenue_per_sale / nullif(compared.team_exact_revenue_per_sale, 0) - 1)
            as revenue_per_sale_vs_team_pct,
        100 * (compared.avg_sales_cycle_days / nullif(compared.team_avg_sales_cycle_days, 0) - 1)
            as sales_cycle_vs_team_pct,
        100 * (compared.win_rate - compared.team_win_rate) as win_rate_vs_team_pts,
        settings.as_of
    from compared
    cross join settings
    left join core.reps as reps on reps.rep_id = compared.rep_id
)

select * from final
