"""What HubSpot reps log around their calls and meetings: e-mails and tasks (follow-ups), the further
contacts who join a call or a meeting, and the contacts' phone numbers and lifecycle stages.

Follow-ups hang off the reps' HubSpot calls and meetings with the same prospect, contact and deal:
roughly one e-mail per call (most sent by the rep, some replies, a few forwarded; a few bounced or
failed, a few scheduled to go out after the end of the history) and about 0.4 tasks per call, most
completed, the rest open (not started, in progress, waiting, deferred). Everything here is drawn
after the calls, meetings and deals, so adding it left those records exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandbox.hubspot import objects as hs
from sandbox.org import model as w
from sandbox.org.idmap import choose, moments_after
from sandbox.org.loading import Batch, Nullable
from sandbox.org.text import (
    EMAIL_SUBJECTS,
    HOSTILE_TEXTS,
    TASK_SUBJECTS,
    join,
    numbers_as_text,
    pick,
    vocabulary,
    with_overrides,
)
from sandbox.org.timeline import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND, snap_to_business

if TYPE_CHECKING:
    from sandbox.org.hubspot_records import _HubSpotWriter

EMAILS_PER_CALL = 1.0  # e-mails in all, per HubSpot call
TASKS_PER_CALL = 0.4
# Relative weights of an anchor activity: (connected call, other call, held meeting, other meeting).
_EMAIL_WEIGHTS = np.array([2.0, 1.0, 2.5, 0.8])
_TASK_WEIGHTS = np.array([1.0, 0.3, 1.5, 0.2])
_DIRECTIONS = vocabulary(list(hs.EMAIL_DIRECTIONS))  # EMAIL, INCOMING_EMAIL, FORWARDED_EMAIL
_DIRECTION_WEIGHTS = np.array([0.76, 0.2, 0.04])
_SENT_STATUSES = vocabulary(["SENT", "BOUNCED", "FAILED"])
_SENT_STATUS_WEIGHTS = np.array([0.94, 0.04, 0.02])
_SCHEDULE_AHEAD_MS = 7 * MS_PER_DAY  # e-mails due this soon after the end of the history are SCHEDULED
_EMAIL_TEXTS = (
    "Thanks for your time today. As promised, the overview is attached.",
    "Sorry I missed you. When would be a good time to talk this week?",
    "Following up on our meeting: here are the next steps we agreed.",
    "Could you share the figures we discussed? Happy to jump on a call.",
)
_OPEN_STATUSES = vocabulary(["NOT_STARTED", "IN_PROGRESS", "WAITING", "DEFERRED"])
_OPEN_WEIGHTS = np.array([0.55, 0.2, 0.15, 0.1])
_TASK_TYPES = vocabulary(list(hs.TASK_TYPES))  # TODO, CALL, EMAIL
_TASK_TYPE_WEIGHTS = np.array([0.5, 0.3, 0.2])
_PRIORITIES = vocabulary(list(hs.TASK_PRIORITIES))  # NONE, LOW, MEDIUM, HIGH
_PRIORITY_WEIGHTS = np.array([0.35, 0.2, 0.3, 0.15])
# The meeting with three contacts, one of them an executive (HubSpot's "any contact reaches the top").
SHOWCASE_TITLES = ("Procurement Specialist", "Vice President of Sales", "IT Manager")


@dataclass
class Anchors:
    """The HubSpot calls and meetings follow-ups hang off, one element each."""

    rep: np.ndarray
    at_ms: np.ndarray
    prospect: np.ndarray
    contact: np.ndarray
    deal: np.ndarray
    kind: np.ndarray  # index into the weight arrays above


def anchors(world: w.World) -> Anchors:
    c, m = world.calls, world.meetings
    calls, meetings = c.crm == 1, m.crm == 1
    held = np.isin(m.outcome[meetings], w.HELD_OUTCOMES)
    return Anchors(
        rep=np.concatenate([c.rep[calls], m.rep[meetings]]),
        at_ms=np.concatenate([c.at_ms[calls], m.start_ms[meetings] + m.minutes[meetings] * MS_PER_MINUTE]),
        prospect=np.concatenate([c.prospect[calls], m.prospect[meetings]]),
        contact=np.concatenate([c.contact[calls], m.contact[meetings]]),
        deal=np.concatenate([c.deal[calls], m.deal[meetings]]),
        kind=np.concatenate([np.where(c.outcome[calls] == w.CONNECTED, 0, 1), np.where(held, 2, 3)]),
    )


class FollowUps:
    """Adds HubSpot's follow-ups and further activity contacts to a `_HubSpotWriter`'s batches."""

    def __init__(self, writer: _HubSpotWriter) -> None:
        self.w, self.rng, self.end_ms = writer, writer.rng, writer.end_ms
        self.anchors = anchors(writer.world)
        self.calls = int(np.sum(writer.world.calls.crm == 1))

    def _draw(self, per_call: float, weights: np.ndarray) -> np.ndarray:
        """Anchor index of each follow-up: Poisson counts summing to about per_call x calls."""
        weight = weights[self.anchors.kind]
        if weight.sum() == 0:
            return np.zeros(0, dtype=np.int64)
        counts = self.rng.poisson(weight * per_call * self.calls / weight.sum())
        return np.repeat(np.arange(len(weight)), counts)

    def _later(self, source: np.ndarray, at_ms: np.ndarray, mean_hours: float) -> np.ndarray:
        """A business-hours moment some hours after each anchor time."""
        a = self.anchors
        raw = (
            at_ms
            + MS_PER_MINUTE
            + self.rng.exponential(mean_hours * MS_PER_HOUR, len(at_ms)).astype(np.int64)
        )
        offset = self.w.roster.utc_offset[a.rep[source]]
        return snap_to_business(self.rng, raw, offset, at_ms + MS_PER_MINUTE, at_ms + 10 * MS_PER_DAY)

    # -- e-mails -----------------------------------------------------------------------------------
    def emails(self) -> Batch:
        a, rng, end = self.anchors, self.rng, self.end_ms
        source = self._draw(EMAILS_PER_CALL, _EMAIL_WEIGHTS)
        at = self._later(source, a.at_ms[source], 18.0)
        keep = at < end + _SCHEDULE_AHEAD_MS
        source, at = source[keep], at[keep]
        direction = rng.choice(3, len(source), p=_DIRECTION_WEIGHTS)
        scheduled = at >= end
        direction[scheduled] = 0  # only the rep's own e-mails are scheduled
        logged = at + rng.integers(1, 90, len(at)) * MS_PER_SECOND
        created = np.where(scheduled, a.at_ms[source] + rng.integers(1, 30, len(at)) * MS_PER_MINUTE, logged)
        created = np.minimum(created, end - 1)
        order = np.argsort(created, kind="stable")
        source, at, direction, created = source[order], at[order], direction[order], created[order]
        scheduled = at >= end
        n = len(source)
        ids = hs.EMAILS.first_id + np.arange(n)
        incoming = direction == 1
        rep_mail = self._rep_emails(a.rep[source])
        contact = a.contact[source]
        contact_mail = pc.take(self.w.directory.email, pa.array(np.maximum(contact, 0), mask=contact < 0))
        status = pick(_SENT_STATUSES, rng.choice(3, n, p=_SENT_STATUS_WEIGHTS), ~incoming)
        status = pc.if_else(pa.array(scheduled), "SCHEDULED", status)
        subject = pick(vocabulary(EMAIL_SUBJECTS), rng.integers(0, len(EMAIL_SUBJECTS), n))
        subject = pc.if_else(pa.array(incoming), join("Re: ", subject), subject)
        b = Batch("hubspot.emails", n)
        self.w._object_columns(b, pa.array(ids, type=pa.int64()))
        b["hs_timestamp"] = at
        b["hs_email_subject"] = with_overrides(
            subject, choose(rng, np.arange(n), len(HOSTILE_TEXTS)), HOSTILE_TEXTS
        )
        b["hs_email_text"] = pick(
            vocabulary(_EMAIL_TEXTS), rng.integers(0, len(_EMAIL_TEXTS), n), rng.random(n) < 0.9
        )
        b["hs_email_direction"] = pc.take(_DIRECTIONS, pa.array(direction))
        b["hs_email_status"] = status
        b["hs_email_from_email"] = pc.if_else(pa.array(incoming), contact_mail, rep_mail)
        b["hs_email_to_email"] = pc.if_else(pa.array(incoming), rep_mail, contact_mail)
        b["hubspot_owner_id"] = self.w.owner_ref(a.rep[source])
        b["hs_createdate"] = created
        b["hs_lastmodifieddate"] = np.where(
            rng.random(n) < 0.05, moments_after(rng, created, end, 0.1), created
        )
        b["_modified"] = "hs_lastmodifieddate"
        self.w._associate_activity("emails", ids, a.prospect[source], a.contact[source], a.deal[source])
        return b

    def _rep_emails(self, rep: np.ndarray) -> pa.Array:
        by_rep = pa.array(self.w.roster.hs_emails, type=pa.string())
        return pc.take(by_rep, pa.array(np.asarray(rep, dtype=np.int64)))

    # -- tasks -------------------------------------------------------------------------------------
    def tasks(self) -> Batch:
        a, rng, end = self.anchors, self.rng, self.end_ms
        source = self._draw(TASKS_PER_CALL, _TASK_WEIGHTS)
        created = a.at_ms[source] + rng.integers(1, 30, len(source)) * MS_PER_MINUTE
        keep = created < end
        source, created = source[keep], created[keep]
        order = np.argsort(created, kind="stable")
        source, created = source[order], created[order]
        n = len(source)
        ids = hs.TASKS.first_id + np.arange(n)
        due = self._later(source, created + rng.integers(1, 7, n) * MS_PER_DAY, 2.0)
        done = rng.random(n) < np.where(due < end - MS_PER_DAY, 0.8, 0.2)
        # completed between creation and a while after the due date, never at or after the end
        room = np.maximum(due - created, MS_PER_HOUR) * 1.5
        completed = np.minimum(created + (rng.random(n) * room).astype(np.int64), end - 1)
        open_status = pick(_OPEN_STATUSES, rng.choice(4, n, p=_OPEN_WEIGHTS))
        edited = moments_after(rng, created, end, 0.2)
        b = Batch("hubspot.tasks", n)
        self.w._object_columns(b, pa.array(ids, type=pa.int64()))
        b["hs_timestamp"] = due
        b["hs_task_subject"] = with_overrides(
            pick(vocabulary(TASK_SUBJECTS), rng.integers(0, len(TASK_SUBJECTS), n)),
            choose(rng, np.arange(n), len(HOSTILE_TEXTS)),
            HOSTILE_TEXTS,
        )
        b["hs_task_body"] = None
        b["hs_task_status"] = pc.if_else(pa.array(done), "COMPLETED", open_status)
        b["hs_task_completion_date"] = Nullable(completed, done)
        b["hs_task_type"] = pick(_TASK_TYPES, rng.choice(3, n, p=_TASK_TYPE_WEIGHTS))
        b["hs_task_priority"] = pick(_PRIORITIES, rng.choice(4, n, p=_PRIORITY_WEIGHTS), rng.random(n) < 0.9)
        b["hubspot_owner_id"] = self.w.owner_ref(a.rep[source])
        b["hs_createdate"] = created
        b["hs_lastmodifieddate"] = np.where(done, completed, np.where(rng.random(n) < 0.3, edited, created))
        b["_modified"] = "hs_lastmodifieddate"
        self.w._associate_activity("tasks", ids, a.prospect[source], a.contact[source], a.deal[source])
        return b

    # -- contacts ----------------------------------------------------------------------------------
    def contact_details(self, contacts: Batch) -> None:
        """Phone numbers (some missing) and lifecycle stages from how far each prospect got."""
        rng, world = self.rng, self.w.world
        rows = self.w.contact_map.members
        prospect = self.w.directory.contact_prospect[rows]
        n = len(rows)
        d = world.deals
        hubspot = d.crm == 1
        stage = np.full(world.prospects.size, 1)  # lead
        stage[d.prospect[hubspot]] = 4  # opportunity
        stage[d.prospect[hubspot & d.is_closed & d.is_won]] = 5  # customer
        stage = np.where(rng.random(prospect.size) < 0.05, rng.choice([0, 2, 3, 7], n), stage[prospect])
        contacts["phone"] = pick(
            join("+1 555 ", numbers_as_text(rng.integers(1_000_000, 9_999_999, n))),
            np.arange(n),
            rng.random(n) < 0.7,
        )
        contacts["lifecyclestage"] = pick(vocabulary(list(hs.LIFECYCLE_STAGES)), stage)

    def activity_contacts(self, contacts: Batch) -> None:
        """Calls and meetings with more of the prospect's contacts than the one they were logged with
        (8 % of calls, 40 % of meetings when the prospect has them), and one meeting (a held one, with
        a HubSpot-only company, where there is one) with three contacts of whom exactly one is an
        executive (their HubSpot titles set to SHOWCASE_TITLES)."""
        world = self.w.world
        for kind, records, members, share in (
            ("calls", world.calls, self.w.call_members, 0.08),
            ("meetings", world.meetings, self.w.meeting_members, 0.4),
        ):
            rows, ranks = self._extra_contacts(records.prospect[members], records.contact[members], share)
            keep = np.isin(rows, self._contact_linked(kind))  # the few detached records stay detached
            first_id = hs.HOBJECTS[kind].first_id
            self.w._associate(kind, "contacts", first_id + rows[keep], hs.CONTACTS.first_id + ranks[keep])
        self._showcase(contacts)

    def _contact_linked(self, kind: str) -> np.ndarray:
        """Rows of the `kind` records associated with a contact so far."""
        first_id = hs.HOBJECTS[kind].first_id
        parts = [
            np.asarray(f) - first_id for t, u, f, _ in self.w.associations if (t, u) == (kind, "contacts")
        ]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def _contacts_of(self, kind: str, row: int) -> np.ndarray:
        """Contact ranks associated with one record so far."""
        first_id = hs.HOBJECTS[kind].first_id
        parts = [
            np.asarray(to)[np.asarray(f) == first_id + row]
            for t, u, f, to in self.w.associations
            if (t, u) == (kind, "contacts")
        ]
        return np.concatenate(parts) - hs.CONTACTS.first_id if parts else np.zeros(0, dtype=np.int64)

    def _extra_contacts(
        self, prospect: np.ndarray, contact: np.ndarray, share: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(record rows, contact ranks) of further contacts: the prospect's next one or two."""
        p, rng, cmap = self.w.world.prospects, self.rng, self.w.contact_map
        safe = np.maximum(prospect, 0)
        count = np.where(prospect >= 0, p.contact_count[safe], 0)
        joined = np.where(rng.random(len(prospect)) < share, 1 + (rng.random(len(prospect)) < 0.35), 0)
        joined = np.minimum(joined, np.maximum(count - 1, 0))
        all_rows, all_ranks = [], []
        for step in (1, 2):
            rows = np.flatnonzero((joined >= step) & (contact >= 0))
            first = p.first_contact[safe[rows]]
            # the step-th contact after the one logged, wrapping round the prospect's contacts
            rank = cmap.rank_of[first + (contact[rows] - first + step) % count[rows]]
            all_rows.append(rows[rank >= 0])
            all_ranks.append(rank[rank >= 0])
        return np.concatenate(all_rows), np.concatenate(all_ranks)

    def _showcase(self, contacts: Batch) -> None:
        m, p = self.w.world.meetings, self.w.world.prospects
        members = self.w.meeting_members
        prospect = m.prospect[members]
        safe = np.maximum(prospect, 0)
        three = (prospect >= 0) & (p.contact_count[safe] == 3) & (m.contact[members] >= 0)
        three &= np.isin(np.arange(len(members)), self._contact_linked("meetings"))
        held = np.isin(m.outcome[members], w.HELD_OUTCOMES) & (m.start_ms[members] < self.end_ms)
        for pool in (three & held & ~p.in_crm[0][safe], three & held, three):  # HubSpot-only prospects first
            candidates = np.flatnonzero(pool)
            if len(candidates):
                break
        else:
            return
        row = int(choose(self.rng, candidates, 1)[0])
        ranks = self.w.contact_map.rank_of[p.first_contact[prospect[row]] + np.arange(3)]
        missing = ranks[~np.isin(ranks, self._contacts_of("meetings", row))]
        self.w._associate(
            "meetings",
            "contacts",
            np.full(len(missing), hs.MEETINGS.first_id + row),
            hs.CONTACTS.first_id + missing,
        )
        mask = np.zeros(contacts.n, dtype=bool)
        mask[ranks] = True
        replacement = pa.array([SHOWCASE_TITLES[i] for i in np.argsort(ranks)], type=pa.string())
        contacts["jobtitle"] = pc.replace_with_mask(contacts["jobtitle"], pa.array(mask), replacement)
