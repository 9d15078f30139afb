-- core.reps: one row per rep, from every Salesforce User and every HubSpot owner (archived included).
-- rep_id = lower-cased e-mail, else <source>:<owner id>; the same e-mail in both CRMs is one rep.
-- name: from the most recently modified record that has one (tie: Salesforce, then the smaller id).
with

salesforce_users as (
    select
        'salesforce' as source,
        users.Id as crm_id,
        nullif(lower(trim(users.Email)), '') as email,
        coalesce(
            nullif(trim(users.Name), ''),
            nullif(concat_ws(' ', nullif(trim(users.FirstName), ''), nullif(trim(users.LastName), '')), '')
        ) as name,
        coalesce(users.IsActive, false) as is_active,
        users.SystemModstamp as modified_at,
        1 as source_order
    from raw_salesforce."user" as users
),

hubspot_owners as (
    select
        'hubspot' as source,
        cast(owners.id as varchar) as crm_id,
        nullif(lower(trim(owners.email)), '') as email,
        nullif(
            concat_ws(' ', nullif(trim(owners.first_name), ''), nullif(trim(owners.last_name), '')), ''
        ) as name,
        not coalesce(owners.archived, false) as is_active,
        coalesce(owners.updated_at, owners.created_at) as modified_at,
        2 as source_order
    from raw_hubspot.owners as owners
),

owner_records as (
    select * from salesforce_users
    union all
    select * from hubspot_owners
),

identified as (
    select
        coalesce(email, source || ':' || crm_id) as rep_id,
        *
    from owner_records
),

ranked as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by name is null, modified_at desc nulls last, source_order, crm_id
        ) as recency
    from identified
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
