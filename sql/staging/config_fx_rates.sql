-- staging.config_fx_rates: one row per configured currency (config.fx_rates) with its rate into the
-- reporting currency as an exact DECIMAL(18,10), taken from the rate's shortest decimal form (1.08 is
-- 1.08, not the nearest binary double). core.deals reads it.
with

final as (
    select
        rates.currency,
        cast(cast(rates.rate as varchar) as decimal(18, 10)) as rate
    from config.fx_rates as rates
)

select * from final
