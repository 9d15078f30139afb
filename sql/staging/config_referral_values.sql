-- staging.config_referral_values: the configured referral values (config.referral_values, written by
-- models.reporting.write_config from the [referrals] table of BAROMETER_CONFIG_FILE), lower-cased: a deal
-- is a referral when its lead source, lower-cased, contains one. core.deals reads it.
with

final as (
    select distinct lower(referral_values.value) as value
    from config.referral_values as referral_values
)

select * from final
