-- staging.hubspot_owners: one row per HubSpot owner (archived included), cleaned: the id as text, the
-- e-mail lower-cased and trimmed (empty is none), the name (the non-empty parts of first and last name),
-- active unless archived. staging.crm_owners reads it.
with

final as (
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
)

select * from final
