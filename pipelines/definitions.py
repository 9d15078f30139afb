"""The Dagster definitions: extract assets per stream, the reporting config, an asset per SQL file,
checks, jobs, the daily schedule and resources. `dagster dev` loads `defs` (pyproject.toml
[tool.dagster]); the barometer CLI and the tests call `build_definitions`. Settings and resources are
read from the environment when the definitions are built, never at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from models.reporting import CONFIG_SCHEMA, CONFIG_TABLES
from models.sqlmodels import SQL_ROOT, discover
from pipelines.checks import data_quality_checks, model_checks, source_freshness
from pipelines.extract_assets import extract_assets, landing_table_key, stream_catalog
from pipelines.jobs import SYNC_JOB, jobs
from pipelines.publish_assets import publish_asset
from pipelines.report_assets import report_assets
from pipelines.resources import resources_from_env
from pipelines.schedules import daily_sync_schedule
from pipelines.settings import PipelineSettings, settings_from_env
from pipelines.sql_assets import models_asset
from pipelines.windows import WINDOW_RESOURCE, SyncWindow


def build_definitions(
    settings: PipelineSettings | None = None,
    *,
    sql_root: Path = SQL_ROOT,
    resources: Mapping[str, object] | None = None,
) -> dg.Definitions:
    """Everything Dagster runs. `settings` default to the environment's; `resources` replace the
    environment-bound ones by key (tests, the demo)."""
    settings = settings or settings_from_env()
    streams = stream_catalog()
    models = discover(sql_root)
    upstream = [landing_table_key(spec) for s in streams for spec in s.specs]
    quality = model_checks(models)
    checks = [
        source_freshness(streams, settings.freshness),
        *data_quality_checks(
            [
                *(model.name for model in models),
                *(f"{CONFIG_SCHEMA}.{table.name}" for table in CONFIG_TABLES),
            ],
            quality,
        ),
    ]
    all_jobs = jobs(streams, checks)
    sync_job = next(job for job in all_jobs if job.name == SYNC_JOB)
    return dg.Definitions(
        assets=[
            *extract_assets(settings),
            models_asset(models, upstream, max_row_drop_percent=settings.max_row_drop_percent),
            publish_asset(models, quality),
            *report_assets(models),
        ],
        asset_checks=checks,
        jobs=all_jobs,
        schedules=[daily_sync_schedule(sync_job, settings)],
        # The extraction window comes from the run config (pipelines.windows); none: catch up.
        resources={**resources_from_env(), WINDOW_RESOURCE: SyncWindow(), **(resources or {})},
        # Steps take turns on the warehouse anyway (pool of 1): one process per run, not one per step.
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
