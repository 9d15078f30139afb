-- target_share_units(revenue_target, period_start, period_end, first_day, last_day): the share of one
-- revenue-target row (docs/metrics.md, "Revenue targets") that falls on the days first_day..last_day:
-- every day of the row's period gets revenue_target / (its number of days), in exact units of 1e-10 of
-- the reporting currency (integer arithmetic, rounded half up per row); 0 when no day is shared. The
-- marts sum the units of all the rows of a rep before rounding to cents: rep_weekly_scorecard (a week's
-- target), rep_monthly_results (a month's target and its share up to the as-of date).
create or replace macro target_share_units(revenue_target, period_start, period_end, first_day, last_day) as
    (
        2 * cast(revenue_target * 100 as hugeint) * 100000000
        * greatest(least(period_end, last_day) - greatest(period_start, first_day) + 1, 0)
        + (period_end - period_start + 1)
    ) // (2 * (period_end - period_start + 1));
