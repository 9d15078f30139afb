"""The `barometer` command line."""

from __future__ import annotations

import functools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipelines.collector import loading_for_one_run, own_process
from pipelines.report.writer import DEFAULT_WEEKS, MAX_WEEKS

if TYPE_CHECKING:  # the sandbox is imported only by the commands that serve it (`sandbox`, `demo`)
    from sandbox.org.config import OrgConfig


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Barometer: sales activity against results, from Salesforce and HubSpot into DuckDB KPI marts."""


def run() -> None:
    """The `barometer` console script: `main` in a process of its own, whose garbage collector the
    one-run commands may tune (pipelines.collector)."""
    own_process()
    main()


def _parse_end(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date such as 2026-11-25") from exc


_ORG_OPTIONS = (
    click.option("--seed", default=42, show_default=True, help="Seed of the synthetic sales org."),
    click.option("--reps", default=24, show_default=True, help="Number of sales reps."),
    click.option("--teams", default=3, show_default=True, help="Number of teams."),
    click.option("--days", default=365, show_default=True, help="Days of history."),
    click.option("--end", default=None, help="Date the history ends (ISO; default today, UTC)."),
    click.option("--activities", default=20_000, show_default=True, help="Approximate calls + meetings."),
)


def org_options(command: Callable) -> Callable:
    """The synthetic org's options (`sandbox` and `demo`), handed to `command` as one `org`: OrgConfig;
    a value OrgConfig refuses is a usage error naming the option's knob."""

    @functools.wraps(command)
    def with_org(*args, seed, reps, teams, days, end, activities, **kwargs):
        from sandbox.org.config import OrgConfig

        try:
            org = OrgConfig(
                seed=seed, reps=reps, teams=teams, days=days, end=_parse_end(end), activities=activities
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        return command(*args, org=org, **kwargs)

    for option in reversed(_ORG_OPTIONS):
        with_org = option(with_org)
    return with_org


@main.command()
@org_options
@click.option("--salesforce-port", default=8443, show_default=True, help="0 picks a free port.")
@click.option("--hubspot-port", default=8080, show_default=True, help="0 picks a free port.")
def sandbox(org: OrgConfig, salesforce_port: int, hubspot_port: int) -> None:
    """Serve the local CRM sandbox (Salesforce and HubSpot emulators) until interrupted."""
    from sandbox.sandbox import Sandbox, SandboxConfig

    config = SandboxConfig(org=org, salesforce_port=salesforce_port, hubspot_port=hubspot_port)
    started = time.perf_counter()
    click.echo(f"Generating the sales org (seed {org.seed}, ~{org.activities:,} activities)…", err=True)
    try:
        box = Sandbox(config).start()
    except OSError as exc:
        raise click.ClickException(
            f"could not start the sandbox: {exc}. Is the port in use? "
            "Pass --salesforce-port 0 --hubspot-port 0 to pick free ports."
        ) from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        counts = box.summary.counts if box.summary else {}
        click.echo(f"Ready in {time.perf_counter() - started:.1f}s.\n")
        click.echo(f"Salesforce emulator  {box.salesforce.url}   (HTTPS; trust the CA below)")
        click.echo(f"HubSpot emulator     {box.hubspot.url}")
        click.echo(f"CA certificate       {box.ca_path}\n")
        click.echo("Credentials (export these to point Barometer or any tool at the sandbox):")
        for name, value in box.credentials().items():
            click.echo(f"  export {name}={value}")
        if counts:
            click.echo("\nRecords:")
            for table, n in counts.items():
                click.echo(f"  {table:<40} {n:>10,}")
        click.echo("\nPress Ctrl-C to stop.")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
        click.echo("Sandbox stopped.", err=True)


# -- the pipeline ---------------------------------------------------------------------------------


def _progress(line: str) -> None:
    click.echo(line, err=True)


@contextmanager
def _failures_explained(what: str) -> Iterator[None]:
    """Configuration errors raised before a run starts become one clear line and exit status 1."""
    from connectors.errors import ConfigurationError
    from models.engine import WarehouseConfigError
    from models.reporting import ReportingConfigError
    from models.sqlmodels import SqlModelError
    from pipelines.settings import PipelineSettingsError
    from pipelines.sql_assets import SqlDependencyError

    try:
        yield
    except (
        PipelineSettingsError,
        WarehouseConfigError,
        ReportingConfigError,
        SqlModelError,
        SqlDependencyError,
        ConfigurationError,  # either CRM's
        ValueError,  # --start/--end dates, publishing settings
    ) as exc:
        raise click.ClickException(f"{what}: {exc}") from exc


def _report(outcome, *, headline: str, retry: str, notes: tuple[str, ...] = ()) -> None:
    """Print what a run built; exit non-zero, naming the failed steps, if it failed."""
    from models.engine import warehouse_url
    from pipelines.publish_assets import SERVING_KEY

    if not outcome.success:
        steps = "\n".join(f"  {failure}" for failure in outcome.failures) or "  (see the log above)"
        raise click.ClickException(f"{headline} failed (Dagster run {outcome.run_id}):\n{steps}\n{retry}")
    raw = [m for asset, m in outcome.metadata.items() if asset.startswith("raw_")]
    fetched = sum(m.get("fetched", 0) for m in {m.get("sync_run_id"): m for m in raw}.values())
    api_calls = sum(m.get("api_calls", 0) for m in {m.get("sync_run_id"): m for m in raw}.values())
    rejected = sum(m.get("rejected", 0) for m in raw)
    click.echo(f"{headline} in {outcome.seconds:.1f}s (Dagster run {outcome.run_id}).")
    click.echo(f"  raw: {fetched:,} records fetched with {api_calls:,} API calls, {rejected:,} rejected")
    skipped = ("raw_", "config/", "serving/", "report/")
    for asset in sorted(a for a in outcome.metadata if not a.startswith(skipped)):
        rows = outcome.rows(asset)
        click.echo(f"  {asset.replace('/', '.'):<28}{rows:>10,} rows" if rows is not None else f"  {asset}")
    failed = [c for c in outcome.checks if not c.passed]
    click.echo(f"  checks: {len(outcome.checks) - len(failed)} passed, {len(failed)} failed")
    for check in failed:
        facts = ", ".join(f"{name} {value}" for name, value in check.metadata.items() if name != "sample")
        click.echo(f"    {check.severity.lower():<5} {check.asset.replace('/', '.')} {check.name}: {facts}")
    for note in notes:
        click.echo(f"  {note}")
    click.echo(f"Warehouse: {warehouse_url().removeprefix('duckdb:///')}")
    if scorecard := outcome.metadata.get("report/scorecard"):
        click.echo(f"Scorecard: {scorecard['path']} (open it in a browser; `barometer report` rewrites it)")
    _report_publication(outcome.metadata.get(SERVING_KEY.to_user_string()))


def _report_publication(published: dict | None) -> None:
    """Where BI tools read the build (pipelines.publish_assets), if the run published it."""
    if published:
        click.echo(f"Published for BI tools (docs/bi.md): {published['path']} (read-only DuckDB)")
        version = Path(str(published["parquet"]))
        click.echo(f"  Parquet: {version.parent / 'current'}/ (now {version.name})")
        click.echo(f"  PostgreSQL: {published['postgres']}")


def _run(action: Callable) -> None:
    """`action` on the Dagster instance, once no other barometer command is writing the warehouse."""
    from pipelines.runs import cli_instance, warehouse_turn

    with warehouse_turn(progress=_progress), cli_instance(progress=_progress) as instance:
        action(instance)


@main.command()
def sync() -> None:
    """Sync the configured CRMs from where their data stops through now, then rebuild the models.

    One Dagster run in which each stream loads from the end of its last successful window (today's
    changes so far included), against the instance in DAGSTER_HOME (default: .dagster_home in the
    project)."""
    with _failures_explained("barometer sync"):
        with loading_for_one_run():
            from pipelines.definitions import build_definitions
            from pipelines.runs import catch_up, configured_crms
            from pipelines.settings import settings_from_env

            defs = build_definitions(settings_from_env())
        if not configured_crms(defs):
            from connectors import hubspot, salesforce

            raise click.ClickException(
                f"no CRM is configured.\n  {salesforce.NOT_CONFIGURED}\n  {hubspot.NOT_CONFIGURED}\n"
                "Try `barometer demo` to see Barometer work against its local CRM sandbox."
            )

        def action(instance) -> None:
            outcome = catch_up(defs, instance=instance, progress=_progress)
            since = outcome.loaded_since()
            _report(
                outcome,
                headline=f"Synced {since} … {datetime.now(UTC).date()}" if since else "Synced",
                retry="Fix the cause and run `barometer sync` again: it starts over from the last "
                "successful window, and re-loading is harmless.",
            )

        _run(action)


@main.command()
@click.option("--start", required=True, help="First day (ISO date, e.g. 2026-01-01).")
@click.option("--end", required=True, help="Last day, inclusive (ISO date).")
def backfill(start: str, end: str) -> None:
    """Re-extract the days START … END (modification time) in one run, then rebuild the models."""
    with _failures_explained("barometer backfill"):
        with loading_for_one_run():
            from pipelines.definitions import build_definitions
            from pipelines.jobs import SYNC_JOB
            from pipelines.runs import run_job
            from pipelines.settings import settings_from_env
            from pipelines.windows import day_range

            settings = settings_from_env()
            days = day_range(settings, start, end, now=datetime.now(UTC))
            defs = build_definitions(settings)

        def action(instance) -> None:
            _progress(f"Backfilling {start} … {end} in one run…")
            outcome = run_job(defs, SYNC_JOB, instance=instance, days=days, progress=_progress)
            _report(
                outcome,
                headline=f"Backfilled {start} … {end}",
                retry="Fix the cause and run the same backfill again: every write is a merge, so "
                "re-running is harmless.",
            )

        _run(action)


@main.command()
@org_options
@click.option("--replace", is_flag=True, help="Overwrite the warehouse BAROMETER_WAREHOUSE names.")
def demo(org: OrgConfig, replace: bool) -> None:
    """Start the CRM sandbox, sync it into a fresh warehouse, build the models and show the result."""
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.demo import DemoError, demo_warehouse, sandbox_environment
    from pipelines.runs import catch_up
    from pipelines.settings import settings_from_env
    from sandbox.sandbox import Sandbox, SandboxConfig

    try:
        warehouse = demo_warehouse(replace=replace)
    except (ValueError, DemoError) as exc:
        raise click.UsageError(str(exc)) from exc
    _progress(
        f"Starting the CRM sandbox (seed {org.seed}, {org.reps} reps, {org.days} days, "
        f"~{org.activities:,} activities)…"
    )
    with Sandbox(SandboxConfig(org=org)) as box, sandbox_environment(box, warehouse) as config_file:
        with _failures_explained("barometer demo"), loading_for_one_run():
            defs = build_definitions(settings_from_env())
        with dg.DagsterInstance.ephemeral() as instance:
            outcome = catch_up(defs, instance=instance, progress=_progress)
        generated = (
            (
                f"the sandbox generated {box.summary.calls + box.summary.meetings:,} calls and meetings "
                f"and {box.summary.deals:,} deals",
            )
            if box.summary
            else ()
        )
        _report(
            outcome,
            headline="Demo: the sandbox org synced and built",
            retry="This is a bug in the demo, not in your setup; please report it with the output above.",
            notes=generated,
        )
    click.echo(f"Reporting config: {config_file}")
    query = (
        f"import duckdb; duckdb.connect({str(warehouse)!r}, read_only=True)"
        ".sql('from marts.rep_weekly_scorecard where revenue_target is not null "
        "order by week_start desc, rep_id limit 10').show()"
    )
    click.echo("\nWhere to look:")
    click.echo(f'  {sys.executable} -c "{query}"')
    for line in (
        "  marts (docs/metrics.md): marts.rep_weekly_scorecard (magic number, barometer),",
        "    marts.rep_daily_activity, marts.funnel_monthly, marts.rep_peer_comparison, marts.deal_facts",
        "  core: core.reps, core.activities, core.deals, core.deal_stage_history",
        "  raw: raw_salesforce.*, raw_hubspot.*, raw_meta.sync_runs (one row per extraction and its counts)",
    ):
        click.echo(line)
    click.echo(
        "  the pipeline in Dagster's UI: `barometer sandbox`, export what it prints, then `dagster dev`"
    )
    click.echo("  (docs/operations.md)")


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: BAROMETER_REPORT_FILE, else <warehouse name>-scorecard.html "
    "beside the warehouse).",
)
@click.option(
    "--weeks",
    type=click.IntRange(1, MAX_WEEKS),
    default=DEFAULT_WEEKS,
    show_default=True,
    help="Weeks shown, ending with the week of the marts' as_of.",
)
@click.option(
    "--database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The warehouse DuckDB file (default: BAROMETER_WAREHOUSE, else data/warehouse.duckdb).",
)
def report(out: Path | None, weeks: int, database: Path | None) -> None:
    """Write the KPI scorecard: one self-contained HTML page from the warehouse's marts, read-only."""
    from models.engine import WarehouseConfigError
    from pipelines.report import ReportError, default_warehouse, open_read_only, report_path, write_report

    try:
        database = database.expanduser().resolve() if database else default_warehouse()
        path = out.expanduser().resolve() if out else report_path(database)
        con = open_read_only(database)
        try:
            written = write_report(con, path, weeks=weeks)
        finally:
            con.close()
    except (ReportError, WarehouseConfigError) as exc:
        raise click.ClickException(f"barometer report: {exc}") from exc
    click.echo(
        f"Scorecard written: {written.path} ({written.bytes:,} bytes; {written.reps} reps, "
        f"{written.weeks} weeks; {written.seconds:.2f}s)"
    )
