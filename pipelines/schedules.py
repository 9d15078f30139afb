"""The daily schedule: at the configured time and timezone, sync the previous day's partition (its
window is complete by then) and rebuild everything downstream."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines.settings import PipelineSettings

SCHEDULE_NAME = "daily_sync"


def previous_day_key(partitions_def: dg.TimeWindowPartitionsDefinition, at: datetime) -> str | None:
    """The key of the day before `at` (in the partitions' timezone), or None before the first one."""
    day = at - timedelta(days=1)
    if day < partitions_def.start:
        return None
    return partitions_def.get_partition_key_for_timestamp(day.timestamp())


def daily_sync_schedule(
    job: "UnresolvedAssetJobDefinition",
    partitions_def: dg.TimeWindowPartitionsDefinition,
    settings: PipelineSettings,
) -> dg.ScheduleDefinition:
    at = settings.schedule_time

    @dg.schedule(
        name=SCHEDULE_NAME,
        job=job,
        cron_schedule=f"{at.minute} {at.hour} * * *",
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,  # on as soon as a daemon runs (dagster dev)
        description=f"Every day at {at:%H:%M} {settings.timezone}: sync the previous day, rebuild, check.",
    )
    def daily_sync(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        now = context.scheduled_execution_time or datetime.now(ZoneInfo(settings.timezone))
        key = previous_day_key(partitions_def, now)
        if key is None:
            return dg.SkipReason(f"the day before {now:%Y-%m-%d} precedes the first partition")
        return dg.RunRequest(run_key=key, partition_key=key)

    return daily_sync
