"""Publishing for BI tools through the real pipeline, against the sandbox: a sync publishes the marts and
core tables; a failed build or a failed blocking check leaves the last good snapshot in place; the
queries of docs/bi.md run on the snapshot; PostgreSQL receives the same rows and its reader role can
only read; BI reader processes querying the snapshot during two full syncs see only complete
snapshots and no lock error."""

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from pipeline_helpers import column_schema, sandbox_environment
from postgres_server import postgres_server
from sqlalchemy.engine import make_url

from models.engine import make_engine
from models.serving import PublishConfigError, ServingConfig, publish
from models.sqlmodels import SQL_ROOT, discover
from models.sync import loaded_until
from pipelines.checks import model_checks
from pipelines.cli import _report, main
from pipelines.definitions import build_definitions
from pipelines.jobs import REBUILD_JOB
from pipelines.publish_assets import SERVING_KEY, blocking_checks, published_tables
from pipelines.resources import PublishResource, ReportingResource, WarehouseResource
from pipelines.runs import catch_up, run_job
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

HERE = Path(__file__).resolve().parent
BI_DOC = HERE.parents[1] / "docs" / "bi.md"
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
# Long enough for won deals in two quarters (the peer comparison's worked query).
ORG = OrgConfig(seed=29, reps=6, teams=2, days=100, end=MIDNIGHT - timedelta(days=1), activities=1_200)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=2)).date())
PUBLISHED = published_tables(discover())
SERVING = SERVING_KEY.to_user_string()


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reporting(reporting_file) -> ReportingResource:
    return ReportingResource(config_file=str(reporting_file))


def definitions(warehouse, serving, reporting, *, sql_root=SQL_ROOT, url=None) -> dg.Definitions:
    return build_definitions(
        SETTINGS,
        sql_root=sql_root,
        resources={
            "warehouse": WarehouseResource(location=str(warehouse)),
            "reporting": reporting,
            "publish": PublishResource(directory=str(serving), url=url),
        },
    )


@dataclass(frozen=True)
class Synced:
    warehouse: Path
    serving: Path
    defs: dg.Definitions
    outcomes: list  # the two syncs' RunOutcome
    readers: dict[str, dict]  # reader mode → what it saw (serving_reader.py)

    @property
    def outcome(self):
        return self.outcomes[-1]


@pytest.fixture(scope="module")
def synced(box, instance, reporting, tmp_path_factory) -> Synced:
    """Two full syncs (extract, build, check, publish) into a fresh warehouse and publish folder, the
    CRMs changing in between, while two BI reader processes query the published snapshot."""
    folder = tmp_path_factory.mktemp("synced")
    warehouse, serving, stop = folder / "warehouse.duckdb", folder / "serving", folder / "stop"
    reader = [sys.executable, str(HERE / "serving_reader.py"), str(serving / "barometer.duckdb")]
    readers = {
        mode: subprocess.Popen(
            [*reader, mode, str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("reopen", "hold")
    }
    outcomes = []
    try:
        with sandbox_environment(box):
            defs = definitions(warehouse, serving, reporting)
            outcomes.append(catch_up(defs, instance=instance))
            assert outcomes[-1].success, outcomes[-1].failures
            _let_the_crms_change(box, warehouse)
            outcomes.append(catch_up(defs, instance=instance))
            assert outcomes[-1].success, outcomes[-1].failures
    finally:
        stop.touch()
        seen = {mode: reader.communicate(timeout=60) for mode, reader in readers.items()}
    results = {}
    for mode, (out, err) in seen.items():
        assert readers[mode].returncode == 0, err
        results[mode] = json.loads(out.strip().splitlines()[-1])
    return Synced(warehouse, serving, defs, outcomes, results)


def _let_the_crms_change(box, warehouse) -> None:
    """People keep working after a sync: the CRMs' clock moves to just before the loaded data's end
    (the next window takes it in) and records change."""
    engine = make_engine(warehouse)
    until = min(loaded_until(engine, name) for name in ("salesforce.task", "hubspot.deals"))
    engine.dispose()
    target = until.astimezone(UTC).replace(tzinfo=None) - timedelta(minutes=4)
    box.clock.advance(max(timedelta(0), target - box.clock.now))
    assert len(box.mutations.random_changes(6)) == 6


def table_rows(db, table: str) -> Counter:
    return Counter(db.execute(f"select * from {table}").fetchall())


def snapshot_state(path: Path) -> tuple:
    """What proves a snapshot untouched: its inode, bytes and freshness rows."""
    with duckdb.connect(str(path), read_only=True) as db:
        manifest = sorted(db.execute("from marts._published").fetchall())
    return path.stat().st_ino, path.read_bytes(), manifest


def test_a_sync_publishes_every_mart_and_core_table_as_they_are_in_the_warehouse(synced, capsys, monkeypatch):
    warehouse, serving, defs, outcome = synced.warehouse, synced.serving, synced.defs, synced.outcome
    assert {t.split(".")[0] for t in PUBLISHED} == {"core", "marts"}
    node = defs.resolve_asset_graph().get(SERVING_KEY)
    assert {key.to_user_string().replace("/", ".") for key in node.parent_keys} == set(PUBLISHED)
    published = outcome.metadata[SERVING]
    snapshot = serving / "barometer.duckdb"
    assert published["path"] == str(snapshot)
    assert published["tables"] == len(PUBLISHED)
    assert published["bytes"] == snapshot.stat().st_size
    assert published["postgres"] == "not configured (BAROMETER_PUBLISH_URL)"
    models = discover()
    gate = blocking_checks(PUBLISHED, [model.name for model in models], model_checks(models))
    assert published["blocking_checks_passed"] == len(gate) > 10
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        duckdb.connect(str(snapshot), read_only=True) as copy,
    ):
        for table in PUBLISHED:
            assert table_rows(copy, table) == table_rows(source, table), table
            assert column_schema(copy, table) == column_schema(source, table), table
        manifest = dict(copy.execute("select table_name, row_count from marts._published").fetchall())
        assert manifest == {t: source.execute(f"select count(*) from {t}").fetchone()[0] for t in PUBLISHED}
        as_of = copy.execute("select distinct as_of from marts._published").fetchall()
        assert as_of == source.execute("select distinct as_of from marts.rep_weekly_scorecard").fetchall()
    assert manifest == published["row_counts"]
    assert sum(manifest.values()) == published["rows"] > 0

    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(warehouse))
    _report(outcome, headline="Synced", retry="")
    printed = capsys.readouterr().out
    assert f"Published for BI tools (docs/bi.md): {snapshot} (read-only DuckDB)" in printed
    version = Path(str(published["parquet"]))
    assert f"  Parquet: {version.parent / 'current'}/ (now {version.name})" in printed


def doc_queries() -> list[str]:
    return re.findall(r"^```sql\n(.*?)^```", BI_DOC.read_text(encoding="utf-8"), flags=re.M | re.S)


def test_every_query_in_the_bi_guide_answers_from_the_snapshot(synced):
    serving = synced.serving
    queries = doc_queries()
    marts = [table for table in PUBLISHED if table.startswith("marts.")]
    assert len(queries) == 1 + len(marts)  # freshness, then one per mart
    assert all(mart in "".join(queries) for mart in marts)
    with duckdb.connect(str(serving / "barometer.duckdb"), read_only=True) as db:
        for query in queries:
            assert db.execute(query).fetchall(), query
    # The Superset URI of the guide opens the snapshot read-only through duckdb_engine.
    uri = re.search(r"duckdb:////\S+\?access_mode=read_only", BI_DOC.read_text(encoding="utf-8"))[0]
    engine = sa.create_engine(uri.replace("/srv/barometer/data/serving", str(serving)))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from marts.deal_facts").scalar_one() > 0
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.exec_driver_sql("delete from marts.deal_facts")
    engine.dispose()


@pytest.fixture
def scratch(synced, tmp_path):
    """Copies of the synced warehouse and its publish folder, and a copy of the SQL to break."""
    warehouse, serving = synced.warehouse, synced.serving
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    shutil.copytree(serving, tmp_path / "serving", symlinks=True)
    shutil.copytree(SQL_ROOT, tmp_path / "sql")
    return tmp_path / "warehouse.duckdb", tmp_path / "serving", tmp_path / "sql"


def test_a_failed_build_publishes_nothing_and_keeps_the_last_good_snapshot(box, instance, reporting, scratch):
    warehouse, serving, sql_root = scratch
    before = snapshot_state(serving / "barometer.duckdb")
    (sql_root / "marts" / "funnel_monthly.sql").write_text(
        "select rep_id, no_such_column from core.activities", encoding="utf-8"
    )
    with sandbox_environment(box):
        outcome = run_job(
            definitions(warehouse, serving, reporting, sql_root=sql_root), REBUILD_JOB, instance=instance
        )
    assert not outcome.success
    [failure] = outcome.failures
    assert failure.startswith("build_models: marts.funnel_monthly: "), failure
    assert "no_such_column" in failure  # DuckDB's own message, naming the column
    assert "marts/deal_facts" in outcome.metadata  # the rest built …
    assert SERVING not in outcome.metadata  # … but nothing was published
    assert snapshot_state(serving / "barometer.duckdb") == before


def test_a_failed_blocking_check_publishes_nothing_and_says_why(box, instance, reporting, scratch):
    warehouse, serving, sql_root = scratch
    before = snapshot_state(serving / "barometer.duckdb")
    mart = sql_root / "marts" / "deal_facts.sql"
    body = mart.read_text(encoding="utf-8").strip().rstrip(";")
    # A real bug: one deal twice. The mart builds; its unique_key check (error severity) fails.
    mart.write_text(
        f"with built as (\n{body}\n)\nselect * from built\nunion all\n(select * from built limit 1)\n",
        encoding="utf-8",
    )
    with sandbox_environment(box):
        outcome = run_job(
            definitions(warehouse, serving, reporting, sql_root=sql_root), REBUILD_JOB, instance=instance
        )
    assert not outcome.success
    [failure] = outcome.failures  # every model built; only the publication failed
    assert failure.startswith("publish_serving_snapshot")
    # The copy fails every blocking check it touches: which others (a new customer counted twice, the
    # monthly results' reconciliation) depends on the deal copied.
    blocking = [c for c in outcome.checks if not c.passed and c.severity == "ERROR"]
    assert len(blocking) >= 2, blocking
    expected = f"publish_serving_snapshot: not published: {len(blocking)} blocking check(s) failed"
    assert expected in failure  # no class name
    assert "marts.deal_facts unique_key (2 offending rows)" in failure  # the deal and its copy
    assert "marts.deal_facts rows_reconcile_with_core (1 offending rows)" in failure
    assert str(serving) in failure
    assert ("marts/deal_facts", "unique_key") in {(c.asset, c.name) for c in outcome.checks if not c.passed}
    assert snapshot_state(serving / "barometer.duckdb") == before


def test_bad_publish_settings_stop_the_sync_before_it_starts(monkeypatch):
    monkeypatch.setenv("BAROMETER_PUBLISH_URL", "mysql://publisher:pa55word@db.example.com/bi")
    with pytest.raises(PublishConfigError, match="BAROMETER_PUBLISH_URL is a 'mysql' URL"):
        build_definitions(SETTINGS)
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1
    assert "barometer sync: BAROMETER_PUBLISH_URL is a 'mysql' URL" in result.output
    assert "pa55word" not in result.output


@pytest.fixture(scope="module")
def pg():
    with postgres_server() as server:
        yield server


def pg_rows(conn: psycopg.Connection, table: str) -> Counter:
    return Counter(conn.execute(f"select * from {table}").fetchall())


def test_postgres_gets_the_same_rows_and_its_reader_role_can_only_read(
    pg, box, instance, reporting, scratch, capsys
):
    warehouse, serving, _ = scratch
    with pg.connect() as admin:  # a publisher as a DBA would set one up: its own database, CREATEROLE
        admin.execute("create role publisher login password 'publisher-pw' createrole")
        admin.execute("create database analytics owner publisher")
    url = pg.url("publisher", "publisher-pw", "analytics")
    with sandbox_environment(box):
        outcome = run_job(definitions(warehouse, serving, reporting, url=url), REBUILD_JOB, instance=instance)
    assert outcome.success, outcome.failures
    published = outcome.metadata[SERVING]
    assert published["postgres"] == (
        f"postgresql+psycopg://publisher:***@127.0.0.1:{pg.port}/analytics "
        "(schemas core, marts; read-only role barometer_reader)"
    )
    assert "publisher-pw" not in json.dumps({k: str(v) for k, v in published.items()})
    assert "publisher-pw" not in capsys.readouterr().err

    snapshot = serving / "barometer.duckdb"
    with (
        duckdb.connect(str(snapshot), read_only=True) as copy,
        pg.connect("publisher", "publisher-pw", "analytics") as conn,
    ):
        for table in [*PUBLISHED, "marts._published"]:
            assert pg_rows(conn, table) == table_rows(copy, table), table
        described = conn.execute(
            "select col_description('marts.deal_facts'::regclass, 1), "
            "format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'marts.deal_facts'::regclass and attname = 'amount_reporting'"
        ).fetchone()
        assert described[0] == column_schema(copy, "marts.deal_facts")[0][2]
        assert described[1] == "numeric(18,2)"
        schemas = {row[0] for row in conn.execute("select nspname from pg_namespace").fetchall()}
        assert {"marts", "core"} <= schemas
        assert not {s for s in schemas if s.endswith(("__next", "__old"))}
        for query in doc_queries():
            assert conn.execute(query).fetchall(), query

    with pg.connect() as admin:
        admin.execute("create role bi_user login password 'bi-pw' in role barometer_reader")
    with pg.connect("bi_user", "bi-pw", "analytics") as bi:
        assert bi.execute("select count(*) from marts.deal_facts").fetchone()[0] > 0
        assert bi.execute("select count(*) from core.activities").fetchone()[0] > 0
        for statement in (
            "insert into marts.deal_facts (deal_id) values ('intruder')",
            "update core.deals set amount = 0",
            "delete from marts._published",
            "drop table core.reps",
            "create table marts.mine (a integer)",
            "create schema mine",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                bi.execute(statement)

        # The next publication swaps the schemas under the connected reader, grants included.
        with duckdb.connect(str(warehouse)) as db:
            db.execute("delete from marts.deal_facts where not is_won")
            won = db.execute("select count(*) from marts.deal_facts").fetchone()[0]
        engine = make_engine(warehouse)
        publish(engine, PUBLISHED, ServingConfig(directory=serving, postgres_url=make_url(url)))
        engine.dispose()
        assert bi.execute("select count(*) from marts.deal_facts").fetchone()[0] == won
        assert bi.execute(
            "select row_count from marts._published where table_name = 'marts.deal_facts'"
        ).fetchone() == (won,)
        schemas = {row[0] for row in bi.execute("select nspname from pg_namespace").fetchall()}
        assert not {s for s in schemas if s.endswith(("__next", "__old"))}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("truncate marts.deal_facts")


def test_bi_readers_during_two_full_syncs_see_only_complete_snapshots_and_never_a_lock(synced):
    published = [datetime.fromisoformat(o.metadata[SERVING]["published_at"]) for o in synced.outcomes]
    assert published[0] < published[1]
    for mode, result in synced.readers.items():
        assert result["errors"] == [], mode  # no lock error, no missing table, nothing
        assert result["incomplete"] == [], mode  # every round's counts matched its _published
    reopened = {datetime.fromisoformat(p) for p in synced.readers["reopen"]["seen"] if p != "absent"}
    assert reopened == set(published)  # it read the first snapshot, then the one replacing it
    # The connection held since the first snapshot appeared kept reading it, whole, after the replace.
    assert {datetime.fromisoformat(p) for p in synced.readers["hold"]["seen"] if p != "absent"} == {
        published[0]
    }
