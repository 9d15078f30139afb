"""Fill an empty store with a deterministic synthetic sales organisation.

    summary = generate(OrgConfig(seed=7, activities=20_000), store)

Same seed and config give byte-identical tables. The history is simulated once, independent of any
CRM (`world`), then written as Salesforce and as HubSpot records, one bulk insert per table.
"""

from __future__ import annotations

import time

import numpy as np

from sandbox.hubspot import objects as hs
from sandbox.org.config import OrgConfig
from sandbox.org.directory import build_directory
from sandbox.org.hubspot_records import write_hubspot
from sandbox.org.reps import build_roster, profiles
from sandbox.org.salesforce_records import write_salesforce
from sandbox.org.summary import OrgSummary
from sandbox.org.timeline import MS_PER_DAY, Calendar, from_ms, to_ms
from sandbox.org.world import build_world
from sandbox.salesforce import objects as sf
from sandbox.store import Store

__all__ = ["OrgSummary", "StoreNotEmptyError", "generate", "store_tables"]


class StoreNotEmptyError(RuntimeError):
    """generate() only fills an empty store."""


def store_tables() -> list[str]:
    """Every table of the store, as `schema."name"`."""
    tables = [f'salesforce."{name}"' for name in sf.SOBJECTS]
    tables += [f'hubspot."{name}"' for name in hs.HOBJECTS]
    tables += [
        "hubspot.owners",
        "hubspot.associations",
        "hubspot.property_history",
        "hubspot.pipeline_stages",
    ]
    return tables


def _empty(store: Store) -> None:
    with store.write() as cur:
        for table in store_tables():
            cur.execute(f"DELETE FROM {table}")


def generate(config: OrgConfig, store: Store) -> OrgSummary:
    """Simulate the org and write it into `store`, which must be empty."""
    started = time.perf_counter()
    config = config.resolved()
    if store.custom_fields != config.custom_fields:
        raise ValueError(
            f"OrgConfig.custom_fields is {config.custom_fields} but the store has {store.custom_fields} "
            f"custom fields per object: create the store as Store(custom_fields={config.custom_fields})"
        )
    filled = [t for t in store_tables() if store.count(t)]
    if filled:
        raise StoreNotEmptyError(
            f"the store already holds records ({', '.join(filled[:3])}...); generate() fills an empty "
            "store only: create a new Store, or use Mutations to change an existing org"
        )
    end_ms = to_ms(config.end)  # type: ignore[arg-type]
    start_ms = end_ms - config.days * MS_PER_DAY
    # Independent streams per step: changing how one step draws does not reshuffle the others.
    roster_rng, world_rng, names_rng, sf_rng, hs_rng, people_rng = (
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(config.seed).spawn(6)
    )
    roster = build_roster(config, roster_rng, start_ms, end_ms)
    world = build_world(config, roster, Calendar.build(start_ms, end_ms), world_rng, people_rng)
    directory = build_directory(names_rng, world.prospects, world.contact_seniority)
    try:
        salesforce = write_salesforce(store, config, world, roster, directory, sf_rng)
        hubspot = write_hubspot(store, config, world, roster, directory, hs_rng)
    except BaseException:
        _empty(store)  # tables are loaded one transaction each: leave nothing half-written
        raise
    return OrgSummary(
        config=config,
        start=from_ms(start_ms),
        end=config.end,  # type: ignore[arg-type]
        migration_at=from_ms(roster.migration_ms),
        reps=profiles(roster, salesforce.user_ids, hubspot.owner_ids),
        integration_user_id=salesforce.integration_user_id,
        counts={**salesforce.counts, **hubspot.counts},
        calls=len(world.calls.rep),
        meetings=len(world.meetings.rep),
        deals=world.deals.size,
        salesforce_shared_modstamp=from_ms(salesforce.bulk_modstamp_ms),
        hubspot_shared_modified=from_ms(hubspot.bulk_modified_ms),
        seconds=time.perf_counter() - started,
    )
