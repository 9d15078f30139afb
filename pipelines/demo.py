"""`barometer demo`: the pipeline against the in-process CRM sandbox, in a fresh warehouse.

The sandbox takes the place of the CRMs through the same environment variables a real install sets
(its credentials, and its CA through REQUESTS_CA_BUNDLE), so the demo runs the same definitions and the
same sync as `barometer sync`. Its reporting configuration maps the sandbox's custom stages and its
second currency, written as the TOML file a user would write, and invented quarterly revenue targets
(the CSV of BAROMETER_TARGETS_FILE) so that the magic number and the barometer have something to show.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from models.engine import ENV_VAR as WAREHOUSE_VAR
from models.engine import PROJECT_ROOT, warehouse_url
from models.reporting import CONFIG_FILE_VAR
from models.serving.config import DIR_VAR as PUBLISH_DIR_VAR
from models.targets import COLUMNS as TARGET_COLUMNS
from models.targets import TARGETS_FILE_VAR

if TYPE_CHECKING:  # the emulator is loaded by the demo's own steps only, not by modules importing constants
    from sandbox.sandbox import Sandbox

DEFAULT_DEMO_WAREHOUSE = PROJECT_ROOT / "data" / "demo.duckdb"
SANDBOX_FX_RATES = {"EUR": 1.08}
# Invented quarterly revenue targets: this much per quarter for a rep of average activity (level 1.0).
DEMO_QUARTERLY_TARGET = 150_000
# Only the token flow: the sandbox's other login variables would make the demo log in twice.
SANDBOX_VARIABLES = (
    "SALESFORCE_INSTANCE_URL",
    "SALESFORCE_ACCESS_TOKEN",
    "REQUESTS_CA_BUNDLE",
    "HUBSPOT_BASE_URL",
    "HUBSPOT_ACCESS_TOKEN",
)
# Settings of a real install that must not leak into the demo (the warehouse is chosen separately).
CLEARED_PREFIXES = ("SALESFORCE_", "HUBSPOT_", "BAROMETER_")


class DemoError(RuntimeError):
    """The demo cannot start; the message says what to change."""


def demo_warehouse(*, replace: bool) -> Path:
    """The file the demo fills: BAROMETER_WAREHOUSE if set, else data/demo.duckdb. An existing file is
    removed first: the demo's own file always, one named by BAROMETER_WAREHOUSE only with `replace`."""
    if os.environ.get(WAREHOUSE_VAR, "").strip():
        database = make_url(warehouse_url()).database or ""
        if not database or database == ":memory:" or database.startswith("md:"):
            raise DemoError(f"{WAREHOUSE_VAR} must name a DuckDB file for the demo (it builds a fresh one)")
        path = Path(database).expanduser().resolve()
        if path.exists() and not replace:
            raise DemoError(
                f"{path} ({WAREHOUSE_VAR}) already exists; the demo builds a fresh warehouse: pass --replace "
                f"to overwrite it, or unset {WAREHOUSE_VAR} to use {DEFAULT_DEMO_WAREHOUSE}"
            )
    else:
        path = DEFAULT_DEMO_WAREHOUSE
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def sandbox_reporting_toml() -> str:
    """Reporting configuration for the sandbox org: its EUR deals, its custom Salesforce stage and the
    stages of its second HubSpot pipeline (sandbox.org.stages)."""
    from sandbox.org.stages import HUBSPOT_CUSTOM, SALESFORCE_CUSTOM_STAGE

    lines = [
        "# Written by `barometer demo` for the sandbox org (models.reporting, BAROMETER_CONFIG_FILE).",
        "",
    ]
    lines += ["[fx_rates]", *(f"{code} = {rate}" for code, rate in SANDBOX_FX_RATES.items()), ""]
    mappings = [("salesforce", None, SALESFORCE_CUSTOM_STAGE.key, "appointment")]
    funnel = ("appointment", "qualified", "proposal")
    mappings += [
        ("hubspot", HUBSPOT_CUSTOM.id, s.key, f)
        for s, f in zip(HUBSPOT_CUSTOM.open_stages, funnel, strict=True)
    ]
    mappings += [("hubspot", HUBSPOT_CUSTOM.id, HUBSPOT_CUSTOM.won.key, "won")]
    mappings += [("hubspot", HUBSPOT_CUSTOM.id, HUBSPOT_CUSTOM.lost.key, "lost")]
    for source, pipeline, stage, funnel_stage in mappings:
        lines += ["[[stage_mapping]]", f"source = {json.dumps(source)}"]
        lines += [f"pipeline = {json.dumps(pipeline)}"] if pipeline else []
        lines += [f"stage = {json.dumps(stage)}", f"funnel_stage = {json.dumps(funnel_stage)}", ""]
    return "\n".join(lines)


def sandbox_targets_csv(box: Sandbox) -> str:
    """Revenue targets for the sandbox's active reps with an e-mail (the CSV of docs/metrics.md,
    "Conventions"): per calendar quarter of the org's history and the next quarter,
    DEMO_QUARTERLY_TARGET scaled by the rep's activity level and rounded to 1,000, so the demo shows
    magic numbers and barometers."""
    if box.summary is None:
        return ",".join(TARGET_COLUMNS) + "\n"
    quarters = []
    first = date(box.summary.start.year, 3 * ((box.summary.start.month - 1) // 3) + 1, 1)
    last = box.summary.end.date() + timedelta(days=92)
    while first <= last:
        following = date(first.year + first.month // 10, (first.month + 2) % 12 + 1, 1)
        quarters.append((first, following - timedelta(days=1)))
        first = following
    lines = [",".join(TARGET_COLUMNS)]
    for rep in box.summary.reps:
        email = rep.salesforce_email or rep.hubspot_email
        if not (rep.is_active and email):
            continue
        amount = round(DEMO_QUARTERLY_TARGET * rep.activity_level, -3)
        lines += [f"{email},{start.isoformat()},{end.isoformat()},{amount:.2f}" for start, end in quarters]
    return "\n".join(lines) + "\n"


@contextmanager
def sandbox_environment(box: Sandbox, warehouse: Path) -> Iterator[Path]:
    """os.environ pointed at the sandbox and the demo warehouse (restored on exit); yields the path of
    the reporting configuration file written beside the warehouse."""
    saved = dict(os.environ)
    config_file = warehouse.with_name(warehouse.stem + "-reporting.toml")
    config_file.write_text(sandbox_reporting_toml(), encoding="utf-8")
    targets_file = warehouse.with_name(warehouse.stem + "-targets.csv")
    targets_file.write_text(sandbox_targets_csv(box), encoding="utf-8")
    credentials = box.credentials()
    try:
        for name in [n for n in os.environ if n.startswith(CLEARED_PREFIXES)]:
            del os.environ[name]
        os.environ.update({name: credentials[name] for name in SANDBOX_VARIABLES})
        os.environ[WAREHOUSE_VAR] = str(warehouse)
        os.environ[CONFIG_FILE_VAR] = str(config_file)
        os.environ[TARGETS_FILE_VAR] = str(targets_file)
        # Beside the demo's warehouse, apart from the serving/ folder of a real one in the same folder.
        os.environ[PUBLISH_DIR_VAR] = str(warehouse.with_name(warehouse.stem + "-serving"))
        yield config_file
    finally:
        os.environ.clear()
        os.environ.update(saved)
