-- salesforce_contact_id(who_id): the contact an activity is with (docs/metrics.md, "core.activities",
-- contact_id): salesforce:<WhoId> when WhoId is a Contact (prefix 003) or a Lead (00Q) id, else NULL.
-- staging.salesforce_tasks and salesforce_events read it.
create or replace macro salesforce_contact_id(who_id) as
    case when who_id like '003%' or who_id like '00Q%' then 'salesforce:' || who_id end;
