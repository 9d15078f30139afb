"""Changes users make between two syncs, for incremental-sync tests and demos.

    clock = Clock(summary.end)
    changes = Mutations(store, clock, seed=7)
    clock.advance(timedelta(hours=1))
    deal = changes.create_deal("hubspot", amount=5000)
    changes.move_deal_stage("hubspot", deal, "closedwon")
    changes.random_changes(50)

Every change stamps the CRM's modification fields with `clock.now_ms()`, in one store transaction.
Records are named by CRM ('salesforce' | 'hubspot'), object ('Task', 'Opportunity', ... |
'calls', 'deals', ...) and id (a string; HubSpot ids may also be given as ints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from sandbox.org.clock import Clock
from sandbox.org.hubspot_changes import HubSpotChanges
from sandbox.org.salesforce_changes import SalesforceChanges
from sandbox.store import Store

__all__ = ["Change", "Clock", "Mutations"]

CRMS = ("salesforce", "hubspot")
# The objects each kind of random change works on, per CRM.
_CALLS = {"salesforce": "Task", "hubspot": "calls"}
_MEETINGS = {"salesforce": "Event", "hubspot": "meetings"}
_DEALS = {"salesforce": "Opportunity", "hubspot": "deals"}
_OWNED = {
    "salesforce": ("Account", "Contact", "Lead", "Task", "Event", "Opportunity"),
    "hubspot": ("companies", "contacts", "calls", "meetings", "deals", "emails", "tasks"),
}
_EDITS = {
    "Task": {"Subject": "Call back requested"},
    "Event": {"Location": "Customer office"},
    "Opportunity": {"Amount": 12_500.0},
    "Account": {"Industry": "Finance"},
    "Contact": {"Title": "VP Sales"},
    "Lead": {"Title": "Head of Procurement"},
    "calls": {"hs_call_body": "Left details with the assistant."},
    "meetings": {"hs_meeting_location": "Customer office"},
    "deals": {"amount": 12_500.0},
    "companies": {"industry": "Finance"},
    "contacts": {"jobtitle": "VP Sales"},
    "emails": {"hs_email_subject": "Re: Pricing"},
    "tasks": {"hs_task_priority": "HIGH"},
}
_KINDS = (
    "create_call",
    "create_meeting",
    "create_deal",
    "move_deal_stage",
    "update",
    "reassign_owner",
    "delete",
    "restore",
    "touch_many",
)
_KIND_WEIGHTS = np.array([0.25, 0.1, 0.05, 0.15, 0.15, 0.1, 0.1, 0.05, 0.05])


@dataclass(frozen=True)
class Change:
    crm: str  # 'salesforce' or 'hubspot'
    object: str  # Salesforce object name or HubSpot object type
    id: str  # the record changed (for touch_many, the first of `ids`)
    kind: str  # the Mutations method that made it
    ids: tuple[str, ...] = ()  # every record of `object` changed (touch_many: many)


class Mutations:
    def __init__(self, store: Store, clock: Clock, seed: int = 0) -> None:
        self.store, self.clock = store, clock
        # A stream of its own, so mutations never replay the generator's draws.
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0x6D75])))
        self._crms = {
            "salesforce": SalesforceChanges(store, clock, self.rng),
            "hubspot": HubSpotChanges(store, clock, self.rng),
        }

    def _crm(self, crm: str) -> SalesforceChanges | HubSpotChanges:
        if crm not in self._crms:
            raise ValueError(f"crm must be one of {CRMS}, got {crm!r}")
        return self._crms[crm]

    # -- creating (keywords as in SalesforceChanges / HubSpotChanges) ------------------------------
    def create_call(self, crm: str, **details: Any) -> str:
        """A logged call; details: owner, account/company, contact, deal, disposition ('connected',
        'busy', 'no_answer', 'left_voicemail', 'left_live_message', 'wrong_number' or None),
        duration_seconds, at."""
        return self._crm(crm).create_call(**details)

    def create_meeting(self, crm: str, **details: Any) -> str:
        """A meeting booked now; details: owner, account/company, contact, deal, start, minutes (and
        HubSpot outcome)."""
        return self._crm(crm).create_meeting(**details)

    def create_deal(self, crm: str, **details: Any) -> str:
        """A deal with its first stage-history row; details: owner, account/company, contact, amount,
        currency, stage (and HubSpot pipeline)."""
        return self._crm(crm).create_deal(**details)

    def create_email(self, crm: str, **details: Any) -> str:
        """A logged e-mail; details: owner, account/company, contact (Salesforce: a Contact or Lead id),
        deal, at, subject (Salesforce: list_email for a ListEmail; HubSpot: direction and status)."""
        return self._crm(crm).create_email(**details)

    def create_task(self, crm: str, **details: Any) -> str:
        """A to-do; details: owner, account/company, contact, deal, subject, due (Salesforce: done; HubSpot:
        task type and priority)."""
        return self._crm(crm).create_task(**details)

    def create_contact(self, crm: str, **details: Any) -> str:
        """A person at a prospect; details: owner, account/company, first_name, last_name, title,
        email, phone (HubSpot: lifecycle stage)."""
        return self._crm(crm).create_contact(**details)

    def create_lead(self, **details: Any) -> str:
        """A Salesforce Lead (HubSpot has none); details: owner, company, first_name, last_name, title,
        email, phone, status."""
        return self._crm("salesforce").create_lead(**details)

    # -- changing --------------------------------------------------------------------------------
    def complete_task(self, crm: str, task_id: str | int) -> None:
        """The to-do is done now."""
        self._crm(crm).complete_task(task_id)

    def move_deal_stage(self, crm: str, deal_id: str | int, stage: str) -> None:
        """New stage with its probability and closed/won flags, close date when closing, history row."""
        self._crm(crm).move_deal_stage(deal_id, stage)

    def reassign_owner(self, crm: str, obj: str, record_id: str | int, owner_id: str | int) -> None:
        self._crm(crm).reassign_owner(obj, record_id, owner_id)

    def update(self, crm: str, obj: str, record_id: str | int, fields: Mapping[str, Any]) -> None:
        """Set fields/properties by API name; unknown names and CRM-managed fields are refused."""
        self._crm(crm).update(obj, record_id, fields)

    def delete(self, crm: str, obj: str, record_id: str | int) -> None:
        """Salesforce: IsDeleted (an Opportunity's history too); HubSpot: archived."""
        self._crm(crm).delete(obj, record_id)

    def restore(self, crm: str, obj: str, record_id: str | int) -> None:
        self._crm(crm).restore(obj, record_id)

    def touch_many(self, crm: str, obj: str, ids: list | None = None, count: int = 100) -> list[str]:
        """Give `ids` (or `count` random live records) one shared modification timestamp."""
        return self._crm(crm).touch_many(obj, ids, count)

    # -- a day in the life -------------------------------------------------------------------------
    def random_changes(self, n: int) -> list[Change]:
        """n changes of every kind in a deterministic mix (for the seed and the store's contents). The
        clock moves 1-30 s before each, as people do not all click at the same millisecond."""
        changes = []
        while len(changes) < n:
            self.clock.advance(timedelta(milliseconds=int(self.rng.integers(1_000, 30_000))))
            crm = CRMS[int(self.rng.integers(0, 2))]
            kind = _KINDS[int(self.rng.choice(len(_KINDS), p=_KIND_WEIGHTS))]
            change = getattr(self, f"_random_{kind}")(crm)
            if change is not None:  # nothing to do (e.g. nothing deleted to restore): draw again
                changes.append(change)
        return changes

    def _random_record(self, crm: str, obj: str, live: bool = True) -> str | None:
        if crm == "salesforce":
            flag = "NOT IsDeleted" if live else "IsDeleted"
            with self.store.write() as cur:
                return self._crms[crm].pick(cur, obj, flag)
        flag = "NOT archived" if live else "archived"
        with self.store.write() as cur:
            record = self._crms[crm].pick(cur, f'hubspot."{obj}"', flag)
        return None if record is None else str(record)

    def _random_create_call(self, crm: str) -> Change:
        disposition = ("connected", "no_answer", "left_voicemail", "busy")[int(self.rng.integers(0, 4))]
        return Change(
            crm, _CALLS[crm], *self._one(self.create_call(crm, disposition=disposition), "create_call")
        )

    def _random_create_meeting(self, crm: str) -> Change:
        return Change(crm, _MEETINGS[crm], *self._one(self.create_meeting(crm), "create_meeting"))

    def _random_create_deal(self, crm: str) -> Change:
        amount = float(np.round(self.rng.lognormal(np.log(15_000), 0.6), -2))
        return Change(crm, _DEALS[crm], *self._one(self.create_deal(crm, amount=amount), "create_deal"))

    def _random_move_deal_stage(self, crm: str) -> Change | None:
        deal = self._random_open_deal(crm)
        if deal is None:
            return None
        deal_id, stages = deal
        self.move_deal_stage(crm, deal_id, stages[int(self.rng.integers(0, len(stages)))])
        return Change(crm, _DEALS[crm], *self._one(deal_id, "move_deal_stage"))

    def _random_open_deal(self, crm: str) -> tuple[str, list[str]] | None:
        """An open deal and the stages it could move to."""
        with self.store.write() as cur:
            if crm == "salesforce":
                deal = self._crms[crm].pick(cur, "Opportunity", "NOT IsDeleted AND NOT IsClosed")
                if deal is None:
                    return None
                current = cur.execute(
                    'SELECT StageName FROM salesforce."Opportunity" WHERE Id = ?', [deal]
                ).fetchone()[0]
                stages = cur.execute(
                    'SELECT ApiName FROM salesforce."OpportunityStage" WHERE IsActive AND ApiName <> ? '
                    "ORDER BY SortOrder",
                    [current],
                ).fetchall()
                return deal, [s for (s,) in stages]
            deal = self._crms[crm].pick(cur, 'hubspot."deals"', "NOT archived AND NOT hs_is_closed")
            if deal is None:
                return None
            pipeline, current = cur.execute(
                'SELECT pipeline, dealstage FROM hubspot."deals" WHERE id = ?', [deal]
            ).fetchone()
            stages = cur.execute(
                "SELECT stage_id FROM hubspot.pipeline_stages WHERE pipeline_id = ? AND stage_id <> ? "
                "ORDER BY display_order",
                [pipeline, current],
            ).fetchall()
            return str(deal), [s for (s,) in stages]

    def _random_update(self, crm: str) -> Change | None:
        obj = _OWNED[crm][int(self.rng.integers(0, len(_OWNED[crm])))]
        record = self._random_record(crm, obj)
        if record is None:
            return None
        self.update(crm, obj, record, _EDITS[obj])
        return Change(crm, obj, *self._one(record, "update"))

    def _random_reassign_owner(self, crm: str) -> Change | None:
        obj = _OWNED[crm][int(self.rng.integers(0, len(_OWNED[crm])))]
        record = self._random_record(crm, obj)
        if record is None:
            return None
        with self.store.write() as cur:
            if crm == "salesforce":
                owner = self._crms[crm].pick(cur, "User", "IsActive AND Department IS NOT NULL")
            else:
                owner = self._crms[crm].pick(cur, "hubspot.owners", "NOT archived")
        self.reassign_owner(crm, obj, record, owner)
        return Change(crm, obj, *self._one(record, "reassign_owner"))

    def _random_delete(self, crm: str) -> Change | None:
        obj = _OWNED[crm][int(self.rng.integers(0, len(_OWNED[crm])))]
        record = self._random_record(crm, obj)
        if record is None:
            return None
        self.delete(crm, obj, record)
        return Change(crm, obj, *self._one(record, "delete"))

    def _random_restore(self, crm: str) -> Change | None:
        obj = _OWNED[crm][int(self.rng.integers(0, len(_OWNED[crm])))]
        record = self._random_record(crm, obj, live=False)
        if record is None:
            return None
        self.restore(crm, obj, record)
        return Change(crm, obj, *self._one(record, "restore"))

    def _random_touch_many(self, crm: str) -> Change | None:
        obj = _CALLS[crm]
        ids = self.touch_many(crm, obj, count=int(self.rng.integers(5, 40)))
        if not ids:
            return None
        return Change(crm, obj, ids[0], "touch_many", tuple(ids))

    @staticmethod
    def _one(record_id: str, kind: str) -> tuple[str, str, tuple[str, ...]]:
        return record_id, kind, (record_id,)
