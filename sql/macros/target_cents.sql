-- target_cents(target_units): a sum of target shares in units of 1e-10 (macro target_share_units)
-- rounded half up (shares are never negative) to cents, as DECIMAL(18,2); NULL when the units are. The
-- marts' revenue targets (rep_weekly_scorecard, rep_monthly_results) read it.
create or replace macro target_cents(target_units) as
    cast(cast((target_units + 50000000) // 100000000 as decimal(18, 0)) * 0.01 as decimal(18, 2));
