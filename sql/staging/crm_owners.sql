-- staging.crm_owners: one row per CRM owner record, every Salesforce User and every HubSpot owner
-- (archived included), with the rep it credits (KPI contract, section 1): rep_id = the lower-cased
-- e-mail, else <source>:<owner id>. The rule lives here only: core.reps groups these rows into reps, and
-- core.activities and core.deals look their owners up here (an owner missing from both CRMs' owner lists
-- is credited to <source>:<owner id> there, as an owner without e-mail would be).
with

salesforce_users as (
    select
        'salesforce' as source,
        users.Id as owner_id,
        nullif(lower(trim(users.Email)), '') as email,
        coalesce(
            nullif(trim(users.Name), ''),
            nullif(concat_ws(' ', nullif(trim(users.FirstName), ''), nullif(trim(users.LastName), '')), '')
        ) as name,
        coalesce(users.IsActive, false) as is_active,
        users.SystemModstamp as modified_at
    from raw_salesforce."user" as users
),

hubspot_owners as (
    select
        'hubspot' as source,
        cast(owners.id as varchar) as owner_id,
        nullif(lower(trim(owners.email)), '') as email,
        nullif(
            concat_ws(' ', nullif(trim(owners.first_name), ''), nullif(trim(owners.last_name), '')), ''
        ) as name,
        not coalesce(owners.archived, false) as is_active,
        coalesce(owners.updated_at, owners.created_at) as modified_at
    from raw_hubspot.owners as owners
),

owner_records as (
    select * from salesforce_users
    union all
    select * from hubspot_owners
),

final as (
    select
        coalesce(email, source || ':' || owner_id) as rep_id,
        source,
        owner_id,
        email,
        name,
        is_active,
        modified_at
    from owner_records
)

select * from final
