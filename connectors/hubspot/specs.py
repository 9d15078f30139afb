"""The HubSpot landing tables (schema raw_hubspot): what each stream's pages hold, and which stream fills
which tables (CATALOG), declared without a client."""

from __future__ import annotations

from connectors.hubspot import settings
from connectors.hubspot.settings import CrmObject
from connectors.streams import Column, StreamSpec


def crm_object_spec(obj: CrmObject) -> StreamSpec:
    """A CRM object's table: the typed properties of `obj`, then the record's own fields."""
    columns = (
        Column("id", "bigint", f"HubSpot {obj.singular} id (hs_object_id).", False),
        *(Column(p.name, p.type, p.description, personal=p.personal) for p in obj.properties),
        Column("created_at", "timestamp", "createdAt of the record."),
        Column("updated_at", "timestamp", "updatedAt of the record."),
        Column("archived", "boolean", "Archived (deleted) in HubSpot.", False),
        Column("archived_at", "timestamp", "When it was archived (archived records only)."),
    )
    return StreamSpec(settings.SOURCE, obj.object_type, obj.description, columns, ("id",))


def associations_spec(obj: CrmObject) -> StreamSpec:
    """<singular>_associations: one row per (record, associated record, association type)."""
    parent = f"{obj.singular}_id"
    targets = ", ".join(obj.associations)
    return StreamSpec(
        settings.SOURCE,
        f"{obj.singular}_associations",
        f"Associations of HubSpot {obj.object_type} to {targets} (v4), replaced per {obj.singular}.",
        (
            Column(parent, "bigint", f"The {obj.singular} (hubspot.{obj.object_type}.id).", False),
            Column("to_object_type", "string", f"Associated object type: {targets}.", False),
            Column("to_id", "bigint", "Associated record id.", False),
            Column("association_type_id", "integer", "Association type id (e.g. 182 call→company).", False),
            Column("category", "string", "HUBSPOT_DEFINED, USER_DEFINED or INTEGRATOR_DEFINED.", False),
            Column("label", "string", "Association label; NULL when unlabeled."),
        ),
        (parent, "to_object_type", "to_id", "category", "association_type_id"),
        replace_key=parent,
    )


OWNERS = StreamSpec(
    settings.SOURCE,
    "owners",
    "HubSpot owners (the users records are credited to), archived (deactivated) ones included.",
    (
        Column("id", "bigint", "Owner id: what hubspot_owner_id refers to.", False),
        Column("email", "string", "E-mail; NULL for owners without one."),
        Column("first_name", "string", "First name."),
        Column("last_name", "string", "Last name."),
        Column("user_id", "bigint", "HubSpot user id."),
        Column("user_id_including_inactive", "bigint", "User id, also for deactivated users."),
        Column("type", "string", "PERSON or QUEUE."),
        Column("teams", "json", "Teams [{id, name, primary}] as JSON."),
        Column("created_at", "timestamp", "createdAt of the owner."),
        Column("updated_at", "timestamp", "updatedAt of the owner."),
        Column("archived", "boolean", "Deactivated (archived) owner.", False),
    ),
    ("id",),
)

DEAL_PIPELINES = StreamSpec(
    settings.SOURCE,
    "deal_pipelines",
    "HubSpot deal pipelines, one row per stage, with the stage metadata typed.",
    (
        Column("pipeline_id", "string", "Pipeline id ('default' for the portal's first).", False),
        Column("pipeline_label", "string", "Pipeline label."),
        Column("pipeline_display_order", "integer", "Pipeline position."),
        Column("stage_id", "string", "Stage id: what deals.dealstage holds.", False),
        Column("label", "string", "Stage label."),
        Column("display_order", "integer", "Stage position within the pipeline."),
        Column("is_closed", "boolean", "metadata.isClosed: deals in this stage are closed."),
        Column("probability", "double", "metadata.probability (0-1): closed and 1 means won."),
        Column("created_at", "timestamp", "createdAt of the stage."),
        Column("updated_at", "timestamp", "updatedAt of the stage."),
        Column("archived", "boolean", "Stage or pipeline archived.", False),
    ),
    ("pipeline_id", "stage_id"),
)

DEAL_STAGE_HISTORY = StreamSpec(
    settings.SOURCE,
    "deal_stage_history",
    "Every value the deals' dealstage property took (propertiesWithHistory), replaced per deal.",
    (
        Column("deal_id", "bigint", "The deal (hubspot.deals.id).", False),
        Column("sequence", "integer", "Position in the deal's history, 0 = oldest.", False),
        Column("stage", "string", "The stage id the deal entered (empty when the value was cleared)."),
        Column("entered_at", "timestamp", "When the value was set.", False),
        Column("source_type", "string", "What set it: CRM_UI, API, WORKFLOW, ..."),
        Column("source_id", "string", "Which user/app/workflow set it."),
        Column("updated_by_user_id", "bigint", "HubSpot user who set it."),
    ),
    ("deal_id", "sequence"),
    replace_key="deal_id",
)

CALLS = crm_object_spec(settings.CALLS)
MEETINGS = crm_object_spec(settings.MEETINGS)
DEALS = crm_object_spec(settings.DEALS)
CALL_ASSOCIATIONS = associations_spec(settings.CALLS)
MEETING_ASSOCIATIONS = associations_spec(settings.MEETINGS)
DEAL_ASSOCIATIONS = associations_spec(settings.DEALS)
CONTACTS = crm_object_spec(settings.CONTACTS)
EMAILS = crm_object_spec(settings.EMAILS)
TASKS = crm_object_spec(settings.TASKS)
CONTACT_ASSOCIATIONS = associations_spec(settings.CONTACTS)
EMAIL_ASSOCIATIONS = associations_spec(settings.EMAILS)
TASK_ASSOCIATIONS = associations_spec(settings.TASKS)

# Each stream (its cursor's name) and the tables its pages fill, its own first.
CATALOG: dict[str, tuple[StreamSpec, ...]] = {
    "hubspot.owners": (OWNERS,),
    "hubspot.deal_pipelines": (DEAL_PIPELINES,),
    "hubspot.calls": (CALLS, CALL_ASSOCIATIONS),
    "hubspot.meetings": (MEETINGS, MEETING_ASSOCIATIONS),
    "hubspot.deals": (DEALS, DEAL_STAGE_HISTORY, DEAL_ASSOCIATIONS),
    "hubspot.contacts": (CONTACTS, CONTACT_ASSOCIATIONS),
    "hubspot.emails": (EMAILS, EMAIL_ASSOCIATIONS),
    "hubspot.tasks": (TASKS, TASK_ASSOCIATIONS),
}

ALL: tuple[StreamSpec, ...] = tuple(spec for tables in CATALOG.values() for spec in tables)
