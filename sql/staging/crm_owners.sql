-- staging.crm_owners: one row per CRM owner record, every Salesforce User and every HubSpot owner
-- (archived included, staging.salesforce_users and staging.hubspot_owners), with the rep it credits
-- (docs/metrics.md, "Conventions", Rep; macro credited_rep_id): rep_id = the lower-cased e-mail, else
-- <source>:<owner id>. core.reps groups these rows into reps, and core.activities and staging.deals
-- look their records' owners up here.
with

owner_records as (
    select * from staging.salesforce_users
    union all
    select * from staging.hubspot_owners
),

final as (
    select
        credited_rep_id(source, owner_id, email) as rep_id,
        source,
        owner_id,
        email,
        name,
        is_active,
        modified_at
    from owner_records
)

select * from final
