-- salesforce_disposition(value): a Salesforce CallDisposition (free text) in the form that is matched:
-- lower-cased, stripped of surrounding Unicode whitespace ([\t-\r\x{85}\pZ] is exactly Unicode's
-- White_Space), every run of whitespace and hyphens → one '_'. staging.salesforce_tasks normalises the
-- Tasks' values with it and staging.config_call_outcomes the configured Salesforce values.
create or replace macro salesforce_disposition(value) as
    regexp_replace(
        regexp_replace(lower(value), '^[\t-\r\x{85}\pZ]+|[\t-\r\x{85}\pZ]+$', '', 'g'),
        '[\t-\r\x{85}\pZ-]+', '_', 'g'
    );
