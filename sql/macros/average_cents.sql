-- average_cents(total_cents, how_many): the average of `how_many` money amounts that add up to
-- `total_cents` (an integer), rounded half away from zero to cents with integer arithmetic, as
-- DECIMAL(18,2) (docs/metrics.md, "Conventions", Money); NULL when how_many is 0. The marts'
-- revenue per sale (rep_weekly_scorecard, rep_peer_comparison) read it.
create or replace macro average_cents(total_cents, how_many) as
    cast(
        cast(
            sign(total_cents) * ((2 * abs(total_cents) + how_many) // nullif(2 * how_many, 0))
            as decimal(18, 0)
        ) * 0.01 as decimal(18, 2)
    );
