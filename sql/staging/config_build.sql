-- staging.config_build: the build's reporting settings (config.build, written typed by
-- models.reporting.write_config), one row: the core models and staging.deals read them here, so core
-- reads staging views only.
with

final as (
    select
        settings.timezone,
        settings.currency,
        settings.as_of,
        settings.as_of_date
    from config.build as settings
)

select * from final
