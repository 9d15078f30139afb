"""Extract assets: one multi-asset (one step) per CRM, one asset per landing table its streams fill
(hubspot.deals fills raw_hubspot.deals, .deal_stage_history and .deal_associations), over the window the
run config names (pipelines.windows): a range of days, or each stream's catch-up from where its data
stops. The streams and their tables come from the connectors' static declarations (each CRM's
specs.CATALOG), so a new stream or table appears here without a change.

Per stream, window → client → loader → metadata: the run's days (or the stream's loaded span) become a
window, the CRM (logged in once per step) hands out the stream, models.sync.run_stream merges its
pages, and the run report becomes metadata and two checks: the reconciliation, and a warning when the
run rejected records (raw_meta.rejects), with their count and a sample of the reasons.
"""

import traceback
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import sqlalchemy as sa

from connectors.hubspot import specs as hubspot_specs
from connectors.salesforce import specs as salesforce_specs
from connectors.streams import Stream, StreamSpec, Window
from models.raw import ensure_tables, quote, rejects, schema_name, sync_runs
from models.sync import RunReport, catch_up_window, run_stream
from pipelines.errors import innermost_message
from pipelines.settings import PipelineSettings
from pipelines.windows import WINDOW_RESOURCE, Days, days_window

WAREHOUSE_POOL = "warehouse"  # every step that opens the warehouse: DuckDB allows one writer process
RECONCILED = "fetched_equals_loaded_plus_rejected"
NOTHING_REJECTED = "nothing_rejected"
SAMPLE_REASONS = 10


@dataclass(frozen=True)
class CatalogStream:
    """A stream as the connectors declare it: its cursor name and the landing tables it fills."""

    name: str  # e.g. "hubspot.deals"
    source: str  # "salesforce" or "hubspot"
    specs: tuple[StreamSpec, ...]  # specs[0] is the stream's own table


def stream_catalog() -> tuple[CatalogStream, ...]:
    """Every stream of both connectors as they declare it: no client, no credentials, no request."""
    return tuple(
        CatalogStream(name, tables[0].source, tables)
        for name, tables in (*salesforce_specs.CATALOG.items(), *hubspot_specs.CATALOG.items())
    )


def landing_table_key(spec: StreamSpec) -> dg.AssetKey:
    """`raw_<source>.<table>` as an asset key, the way SQL models name the table."""
    return dg.AssetKey([schema_name(spec), spec.name])


def extract_assets(settings: PipelineSettings) -> list[dg.AssetsDefinition]:
    streams = stream_catalog()
    crms = dict.fromkeys(stream.source for stream in streams)
    return [extract_asset(crm, [s for s in streams if s.source == crm], settings) for crm in crms]


def extract_asset(
    source: str, streams: list[CatalogStream], settings: PipelineSettings
) -> dg.AssetsDefinition:
    """One step per CRM: it logs in once and runs the streams whose tables are selected, one after
    another. A stream that fails does not stop the others; the step fails at the end, naming each
    failed stream and its error, after the streams that loaded have reported their materializations.
    (A step per stream cost Dagster's per-step work 16 times a run: docs/operations.md, "Costs".)"""

    @dg.multi_asset(
        name=f"extract_{source}_streams",  # the job extract_<crm> runs it
        specs=[_asset_spec(stream, spec) for stream in streams for spec in stream.specs],
        check_specs=[
            spec
            for stream in streams
            for spec in (
                dg.AssetCheckSpec(
                    RECONCILED,
                    asset=landing_table_key(stream.specs[0]),
                    description="The run's records reconcile: fetched = loaded + rejected "
                    "(raw_meta.sync_runs).",
                ),
                dg.AssetCheckSpec(
                    NOTHING_REJECTED,
                    asset=landing_table_key(stream.specs[0]),
                    description="The run rejected no record; rejects are kept, with the reason and the "
                    "payload, in raw_meta.rejects.",
                ),
            )
        ],
        can_subset=True,
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", WINDOW_RESOURCE, source},
    )
    def extract(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        selected = context.selected_asset_keys
        chosen = [s for s in streams if selected & {landing_table_key(spec) for spec in s.specs}]
        now = datetime.now(UTC)
        days = getattr(context.resources, WINDOW_RESOURCE).days(settings, now=now)
        crm = getattr(context.resources, source)
        failed: dict[str, list[str]] = {}  # error message → the streams that failed with it
        with context.resources.warehouse.engine(loading=True) as engine, crm.open_crm() as sources:
            live_streams = {live.name: live for live in sources.streams}
            for stream in chosen:
                live = live_streams.get(stream.name)
                if live is None:
                    yield from _skipped(context, engine, stream, crm.NOT_CONFIGURED, selected)
                    continue
                context.log.info(f"{stream.name}: extracting")
                try:
                    yield from _extract_stream(context, engine, stream, live, days, now, settings, selected)
                except Exception as exc:  # the other streams still load; the step fails below
                    message = innermost_message(exc)
                    context.log.error(f"{stream.name} failed: {message}")
                    context.log.debug(traceback.format_exc())
                    failed.setdefault(message, []).append(stream.name)
        if failed:
            raise dg.Failure(
                description="; ".join(f"{', '.join(names)}: {message}" for message, names in failed.items())
            )

    return extract


def _extract_stream(
    context: dg.AssetExecutionContext,
    engine: sa.Engine,
    stream: CatalogStream,
    live: Stream,
    days: Days | None,
    now: datetime,
    settings: PipelineSettings,
    selected: AbstractSet[dg.AssetKey],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Load one stream over the run's days, or from where its data stops; its tables' materializations
    and its two checks."""
    if days is None:
        window = catch_up_window(engine, live, overlap=settings.overlap, now=now)
    else:
        window = days_window(settings, days, now=now)
    run_id = f"{context.run.run_id}:{stream.name}:{context.retry_number}"
    report = run_stream(engine, live, window, run_id=run_id)
    context.log.info(_describe(report))
    counts = _table_counts(engine, stream.specs)
    for spec in stream.specs:
        if landing_table_key(spec) in selected:
            yield dg.MaterializeResult(
                asset_key=landing_table_key(spec), metadata=_metadata(report, spec, counts[spec.table_name])
            )
    own = landing_table_key(stream.specs[0])
    if dg.AssetCheckKey(own, RECONCILED) in context.selected_asset_check_keys:
        yield reconciliation(engine, own, run_id)
    if dg.AssetCheckKey(own, NOTHING_REJECTED) in context.selected_asset_check_keys:
        yield rejected(engine, own, run_id)


def _asset_spec(stream: CatalogStream, spec: StreamSpec) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=landing_table_key(spec),
        description=f"{spec.description} Landed by stream {stream.name}.",
        group_name=f"raw_{stream.source}",
        kinds={stream.source, "duckdb"},
        metadata={
            "stream": stream.name,
            "table": spec.table_name,
            "primary_key": ", ".join(spec.primary_key),
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(c.name, c.type, description=c.description) for c in spec.all_columns]
            ),
        },
    )


def _metadata(report: RunReport, spec: StreamSpec, rows: int) -> dict[str, object]:
    merged = report.tables.get(spec.table_name)
    return {
        "dagster/row_count": rows,
        "window_start": report.window.start.isoformat(),
        "window_end": report.window.end.isoformat() if report.window.end else "now",
        "fetched": report.fetched,
        "loaded": merged.loaded if merged else 0,
        "rejected": merged.rejected if merged else 0,
        "inserted": merged.inserted if merged else 0,
        "updated": merged.updated if merged else 0,
        "api_calls": report.api_calls,
        "newest_change_at": report.newest_change_at.isoformat() if report.newest_change_at else "none",
        "sync_run_id": report.run_id,
        "seconds": round(report.seconds, 3),
    }


def _describe(report: RunReport) -> str:
    return (
        f"{report.stream}: {report.fetched:,} fetched, {report.loaded:,} loaded, {report.rejected:,} "
        f"rejected, {report.api_calls:,} API calls, window {_window_text(report.window)} "
        f"({report.seconds:.1f}s)"
    )


def _window_text(window: Window) -> str:
    def moment(value: datetime | None) -> str:
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}" if value else "now"

    return f"[{moment(window.start)}, {moment(window.end)}) UTC"


def _table_counts(engine: sa.Engine, specs: tuple[StreamSpec, ...]) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            spec.table_name: conn.exec_driver_sql(
                f"select count(*) from {quote(schema_name(spec))}.{quote(spec.name)}"
            ).scalar_one()
            for spec in specs
        }


def reconciliation(engine: sa.Engine, own: dg.AssetKey, run_id: str) -> dg.AssetCheckResult:
    """Read back what the run recorded: a run whose counts do not add up is a loader bug."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                sync_runs.c.status, sync_runs.c.fetched, sync_runs.c.loaded, sync_runs.c.rejected
            ).where(sync_runs.c.run_id == run_id)
        ).one_or_none()
    if row is None:
        return dg.AssetCheckResult(
            asset_key=own, check_name=RECONCILED, passed=False, metadata={"problem": f"no sync run {run_id}"}
        )
    passed = row.status == "succeeded" and row.fetched == row.loaded + row.rejected
    return dg.AssetCheckResult(
        asset_key=own,
        check_name=RECONCILED,
        passed=passed,
        metadata={
            "fetched": row.fetched,
            "loaded": row.loaded,
            "rejected": row.rejected,
            "status": row.status,
        },
    )


def rejected(engine: sa.Engine, own: dg.AssetKey, run_id: str) -> dg.AssetCheckResult:
    """Warn about the records the run could not map: how many, per landing table, and the most
    frequent reasons. Nothing is lost (each is in raw_meta.rejects with its payload), but the figures
    built on the table miss them until the source is fixed."""
    with engine.connect() as conn:
        by_table = dict(
            conn.execute(
                sa.select(rejects.c.table_name, sa.func.count())
                .where(rejects.c.run_id == run_id)
                .group_by(rejects.c.table_name)
                .order_by(rejects.c.table_name)
            ).all()
        )
        reasons = conn.execute(
            sa.select(rejects.c.reason, sa.func.count().label("records"), sa.func.min(rejects.c.record_id))
            .where(rejects.c.run_id == run_id)
            .group_by(rejects.c.reason)
            .order_by(sa.desc("records"), rejects.c.reason)
            .limit(SAMPLE_REASONS)
        ).all()
    count = sum(by_table.values())
    metadata: dict[str, object] = {"rejected": count, "sync_run_id": run_id}
    if count:
        metadata["by_table"] = dg.MetadataValue.json(by_table)
        metadata["sample_reasons"] = dg.MetadataValue.json(
            [{"reason": reason, "records": n, "record_id": record_id} for reason, n, record_id in reasons]
        )
    return dg.AssetCheckResult(
        asset_key=own,
        check_name=NOTHING_REJECTED,
        passed=count == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _skipped(
    context: dg.AssetExecutionContext,
    engine: sa.Engine,
    stream: CatalogStream,
    message: str,
    selected: AbstractSet[dg.AssetKey],
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """A CRM without credentials: its tables exist (empty if never loaded) so the SQL models still
    build from the other CRM, and the materialization says why nothing was fetched."""
    context.log.warning(f"{stream.name}: {message}")
    ensure_tables(engine, stream.specs, stream=stream.name)
    counts = _table_counts(engine, stream.specs)
    for spec in stream.specs:
        if landing_table_key(spec) in selected:
            yield dg.MaterializeResult(
                asset_key=landing_table_key(spec),
                metadata={"dagster/row_count": counts[spec.table_name], "skipped": message},
            )
    for check_name in (RECONCILED, NOTHING_REJECTED):
        if (
            dg.AssetCheckKey(landing_table_key(stream.specs[0]), check_name)
            not in context.selected_asset_check_keys
        ):
            continue
        yield dg.AssetCheckResult(
            asset_key=landing_table_key(stream.specs[0]),
            check_name=check_name,
            passed=True,
            metadata={"skipped": message},
        )
