-- staging.hubspot_emails: one row per HubSpot e-mail (archived included), cleaned: ids as <source>:<id>,
-- the owner's id as text, when it was sent or received (hs_timestamp) and its direction (EMAIL and
-- FORWARDED_EMAIL → outbound, INCOMING_EMAIL → inbound). Subjects stay in raw. core.activities reads it,
-- with the prospect, deal and contacts of staging.hubspot_links (by hubspot_id).
with

final as (
    select
        'hubspot:' || emails.id as activity_id,
        'hubspot' as source,
        cast(emails.id as varchar) as crm_id,
        emails.id as hubspot_id,
        cast(emails.hubspot_owner_id as varchar) as owner_id,
        emails.hs_timestamp as occurred_at,
        case upper(trim(emails.hs_email_direction))
            when 'EMAIL' then 'outbound'
            when 'FORWARDED_EMAIL' then 'outbound'
            when 'INCOMING_EMAIL' then 'inbound'
        end as direction,
        coalesce(emails.archived, false) as is_deleted,
        hubspot_updated_at(emails.archived, emails.archived_at, emails.hs_lastmodifieddate, emails.updated_at)
            as source_updated_at
    from raw_hubspot.emails as emails
)

select * from final
