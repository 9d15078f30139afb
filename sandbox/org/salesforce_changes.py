"""What Salesforce users do between two syncs, applied to the store the way Salesforce records it:
every write stamps LastModifiedDate and SystemModstamp; deletes only flip IsDeleted and bump
SystemModstamp; stage changes append OpportunityHistory rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from sandbox.org.clock import Clock
from sandbox.org.reps import INTEGRATION_USER_EMAIL
from sandbox.org.salesforce_records import FIRST_RECORD_NUMBER
from sandbox.org.sampling import pick_id, sample_ids
from sandbox.org.sfids import sf_number
from sandbox.salesforce.ids import sf_id
from sandbox.salesforce.objects import KEY_PREFIXES, LEAD_STATUSES
from sandbox.store import Store

OWNED_OBJECTS = ("Account", "Contact", "Lead", "Task", "Event", "Opportunity")
# Set by Salesforce itself, never by a user's edit.
SYSTEM_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    }
)
# Opportunity fields that follow the stage: change them with move_deal_stage.
STAGE_FIELDS = frozenset({"StageName", "IsClosed", "IsWon"})
# Changing one of these writes an OpportunityHistory row, as Salesforce does.
HISTORY_FIELDS = frozenset({"Amount", "CloseDate", "Probability", "StageName"})
DISPOSITIONS = {
    "connected": "Connected",
    "busy": "Busy",
    "no_answer": "No Answer",
    "left_voicemail": "Left Voicemail",
    "left_live_message": "Left live message",
    "wrong_number": "Wrong number",
}


class SalesforceChanges:
    def __init__(self, store: Store, clock: Clock, rng: np.random.Generator) -> None:
        self.store, self.clock, self.rng = store, clock, rng

    # -- reading ---------------------------------------------------------------------------------
    def _one(self, cur: duckdb.DuckDBPyConnection, obj: str, record_id: str) -> dict[str, Any]:
        result = cur.execute(f'SELECT * FROM salesforce."{obj}" WHERE Id = ?', [record_id])
        row = result.fetchone()
        if row is None:
            raise ValueError(f"Salesforce {obj} {record_id!r} does not exist")
        return dict(zip([d[0] for d in result.description], row, strict=True))

    def pick(
        self, cur: duckdb.DuckDBPyConnection, obj: str, where: str = "true", params: list | None = None
    ) -> str | None:
        """A random record id among those matching `where` (deterministic for the rng's state)."""
        return pick_id(cur, self.rng, f'salesforce."{obj}"', "Id", where, params)

    def _next_id(self, cur: duckdb.DuckDBPyConnection, obj: str) -> str:
        last = cur.execute(f'SELECT max(Id) FROM salesforce."{obj}"').fetchone()[0]
        return sf_id(KEY_PREFIXES[obj], sf_number(last) + 1 if last else FIRST_RECORD_NUMBER)

    def _integration_user(self, cur: duckdb.DuckDBPyConnection) -> str:
        row = cur.execute(
            'SELECT Id FROM salesforce."User" WHERE Email = ?', [INTEGRATION_USER_EMAIL]
        ).fetchone()
        return row[0] if row else self.pick(cur, "User")

    def _owner(self, cur: duckdb.DuckDBPyConnection, owner: str | None) -> str:
        if owner is None:
            owner = self.pick(cur, "User", "IsActive AND Email <> ?", [INTEGRATION_USER_EMAIL])
        if (
            owner is None
            or not cur.execute('SELECT count(*) FROM salesforce."User" WHERE Id = ?', [owner]).fetchone()[0]
        ):
            raise ValueError(f"Salesforce User {owner!r} does not exist")
        return owner

    def _relations(
        self,
        cur: duckdb.DuckDBPyConnection,
        owner: str,
        account: str | None,
        contact: str | None,
        deal: str | None,
    ) -> tuple[str | None, str | None, str | None]:
        """(AccountId, WhoId, WhatId) completed from what was given: a deal brings its account and
        contact, a contact its account; with nothing given, one of the owner's accounts."""
        if deal is not None:
            opportunity = self._one(cur, "Opportunity", deal)
            account = account or opportunity["AccountId"]
            contact = contact or opportunity["ContactId"]
        if contact is not None and account is None:
            account = self._one(cur, "Contact", contact)["AccountId"]
        if account is None and contact is None:
            account = self.pick(cur, "Account", "NOT IsDeleted AND OwnerId = ?", [owner]) or self.pick(
                cur, "Account", "NOT IsDeleted"
            )
        if account is not None:
            self._one(cur, "Account", account)
            if contact is None:
                contact = self.pick(cur, "Contact", "NOT IsDeleted AND AccountId = ?", [account])
        return account, contact, deal or account

    def _insert(self, cur: duckdb.DuckDBPyConnection, obj: str, values: Mapping[str, Any]) -> None:
        fields = self.store.salesforce_objects[obj].fields
        columns = [f.name for f in fields]
        unknown = set(values) - set(columns)
        if unknown:
            raise ValueError(f"Salesforce {obj} has no fields {sorted(unknown)}")
        placeholders = ", ".join("?" for _ in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        # A checkbox left out is false, as Salesforce defaults it (a wide org's custom checkboxes).
        row = [_stored(values.get(f.name, False if f.type == "boolean" else None)) for f in fields]
        cur.execute(f'INSERT INTO salesforce."{obj}" ({quoted}) VALUES ({placeholders})', row)

    def _audit(self, owner: str, now: datetime) -> dict[str, Any]:
        return {
            "CreatedDate": now,
            "CreatedById": owner,
            "LastModifiedDate": now,
            "LastModifiedById": owner,
            "SystemModstamp": now,
        }

    def _stamp(
        self, cur: duckdb.DuckDBPyConnection, obj: str, record_id: str, by: str, sets: Mapping[str, Any]
    ) -> None:
        now = self.clock.now_ms()
        assignments = {**sets, "LastModifiedDate": now, "LastModifiedById": by, "SystemModstamp": now}
        clause = ", ".join(f'"{name}" = ?' for name in assignments)
        cur.execute(
            f'UPDATE salesforce."{obj}" SET {clause} WHERE Id = ?',
            [*(_stored(v) for v in assignments.values()), record_id],
        )

    # -- creating --------------------------------------------------------------------------------
    def create_call(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
        disposition: str | None = "connected",
        duration_seconds: int | None = None,
        at: datetime | None = None,
        subject: str = "Call",
    ) -> str:
        if disposition is not None and disposition not in DISPOSITIONS:
            raise ValueError(
                f"disposition must be one of {sorted(DISPOSITIONS)} or None, got {disposition!r}"
            )
        now = self.clock.now_ms()
        at = at or now
        if duration_seconds is None:
            duration_seconds = 240 if disposition == "connected" else 20
        with self.store.write() as cur:
            return self._insert_task(
                cur,
                owner,
                (account, contact, deal),
                subtype="Call",
                at=at,
                Subject=subject,
                Type="Call",
                Status="Completed",
                IsClosed=True,
                CallDurationInSeconds=duration_seconds,
                CallType="Outbound",
                CallDisposition=DISPOSITIONS.get(disposition or ""),
            )

    def create_email(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
        at: datetime | None = None,
        subject: str = "Email: Next steps",
        list_email: bool = False,
    ) -> str:
        """An e-mail logged as a Task (TaskSubtype Email, or ListEmail for a mass e-mail); `contact`
        may be a Contact or a Lead id."""
        with self.store.write() as cur:
            return self._insert_task(
                cur,
                owner,
                (account, contact, deal),
                subtype="ListEmail" if list_email else "Email",
                at=at or self.clock.now_ms(),
                Subject=subject,
                Type="Email",
                Status="Completed",
                IsClosed=True,
            )

    def create_task(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
        subject: str = "Follow up",
        due: date | None = None,
        done: bool = False,
    ) -> str:
        """A to-do (TaskSubtype Task), open unless `done`; due in two days unless `due` is given."""
        now = self.clock.now_ms()
        with self.store.write() as cur:
            return self._insert_task(
                cur,
                owner,
                (account, contact, deal),
                subtype="Task",
                at=now if done else None,
                ActivityDate=due or (now + timedelta(days=2)).date(),
                Subject=subject,
                Status="Completed" if done else "Not Started",
                IsClosed=done,
            )

    def complete_task(self, task: str) -> None:
        """The to-do is done now: Status Completed, IsClosed, CompletedDateTime."""
        now = self.clock.now_ms()
        with self.store.write() as cur:
            row = self._one(cur, "Task", task)
            _require(not row["IsClosed"], f"Salesforce Task {task!r} is already closed")
            sets = {"Status": "Completed", "IsClosed": True, "CompletedDateTime": now}
            self._stamp(cur, "Task", task, row["OwnerId"], sets)

    def _insert_task(
        self,
        cur: duckdb.DuckDBPyConnection,
        owner: str | None,
        relations: tuple[str | None, str | None, str | None],
        *,
        subtype: str,
        at: datetime | None,
        **fields: Any,
    ) -> str:
        """A new Task of `subtype` related to (account, contact or lead, deal), done `at` (None: open)."""
        now = self.clock.now_ms()
        owner = self._owner(cur, owner)
        account, contact, deal = relations
        if contact is not None and contact.startswith(KEY_PREFIXES["Lead"]):
            self._one(cur, "Lead", contact)  # a lead has no account or deal yet
            account, who, what = None, contact, None
        else:
            account, who, what = self._relations(cur, owner, account, contact, deal)
        record_id = self._next_id(cur, "Task")
        when = at or now
        values = {
            "Id": record_id,
            "IsDeleted": False,
            "IsArchived": False,
            "WhoId": who,
            "WhatId": what,
            "AccountId": account,
            "ActivityDate": when.date(),
            "OwnerId": owner,
            "Priority": "Normal",
            "IsHighPriority": False,
            "TaskSubtype": subtype,
            "CompletedDateTime": at,
            **self._audit(owner, now),
        }
        self._insert(cur, "Task", {**values, **fields})
        return record_id

    def create_contact(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        first_name: str | None = "Alex",
        last_name: str = "Example",
        title: str | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> str:
        """A Contact at `account` (default: one of the owner's accounts)."""
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            account, _, _ = self._relations(cur, owner, account, None, None)
            record_id = self._next_id(cur, "Contact")
            person = _person(first_name, last_name, title, email, phone)
            self._insert(
                cur,
                "Contact",
                {"Id": record_id, "IsDeleted": False, "AccountId": account, **person, "OwnerId": owner}
                | self._audit(owner, now),
            )
        return record_id

    def create_lead(
        self,
        *,
        owner: str | None = None,
        company: str = "Example Ltd",
        first_name: str | None = "Sam",
        last_name: str = "Example",
        title: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        status: str = LEAD_STATUSES[0],
    ) -> str:
        """An unconverted Lead."""
        _require(status in LEAD_STATUSES, f"status must be one of {LEAD_STATUSES}, got {status!r}")
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            record_id = self._next_id(cur, "Lead")
            values = {
                "Id": record_id,
                "IsDeleted": False,
                **_person(first_name, last_name, title, email, phone),
                "Company": company,
                "Status": status,
                "IsConverted": False,
                "OwnerId": owner,
                **self._audit(owner, now),
            }
            self._insert(cur, "Lead", values)
        return record_id

    def create_meeting(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        contact: str | None = None,
        deal: str | None = None,
        start: datetime | None = None,
        minutes: int = 30,
        subject: str = "Intro meeting",
    ) -> str:
        """An Event booked now (CreatedDate = now), starting at `start` (default: tomorrow 10:00)."""
        now = self.clock.now_ms()
        start = start or (now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            account, who, what = self._relations(cur, owner, account, contact, deal)
            record_id = self._next_id(cur, "Event")
            self._insert(
                cur,
                "Event",
                {
                    "Id": record_id,
                    "IsDeleted": False,
                    "IsArchived": False,
                    "WhoId": who,
                    "WhatId": what,
                    "AccountId": account,
                    "Subject": subject,
                    "ActivityDate": start.date(),
                    "OwnerId": owner,
                    "Type": "Meeting",
                    "Location": "Zoom",
                    "IsAllDayEvent": False,
                    "ActivityDateTime": start,
                    "DurationInMinutes": minutes,
                    "StartDateTime": start,
                    "EndDateTime": start + timedelta(minutes=minutes),
                    "EventSubtype": "Event",
                    "ShowAs": "Busy",
                    **self._audit(owner, now),
                },
            )
        return record_id

    def create_deal(
        self,
        *,
        owner: str | None = None,
        account: str | None = None,
        contact: str | None = None,
        amount: float | None = 10_000.0,
        currency: str = "USD",
        stage: str = "Prospecting",
        name: str | None = None,
    ) -> str:
        now = self.clock.now_ms()
        with self.store.write() as cur:
            owner = self._owner(cur, owner)
            info = self._stage(cur, stage)
            account, contact, _ = self._relations(cur, owner, account, contact, None)
            if name is None:
                label = cur.execute(
                    'SELECT Name FROM salesforce."Account" WHERE Id = ?', [account]
                ).fetchone()
                name = f"{label[0] if label else 'New deal'} - New licence"
            record_id = self._next_id(cur, "Opportunity")
            close_date = now.date() if info["IsClosed"] else (now + timedelta(days=30)).date()
            values = {
                "Id": record_id,
                "IsDeleted": False,
                "AccountId": account,
                "ContactId": contact,
                "Name": name,
                "StageName": info["ApiName"],
                "Amount": amount,
                "Probability": info["DefaultProbability"],
                "CloseDate": close_date,
                "Type": "New Business",
                "LeadSource": "Cold Call",
                "IsClosed": info["IsClosed"],
                "IsWon": info["IsWon"],
                "ForecastCategory": info["ForecastCategory"],
                "ForecastCategoryName": info["ForecastCategoryName"],
                "CurrencyIsoCode": currency,
                "OwnerId": owner,
                **self._audit(owner, now),
            }
            self._insert(cur, "Opportunity", values)
            self._history(cur, values, owner, now)
        return record_id

    def _stage(self, cur: duckdb.DuckDBPyConnection, stage: str) -> dict[str, Any]:
        result = cur.execute(
            'SELECT * FROM salesforce."OpportunityStage" WHERE ApiName = ? AND IsActive', [stage]
        )
        row = result.fetchone()
        if row is None:
            raise ValueError(f"Salesforce has no active OpportunityStage {stage!r}")
        return dict(zip([d[0] for d in result.description], row, strict=True))

    def _history(
        self, cur: duckdb.DuckDBPyConnection, opportunity: Mapping[str, Any], by: str, now: datetime
    ) -> str:
        amount, probability = opportunity["Amount"], opportunity["Probability"]
        record_id = self._next_id(cur, "OpportunityHistory")
        self._insert(
            cur,
            "OpportunityHistory",
            {
                "Id": record_id,
                "OpportunityId": opportunity["Id"],
                "StageName": opportunity["StageName"],
                "Amount": amount,
                "ExpectedRevenue": None if amount is None else amount * probability / 100.0,
                "CloseDate": opportunity["CloseDate"],
                "Probability": probability,
                "ForecastCategory": opportunity["ForecastCategory"],
                "CurrencyIsoCode": opportunity["CurrencyIsoCode"],
                "IsDeleted": False,
                "CreatedDate": now,
                "CreatedById": by,
                "SystemModstamp": now,
            },
        )
        return record_id

    # -- changing --------------------------------------------------------------------------------
    def move_deal_stage(self, deal: str, stage: str) -> None:
        now = self.clock.now_ms()
        with self.store.write() as cur:
            opportunity = self._one(cur, "Opportunity", deal)
            if opportunity["IsDeleted"]:
                raise ValueError(f"Salesforce Opportunity {deal!r} is deleted; restore it first")
            info = self._stage(cur, stage)
            closing = info["IsClosed"] and not opportunity["IsClosed"]
            sets = {
                "StageName": info["ApiName"],
                "Probability": info["DefaultProbability"],
                "IsClosed": info["IsClosed"],
                "IsWon": info["IsWon"],
                "ForecastCategory": info["ForecastCategory"],
                "ForecastCategoryName": info["ForecastCategoryName"],
                "CloseDate": now.date() if closing else opportunity["CloseDate"],
            }
            self._stamp(cur, "Opportunity", deal, opportunity["OwnerId"], sets)
            self._history(cur, {**opportunity, **sets}, opportunity["OwnerId"], now)

    def reassign_owner(self, obj: str, record_id: str, owner: str) -> None:
        _require(obj in OWNED_OBJECTS, f"Salesforce {obj} has no owner to reassign; owned: {OWNED_OBJECTS}")
        with self.store.write() as cur:
            self._one(cur, obj, record_id)
            owner = self._owner(cur, owner)
            self._stamp(cur, obj, record_id, owner, {"OwnerId": owner})

    def update(self, obj: str, record_id: str, fields: Mapping[str, Any]) -> None:
        """Set fields (names as in the API, matched case-insensitively; a wide org's custom fields
        too); empty text is stored as null."""
        sobject = self.store.salesforce_objects.get(obj)
        _require(
            sobject is not None and obj in (*OWNED_OBJECTS, "User"),
            f"Salesforce object {obj!r} is not updatable",
        )
        sets = {}
        for name, value in fields.items():
            field = sobject.field(name)
            _require(field is not None, f"Salesforce {obj} has no field {name!r}")
            _require(
                field.name not in SYSTEM_FIELDS,
                f"Salesforce sets {obj}.{field.name} itself; it cannot be updated",
            )
            _require(
                obj != "Opportunity" or field.name not in STAGE_FIELDS,
                f"Opportunity.{field.name} follows the stage: use move_deal_stage",
            )
            sets[field.name] = value
        _require(bool(sets), "update needs at least one field")
        with self.store.write() as cur:
            row = self._one(cur, obj, record_id)
            by = row.get("OwnerId") or self._integration_user(cur)
            self._stamp(cur, obj, record_id, by, sets)
            if obj == "Opportunity" and HISTORY_FIELDS & set(sets):
                self._history(cur, self._one(cur, obj, record_id), by, self.clock.now_ms())

    def delete(self, obj: str, record_id: str) -> None:
        self._set_deleted(obj, record_id, True)

    def restore(self, obj: str, record_id: str) -> None:
        self._set_deleted(obj, record_id, False)

    def _set_deleted(self, obj: str, record_id: str, deleted: bool) -> None:
        _require(
            obj in OWNED_OBJECTS,
            f"Salesforce {obj} cannot be deleted or restored; these can: {OWNED_OBJECTS}",
        )
        now = self.clock.now_ms()
        with self.store.write() as cur:
            row = self._one(cur, obj, record_id)
            if row["IsDeleted"] == deleted:
                raise ValueError(
                    f"Salesforce {obj} {record_id!r} is already {'deleted' if deleted else 'live'}"
                )
            sql = f'UPDATE salesforce."{obj}" SET IsDeleted = ?, SystemModstamp = ? WHERE Id = ?'
            cur.execute(sql, [deleted, now, record_id])
            if obj == "Opportunity":
                cur.execute(
                    'UPDATE salesforce."OpportunityHistory" SET IsDeleted = ?, SystemModstamp = ? '
                    "WHERE OpportunityId = ?",
                    [deleted, now, record_id],
                )

    def touch_many(self, obj: str, ids: list[str] | None = None, count: int = 100) -> list[str]:
        """A mass update by the integration user: the records get one modification timestamp."""
        _require(obj in OWNED_OBJECTS, f"Salesforce {obj} cannot be touched; these can: {OWNED_OBJECTS}")
        now = self.clock.now_ms()
        with self.store.write() as cur:
            if ids is None:
                ids = sample_ids(cur, self.rng, f'salesforce."{obj}"', "Id", "NOT IsDeleted", count)
            found = cur.execute(
                f'SELECT count(*) FROM salesforce."{obj}" WHERE Id IN (SELECT unnest(?))', [ids]
            ).fetchone()[0]
            _require(found == len(set(ids)), f"some of the Salesforce {obj} ids do not exist")
            cur.execute(
                f'UPDATE salesforce."{obj}" '
                "SET LastModifiedDate = ?, SystemModstamp = ?, LastModifiedById = ? "
                "WHERE Id IN (SELECT unnest(?))",
                [now, now, self._integration_user(cur), ids],
            )
        return list(ids)


def _person(
    first_name: str | None, last_name: str, title: str | None, email: str | None, phone: str | None
) -> dict[str, Any]:
    """The fields Contact and Lead share about the person."""
    return {
        "FirstName": first_name,
        "LastName": last_name,
        "Name": " ".join(part for part in (first_name, last_name) if part),
        "Title": title,
        "Email": email,
        "Phone": phone,
    }


def _stored(value: Any) -> Any:
    """Salesforce keeps empty text as null."""
    return None if value == "" else value


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)
