"""What `generate` made: counts per store table, the reps and their behaviour, and the moments tests
and demos need (migration, shared modification stamps)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sandbox.org.config import OrgConfig
from sandbox.org.reps import RepProfile


@dataclass(frozen=True)
class OrgSummary:
    config: OrgConfig  # resolved: `end` is set
    start: datetime  # first moment of the history (naive UTC)
    end: datetime  # end of the history; nothing was modified at or after it
    migration_at: datetime  # both-CRM reps: Salesforce before, HubSpot from here on
    reps: tuple[RepProfile, ...]
    integration_user_id: str  # the Salesforce admin/integration user (creates users, mass updates)
    counts: dict[str, int]  # 'salesforce.Task', 'hubspot.calls', ... -> rows
    calls: int  # both CRMs, deleted and archived included
    meetings: int  # both CRMs, canceled (deleted Events) included
    deals: int
    salesforce_shared_modstamp: datetime  # SystemModstamp shared by many Tasks
    hubspot_shared_modified: datetime  # hs_lastmodifieddate shared by many calls
    seconds: float  # generation time

    @property
    def activities(self) -> int:
        return self.calls + self.meetings

    def rep(self, index: int) -> RepProfile:
        return self.reps[index]
