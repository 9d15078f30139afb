"""Dagster in production on PostgreSQL (docs/deploy/, docs/operations.md "Production settings"), against
a real PostgreSQL server: the instance config file loads as it is; a sync recorded there builds the
same warehouse as a sync on the repository's SQLite dagster.yaml, and a backfill of days already loaded
changes none of it; their runs, materializations, check evaluations and pool are PostgreSQL rows; a
real `dagster-daemon run` process runs the daily schedule's tick through the run queue and the default
launcher. The Docker and Kubernetes variants cannot run here (no Docker daemon, no cluster): Dagster
validates them, and builds their launchers."""

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._config import process_config, resolve_to_config_type
from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.remote_origin import RemoteInstigatorOrigin, RemoteRepositoryOrigin
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.scheduler.instigation import (
    InstigatorState,
    InstigatorStatus,
    InstigatorType,
    ScheduleInstigatorData,
    TickStatus,
)
from dagster._core.storage.tags import SCHEDULE_NAME_TAG
from dagster._core.workspace.load_target import PyProjectFileTarget
from dagster_docker import DockerRunLauncher
from dagster_k8s import K8sRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from pipeline_helpers import definitions_on, sandbox_environment, sandbox_variables
from postgres_server import PostgresServer, postgres_server
from sqlalchemy.pool import QueuePool

from pipelines.dagster_postgres_storage import PooledPostgresStorage
from pipelines.dagster_storage import HeldConnectionsEventLogStorage, SchemaLookedUpOnce
from pipelines.definitions import build_definitions
from pipelines.jobs import SYNC_JOB
from pipelines.runs import PROJECT_INSTANCE_CONFIG, RunOutcome, catch_up, cli_instance, run_job
from pipelines.schedules import SCHEDULE_NAME
from pipelines.settings import PipelineSettings, settings_from_env
from pipelines.windows import CATCH_UP, WINDOW_TAG, day_range, previous_day
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
POSTGRES_CONFIG = DEPLOY / "dagster.postgres.yaml"
DOCKER_CONFIG = DEPLOY / "dagster.docker.yaml"
K8S_CONFIG = DEPLOY / "dagster.k8s.yaml"
DAEMON = Path(sys.executable).with_name("dagster-daemon")
DAEMON_SECONDS = 300  # start, tick, dequeue, launch, and one run on a busy 2-core machine

END = datetime(2026, 5, 4)  # nothing in the org is modified at or after it
ORG = OrgConfig(seed=17, reps=6, teams=2, days=30, end=END, activities=1_000)  # the smallest org
SETTINGS = PipelineSettings(start_date=(END - timedelta(days=30)).date())
BACKFILL = ("2026-04-12", "2026-04-25")
BUILD_CLOCK = "as_of"  # when the marts were built: differs between any two builds
LAUNCHER_ENV = {"BAROMETER_IMAGE": "registry.example.com/barometer:1.0", "BAROMETER_NAMESPACE": "barometer"}
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: none, user: {token: not-a-token}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


@dataclass(frozen=True)
class Storage:
    server: PostgresServer
    env: Mapping[str, str]  # the DAGSTER_PG_* variables the config files read


@dataclass(frozen=True)
class Synced:
    warehouse: Path
    sync: RunOutcome
    synced: dict[str, list[tuple]]  # the warehouse's figures after the sync (warehouse_contents)
    backfill: RunOutcome | None = None
    backfill_sessions: int | None = None  # PostgreSQL sessions opened during the backfill's run


@pytest.fixture(scope="module")
def storage() -> Iterator[Storage]:
    """A PostgreSQL server with a database and a login for Dagster, as an operator would set up."""
    with postgres_server() as server:
        password = secrets.token_urlsafe(16)
        with server.connect() as admin:
            admin.execute(f"create role dagster login password '{password}'")
            admin.execute("create database dagster owner dagster")
        yield Storage(
            server,
            {
                "DAGSTER_PG_HOST": server.host,
                "DAGSTER_PG_PORT": str(server.port),
                "DAGSTER_PG_DB": "dagster",
                "DAGSTER_PG_USERNAME": "dagster",
                "DAGSTER_PG_PASSWORD": password,
            },
        )


@contextlib.contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in variables.items():
            patch.setenv(name, value)
        yield


@contextlib.contextmanager
def postgres_instance(storage: Storage, home: Path) -> Iterator[dg.DagsterInstance]:
    """The instance docs/deploy/dagster.postgres.yaml describes in DAGSTER_HOME `home`, loaded as
    `barometer` loads one (pipelines.runs.cli_instance: its connections pooled for the run)."""
    shutil.copy(POSTGRES_CONFIG, home / "dagster.yaml")
    with environment(storage.env | {"DAGSTER_HOME": str(home)}), cli_instance() as instance:
        yield instance


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


def sync(
    box,
    reporting_file,
    instance: dg.DagsterInstance,
    warehouse: Path,
    *,
    backfill: bool,
    sessions: Callable[[], int] | None = None,
) -> Synced:
    """`barometer sync`, then (`backfill`) `barometer backfill` over BACKFILL, recorded in `instance`,
    counting the database `sessions` the backfill's run opens."""
    with sandbox_environment(box):
        defs = definitions_on(SETTINGS, warehouse, reporting_file)
        synced = catch_up(defs, instance=instance)
        assert synced.success, synced.failures
        figures = warehouse_contents(warehouse)
        if not backfill:
            return Synced(warehouse, synced, figures)
        days = day_range(SETTINGS, *BACKFILL, now=datetime.now(UTC))
        before = sessions() if sessions else 0
        backfilled = run_job(defs, SYNC_JOB, instance=instance, days=days)
        opened = sessions() - before if sessions else None
        assert backfilled.success, backfilled.failures
        return Synced(warehouse, synced, figures, backfilled, opened)


@pytest.fixture(scope="module")
def on_sqlite(box, reporting_file, tmp_path_factory) -> Synced:
    """The reference: the sync on the repository's dagster.yaml (SQLite under DAGSTER_HOME)."""
    home = tmp_path_factory.mktemp("sqlite_home")
    shutil.copy(PROJECT_INSTANCE_CONFIG, home / "dagster.yaml")
    with environment({"DAGSTER_HOME": str(home)}), cli_instance() as instance:
        assert isinstance(instance.event_log_storage, HeldConnectionsEventLogStorage)
        return sync(box, reporting_file, instance, home / "warehouse.duckdb", backfill=False)


@pytest.fixture(scope="module")
def on_postgres(storage, box, reporting_file, tmp_path_factory) -> Synced:
    home = tmp_path_factory.mktemp("postgres_home")
    with postgres_instance(storage, home) as instance:
        return sync(
            box,
            reporting_file,
            instance,
            home / "warehouse.duckdb",
            backfill=True,
            sessions=lambda: sessions(storage),
        )


def warehouse_contents(path: Path) -> dict[str, list[tuple]]:
    """Every core, intermediate and mart table's rows, sorted, without the build clock."""
    with duckdb.connect(str(path), read_only=True) as db:
        tables = db.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('core', 'intermediate', 'marts') order by 1"
        ).fetchall()
        contents = {}
        for (table,) in tables:
            schema, name = table.split(".")
            columns = [
                f'"{column}"'
                for (column,) in db.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? and column_name <> ? "
                    "order by ordinal_position",
                    [schema, name, BUILD_CLOCK],
                ).fetchall()
            ]
            rows = db.execute(f"select {', '.join(columns)} from {table}").fetchall()
            contents[table] = sorted(rows, key=repr)
        return contents


def differing(got: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    assert got.keys() == expected.keys()
    return [table for table in expected if got[table] != expected[table]]


@pytest.mark.slow
def test_postgres_holds_the_runs_materializations_check_evaluations_and_pool(storage, on_postgres, tmp_path):
    runs = {on_postgres.sync.run_id: on_postgres.sync, on_postgres.backfill.run_id: on_postgres.backfill}
    # A second instance from the same file (another process would do the same) finds everything.
    with postgres_instance(storage, tmp_path) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        # `barometer` holds a pool of connections for the run, not one per storage call (NullPool)
        assert isinstance(instance.event_log_storage._engine.pool, QueuePool)
        # and looks the schema up once (pipelines.dagster_storage.SchemaLookedUpOnce)
        assert isinstance(instance.event_log_storage, SchemaLookedUpOnce)
        for run_id, outcome in runs.items():
            run = instance.get_run_by_id(run_id)
            assert run.status == dg.DagsterRunStatus.SUCCESS
            assert run.job_name == SYNC_JOB
            assert outcome.metadata  # the assets it materialized
            for asset in outcome.metadata:
                key = dg.AssetKey.from_user_string(asset)
                records = instance.fetch_materializations(key, limit=5).records
                assert run_id in {record.run_id for record in records}, asset
            evaluations = instance.get_records_for_run(
                run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=1_000
            ).records
            assert len(evaluations) == len(outcome.checks) > 0
        assert instance.get_run_by_id(on_postgres.backfill.run_id).tags[WINDOW_TAG] == " … ".join(BACKFILL)
        # the backfill's run on the pooled connections: 1 session here; each asset event's table lookup
        # on a new connection (dagster-postgres's own event log) made it 74
        assert on_postgres.backfill_sessions <= 5, on_postgres.backfill_sessions
        # the warehouse pool (default limit 1), its slots claimed and freed in PostgreSQL
        pool = instance.event_log_storage.get_concurrency_info("warehouse")
        assert pool.slot_count == 1
        assert pool.active_slot_count == 0

    # and they are rows of Dagster's tables in the database the variables name
    with storage.server.connect("dagster", storage.env["DAGSTER_PG_PASSWORD"], "dagster") as db:
        stored = dict(db.execute("select run_id, status from runs").fetchall())
        assert {run_id: stored.get(run_id) for run_id in runs} == dict.fromkeys(runs, "SUCCESS")
        checks = dict(
            db.execute(
                "select run_id, count(*) from asset_check_executions where run_id = any(%s) group by run_id",
                [list(runs)],
            ).fetchall()
        )
        assert checks == {run_id: len(outcome.checks) for run_id, outcome in runs.items()}
        # the storage's password (an {env: …} in the file) is in none of them
        password = storage.env["DAGSTER_PG_PASSWORD"]
        for table, column in (("runs", "run_body"), ("event_logs", "event")):
            leaks = db.execute(
                f"select count(*) from {table} where {column}::text like %s", [f"%{password}%"]
            ).fetchone()[0]
            assert leaks == 0, table


@pytest.mark.slow
def test_a_sync_and_a_backfill_on_postgres_build_what_the_sync_builds_on_sqlite(on_sqlite, on_postgres):
    expected = on_sqlite.synced
    assert {"core.activities", "core.deals", "marts.rep_daily_activity"} <= set(expected)
    assert all(expected[table] for table in ("core.activities", "core.deals", "marts.rep_daily_activity"))
    # the sync on PostgreSQL storage builds the same figures as on SQLite ...
    assert differing(on_postgres.synced, expected) == []
    # ... and the backfill over days already loaded, one run over its own window, changes none of them
    assert on_postgres.backfill.loaded_since() == date.fromisoformat(BACKFILL[0])
    assert differing(warehouse_contents(on_postgres.warehouse), expected) == []
    # the same assets materialized and the same checks evaluated, with the same results
    for run in (on_postgres.sync, on_postgres.backfill):
        assert run.metadata.keys() == on_sqlite.sync.metadata.keys()
        assert sorted((c.asset, c.name, c.passed) for c in run.checks) == sorted(
            (c.asset, c.name, c.passed) for c in on_sqlite.sync.checks
        )


def stop_group(process: subprocess.Popen) -> None:
    """Interrupt the daemon and what it started (code server, run worker), then kill what is left."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.slow
def test_the_daemon_runs_the_daily_schedule_through_the_run_queue(
    storage, box, reporting_file, on_postgres, tmp_path
):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(POSTGRES_CONFIG, home / "dagster.yaml")  # as docs/operations.md says
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(on_postgres.warehouse, warehouse)  # yesterday's sync left it so
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SALESFORCE_", "HUBSPOT_", "BAROMETER_", "DAGSTER_"))
    }
    env |= (
        dict(storage.env)
        | sandbox_variables(box)
        | {
            "DAGSTER_HOME": str(home),
            "BAROMETER_WAREHOUSE": str(warehouse),
            "BAROMETER_CONFIG_FILE": str(reporting_file),
            "BAROMETER_START_DATE": SETTINGS.start_date.isoformat(),
        }
    )
    settings = settings_from_env(env)
    [schedule] = [s for s in build_definitions(settings).schedules if s.name == SCHEDULE_NAME]
    # The daily schedule as the daemon's workspace names it (the project's pyproject.toml, from ROOT),
    # started in schedule storage a day ago: the daemon, starting now, runs the tick it missed.
    [location] = PyProjectFileTarget(str(ROOT / "pyproject.toml")).create_origins()
    repository = RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME)
    origin = RemoteInstigatorOrigin(repository, SCHEDULE_NAME)
    started = InstigatorState(
        origin,
        InstigatorType.SCHEDULE,
        InstigatorStatus.RUNNING,
        ScheduleInstigatorData(schedule.cron_schedule, start_timestamp=time.time() - 86_400),
    )
    with environment(env), dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_instigator_state(started)
        sessions_before = sessions(storage)
        log = (tmp_path / "daemon.log").open("w")
        daemon = subprocess.Popen(
            [str(DAEMON), "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + DAEMON_SECONDS
            while True:
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
                runs = instance.get_runs(filters=dg.RunsFilter(tags={SCHEDULE_NAME_TAG: SCHEDULE_NAME}))
                if runs and runs[0].is_finished:
                    break
                assert time.monotonic() < deadline, (
                    f"no finished scheduled run after {DAEMON_SECONDS}s: "
                    f"{[r.status for r in runs]}\n{(tmp_path / 'daemon.log').read_text()}"
                )
                time.sleep(1)
            heartbeats = instance.get_daemon_heartbeats()
            sessions_during = sessions(storage) - sessions_before
        finally:
            stop_group(daemon)
            log.close()

        [run] = runs
        assert run.status == dg.DagsterRunStatus.SUCCESS, (tmp_path / "daemon.log").read_text()
        [tick] = instance.get_ticks(origin.get_id(), started.selector_id)
        assert tick.status == TickStatus.SUCCESS
        assert tick.run_ids == [run.run_id]
        day = previous_day(settings, datetime.fromtimestamp(tick.timestamp, UTC))
        assert run.tags[WINDOW_TAG] == CATCH_UP  # every stream from where its data stops
        assert tick.run_keys == [day.isoformat()]  # one run per day
        # submitted to the queue, then taken from it and launched by the daemon (within the limits)
        events = [
            record.event_log_entry.dagster_event.event_type
            for record in instance.get_records_for_run(run.run_id, limit=1_000).records
            if record.event_log_entry.dagster_event is not None
        ]
        order = [
            dg.DagsterEventType.RUN_ENQUEUED,
            dg.DagsterEventType.RUN_STARTING,
            dg.DagsterEventType.RUN_START,
            dg.DagsterEventType.RUN_SUCCESS,
        ]
        assert [event for event in events if event in order] == order
        # the run worker and the daemon pooled their connections (pipelines.dagster_postgres_storage):
        # 59 sessions here, most of them the daemon's polling (130 before the event log looked its schema
        # up once: SchemaLookedUpOnce); dagster-postgres's default opens
        # one per storage call, 2,238 for the same run with `storage: postgres`
        assert sessions_during < len(events), (sessions_during, len(events))
        assert {"SCHEDULER", "QUEUED_RUN_COORDINATOR", "MONITORING"} <= set(heartbeats)
    # the scheduled run's rebuild of an empty day changes no figure
    assert warehouse_contents(warehouse) == warehouse_contents(on_postgres.warehouse)


def sessions(storage: Storage) -> int:
    """Sessions established to the Dagster database so far (PostgreSQL's own count, pg_stat_database)."""
    with storage.server.connect("dagster", storage.env["DAGSTER_PG_PASSWORD"], "dagster") as db:
        return db.execute("select sessions from pg_stat_database where datname = 'dagster'").fetchone()[0]


def instance_settings(path: Path, home: Path) -> dict:
    """The file's settings as Dagster validates them when an instance loads it."""
    settings, _ = dagster_instance_config(str(home), config_filename=str(path))
    return dict(settings)


def test_the_deployment_configs_share_the_repositorys_limits_and_differ_only_in_launcher(tmp_path):
    local = instance_settings(PROJECT_INSTANCE_CONFIG, tmp_path)
    production = instance_settings(POSTGRES_CONFIG, tmp_path)
    assert production["concurrency"] == local["concurrency"]
    assert production["run_monitoring"].items() >= local["run_monitoring"].items()
    assert production["telemetry"] == local["telemetry"] == {"enabled": False}
    assert production["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert "run_launcher" not in production  # Dagster's default: a process per run beside the daemon
    storage = production["storage"]["custom"]  # dagster-postgres's storage, its connections pooled
    assert (storage["module"], storage["class"]) == (
        PooledPostgresStorage.__module__,
        "PooledPostgresStorage",
    )
    assert set(storage["config"]) == {"postgres_db"}
    for variant in (DOCKER_CONFIG, K8S_CONFIG):
        settings = instance_settings(variant, tmp_path)
        assert {k: v for k, v in settings.items() if k != "run_launcher"} == production, variant.name


@pytest.mark.parametrize(
    ("config_file", "launcher"), [(DOCKER_CONFIG, DockerRunLauncher), (K8S_CONFIG, K8sRunLauncher)]
)
def test_the_docker_and_kubernetes_launchers_pass_dagsters_validation(config_file, launcher, tmp_path):
    section = instance_settings(config_file, tmp_path)["run_launcher"]
    assert (section["module"], section["class"]) == (launcher.__module__.split(".")[0], launcher.__name__)
    with environment(LAUNCHER_ENV):
        checked = process_config(resolve_to_config_type(launcher.config_type()), section["config"])
        assert checked.success, checked.errors
        image = checked.value.get("image") or checked.value.get("job_image")
        assert image == LAUNCHER_ENV["BAROMETER_IMAGE"]  # read from the environment
        # a misspelt key anywhere in the launcher's section is refused, as the daemon would refuse it
        broken = {**section["config"], "env_var": section["config"]["env_vars"]}
        refused = process_config(resolve_to_config_type(launcher.config_type()), broken)
        assert not refused.success
        assert "env_var" in str(refused.errors)
    # and a misspelt instance setting fails the whole file
    text = config_file.read_text(encoding="utf-8").replace("run_monitoring:", "run_monitorin:")
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DagsterInvalidConfigError, match="run_monitorin"):
        instance_settings(tmp_path / "broken.yaml", tmp_path)


def test_the_docker_instance_loads_on_postgres_with_its_launcher(storage, tmp_path):
    """Everything but starting a container: the instance from the Docker file, its launcher built."""
    with (
        environment(dict(storage.env) | LAUNCHER_ENV),
        dg.DagsterInstance.from_config(str(tmp_path), config_filename=str(DOCKER_CONFIG)) as instance,
    ):
        assert isinstance(instance.run_storage, PostgresRunStorage)
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher)
        assert launcher.image == LAUNCHER_ENV["BAROMETER_IMAGE"]
        passed_on = set(launcher.env_vars)
        assert {"DAGSTER_PG_PASSWORD", "BAROMETER_WAREHOUSE", "HUBSPOT_ACCESS_TOKEN"} <= passed_on
        assert "DAGSTER_PG_PASSWORD=" not in str(launcher.env_vars)  # names only: values stay in the env


def test_the_kubernetes_launcher_builds_from_its_config(tmp_path):
    """Everything but a cluster: the K8sRunLauncher built from the file's section, with a kubeconfig
    in place of the in-cluster service account this machine does not have."""
    settings = instance_settings(K8S_CONFIG, tmp_path)["run_launcher"]["config"]
    (tmp_path / "kubeconfig").write_text(KUBECONFIG, encoding="utf-8")
    with environment(LAUNCHER_ENV):
        checked = process_config(resolve_to_config_type(K8sRunLauncher.config_type()), settings)
        assert checked.success, checked.errors
    assert checked.value["load_incluster_config"] is True
    launcher = K8sRunLauncher.from_config_value(
        None,
        {**checked.value, "load_incluster_config": False, "kubeconfig_file": str(tmp_path / "kubeconfig")},
    )
    assert launcher.job_image == LAUNCHER_ENV["BAROMETER_IMAGE"]
    assert launcher.job_namespace == LAUNCHER_ENV["BAROMETER_NAMESPACE"]
    assert launcher.instance_config_map == "barometer-dagster-instance"
    assert launcher.postgres_password_secret == "barometer-dagster-postgresql"
    assert [mount["mountPath"] for mount in launcher.volume_mounts] == ["/srv/barometer/data"]
