"""Publishing (models.serving) from a real DuckDB warehouse file holding every column type the marts use,
NULLs, hostile text and comments: the snapshot and the Parquet files equal the warehouse; the snapshot
is replaced atomically under a reader; writes through it fail; a failed publication leaves the previous
one in place; the settings say what to change."""

import os
import socket
from pathlib import Path

import duckdb
import pytest
from pipeline_helpers import column_schema
from sqlalchemy.engine import make_url

from models.engine import make_engine
from models.serving import ServingConfig, publish, serving_config_from_env
from models.serving import parquet as parquet_files
from models.serving.config import DEFAULT_READER_ROLE, PublishConfigError, masked
from models.serving.tables import PublishError

TABLES = ["core.deals", "marts.scorecard"]
SETUP = """
create schema core;
create schema marts;
create schema config;
create table config.build (timezone varchar, currency varchar, as_of timestamp with time zone,
    as_of_date date);
insert into config.build values
    ('Europe/Paris', 'EUR', timestamptz '2026-03-02 08:00:00+00', date '2026-03-02');
create table core.deals (
    deal_id varchar, amount decimal(18, 2), is_won boolean, closed_on date,
    created_at timestamp with time zone, duration_seconds integer, calls bigint, win_rate double);
comment on table core.deals is 'One row per deal.';
comment on column core.deals.amount is 'The amount, in the deal''s currency.';
insert into core.deals values
    ('salesforce:006A', 1234.56, true, date '2026-02-27', timestamptz '2026-01-05 09:30:00.123456+00',
     3600, 12, 0.3333333333333333),
    ('hubspot:42', null, null, null, null, null, null, null),
    ('hubspot:43', 0.01, false, date '2026-03-01', timestamptz '2026-02-28 23:59:59+00', 0, 0, 1e-05),
    ('quote''s "and" , comma', -5.00, false, date '2026-03-01', timestamptz '2026-03-01 00:00:00+00',
     1, 9007199254740993, 0.1);
create table marts.scorecard (week_start date, rep_name varchar, revenue_won decimal(18, 2),
    win_rate double, as_of timestamp with time zone);
insert into marts.scorecard values
    (date '2026-02-23', 'Zoë O''Brien', 1234.56, 0.5, timestamptz '2026-03-02 08:00:00+00'),
    (date '2026-02-23', '', 0.00, null, timestamptz '2026-03-02 08:00:00+00'),
    (date '2026-02-23', e'two\\nlines', null, 1.0, timestamptz '2026-03-02 08:00:00+00');
"""


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute(SETUP)
    return path


@pytest.fixture
def engine(warehouse):
    engine = make_engine(warehouse)
    yield engine
    engine.dispose()


def config(tmp_path, postgres_url=None) -> ServingConfig:
    return ServingConfig(directory=tmp_path / "serving", postgres_url=postgres_url)


def rows(db: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    return sorted(db.execute(f"select * from {relation}").fetchall(), key=repr)


def test_the_snapshot_holds_every_table_with_its_types_comments_and_a_freshness_table(
    tmp_path, warehouse, engine
):
    publication = publish(engine, TABLES, config(tmp_path))
    assert publication.snapshot == tmp_path / "serving" / "barometer.duckdb"
    assert publication.rows == {"core.deals": 4, "marts.scorecard": 3}
    assert publication.bytes == publication.snapshot.stat().st_size > 0
    engine.dispose()
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        duckdb.connect(str(publication.snapshot), read_only=True) as copy,
    ):
        for table in TABLES:
            assert rows(copy, table) == rows(source, table), table
            assert column_schema(copy, table) == column_schema(source, table), table
        assert copy.execute(
            "select comment from duckdb_tables() where schema_name = 'core' and table_name = 'deals'"
        ).fetchone() == ("One row per deal.",)
        manifest = copy.execute(
            "select table_name, row_count, as_of, published_at, timezone, currency from marts._published"
        ).fetchall()
    as_of = publication.settings.as_of
    assert as_of.isoformat() == "2026-03-02T08:00:00+00:00"
    assert sorted(manifest) == [
        ("core.deals", 4, as_of, publication.published_at, "Europe/Paris", "EUR"),
        ("marts.scorecard", 3, as_of, publication.published_at, "Europe/Paris", "EUR"),
    ]
    assert sorted(p.name for p in publication.snapshot.parent.iterdir()) == ["barometer.duckdb", "parquet"]


def test_parquet_versions_equal_the_tables_and_current_moves_to_the_newest(tmp_path, warehouse, engine):
    publications = [publish(engine, TABLES, config(tmp_path)) for _ in range(parquet_files.KEEP + 1)]
    root = tmp_path / "serving" / "parquet"
    kept = sorted(p.name for p in root.iterdir() if not p.is_symlink())
    assert kept == [p.parquet.name for p in publications[-parquet_files.KEEP :]]
    assert parquet_files.current(root) == publications[-1].parquet
    assert (root / "current").resolve() == publications[-1].parquet
    engine.dispose()
    with duckdb.connect(str(warehouse), read_only=True) as source:
        for table in TABLES:
            file = root / "current" / f"{table.replace('.', '/')}.parquet"
            assert rows(source, f"read_parquet('{file}')") == rows(source, table), table
            assert file.stat().st_mode & 0o777 == 0o444
        manifest = root / "current" / "marts" / "_published.parquet"
        assert source.execute(f"select sum(row_count) from read_parquet('{manifest}')").fetchone() == (7,)


def test_a_reader_of_the_old_snapshot_keeps_it_while_a_new_one_replaces_it(tmp_path, warehouse, engine):
    first = publish(engine, TABLES, config(tmp_path))
    reader = duckdb.connect(str(first.snapshot), read_only=True)
    old_inode = first.snapshot.stat().st_ino
    with engine.begin() as conn:
        conn.exec_driver_sql("insert into core.deals (deal_id) values ('hubspot:44')")
    # A stray WAL beside the published name would be replayed into the next file: it goes.
    first.snapshot.with_name("barometer.duckdb.wal").write_bytes(b"stale")
    second = publish(engine, TABLES, config(tmp_path))
    assert second.snapshot == first.snapshot
    assert second.snapshot.stat().st_ino != old_inode
    assert not second.snapshot.with_name("barometer.duckdb.wal").exists()
    # The open connection still reads the file it opened, whole: no error, the old counts.
    assert reader.execute("select count(*) from core.deals").fetchone() == (4,)
    assert reader.execute("select sum(row_count) from marts._published").fetchone() == (7,)
    reader.close()
    with duckdb.connect(str(second.snapshot), read_only=True) as fresh:
        assert fresh.execute("select count(*) from core.deals").fetchone() == (5,)
        assert fresh.execute(
            "select row_count from marts._published where table_name = 'core.deals'"
        ).fetchone() == (5,)


@pytest.mark.parametrize(
    "statement",
    [
        "insert into marts.scorecard (rep_name) values ('intruder')",
        "update core.deals set amount = 0",
        "delete from marts._published",
        "drop table core.deals",
        "create table marts.mine (a integer)",
    ],
)
def test_writes_through_the_serving_database_fail(tmp_path, engine, statement):
    publication = publish(engine, TABLES, config(tmp_path))
    with duckdb.connect(str(publication.snapshot), read_only=True) as db:
        with pytest.raises(duckdb.Error, match="read-only"):
            db.execute(statement)
        assert db.execute("select count(*) from core.deals").fetchone() == (4,)
    assert publication.snapshot.stat().st_mode & 0o777 == 0o444  # read-only on disk too
    if os.geteuid() != 0:  # root ignores file modes
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(publication.snapshot))


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_failed_publication_leaves_the_previous_one_in_place(tmp_path, engine):
    good = publish(engine, TABLES, config(tmp_path))
    before = (good.snapshot.read_bytes(), good.snapshot.stat().st_ino)
    with engine.begin() as conn:
        conn.exec_driver_sql("delete from core.deals")
    # Nothing listens there: PostgreSQL fails after the new snapshot and Parquet version are staged.
    unreachable = make_url(f"postgresql+psycopg://publisher:s3cret-pw@127.0.0.1:{_closed_port()}/bi")
    with pytest.raises(PublishError) as failure:
        publish(engine, TABLES, config(tmp_path, postgres_url=unreachable))
    message = str(failure.value)
    assert "publishing to PostgreSQL at postgresql+psycopg://publisher:***@127.0.0.1" in message
    assert "BAROMETER_PUBLISH_URL" in message
    assert "s3cret-pw" not in message
    assert (good.snapshot.read_bytes(), good.snapshot.stat().st_ino) == before
    root = good.parquet.parent
    assert parquet_files.current(root) == good.parquet
    assert sorted(p.name for p in root.iterdir()) == sorted(["current", good.parquet.name])
    assert sorted(p.name for p in good.snapshot.parent.iterdir()) == ["barometer.duckdb", "parquet"]
    with pytest.raises(PublishError, match=r"marts\.missing is not in the warehouse; build it first"):
        publish(engine, [*TABLES, "marts.missing"], config(tmp_path))
    assert good.snapshot.read_bytes() == before[0]


def test_settings_default_beside_the_warehouse_and_name_the_variable_when_wrong(tmp_path):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    defaults = serving_config_from_env({"BAROMETER_WAREHOUSE": str(warehouse)})
    assert defaults == ServingConfig(directory=warehouse.parent / "serving", postgres_url=None)
    assert defaults.reader_role == DEFAULT_READER_ROLE
    chosen = serving_config_from_env(
        {
            "BAROMETER_PUBLISH_DIR": str(tmp_path / "bi"),
            "BAROMETER_PUBLISH_URL": "postgresql://publisher:pa55@db.example.com:5432/analytics",
            "BAROMETER_PUBLISH_READER_ROLE": "bi_readers",
        }
    )
    assert chosen.directory == tmp_path / "bi"
    assert masked(chosen.postgres_url) == "postgresql+psycopg://publisher:***@db.example.com:5432/analytics"
    assert "pa55" not in repr(chosen)
    assert chosen.reader_role == "bi_readers"

    (tmp_path / "a-file").write_text("")
    wrong = {
        "BAROMETER_PUBLISH_URL": (
            "mysql://u:pa55@host/db",
            "is a 'mysql' URL; publishing goes to PostgreSQL",
        ),
        "BAROMETER_PUBLISH_URL ": (
            "postgresql+asyncpg://u:pa55@host/db",
            "Barometer publishes with psycopg 3",
        ),
        " BAROMETER_PUBLISH_URL": ("postgresql://u:pa55@host", "names no database"),
        "BAROMETER_PUBLISH_READER_ROLE": ("BI Readers", "is not a plain role name"),
        "BAROMETER_PUBLISH_DIR": (str(tmp_path / "a-file"), "is a file; set it to a folder"),
    }
    for variable, (value, problem) in wrong.items():
        with pytest.raises(PublishConfigError) as failure:
            serving_config_from_env({variable.strip(): value})
        assert variable.strip() in str(failure.value)
        assert problem in str(failure.value)
        assert "pa55" not in str(failure.value)
    with pytest.raises(PublishConfigError, match="set BAROMETER_PUBLISH_DIR"):
        serving_config_from_env({"BAROMETER_WAREHOUSE": "duckdb:///:memory:"})
