"""What HubSpot users do between two syncs, applied to the store the way HubSpot records it: writes
set the object's last-modified property; archiving sets archived/archived_at and leaves last-modified
alone; restoring clears them and bumps last-modified; stage moves append dealstage history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from sandbox.hubspot import objects as hs
from sandbox.org.clock import Clock
from sandbox.org.sampling import pick_id, sample_ids
from sandbox.store import Store

OWNED_OBJECTS = tuple(hs.HOBJECTS)  # every CRM object type has hubspot_owner_id
DISPOSITIONS = {
    label: guid
    for guid, label in (
        ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "connected"),
        ("9d9162e7-6cf3-4944-bf63-4dff82258764", "busy"),
        ("73a0d17f-1163-4015-bdd5-ec830791da20", "no_answer"),
        ("b2cf5968-551e-4856-9783-52b3da59a7d0", "left_voicemail"),
        ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "left_live_message"),
        ("17b47fee-58de-441e-a44c-c6300d46f273", "wrong_number"),
    )
}
_CALL_STATUS = {"busy": "BUSY", "no_answer": "NO_ANSWER"}


class HubSpotChanges:
    def __init__(self, store: Store, clock: Clock, rng: np.random.Generator) -> None:
        self.store, self.clock, self.rng = store, clock, rng

    # -- reading ---------------------------------------------------------------------------------
    @staticmethod
    def _object(name: str) -> hs.HObject:
        obj = hs.HOBJECTS.get(name)
        _require(obj is not None, f"HubSpot has no object type {name!r}; known: {sorted(hs.HOBJECTS)}")
        return obj

    def _one(self, cur: duckdb.DuckDBPyConnection, obj: str, record_id: int | str) -> dict[str, Any]:
        result = cur.execute(f'SELECT * FROM hubspot."{obj}" WHERE id = ?', [int(record_id)])
        row = result.fetchone()
        if row is None:
            raise ValueError(f"HubSpot {obj} {record_id} does not exist")
        return dict(zip([d[0] for d in result.description], row, strict=True))

    def pick(
        self, cur: duckdb.DuckDBPyConnection, table: str, where: str = "true", params: list | None = None
    ) -> int | None:
        """A random id among the rows of `table` matching `where` (deterministic for the rng's state)."""
        return pick_id(cur, self.rng, table, "id", where, params)

    def _next_id(self, cur: duckdb.DuckDBPyConnection, obj: str) -> int:
        last = cur.execute(f'SELECT max(id) FROM hubspot."{obj}"').fetchone()[0]
        return hs.HOBJECTS[obj].first_id if last is None else last + 1

    def _owner(self, cur: duckdb.DuckDBPyConnection, owner: int | str | None) -> str:
        if owner is None:
            owner = self.pick(cur, "hubspot.owners", "NOT archived")
        if (
            owner is None
            or not cur.execute("SELECT count(*) FROM hubspot.owners WHERE id = ?", [int(owner)]).fetchone()[0]
        ):
            raise ValueError(f"HubSpot owner {owner!r} does not exist")
        return str(int(owner))

    def _associated(
        self, cur: duckdb.DuckDBPyConnection, from_type: str, from_id: int, to_type: str
    ) -> int | None:
        row = cur.execute(
            "SELECT min(to_id) FROM hubspot.associations WHERE from_type = ? AND from_id = ? AND to_type = ?",
            [from_type, from_id, to_type],
        ).fetchone()
        return row[0]

    def _relations(
        self, cur: duckdb.DuckDBPyConnection, owner: str, company: Any, contact: Any, deal: Any
    ) -> tuple[int | None, int | None, int | None]:
        """(company, contact, deal) completed from what was given, like the Salesforce side."""
        company, contact, deal = (None if v is None else int(v) for v in (company, contact, deal))
        if deal is not None:
            self._one(cur, "deals", deal)
            company = company or self._associated(cur, "deals", deal, "companies")
            contact = contact or self._associated(cur, "deals", deal, "contacts")
        if contact is not None and company is None:
            company = self._one(cur, "contacts", contact)["associatedcompanyid"]
            company = None if company is None else int(company)
        if company is None and contact is None:
            company = self.pick(
                cur, 'hubspot."companies"', "NOT archived AND hubspot_owner_id = ?", [owner]
            ) or self.pick(cur, 'hubspot."companies"', "NOT archived")
        if company is not None:
            self._one(cur, "companies", company)
            if contact is None:
                contact = self.pick(
                    cur, 'hubspot."contacts"', "NOT archived AND associatedcompanyid = ?", [company]
                )
        return company, contact, deal

    def _insert(
        self, cur: duckdb.DuckDBPyConnection, obj: str, record_id: int, properties: Mapping[str, Any]
    ) -> None:
        columns = [p.name for p in hs.HOBJECTS[obj].stored_properties]
        unknown = set(properties) - set(columns)
        _require(not unknown, f"HubSpot {obj} has no properties {sorted(unknown)}")
        names = ["id", "archived", "archived_at", *columns]
        values = [record_id, False, None, *(properties.get(c) for c in columns)]
        quoted = ", ".join(f'"{n}"' for n in names)
        cur.execute(
            f'INSERT INTO hubspot."{obj}" ({quoted}) VALUES ({", ".join("?" for _ in names)})', values
        )

    def _associate(
        self, cur: duckdb.DuckDBPyConnection, a_type: str, a_id: int, b_type: str, b_id: int | None
    ) -> None:
        """Both directions of a HUBSPOT_DEFINED association."""
        if b_id is None:
            return
        for f_type, f_id, t_type, t_id in ((a_type, a_id, b_type, b_id), (b_type, b_id, a_type, a_id)):
            type_id = hs.ASSOCIATION_TYPES[(f_type, t_type)][0]
            cur.execute(
                "INSERT INTO hubspot.associations VALUES (?, ?, ?, ?, ?, 'HUBSPOT_DEFINED', NULL)",
                [f_type, f_id, t_type, t_id, type_id],
            )

    def _set(self, cur: duckdb.DuckDBPyConnection, obj: str, record_id: int, sets: Mapping[str, Any]) -> None:
        assignments = {**sets, self._object(obj).modified_property: self.clock.now_ms()}
        clause = ", ".join(f'"{name}" = ?' for name in assignments)
        cur.execute(f'UPDATE hubspot."{obj}" SET {clause} WHERE id = ?', [*assignments.values(), record_id])

    # -- creating --------------------------------------------------------------------------------
    def create_call(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        contact: int | str | None = None,
        deal: int | str | None = None,
        disposition: str | None = "connected",
        duration_seconds: int | None = None,
        at: datetime | None = None,
        title: str = "Call",
    ) -> str:
        _require(
            disposition is None or disposition in DISPOSITIONS,
            f"disposition must be one of {sorted(DISPOSITIONS)} or None, got {disposition!r}",
        )
        now = self.clock.now_ms()
        at = at or now
        if duration_seconds is None:
            duration_seconds = 240 if disposition == "connected" else 20
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            company, contact, deal = self._relations(cur, owner, company, contact, deal)
            record_id = self._next_id(cur, "calls")
            self._insert(
                cur,
                "calls",
                record_id,
                {
                    "hs_timestamp": at,
                    "hs_call_title": title,
                    "hs_call_direction": "OUTBOUND",
                    "hs_call_disposition": DISPOSITIONS.get(disposition or ""),
                    "hs_call_duration": float(duration_seconds * 1000),
                    "hs_call_status": _CALL_STATUS.get(disposition or "", "COMPLETED"),
                    "hubspot_owner_id": owner,
                    "hs_createdate": now,
                    "hs_lastmodifieddate": now,
                },
            )
            for to_type, to_id in (("companies", company), ("contacts", contact), ("deals", deal)):
                self._associate(cur, "calls", record_id, to_type, to_id)
        return str(record_id)

    def create_meeting(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        contact: int | str | None = None,
        deal: int | str | None = None,
        start: datetime | None = None,
        minutes: int = 30,
        outcome: str | None = "SCHEDULED",
        title: str = "Intro meeting",
    ) -> str:
        """A meeting booked now (hs_createdate = now), starting at `start` (default: tomorrow 10:00)."""
        _require(
            outcome is None or outcome in hs.MEETING_OUTCOMES,
            f"outcome must be one of {hs.MEETING_OUTCOMES} or None, got {outcome!r}",
        )
        now = self.clock.now_ms()
        start = start or (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            company, contact, deal = self._relations(cur, owner, company, contact, deal)
            record_id = self._next_id(cur, "meetings")
            self._insert(
                cur,
                "meetings",
                record_id,
                {
                    "hs_timestamp": start,
                    "hs_meeting_title": title,
                    "hs_meeting_location": "Zoom",
                    "hs_meeting_start_time": start,
                    "hs_meeting_end_time": start + timedelta(minutes=minutes),
                    "hs_meeting_outcome": outcome,
                    "hubspot_owner_id": owner,
                    "hs_createdate": now,
                    "hs_lastmodifieddate": now,
                },
            )
            for to_type, to_id in (("companies", company), ("contacts", contact), ("deals", deal)):
                self._associate(cur, "meetings", record_id, to_type, to_id)
        return str(record_id)

    def create_contact(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        first_name: str | None = "Alex",
        last_name: str | None = "Example",
        email: str | None = None,
        job_title: str | None = None,
        phone: str | None = None,
        lifecycle_stage: str | None = "lead",
    ) -> str:
        """A contact created now, associated with `company` (none: a person without a company)."""
        _require(
            lifecycle_stage is None or lifecycle_stage in hs.LIFECYCLE_STAGES,
            f"lifecycle_stage must be one of {hs.LIFECYCLE_STAGES} or None, got {lifecycle_stage!r}",
        )
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            company = None if company is None else int(company)
            if company is not None:
                self._one(cur, "companies", company)
            record_id = self._next_id(cur, "contacts")
            self._insert(
                cur,
                "contacts",
                record_id,
                {
                    "firstname": first_name,
                    "lastname": last_name,
                    "email": email,
                    "jobtitle": job_title,
                    "phone": phone,
                    "lifecyclestage": lifecycle_stage,
                    "associatedcompanyid": None if company is None else float(company),
                    "hubspot_owner_id": owner,
                    "createdate": now,
                    "lastmodifieddate": now,
                },
            )
            self._associate(cur, "contacts", record_id, "companies", company)
        return str(record_id)

    def create_email(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        contact: int | str | None = None,
        deal: int | str | None = None,
        direction: str = "EMAIL",
        status: str | None = "SENT",
        subject: str = "Following up",
        at: datetime | None = None,
    ) -> str:
        """An e-mail logged now (sent at `at`, default now); direction EMAIL (sent by the rep),
        INCOMING_EMAIL or FORWARDED_EMAIL."""
        _require(
            direction in hs.EMAIL_DIRECTIONS,
            f"direction must be one of {hs.EMAIL_DIRECTIONS}, got {direction!r}",
        )
        _require(
            status is None or status in hs.EMAIL_STATUSES,
            f"status must be one of {hs.EMAIL_STATUSES} or None, got {status!r}",
        )
        now = self.clock.now_ms()
        properties = {
            "hs_timestamp": at or now,
            "hs_email_subject": subject,
            "hs_email_direction": direction,
            "hs_email_status": status,
        }
        return self._create_follow_up("emails", properties, owner, company, contact, deal)

    def create_task(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        contact: int | str | None = None,
        deal: int | str | None = None,
        subject: str = "Follow up",
        due: datetime | None = None,
        task_type: str = "TODO",
        priority: str | None = None,
    ) -> str:
        """An open task (NOT_STARTED) created now, due at `due` (default: in two days)."""
        _require(task_type in hs.TASK_TYPES, f"task_type must be one of {hs.TASK_TYPES}, got {task_type!r}")
        _require(
            priority is None or priority in hs.TASK_PRIORITIES,
            f"priority must be one of {hs.TASK_PRIORITIES} or None, got {priority!r}",
        )
        now = self.clock.now_ms()
        properties = {
            "hs_timestamp": due or now + timedelta(days=2),
            "hs_task_subject": subject,
            "hs_task_status": "NOT_STARTED",
            "hs_task_type": task_type,
            "hs_task_priority": priority,
        }
        return self._create_follow_up("tasks", properties, owner, company, contact, deal)

    def _create_follow_up(
        self, kind: str, properties: Mapping[str, Any], owner: Any, company: Any, contact: Any, deal: Any
    ) -> str:
        """An e-mail or task created now by `owner`, associated with its company, contact and deal."""
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            company, contact, deal = self._relations(cur, owner, company, contact, deal)
            record_id = self._next_id(cur, kind)
            stamps = {"hubspot_owner_id": owner, "hs_createdate": now, "hs_lastmodifieddate": now}
            self._insert(cur, kind, record_id, {**properties, **stamps})
            for to_type, to_id in (("companies", company), ("contacts", contact), ("deals", deal)):
                self._associate(cur, kind, record_id, to_type, to_id)
        return str(record_id)

    def create_deal(
        self,
        *,
        owner: int | str | None = None,
        company: int | str | None = None,
        contact: int | str | None = None,
        amount: float | None = 10_000.0,
        currency: str = "USD",
        pipeline: str = "default",
        stage: str | None = None,
        name: str | None = None,
    ) -> str:
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            if stage is None:
                first = cur.execute(
                    "SELECT stage_id FROM hubspot.pipeline_stages WHERE pipeline_id = ? "
                    "ORDER BY display_order LIMIT 1",
                    [pipeline],
                ).fetchone()
                _require(first is not None, f"HubSpot has no deal pipeline {pipeline!r}")
                stage = first[0]
            is_closed, is_won = self._stage(cur, pipeline, stage)
            company, contact, _ = self._relations(cur, owner, company, contact, None)
            if name is None:
                label = cur.execute('SELECT name FROM hubspot."companies" WHERE id = ?', [company]).fetchone()
                name = f"{label[0] if label else 'New deal'} - New licence"
            record_id = self._next_id(cur, "deals")
            self._insert(
                cur,
                "deals",
                record_id,
                {
                    "dealname": name,
                    "amount": amount,
                    "deal_currency_code": currency,
                    "closedate": now if is_closed else now + timedelta(days=30),
                    "createdate": now,
                    "dealstage": stage,
                    "pipeline": pipeline,
                    "dealtype": "newbusiness",
                    "hs_is_closed": is_closed,
                    "hs_is_closed_won": is_won,
                    "hubspot_owner_id": owner,
                    "hs_lastmodifieddate": now,
                },
            )
            self._stage_history(cur, record_id, stage, owner, now)
            self._associate(cur, "deals", record_id, "companies", company)
            self._associate(cur, "deals", record_id, "contacts", contact)
        return str(record_id)

    def _stage(self, cur: duckdb.DuckDBPyConnection, pipeline: str, stage: str) -> tuple[bool, bool]:
        """(is closed, is won) from the pipeline's stage metadata."""
        row = cur.execute(
            "SELECT is_closed, probability FROM hubspot.pipeline_stages "
            "WHERE pipeline_id = ? AND stage_id = ?",
            [pipeline, stage],
        ).fetchone()
        _require(row is not None, f"HubSpot pipeline {pipeline!r} has no stage {stage!r}")
        return row[0], bool(row[0] and row[1] == 1.0)

    def _stage_history(
        self, cur: duckdb.DuckDBPyConnection, deal: int, stage: str, owner: str | None, now: datetime
    ) -> None:
        user = None
        if owner is not None:
            row = cur.execute('SELECT "userId" FROM hubspot.owners WHERE id = ?', [int(owner)]).fetchone()
            user = row[0] if row else None
        cur.execute(
            "INSERT INTO hubspot.property_history VALUES ('deals', ?, 'dealstage', ?, ?, 'CRM_UI', ?, ?)",
            [deal, stage, now, None if user is None else f"userId:{user}", user],
        )

    # -- changing --------------------------------------------------------------------------------
    def move_deal_stage(self, deal: int | str, stage: str) -> None:
        now = self.clock.now_ms()
        with self.store.write() as cur:
            row = self._one(cur, "deals", deal)
            _require(not row["archived"], f"HubSpot deal {deal} is archived; restore it first")
            is_closed, is_won = self._stage(cur, row["pipeline"], stage)
            sets: dict[str, Any] = {"dealstage": stage, "hs_is_closed": is_closed, "hs_is_closed_won": is_won}
            if is_closed and not row["hs_is_closed"]:
                sets["closedate"] = now
            self._set(cur, "deals", int(deal), sets)
            self._stage_history(cur, int(deal), stage, row["hubspot_owner_id"], now)

    def complete_task(self, task: int | str) -> None:
        """COMPLETED now (hs_task_completion_date); completing a completed task is refused."""
        with self.store.write() as cur:
            row = self._one(cur, "tasks", task)
            _require(not row["archived"], f"HubSpot task {task} is archived; restore it first")
            _require(row["hs_task_status"] != "COMPLETED", f"HubSpot task {task} is already completed")
            now = self.clock.now_ms()
            self._set(
                cur, "tasks", int(task), {"hs_task_status": "COMPLETED", "hs_task_completion_date": now}
            )

    def reassign_owner(self, obj: str, record_id: int | str, owner: int | str) -> None:
        self._object(obj)
        with self.store.write() as cur:
            self._one(cur, obj, record_id)
            self._set(cur, obj, int(record_id), {"hubspot_owner_id": self._owner(cur, owner)})

    def update(self, obj: str, record_id: int | str, properties: Mapping[str, Any]) -> None:
        hobject = self._object(obj)
        protected = {"hs_object_id", hobject.created_property, hobject.modified_property}
        if obj == "deals":  # these follow the stage: change them with move_deal_stage
            protected |= {"dealstage", "pipeline", "hs_is_closed", "hs_is_closed_won"}
        for name in properties:
            _require(hobject.prop(name) is not None, f"HubSpot {obj} has no property {name!r}")
            _require(
                (obj, name) != ("tasks", "hs_task_completion_date"),
                "a task's completion date goes with its status: complete a task with complete_task",
            )
            _require(name not in protected, f"HubSpot sets {obj}.{name} itself; it cannot be updated")
        _require(bool(properties), "update needs at least one property")
        with self.store.write() as cur:
            self._one(cur, obj, record_id)
            self._set(cur, obj, int(record_id), properties)

    def delete(self, obj: str, record_id: int | str) -> None:
        """Archive: archived_at = now; last-modified stays (HubSpot never bumps it on delete)."""
        self._object(obj)
        with self.store.write() as cur:
            _require(
                not self._one(cur, obj, record_id)["archived"],
                f"HubSpot {obj} {record_id} is already archived",
            )
            cur.execute(
                f'UPDATE hubspot."{obj}" SET archived = true, archived_at = ? WHERE id = ?',
                [self.clock.now_ms(), int(record_id)],
            )

    def restore(self, obj: str, record_id: int | str) -> None:
        hobject = self._object(obj)
        with self.store.write() as cur:
            _require(self._one(cur, obj, record_id)["archived"], f"HubSpot {obj} {record_id} is not archived")
            cur.execute(
                f'UPDATE hubspot."{obj}" SET archived = false, archived_at = NULL, '
                f'"{hobject.modified_property}" = ? '
                "WHERE id = ?",
                [self.clock.now_ms(), int(record_id)],
            )

    def touch_many(self, obj: str, ids: list[int | str] | None = None, count: int = 100) -> list[str]:
        """A workflow or import re-saves records: they share one last-modified timestamp."""
        hobject = self._object(obj)
        with self.store.write() as cur:
            if ids is None:
                ids = sample_ids(cur, self.rng, f'hubspot."{obj}"', "id", "NOT archived", count)
            numbers = [int(i) for i in ids]
            found = cur.execute(
                f'SELECT count(*) FROM hubspot."{obj}" WHERE id IN (SELECT unnest(?))', [numbers]
            ).fetchone()[0]
            _require(found == len(set(numbers)), f"some of the HubSpot {obj} ids do not exist")
            cur.execute(
                f'UPDATE hubspot."{obj}" SET "{hobject.modified_property}" = ? '
                "WHERE id IN (SELECT unnest(?))",
                [self.clock.now_ms(), numbers],
            )
        return [str(i) for i in numbers]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
