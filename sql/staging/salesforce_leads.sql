-- staging.salesforce_leads: one row per Salesforce Lead (deleted included), cleaned: ids as
-- <source>:<id> (a lead keeps its own 00Q id), the job title stripped of surrounding whitespace (macro
-- clean_text: empty is none) and the prospect (ConvertedAccountId once converted, else the lead itself).
-- Names, e-mails, phone numbers and company names stay in raw. core.contacts reads it.
with

final as (
    select
        'salesforce:' || leads.Id as contact_id,
        'salesforce' as source,
        leads.Id as crm_id,
        'lead' as kind,
        clean_text(leads.Title) as title,
        'salesforce:' || coalesce(
            case when leads.IsConverted then nullif(leads.ConvertedAccountId, '') end, leads.Id
        ) as prospect_id,
        coalesce(leads._is_deleted, false) as is_deleted,
        coalesce(leads.SystemModstamp, leads._source_updated_at) as source_updated_at
    from raw_salesforce.lead as leads
)

select * from final
