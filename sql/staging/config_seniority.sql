-- staging.config_seniority: the configured seniority rules (config.seniority_rules, written by
-- models.reporting.write_config), each term cleaned as a title is (macro title_words), so a title's words
-- contain it exactly when the term's words appear in sequence. core.contacts reads it.
with

final as (
    select
        rules.rule_order,
        rules.seniority,
        title_words(rules.term) as term_words
    from config.seniority_rules as rules
)

select * from final
