-- marts.rep_monthly_results: one row per rep and calendar month with a won deal closed in the month (on
-- or before the as-of date) or a revenue target covering a day of the month (future months included):
-- the month's results (wins, revenue, new customers, referrals) against its share of the target, and
-- the pace so far (docs/metrics.md, "marts.rep_monthly_results"). The wins are marts.deal_facts' (its
-- is_new_customer and is_referral); deleted deals and deals without owner never count.
with

-- The build's reporting settings (models.reporting.write_config): one typed row.
settings as (
    select as_of, as_of_date from config.build
),

won_months as (
    select
        facts.rep_id,
        cast(date_trunc('month', facts.closed_on) as date) as month_start,
        count(*) as deals_won,
        coalesce(sum(facts.amount_reporting), 0) as revenue_won,
        count(*) filter (where facts.is_new_customer) as new_customers,
        coalesce(sum(facts.amount_reporting) filter (where facts.is_new_customer), 0) as new_customer_revenue,
        count(*) filter (where facts.is_referral) as referral_deals_won,
        coalesce(sum(facts.amount_reporting) filter (where facts.is_referral), 0) as referral_revenue
    from marts.deal_facts as facts
    cross join settings
    where facts.is_won and facts.rep_id is not null and facts.closed_on <= settings.as_of_date
    group by 1, 2
),

-- Revenue targets matched to reps by lower-cased e-mail (an unmatched row is ignored), one row per
-- month a target row's period touches.
target_months as (
    select
        reps.rep_id,
        targets.revenue_target,
        targets.period_start,
        targets.period_end,
        cast(month.month_start as date) as month_start,
        cast(month.month_start + interval 1 month - interval 1 day as date) as month_end
    from config.revenue_targets as targets
    inner join core.reps as reps on reps.email = targets.rep_email
    cross join
        unnest(
            generate_series(
                date_trunc('month', targets.period_start), date_trunc('month', targets.period_end), interval 1 month
            )
        ) as month (month_start)
),

-- The month's share and its share up to the as-of date (0 for a future month), in exact 1e-10 units
-- (macro target_share_units), summed over the rep's target rows before rounding.
target_shares as (
    select
        rep_id,
        month_start,
        sum(target_share_units(revenue_target, period_start, period_end, month_start, month_end)) as target_units,
        sum(target_share_units(revenue_target, period_start, period_end, month_start, to_date)) as expected_units
    from (
        select
            target_months.*,
            least(target_months.month_end, settings.as_of_date) as to_date
        from target_months
        cross join settings
    )
    group by 1, 2
),

rep_months as (
    select rep_id, month_start from won_months
    union
    select rep_id, month_start from target_shares
),

joined as (
    select
        rep_months.month_start,
        rep_months.rep_id,
        coalesce(won_months.deals_won, 0) as deals_won,
        cast(coalesce(won_months.revenue_won, 0) as decimal(18, 2)) as revenue_won,
        coalesce(won_months.new_customers, 0) as new_customers,
        cast(coalesce(won_months.new_customer_revenue, 0) as decimal(18, 2)) as new_customer_revenue,
        coalesce(won_months.referral_deals_won, 0) as referral_deals_won,
        cast(coalesce(won_months.referral_revenue, 0) as decimal(18, 2)) as referral_revenue,
        target_shares.target_units,
        target_shares.expected_units
    from rep_months
    left join won_months using (rep_id, month_start)
    left join target_shares using (rep_id, month_start)
),

-- Targets rounded to cents (macro target_cents); the percentages from the unrounded shares.
final as (
    select
        joined.month_start,
        joined.rep_id,
        reps.name as rep_name,
        joined.deals_won,
        joined.revenue_won,
        joined.new_customers,
        joined.new_customer_revenue,
        joined.referral_deals_won,
        joined.referral_revenue,
        target_cents(joined.target_units) as revenue_target,
        joined.revenue_won - target_cents(joined.target_units) as target_deviation,
        100 * (cast(joined.revenue_won as double) / nullif(joined.target_units / 1e10, 0) - 1)
            as target_deviation_pct,
        target_cents(joined.expected_units) as expected_to_date,
        100 * (cast(joined.revenue_won as double) / nullif(joined.expected_units / 1e10, 0) - 1)
            as pace_deviation_pct,
        settings.as_of
    from joined
    cross join settings
    left join core.reps as reps on reps.rep_id = joined.rep_id
)

select * from final
