"""A deterministic synthetic sales organisation in the sandbox store, and the changes its users make.

- `config.OrgConfig`: the knobs; `generate.generate(config, store) -> OrgSummary` fills an empty store.
- `mutations.Mutations` with a `clock.Clock`: creates, stage moves, edits, deletes between two syncs.

How it is built: `reps` (the team) -> `world` (the CRM-independent history: `activities`, `deals`,
`model`) -> `salesforce_records` / `hubspot_records` (store tables, with the awkward cases).
"""

from sandbox.org.clock import Clock
from sandbox.org.config import OrgConfig
from sandbox.org.generate import StoreNotEmptyError, generate
from sandbox.org.mutations import Change, Mutations
from sandbox.org.summary import OrgSummary

__all__ = ["Change", "Clock", "Mutations", "OrgConfig", "OrgSummary", "StoreNotEmptyError", "generate"]
