-- staging.salesforce_users: one row per Salesforce User (a CRM owner), cleaned: the e-mail lower-cased
-- and trimmed (empty is none), the name (Name, else FirstName LastName; empty is none), is_active.
-- staging.crm_owners reads it.
with

final as (
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
)

select * from final
