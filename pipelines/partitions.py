"""Partitions and cursors as one mechanism: windows on the records' modification time.

Every extraction is `run_stream(engine, stream, window)` over a bounded window: a scheduled partition
(one day), a backfill (a range of days, one run), and `barometer sync` (every day from where the
loaded data stops, today's so far included). What is loaded is what `raw_meta.sync_runs` records as
succeeded: `models.sync.loaded_until` reads the end of the unbroken span of successful windows from
the start of history, and `catch_up_range` turns it into the partitions a sync must run. Nothing else
decides: a run that failed, or a day loaded out of order, leaves the span where it was, so the next
sync fetches again from there (the merge makes re-fetching harmless).

The first partition's window starts at HISTORY_START, not at its own midnight: records modified before
the configured start date are loaded with it. A window never ends after the moment it runs, so
today's partition loads today's records so far and the next sync picks up from there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import dagster as dg

from connectors.streams import Window
from models.sync import HISTORY_START
from pipelines.settings import PipelineSettings


def daily_partitions(settings: PipelineSettings) -> dg.DailyPartitionsDefinition:
    """One partition per day from the start date through today (today's is partial until midnight)."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(), timezone=settings.timezone, end_offset=1
    )


def extraction_window(
    partitions_def: dg.TimeWindowPartitionsDefinition, time_window: dg.TimeWindow, now: datetime
) -> Window:
    """The modification-time window a run over `time_window` (one or more partitions) extracts."""
    start = HISTORY_START if time_window.start <= partitions_def.start else time_window.start
    end = min(time_window.end, now)
    return Window(start.astimezone(UTC), end.astimezone(UTC))


def catch_up_range(
    partitions_def: dg.TimeWindowPartitionsDefinition,
    loaded: Iterable[datetime | None],
    *,
    overlap: timedelta,
    now: datetime,
) -> dg.PartitionKeyRange:
    """The partitions a sync runs: from the day where the least advanced stream's data stops (minus
    `overlap`, for late-committed records) through today; every partition if a stream has none."""
    with dg.partition_loading_context(effective_dt=now):
        first, last = partitions_def.get_first_partition_key(), partitions_def.get_last_partition_key()
    if first is None or last is None:
        raise ValueError(f"no daily partitions up to {now.isoformat()}: the start date is in the future")
    points = list(loaded)
    if not points or any(point is None for point in points):
        return dg.PartitionKeyRange(first, last)
    since = min(points) - overlap  # type: ignore[type-var]  # no None left
    if since <= partitions_def.start:
        return dg.PartitionKeyRange(first, last)
    return dg.PartitionKeyRange(partitions_def.get_partition_key_for_timestamp(since.timestamp()), last)
