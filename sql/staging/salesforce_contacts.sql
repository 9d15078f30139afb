-- staging.salesforce_contacts: one row per Salesforce Contact (deleted included), cleaned: ids as
-- <source>:<id>, the job title stripped of surrounding whitespace (macro clean_text: empty is none) and
-- the prospect (AccountId, else the contact itself). Names, e-mails and phone numbers stay in raw.
-- core.contacts reads it.
with

final as (
    select
        'salesforce:' || contacts.Id as contact_id,
        'salesforce' as source,
        contacts.Id as crm_id,
        'contact' as kind,
        clean_text(contacts.Title) as title,
        'salesforce:' || coalesce(nullif(contacts.AccountId, ''), contacts.Id) as prospect_id,
        coalesce(contacts._is_deleted, false) as is_deleted,
        coalesce(contacts.SystemModstamp, contacts._source_updated_at) as source_updated_at
    from raw_salesforce.contact as contacts
)

select * from final
