-- staging.hubspot_contacts: one row per HubSpot contact (archived included), cleaned: ids as
-- <source>:<id>, the job title stripped of surrounding whitespace (macro clean_text: empty is none).
-- Names, e-mails and phone numbers stay in raw. core.contacts reads it, with the prospect of
-- staging.hubspot_links (by hubspot_id).
with

final as (
    select
        'hubspot:' || contacts.id as contact_id,
        'hubspot' as source,
        cast(contacts.id as varchar) as crm_id,
        contacts.id as hubspot_id,
        'contact' as kind,
        clean_text(contacts.jobtitle) as title,
        coalesce(contacts.archived, false) as is_deleted,
        hubspot_updated_at(
            contacts.archived, contacts.archived_at, contacts.lastmodifieddate, contacts.updated_at
        ) as source_updated_at
    from raw_hubspot.contacts as contacts
)

select * from final
