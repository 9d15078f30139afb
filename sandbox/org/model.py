"""The org's history independent of any CRM: arrays with one element per record, and the codes
they use. Built by `world.build_world`, written by `salesforce_records` and `hubspot_records`."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sandbox.org.stages import HUBSPOT_CUSTOM, HUBSPOT_DEFAULT
from sandbox.org.stages import SALESFORCE as SALESFORCE_PIPELINE

# Call outcomes: the six HubSpot defaults, then a custom one such as 'Gatekeeper'.
CONNECTED, NO_ANSWER, VOICEMAIL, BUSY, LIVE_MESSAGE, WRONG_NUMBER, CUSTOM_OUTCOME = range(7)
# Meeting outcomes. NO_OUTCOME: nobody set one.
COMPLETED, SCHEDULED, NO_OUTCOME, CANCELED, NO_SHOW, RESCHEDULED = range(6)
HELD_OUTCOMES = (COMPLETED, SCHEDULED, NO_OUTCOME)
# Where a meeting came from.
OUTBOUND, INBOUND, FOLLOW_UP = range(3)
# Deal pipelines (indexes into PIPELINES).
PIPELINE_SALESFORCE, PIPELINE_HUBSPOT_DEFAULT, PIPELINE_HUBSPOT_CUSTOM = range(3)
PIPELINES = (SALESFORCE_PIPELINE, HUBSPOT_DEFAULT, HUBSPOT_CUSTOM)
USD, EUR = 0, 1
NO_DEAL = -1
NEVER = np.iinfo(np.int64).max  # a time that never comes


class Columns:
    """A dataclass of equally long arrays."""

    def extend(self, other: Columns) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            mine = getattr(self, f.name)
            setattr(self, f.name, np.concatenate([mine, getattr(other, f.name).astype(mine.dtype)]))

    @classmethod
    def empty(cls):
        """No rows (int64 columns; `extend` keeps the receiving side's types)."""
        return cls(*(np.zeros(0, dtype=np.int64) for _ in fields(cls)))  # type: ignore[arg-type]


@dataclass
class Prospects(Columns):
    rep: np.ndarray
    is_person: np.ndarray  # a contact without an account/company
    contact_count: np.ndarray
    first_contact: np.ndarray  # index of the prospect's first contact
    in_crm: np.ndarray  # (2, n) bool: recorded in Salesforce / HubSpot
    created_ms: np.ndarray  # (2, n) per CRM
    modified_ms: np.ndarray  # (2, n) per CRM

    @property
    def size(self) -> int:
        return len(self.rep)


@dataclass
class Calls(Columns):
    rep: np.ndarray
    at_ms: np.ndarray
    prospect: np.ndarray
    contact: np.ndarray
    deal: np.ndarray  # NO_DEAL, or a deal in the same CRM
    outcome: np.ndarray
    duration_s: np.ndarray
    inbound: np.ndarray
    crm: np.ndarray


@dataclass
class Meetings(Columns):
    rep: np.ndarray
    booked_ms: np.ndarray
    start_ms: np.ndarray
    minutes: np.ndarray
    prospect: np.ndarray
    contact: np.ndarray
    deal: np.ndarray
    outcome: np.ndarray
    outcome_ms: np.ndarray  # when the outcome was recorded or the meeting canceled
    source: np.ndarray  # OUTBOUND, INBOUND, FOLLOW_UP
    crm: np.ndarray


@dataclass
class StageRows(Columns):
    """Stage entries up to the end of the history, sorted by deal then time."""

    deal: np.ndarray
    position: np.ndarray  # index into the deal's pipeline.stages
    entered_ms: np.ndarray


@dataclass
class Deals(Columns):
    rep: np.ndarray
    prospect: np.ndarray
    contact: np.ndarray
    inbound: np.ndarray
    repeat: np.ndarray  # a repeat purchase: the prospect won a deal before
    lead_source: np.ndarray  # index into sandbox.org.deals.LEAD_SOURCES
    created_ms: np.ndarray
    crm: np.ndarray
    pipeline: np.ndarray
    amount: np.ndarray  # final amount, in the deal's currency
    amount_before_edit: np.ndarray
    currency: np.ndarray
    expected_close_ms: np.ndarray  # final expected close
    expected_close_before_edit_ms: np.ndarray
    edit_ms: np.ndarray  # when amount/expected close changed without a stage change; NEVER if not
    close_ms: np.ndarray  # when it closes (may be after the end of the history)
    is_closed: np.ndarray  # closed by the end of the history
    is_won: np.ndarray  # won, once closed
    position: np.ndarray  # current stage position in its pipeline
    modified_ms: np.ndarray

    @property
    def size(self) -> int:
        return len(self.rep)


@dataclass
class World:
    start_ms: int
    end_ms: int
    migration_ms: int
    prospects: Prospects
    calls: Calls
    meetings: Meetings
    deals: Deals
    stages: StageRows
    contact_seniority: np.ndarray  # per contact (Prospects.first_contact indexes): titles.C_LEVEL ...
