-- core.contacts: one row per person the reps sell to (docs/metrics.md, "core.contacts"): Salesforce
-- Contacts and Leads, HubSpot contacts, deleted ones included (is_deleted). Their job title's seniority
-- by the configured rules (staging.config_seniority): the title's words (macro title_words), the first
-- rule with a term among them, else other (a title of punctuation only too: it is not empty). No names,
-- e-mails or phone numbers: they stay in raw.
with

-- HubSpot's prospect comes from the associations (staging.hubspot_links): the company with the smallest
-- id, else the contact itself.
hubspot_contacts as (
    select
        contacts.* exclude (hubspot_id),
        coalesce(links.prospect_id, contacts.contact_id) as prospect_id
    from staging.hubspot_contacts as contacts
    left join staging.hubspot_links as links
        on links.object_type = 'contacts' and links.object_id = contacts.hubspot_id
),

contacts as (
    select * from staging.salesforce_contacts
    union all by name
    select * from staging.salesforce_leads
    union all by name
    select * from hubspot_contacts
),

-- One row per distinct title's words (titles repeat: far fewer than contacts) and the first rule that
-- matches them.
distinct_titles as (
    select distinct title_words(title) as words from contacts where title is not null
),

title_seniority as (
    select
        distinct_titles.words,
        coalesce(min({'rule_order': rules.rule_order, 'seniority': rules.seniority}).seniority, 'other')
            as seniority
    from distinct_titles
    left join staging.config_seniority as rules on contains(distinct_titles.words, rules.term_words)
    group by distinct_titles.words
),

final as (
    select
        contacts.contact_id,
        contacts.source,
        contacts.crm_id,
        contacts.kind,
        contacts.title,
        title_seniority.seniority,
        coalesce(title_seniority.seniority in ('c_level', 'vp'), false) as is_executive,
        contacts.prospect_id,
        contacts.is_deleted,
        contacts.source_updated_at
    from contacts
    left join title_seniority on title_seniority.words = title_words(contacts.title)
)

select * from final
