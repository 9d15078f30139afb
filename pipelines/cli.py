"""The `barometer` command line."""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime

import click

from connectors.sandbox.org.config import OrgConfig


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Barometer: sales activity against results, from Salesforce and HubSpot into DuckDB KPI marts."""


def _parse_end(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date such as 2026-11-25") from exc


@main.command()
@click.option("--seed", default=42, show_default=True, help="Seed of the synthetic sales org.")
@click.option("--reps", default=24, show_default=True, help="Number of sales reps.")
@click.option("--teams", default=3, show_default=True, help="Number of teams.")
@click.option("--days", default=365, show_default=True, help="Days of history.")
@click.option("--end", default=None, help="Date the history ends (ISO; default today, UTC).")
@click.option("--activities", default=20_000, show_default=True, help="Approximate calls + meetings.")
@click.option("--salesforce-port", default=8443, show_default=True, help="0 picks a free port.")
@click.option("--hubspot-port", default=8080, show_default=True, help="0 picks a free port.")
def sandbox(seed, reps, teams, days, end, activities, salesforce_port, hubspot_port) -> None:
    """Serve the local CRM sandbox (Salesforce and HubSpot emulators) until interrupted."""
    from connectors.sandbox.sandbox import Sandbox, SandboxConfig

    try:
        org = OrgConfig(
            seed=seed, reps=reps, teams=teams, days=days, end=_parse_end(end), activities=activities
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    config = SandboxConfig(org=org, salesforce_port=salesforce_port, hubspot_port=hubspot_port)
    started = time.perf_counter()
    click.echo(f"Generating the sales org (seed {seed}, ~{activities:,} activities)…", err=True)
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
