-- hubspot_updated_at(archived, archived_at, hs_lastmodifieddate, updated_at): when a HubSpot record last
-- changed (source_updated_at): hs_lastmodifieddate, else updatedAt; for an archived record, archivedAt
-- first. staging.hubspot_calls, hubspot_meetings and hubspot_deals read it.
create or replace macro hubspot_updated_at(archived, archived_at, hs_lastmodifieddate, updated_at) as
    case
        when archived then coalesce(archived_at, hs_lastmodifieddate, updated_at)
        else coalesce(hs_lastmodifieddate, updated_at)
    end;
