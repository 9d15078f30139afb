"""The daily schedule: at the configured time and timezone, catch every stream up from where its loaded
data stops (as `barometer sync` does) and rebuild everything downstream. Catching up rather than
loading the previous day alone: a day the daemon missed (a host down over a weekend) is loaded by the
next tick, with no gap for the freshness check to find."""

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import dagster as dg

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines.settings import PipelineSettings
from pipelines.windows import previous_day, window_run_config, window_tags

SCHEDULE_NAME = "daily_sync"


def daily_sync_schedule(
    job: "UnresolvedAssetJobDefinition", settings: PipelineSettings
) -> dg.ScheduleDefinition:
    at = settings.schedule_time

    @dg.schedule(
        name=SCHEDULE_NAME,
        job=job,
        cron_schedule=f"{at.minute} {at.hour} * * *",
        execution_timezone=settings.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,  # on as soon as a daemon runs (dagster dev)
        description=f"Every day at {at:%H:%M} {settings.timezone}: catch every stream up, rebuild, check.",
    )
    def daily_sync(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        now = context.scheduled_execution_time or datetime.now(ZoneInfo(settings.timezone))
        day = previous_day(settings, now)
        if day is None:
            return dg.SkipReason(
                f"the day before {now:%Y-%m-%d} precedes the start date {settings.start_date}"
            )
        # one run per day (the run key), loading whatever is missing up to now
        return dg.RunRequest(
            run_key=day.isoformat(), run_config=window_run_config(None), tags=window_tags(None)
        )

    return daily_sync
