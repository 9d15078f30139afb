-- credited_rep_id(source, owner_id, email): the rep an owner credits (docs/metrics.md, "Conventions",
-- Rep): the owner's lower-cased e-mail, else <source>:<owner id>; NULL for a record without owner.
-- The one home of the rule: staging.crm_owners applies it to every owner record, core.activities and
-- staging.deals to each record's owner with the e-mail staging.crm_owners lists for it (none for an
-- owner missing from both CRMs' owner lists).
create or replace macro credited_rep_id(source, owner_id, email) as
    case when owner_id is not null then coalesce(email, source || ':' || owner_id) end;
