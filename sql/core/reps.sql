-- core.reps: one row per rep, from every Salesforce User and every HubSpot owner (archived included,
-- staging.crm_owners, where the rep_id rule lives); the same e-mail in both CRMs is one rep.
-- name: from the most recently modified record that has one (tie: Salesforce, then the smaller id).
with

ranked as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by name is null, modified_at desc nulls last, source = 'hubspot', owner_id
        ) as recency
    from staging.crm_owners
),

final as (
    select
        rep_id,
        max(name) filter (where recency = 1) as name,
        max(email) as email,
        bool_or(is_active) as is_active
    from ranked
    group by rep_id
)

select * from final
