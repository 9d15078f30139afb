-- clean_text(value): text stripped of surrounding Unicode whitespace ([\t-\r\x{85}\pZ] is exactly
-- Unicode's White_Space, as in macro salesforce_disposition); NULL when nothing is left. The contacts'
-- job titles (staging.salesforce_contacts, salesforce_leads, hubspot_contacts) read it.
create or replace macro clean_text(value) as
    nullif(regexp_replace(value, '^[\t-\r\x{85}\pZ]+|[\t-\r\x{85}\pZ]+$', '', 'g'), '');
