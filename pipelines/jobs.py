"""Jobs: `sync` (extract every stream over the run's window, pipelines.windows; write the reporting
config, build every SQL model, run every check), `extract_<crm>` (one CRM's streams only), `rebuild`
(config, models and checks, no extraction) and `check` (the standalone checks on the tables as they
are). Runs carry a `barometer/crm-<source>` tag per CRM they call, which the run queue limits per CRM
(dagster.yaml)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines.extract_assets import CatalogStream, landing_table_key

SYNC_JOB = "sync"
REBUILD_JOB = "rebuild"
CHECK_JOB = "check"
CRM_TAG_PREFIX = "barometer/crm-"


def crm_tags(sources: Iterable[str]) -> dict[str, str]:
    return {f"{CRM_TAG_PREFIX}{source}": "extract" for source in sources}


def jobs(
    streams: Iterable[CatalogStream], checks: Iterable[dg.AssetChecksDefinition]
) -> list[UnresolvedAssetJobDefinition]:
    streams = list(streams)
    sources = list(dict.fromkeys(s.source for s in streams))
    extract_keys = {
        source: [landing_table_key(spec) for s in streams if s.source == source for spec in s.specs]
        for source in sources
    }
    every_extract = dg.AssetSelection.assets(*(key for keys in extract_keys.values() for key in keys))
    return [
        dg.define_asset_job(
            SYNC_JOB,
            selection=dg.AssetSelection.all(),
            tags=crm_tags(sources),
            description="Extract every stream (catch up, or the days in the run config's window), then "
            "rebuild config, models, checks.",
        ),
        *(
            dg.define_asset_job(
                f"extract_{source}",
                selection=dg.AssetSelection.assets(*keys),
                tags=crm_tags([source]),
                description=f"Extract the {source} streams (catch up, or the run config's days; no rebuild).",
            )
            for source, keys in extract_keys.items()
        ),
        dg.define_asset_job(
            REBUILD_JOB,
            selection=dg.AssetSelection.all() - every_extract,
            description="Rewrite the reporting config, rebuild every SQL model, run checks; no extraction.",
        ),
        dg.define_asset_job(
            CHECK_JOB,
            selection=dg.AssetSelection.checks(*checks),
            description="Run the data-quality and freshness checks on the tables as they are.",
        ),
    ]
