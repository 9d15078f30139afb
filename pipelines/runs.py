"""Running the Dagster definitions outside the UI: one in-process run of a job, over a range of days or
catching up (pipelines.windows), against a Dagster instance, with progress lines, and what it produced.
The barometer CLI and the tests go through here; `catch_up` is what `barometer sync` runs.

A run executes in the calling process, so nothing outside it notices when that process is killed: each
run holds a lock file (pipelines.locks) that the next run uses to find it abandoned, mark it failed and
free its pool slot; and `warehouse_turn` makes a second command on the same warehouse wait its turn.
"""

import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
from sqlalchemy.engine import make_url

from models.engine import PROJECT_ROOT, warehouse_url
from pipelines.dagster_storage import held_instance_ref, pool_connections
from pipelines.jobs import SYNC_JOB
from pipelines.locks import abandoned, hold
from pipelines.resources import CRM_RESOURCES
from pipelines.windows import Days, window_run_config, window_tags

Progress = Callable[[str], None]
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}  # progress replaces the log
DAGSTER_HOME_VAR = "DAGSTER_HOME"
DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
INSTANCE_CONFIG = "dagster.yaml"
PROJECT_INSTANCE_CONFIG = PROJECT_ROOT / INSTANCE_CONFIG
RUN_LOCK_TAG = "barometer/run_lock"  # the lock file held by the process executing the run
UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
ABANDONED_RUN = (
    "the process running it ended (killed or crashed) before the run finished; closed by the next run, "
    "which starts over from the last successful window"
)


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    name: str
    passed: bool
    severity: str
    metadata: Mapping[str, object]


@dataclass
class RunOutcome:
    run_id: str
    job: str
    success: bool
    days: Days | None  # the days the run loaded; None: each stream caught up
    seconds: float
    metadata: dict[str, Mapping[str, object]] = field(default_factory=dict)  # asset → latest metadata
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "<step>: <error>"

    def rows(self, asset: str) -> int | None:
        value = self.metadata.get(asset, {}).get("dagster/row_count")
        return value if isinstance(value, int) else None

    def loaded_since(self) -> date | None:
        """The first day the run's extraction windows covered (UTC), from their metadata."""
        starts = [
            m["window_start"]
            for a, m in self.metadata.items()
            if a.startswith("raw_") and "window_start" in m
        ]
        return datetime.fromisoformat(min(starts)).date() if starts else None


def run_job(
    defs: dg.Definitions,
    job_name: str,
    *,
    instance: dg.DagsterInstance,
    days: Days | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Run `job_name` once, in this process, over `days` (one window whatever the range), or catching
    each stream up from where its data stops when `days` is None."""
    job = defs.resolve_job_def(job_name)
    run_id = str(uuid.uuid4())
    for closed in close_abandoned_runs(instance):
        if progress is not None:
            progress(f"Closed Dagster run {closed} as failed: {ABANDONED_RUN}")
    lock = Path(instance.root_directory) / "barometer_runs" / f"{run_id}.lock"
    tags = window_tags(days) | {RUN_LOCK_TAG: str(lock)}
    if progress is not None:
        instance.add_event_listener(run_id, _progress_listener(progress))
    started = datetime.now(UTC)
    with hold(lock, remove=True):
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            tags=tags,
            raise_on_error=False,
            run_config=QUIET | window_run_config(days),
        )
    outcome = RunOutcome(
        run_id=run_id,
        job=job_name,
        success=result.success,
        days=days,
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        outcome.metadata[materialization.asset_key.to_user_string()] = {
            name: value.value for name, value in materialization.metadata.items()
        }
    for evaluation in result.get_asset_check_evaluations():
        outcome.checks.append(
            CheckOutcome(
                asset=evaluation.asset_key.to_user_string(),
                name=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                metadata={name: value.value for name, value in evaluation.metadata.items()},
            )
        )
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        outcome.failures.append(f"{event.step_key}: {_error_text(error)}")
    return outcome


def close_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the unfinished runs of `run_job` whose process has ended (its lock file is left and
    nobody holds it) and free the pool slots they held; returns their ids. Without this, a run killed
    while a step held the `warehouse` pool slot would keep it, and every later run would wait for it
    forever: no daemon frees the slots of runs executed in a CLI process."""
    closed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED)):
        lock = run.tags.get(RUN_LOCK_TAG)
        if not lock or not abandoned(Path(lock)):
            continue
        current = instance.get_run_by_id(run.run_id)  # a run that just ended was recorded before unlocking
        if current is None or current.status not in UNFINISHED:
            continue
        instance.report_run_failed(current, message=f"Run {run.run_id}: {ABANDONED_RUN}")
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        Path(lock).unlink(missing_ok=True)
        closed.append(run.run_id)
    return closed


@contextmanager
def warehouse_turn(*, progress: Progress | None = None) -> Iterator[None]:
    """Hold `<warehouse>.lock` beside the DuckDB file BAROMETER_WAREHOUSE names (models.engine) for the
    block, waiting for it if another command holds it: one barometer command writes a warehouse at a
    time. DuckDB alone would fail the second writer at once with a lock error; this one waits its turn
    and says so. The kernel releases the lock when its holder ends, killed or not."""
    database = make_url(warehouse_url()).database or ""
    if not database or database == ":memory:" or database.startswith("md:"):
        yield
        return
    path = Path(database).expanduser()

    def waiting(holder: str) -> None:
        if progress is not None:
            progress(
                f"Waiting: another barometer command (pid {holder}) is writing {path}; "
                "this one starts when it ends…"
            )

    with hold(path.with_name(path.name + ".lock"), waiting=waiting):
        yield


def catch_up(
    defs: dg.Definitions, *, instance: dg.DagsterInstance, progress: Progress | None = None
) -> RunOutcome:
    """`barometer sync`: one run of the sync job in which each configured stream loads from where its
    data stops through now (pipelines.windows)."""
    if progress:
        progress("Syncing every stream from where its loaded data stops, in one run…")
    return run_job(defs, SYNC_JOB, instance=instance, progress=progress)


def configured_crms(defs: dg.Definitions) -> list[str]:
    """The CRMs whose resource in `defs` has credentials, its EnvVars read now. (Not through
    dg.build_resources: that builds an ephemeral Dagster instance, half a second per command.)"""
    found = []
    for crm in CRM_RESOURCES:
        resource = defs.resources[crm.SOURCE]
        values = {field: getattr(resource, field) for field in crm.VARIABLES}
        resolved = {f: v.get_value() if isinstance(v, dg.EnvVar) else v for f, v in values.items()}
        if crm(**resolved).configured:
            found.append(crm.SOURCE)
    return found


@contextmanager
def cli_instance(*, progress: Progress | None = None) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance under DAGSTER_HOME, or under the project's .dagster_home (set up with the
    repository's dagster.yaml) when DAGSTER_HOME is unset, so `dagster dev` shows the same runs. A
    DAGSTER_HOME without a dagster.yaml of its own gets the repository's settings (run queue limits,
    the warehouse pool), storage still under DAGSTER_HOME, and one line saying what to copy there.
    The storage holds its connections for the run (SQLite: pipelines.dagster_storage; PostgreSQL: a
    pool), which a run's 641 events would otherwise open one by one."""
    if not os.environ.get(DAGSTER_HOME_VAR):
        DEFAULT_DAGSTER_HOME.mkdir(parents=True, exist_ok=True)
        _link_instance_config(DEFAULT_DAGSTER_HOME)
        os.environ[DAGSTER_HOME_VAR] = str(DEFAULT_DAGSTER_HOME)
    home = Path(os.environ[DAGSTER_HOME_VAR]).expanduser()
    if not home.is_absolute() or not home.is_dir():
        dg.DagsterInstance.get()  # raises Dagster's own message: what DAGSTER_HOME must be
    config = INSTANCE_CONFIG
    if not (home / INSTANCE_CONFIG).exists() and PROJECT_INSTANCE_CONFIG.exists():
        if progress is not None:
            progress(
                f"{DAGSTER_HOME_VAR} {home} has no {INSTANCE_CONFIG}: using the project's settings "
                f"({PROJECT_INSTANCE_CONFIG}); copy that file there so `dagster dev` uses them too"
            )
        config = str(PROJECT_INSTANCE_CONFIG)  # absolute: read instead of home's, storage stays in home
    # Dagster's local SQLite storage with its connections held for the run (pipelines.dagster_storage)
    with dg.DagsterInstance.from_ref(held_instance_ref(str(home), config)) as instance:
        # a PostgreSQL storage too, however dagster.yaml names it (pipelines.dagster_postgres_storage)
        pool_connections([instance.run_storage, instance.event_log_storage, instance.schedule_storage])
        yield instance


def _link_instance_config(home: Path) -> None:
    target, source = home / INSTANCE_CONFIG, PROJECT_INSTANCE_CONFIG
    if target.exists() or target.is_symlink() or not source.exists():
        return
    try:
        target.symlink_to(source)
    except OSError:  # no symlinks here (some Windows setups): a copy will do
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def _error_text(error: object) -> str:
    """The innermost error's message: the one that says what to change."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    text = (getattr(error, "message", None) or str(error)).strip()
    if getattr(error, "cls_name", None) == "Failure":  # dagster.Failure: its description is the message
        text = re.sub(r"^[\w.]*Failure: ", "", text)
    return text


def _progress_listener(progress: Progress) -> Callable[[object], None]:
    def on_event(entry) -> None:
        event = entry.dagster_event
        if event is None:
            if entry.level >= 20 and entry.user_message:  # the assets' own INFO lines
                progress(f"  {entry.user_message}")
        elif event.event_type_value == "STEP_START":
            progress(f"▶ {event.step_key}")
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            # a model's row count, from its materialization (no log line of its own: an event apiece)
            materialization = event.event_specific_data.materialization
            rows = materialization.metadata.get("dagster/row_count")
            if "sql_file" in materialization.metadata and rows is not None:
                name = ".".join(materialization.asset_key.path)
                progress(f"  {name}: {rows.value:,} rows")
        elif event.event_type_value == "STEP_FAILURE":
            progress(f"✗ {event.step_key}: {_error_text(event.step_failure_data.error)}")

    return on_event
