"""The org as HubSpot records: owners, companies, contacts, calls, meetings, deals, e-mails and tasks
(`hubspot_followups`) in the store's `hubspot` schema, with associations in both directions, the
dealstage property history and the deal pipelines, plus the awkward cases real portals have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandbox.hubspot import objects as hs
from sandbox.org import model as w
from sandbox.org.config import OrgConfig
from sandbox.org.directory import Directory
from sandbox.org.hubspot_followups import FollowUps
from sandbox.org.idmap import IdMap, choose, moments_after, run_ends
from sandbox.org.loading import Batch, Nullable, insert_batch
from sandbox.org.reps import SALESFORCE, Roster, team
from sandbox.org.stages import HUBSPOT_PIPELINES
from sandbox.org.text import (
    CALL_NOTES,
    CALL_SUBJECTS,
    FOLLOWUP_MEETING_SUBJECTS,
    HOSTILE_TEXTS,
    MEETING_LOCATIONS,
    MEETING_SUBJECTS,
    PRODUCTS,
    join,
    numbers_as_text,
    pick,
    vocabulary,
    with_overrides,
)
from sandbox.org.timeline import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND
from sandbox.store import Store

FIRST_OWNER_ID = 52_550_101
FIRST_USER_ID = 12_282_501
FIRST_TEAM_ID = 8_001
CUSTOM_DISPOSITION = "d2f3e1a0-7b6c-4e2a-9f1d-3c5b8a7e6f40"  # a portal's own 'Gatekeeper' outcome
# hs_analytics_source per sandbox.org.deals.LEAD_SOURCES kind (HubSpot's original-source types).
HUBSPOT_DEAL_SOURCES = ("ORGANIC_SEARCH", "OFFLINE", "REFERRALS", "REFERRALS", "OFFLINE", "DIRECT_TRAFFIC")

_GUID_BY_LABEL = {label: guid for guid, label in hs.CALL_DISPOSITIONS.items()}
# Indexed by world call outcome (CONNECTED, NO_ANSWER, VOICEMAIL, BUSY, LIVE_MESSAGE, WRONG_NUMBER, custom).
_DISPOSITIONS = vocabulary(
    [
        _GUID_BY_LABEL[label]
        for label in ("Connected", "No answer", "Left voicemail", "Busy", "Left live message", "Wrong number")
    ]
    + [CUSTOM_DISPOSITION]
)
_CALL_STATUS = vocabulary(
    ["COMPLETED", "NO_ANSWER", "COMPLETED", "BUSY", "COMPLETED", "COMPLETED", "COMPLETED"]
)
# Indexed by world meeting outcome (COMPLETED, SCHEDULED, NO_OUTCOME, CANCELED, NO_SHOW, RESCHEDULED).
_OUTCOMES = vocabulary(["COMPLETED", "SCHEDULED", "", "CANCELED", "NO_SHOW", "RESCHEDULED"])
_ACTIVITY_TYPES = vocabulary(["Discovery call", "Demo", "Negotiation"])

# Deal stages of both pipelines, flattened: world pipeline p, position i -> _STAGE_OFFSET[p] + i.
_HS_STAGES = [s for p in HUBSPOT_PIPELINES for s in p.stages]
_STAGE_OFFSET = np.array([0, 0, len(HUBSPOT_PIPELINES[0].stages)])
_STAGE_KEYS = vocabulary([s.key for s in _HS_STAGES])
_STAGE_CLOSED = np.array([s.is_closed for s in _HS_STAGES])
_STAGE_WON = np.array([s.is_won for s in _HS_STAGES])
_PIPELINE_IDS = vocabulary(["", HUBSPOT_PIPELINES[0].id, HUBSPOT_PIPELINES[1].id])


@dataclass(frozen=True)
class HubSpotOrg:
    owner_ids: list[int | None]  # per rep
    counts: dict[str, int]
    bulk_modified_ms: int  # the hs_lastmodifieddate many calls share


def write_hubspot(
    store: Store,
    config: OrgConfig,
    world: w.World,
    roster: Roster,
    directory: Directory,
    rng: np.random.Generator,
) -> HubSpotOrg:
    return _HubSpotWriter(config, world, roster, directory, rng).write(store)


class _HubSpotWriter:
    def __init__(
        self,
        config: OrgConfig,
        world: w.World,
        roster: Roster,
        directory: Directory,
        rng: np.random.Generator,
    ) -> None:
        self.config, self.world, self.roster, self.directory, self.rng = config, world, roster, directory, rng
        self.end_ms = world.end_ms
        self.associations: list[tuple[str, str, np.ndarray, np.ndarray]] = []

    def object_ids(self, obj: hs.HObject) -> Callable[[np.ndarray], pa.Array]:
        return lambda rows: pa.array(obj.first_id + rows, type=pa.int64())

    def owner_ref(self, rep: np.ndarray) -> pa.Array:
        return pc.take(self.owner_texts, pa.array(np.asarray(rep, dtype=np.int64)))

    def write(self, store: Store) -> HubSpotOrg:
        owners = self.owners()
        companies = self.companies()
        contacts = self.contacts()
        deals, history = self.deals()
        calls = self.calls()
        meetings = self.meetings()
        for batch in (companies, contacts, deals, calls, meetings):
            self.archive_some(batch)
        bulk_ms = self.touch_many(calls)
        # drawn last, so the records above are the same with or without them
        follow_ups = FollowUps(self)
        emails, tasks = follow_ups.emails(), follow_ups.tasks()
        for batch in (emails, tasks):
            self.archive_some(batch)
        follow_ups.contact_details(contacts)
        follow_ups.activity_contacts(contacts)
        counts = {}
        batches = [owners, companies, contacts, deals, calls, meetings, emails, tasks, history]
        batches.append(self.pipeline_stages())
        del owners, companies, contacts, deals, calls, meetings, emails, tasks, history
        while batches:  # free each table's columns once it is in the store
            batch = batches.pop(0)
            counts[batch.table] = insert_batch(store, batch)
        associations = self.associations_batch()
        counts[associations.table] = insert_batch(store, associations)
        return HubSpotOrg(self.rep_owner_ids, counts, bulk_ms)

    def owners(self) -> Batch:
        r = self.roster
        reps = np.flatnonzero(r.group != SALESFORCE)
        reps = reps[np.argsort(r.hs_created_ms[reps], kind="stable")]
        n = len(reps)
        owner_ids = [None] * r.size
        for row, rep in enumerate(reps):
            owner_ids[rep] = FIRST_OWNER_ID + row
        self.rep_owner_ids = owner_ids
        self.rep_user_ids = np.array([FIRST_USER_ID + (o - FIRST_OWNER_ID) if o else 0 for o in owner_ids])
        self.owner_texts = pa.array([None if o is None else str(o) for o in owner_ids], type=pa.string())
        b = Batch("hubspot.owners", n)
        b["id"] = np.array([owner_ids[i] for i in reps], dtype=np.int64)
        b["email"] = pa.array([r.hs_emails[i] for i in reps], type=pa.string())
        b["firstName"] = pa.array([r.first_names[i] for i in reps], type=pa.string())
        b["lastName"] = pa.array([r.last_names[i] for i in reps], type=pa.string())
        b["userId"] = self.rep_user_ids[reps]
        b["type"] = "PERSON"
        b["createdAt"] = r.hs_created_ms[reps]
        b["updatedAt"] = np.maximum(r.modified_ms[reps], r.hs_created_ms[reps])
        b["archived"] = r.departed[reps]
        b["team_id"] = FIRST_TEAM_ID + r.team[reps]
        b["team_name"] = pa.array([team(int(r.team[i])).name for i in reps], type=pa.string())
        return b

    def companies(self) -> Batch:
        p = self.world.prospects
        self.company_map = IdMap.by_creation(
            p.in_crm[1] & ~p.is_person, p.created_ms[1], self.object_ids(hs.COMPANIES)
        )
        rows = self.company_map.members
        n = len(rows)
        take = pa.array(rows)
        b = Batch("hubspot.companies", n)
        self._object_columns(b, self.company_map.ids)
        b["name"] = with_overrides(
            pc.take(self.directory.company_name, take),
            choose(self.rng, np.arange(n), len(HOSTILE_TEXTS)),
            HOSTILE_TEXTS,
        )
        b["domain"] = pc.take(self.directory.domain, take)
        b["industry"] = pc.take(self.directory.industry, take)
        b["hubspot_owner_id"] = self.owner_ref(p.rep[rows])
        b["createdate"] = p.created_ms[1][rows]
        b["hs_lastmodifieddate"] = p.modified_ms[1][rows]
        b["_modified"] = "hs_lastmodifieddate"
        return b

    def contacts(self) -> Batch:
        p, cp = self.world.prospects, self.directory.contact_prospect
        created = p.created_ms[1][cp] + self.rng.integers(0, 10 * MS_PER_MINUTE, len(cp))
        self.contact_map = IdMap.by_creation(p.in_crm[1][cp], created, self.object_ids(hs.CONTACTS))
        rows = self.contact_map.members
        n = len(rows)
        prospect = cp[rows]
        take = pa.array(rows)
        company_rank = self.company_map.rank_of[prospect]
        b = Batch("hubspot.contacts", n)
        self._object_columns(b, self.contact_map.ids)
        b["firstname"] = pc.take(self.directory.first_name, take)
        b["lastname"] = pc.take(self.directory.last_name, take)
        b["email"] = pc.take(self.directory.email, take)
        b["jobtitle"] = pc.take(self.directory.title, take)
        b["associatedcompanyid"] = Nullable(
            (hs.COMPANIES.first_id + company_rank).astype(np.float64), company_rank >= 0
        )
        b["hubspot_owner_id"] = self.owner_ref(p.rep[prospect])
        b["createdate"] = created[rows]
        b["lastmodifieddate"] = moments_after(self.rng, created[rows], self.end_ms, 0.3)
        b["_modified"] = "lastmodifieddate"
        with_company = np.flatnonzero(company_rank >= 0)
        self._associate(
            "contacts",
            "companies",
            hs.CONTACTS.first_id + with_company,
            hs.COMPANIES.first_id + company_rank[with_company],
        )
        return b

    def deals(self) -> tuple[Batch, Batch]:
        d, p, rng = self.world.deals, self.world.prospects, self.rng
        self.deal_map = IdMap.by_creation(d.crm == 1, d.created_ms, self.object_ids(hs.DEALS))
        rows = self.deal_map.members
        n = len(rows)
        ids = hs.DEALS.first_id + np.arange(n)
        prospect, contact = d.prospect[rows], d.contact[rows]
        stage = _STAGE_OFFSET[d.pipeline[rows]] + d.position[rows]
        no_amount = np.zeros(n, dtype=bool)
        no_amount[choose(rng, np.arange(n), self.config.awkward_count(n))] = True
        no_currency = (d.currency[rows] == w.USD) & (rng.random(n) < 0.02)
        product = pick(vocabulary(PRODUCTS), rng.integers(0, len(PRODUCTS), n))
        who = pc.if_else(
            pa.array(p.is_person[prospect]),
            pc.take(self.directory.full_name, pa.array(contact)),
            pc.take(self.directory.company_name, pa.array(prospect)),
        )
        history, modified = self.stage_history(rows, d.modified_ms[rows])
        b = Batch("hubspot.deals", n)
        self._object_columns(b, pa.array(ids, type=pa.int64()))
        b["dealname"] = join(who, product, sep=" - ")
        b["amount"] = Nullable(d.amount[rows], ~no_amount)
        b["deal_currency_code"] = pick(vocabulary(["USD", "EUR"]), d.currency[rows], ~no_currency)
        b["closedate"] = np.where(d.is_closed[rows], d.close_ms[rows], d.expected_close_ms[rows])
        b["createdate"] = d.created_ms[rows]
        b["dealstage"] = pc.take(_STAGE_KEYS, pa.array(stage))
        b["pipeline"] = pc.take(_PIPELINE_IDS, pa.array(d.pipeline[rows]))
        b["dealtype"] = pc.if_else(pa.array(rng.random(n) < 0.85), "newbusiness", "existingbusiness")
        b["hs_analytics_source"] = pick(vocabulary(HUBSPOT_DEAL_SOURCES), d.lead_source[rows])
        b["hs_is_closed"] = _STAGE_CLOSED[stage]
        b["hs_is_closed_won"] = _STAGE_WON[stage]
        b["description"] = None
        b["hubspot_owner_id"] = self.owner_ref(d.rep[rows])
        b["hs_lastmodifieddate"] = modified
        b["_modified"] = "hs_lastmodifieddate"
        company = self.company_map.rank_of[prospect]
        has_company = company >= 0
        self._associate("deals", "companies", ids[has_company], hs.COMPANIES.first_id + company[has_company])
        self._associate("deals", "contacts", ids, hs.CONTACTS.first_id + self.contact_map.rank_of[contact])
        return b, history

    def stage_history(self, rows: np.ndarray, modified: np.ndarray) -> tuple[Batch, np.ndarray]:
        """dealstage values with timestamps; a few deals have the same stage saved twice in a row."""
        d = self.world.deals
        entries = self.world.stages
        rank = self.deal_map.rank_of[entries.deal]
        mine = rank >= 0
        rank, position, ms = rank[mine], entries.position[mine], entries.entered_ms[mine]
        stage = _STAGE_OFFSET[d.pipeline[rows][rank]] + position
        last = run_ends(rank)
        repeated = choose(self.rng, last, self.config.awkward_count(len(rows)))
        again = moments_after(self.rng, ms[repeated] + MS_PER_MINUTE, self.end_ms, 0.1)
        rank = np.concatenate([rank, rank[repeated]])
        stage = np.concatenate([stage, stage[repeated]])
        ms = np.concatenate([ms, np.minimum(again, self.end_ms - 1)])
        order = np.lexsort((ms, rank))
        rank, stage, ms = rank[order], stage[order], ms[order]
        modified = modified.copy()
        np.maximum.at(modified, rank, ms)
        user = self.rep_user_ids[d.rep[rows][rank]]
        b = Batch("hubspot.property_history", len(rank))
        b["object_type"] = "deals"
        b["object_id"] = hs.DEALS.first_id + rank
        b["property"] = "dealstage"
        b["value"] = pc.take(_STAGE_KEYS, pa.array(stage))
        b["timestamp"] = ms
        b["source_type"] = "CRM_UI"
        b["source_id"] = join("userId", numbers_as_text(user), sep=":")
        b["updated_by_user_id"] = user
        return b, modified

    def calls(self) -> Batch:
        c, rng = self.world.calls, self.rng
        members = np.flatnonzero(c.crm == 1)
        created = np.minimum(c.at_ms + rng.integers(5, 180, len(c.at_ms)) * MS_PER_SECOND, self.end_ms - 1)
        members = members[np.argsort(created[members], kind="stable")]
        self.call_members = members
        n = len(members)
        ids = hs.CALLS.first_id + np.arange(n)
        outcome = c.outcome[members]
        not_connected = np.flatnonzero(outcome != w.CONNECTED)
        no_disposition = np.zeros(n, dtype=bool)
        no_disposition[
            choose(rng, not_connected, max(self.config.awkward_count(n), round(0.03 * len(not_connected))))
        ] = True
        duration_ms = c.duration_s[members] * 1000 + np.where(
            c.duration_s[members] > 0, rng.integers(0, 1000, n), 0
        )
        subject = pick(vocabulary(CALL_SUBJECTS), rng.integers(0, len(CALL_SUBJECTS), n))
        b = Batch("hubspot.calls", n)
        self._object_columns(b, pa.array(ids, type=pa.int64()))
        b["hs_timestamp"] = c.at_ms[members]
        b["hs_call_title"] = with_overrides(
            subject, choose(rng, np.arange(n), len(HOSTILE_TEXTS)), HOSTILE_TEXTS
        )
        b["hs_call_body"] = pick(
            vocabulary(CALL_NOTES), rng.integers(0, len(CALL_NOTES), n), rng.random(n) < 0.08
        )
        b["hs_call_direction"] = pc.if_else(pa.array(c.inbound[members]), "INBOUND", "OUTBOUND")
        b["hs_call_disposition"] = pick(_DISPOSITIONS, outcome, ~no_disposition)
        b["hs_call_duration"] = Nullable(duration_ms, ~(no_disposition & (rng.random(n) < 0.5)))
        b["hs_call_status"] = pc.take(_CALL_STATUS, pa.array(outcome))
        b["hs_call_from_number"] = join("+1 555 01", numbers_as_text(10 + c.rep[members]), sep="")
        b["hs_call_to_number"] = join(
            "+49 30 ", numbers_as_text(rng.integers(1_000_000, 9_999_999, n)), sep=""
        )
        b["hubspot_owner_id"] = self.owner_ref(c.rep[members])
        b["hs_createdate"] = created[members]
        b["hs_lastmodifieddate"] = np.where(
            rng.random(n) < 0.1, moments_after(rng, created[members], self.end_ms, 0.2), created[members]
        )
        b["_modified"] = "hs_lastmodifieddate"
        self._associate_activity("calls", ids, c.prospect[members], c.contact[members], c.deal[members])
        return b

    def meetings(self) -> Batch:
        m, rng = self.world.meetings, self.rng
        members = np.flatnonzero(m.crm == 1)
        members = members[np.argsort(m.booked_ms[members], kind="stable")]
        self.meeting_members = members
        n = len(members)
        ids = hs.MEETINGS.first_id + np.arange(n)
        start, outcome = m.start_ms[members], m.outcome[members]
        follow_up = m.source[members] == w.FOLLOW_UP
        sizes = np.where(follow_up, len(FOLLOWUP_MEETING_SUBJECTS), len(MEETING_SUBJECTS))
        subject = pick(
            vocabulary(MEETING_SUBJECTS + FOLLOWUP_MEETING_SUBJECTS),
            np.where(follow_up, len(MEETING_SUBJECTS), 0) + (rng.random(n) * sizes).astype(np.int64),
        )
        b = Batch("hubspot.meetings", n)
        self._object_columns(b, pa.array(ids, type=pa.int64()))
        b["hs_timestamp"] = b["hs_meeting_start_time"] = start
        b["hs_meeting_title"] = with_overrides(
            subject, choose(rng, np.arange(n), len(HOSTILE_TEXTS)), HOSTILE_TEXTS
        )
        b["hs_meeting_body"] = None
        b["hs_meeting_location"] = pick(
            vocabulary(MEETING_LOCATIONS), rng.integers(0, len(MEETING_LOCATIONS), n)
        )
        b["hs_meeting_end_time"] = start + m.minutes[members] * MS_PER_MINUTE
        b["hs_meeting_outcome"] = pick(_OUTCOMES, outcome, outcome != w.NO_OUTCOME)
        b["hs_activity_type"] = pick(_ACTIVITY_TYPES, rng.integers(0, 3, n), rng.random(n) < 0.6)
        b["hubspot_owner_id"] = self.owner_ref(m.rep[members])
        b["hs_createdate"] = m.booked_ms[members]
        b["hs_lastmodifieddate"] = m.outcome_ms[members]
        b["_modified"] = "hs_lastmodifieddate"
        self._associate_activity("meetings", ids, m.prospect[members], m.contact[members], m.deal[members])
        return b

    def pipeline_stages(self) -> Batch:
        rows = [(order, p, i, s) for order, p in enumerate(HUBSPOT_PIPELINES) for i, s in enumerate(p.stages)]
        created = self.world.start_ms - 400 * MS_PER_DAY
        b = Batch("hubspot.pipeline_stages", len(rows))
        b["pipeline_id"] = pa.array([p.id for _, p, _, _ in rows])
        b["pipeline_label"] = pa.array([p.label for _, p, _, _ in rows])
        b["pipeline_display_order"] = np.array([o for o, _, _, _ in rows])
        b["stage_id"] = pa.array([s.key for *_, s in rows])
        b["label"] = pa.array([s.label for *_, s in rows])
        b["display_order"] = np.array([i for _, _, i, _ in rows])
        b["is_closed"] = np.array([s.is_closed for *_, s in rows])
        b["probability"] = np.array([s.probability for *_, s in rows])
        custom = np.array([o == 1 for o, _, _, _ in rows])
        b["createdAt"] = b["updatedAt"] = np.where(custom, created + 30 * MS_PER_DAY, created)
        return b

    # -- associations --------------------------------------------------------------------------
    def _associate(self, from_type: str, to_type: str, from_ids: np.ndarray, to_ids: np.ndarray) -> None:
        self.associations.append((from_type, to_type, np.asarray(from_ids), np.asarray(to_ids)))

    def _associate_activity(
        self, kind: str, ids: np.ndarray, prospect: np.ndarray, contact: np.ndarray, deal: np.ndarray
    ) -> None:
        """Company, contact and deal of each activity; a few activities are associated with nothing."""
        detached = np.zeros(len(ids), dtype=bool)
        detached[choose(self.rng, np.arange(len(ids)), self.config.awkward_count(len(ids)))] = True
        company = np.where(prospect >= 0, self.company_map.rank_of[np.maximum(prospect, 0)], -1)
        person = np.where(contact >= 0, self.contact_map.rank_of[np.maximum(contact, 0)], -1)
        dealrank = np.where(deal >= 0, self.deal_map.rank_of[np.maximum(deal, 0)], -1)
        for to_type, rank, first_id in (
            ("companies", company, hs.COMPANIES.first_id),
            ("contacts", person, hs.CONTACTS.first_id),
            ("deals", dealrank, hs.DEALS.first_id),
        ):
            linked = (rank >= 0) & ~detached
            self._associate(kind, to_type, ids[linked], first_id + rank[linked])

    def associations_batch(self) -> Batch:
        """Both directions of every pair, each with its HUBSPOT_DEFINED type id."""
        parts = []
        for a, b, a_ids, b_ids in self.associations:
            for from_type, to_type, from_ids, to_ids in ((a, b, a_ids, b_ids), (b, a, b_ids, a_ids)):
                type_id = hs.ASSOCIATION_TYPES[(from_type, to_type)][0]
                parts.append((from_type, to_type, from_ids, to_ids, type_id))
        n = sum(len(p[2]) for p in parts)
        b = Batch("hubspot.associations", n)
        names = sorted(hs.HOBJECTS)
        for column, position in (("from_type", 0), ("to_type", 1)):
            codes = np.concatenate(
                [np.full(len(p[2]), names.index(p[position]), dtype=np.int8) for p in parts]
            )
            b[column] = pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(names))
        b["from_id"] = np.concatenate([p[2] for p in parts]).astype(np.int64)
        b["to_id"] = np.concatenate([p[3] for p in parts]).astype(np.int64)
        b["type_id"] = np.concatenate([np.full(len(p[2]), p[4]) for p in parts])
        b["category"] = "HUBSPOT_DEFINED"
        b["label"] = None
        return b

    # -- awkward cases -------------------------------------------------------------------------
    def _object_columns(self, b: Batch, ids: pa.Array) -> None:
        b["id"] = ids
        b["archived"] = np.zeros(b.n, dtype=bool)
        b["archived_at"] = Nullable(np.zeros(b.n, dtype=np.int64), np.zeros(b.n, dtype=bool))

    def archive_some(self, b: Batch) -> None:
        """A few records of every type are in the recycle bin; archiving leaves last-modified alone."""
        rows = choose(self.rng, np.arange(b.n), self.config.awkward_count(b.n))
        archived = np.zeros(b.n, dtype=bool)
        archived[rows] = True
        modified = b[b["_modified"]]
        at = np.zeros(b.n, dtype=np.int64)
        at[rows] = moments_after(self.rng, modified[rows] + 1, self.end_ms)
        b["archived"] = archived
        b["archived_at"] = Nullable(np.minimum(at, self.end_ms - 1), archived)

    def touch_many(self, calls: Batch) -> int:
        """A workflow re-saved many calls at once: they share one hs_lastmodifieddate."""
        stamp = self.end_ms - 3 * MS_PER_DAY + 4 * MS_PER_HOUR + 41 * MS_PER_MINUTE + 3 * MS_PER_SECOND + 512
        modified = calls["hs_lastmodifieddate"]
        eligible = np.flatnonzero(~calls["archived"] & (modified < stamp))
        touched = choose(self.rng, eligible, min(self.config.bulk_touch_calls, int(0.6 * len(eligible))))
        modified[touched] = stamp
        return stamp
