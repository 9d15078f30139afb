from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from models import engine as engine_module
from models.engine import (
    DEFAULT_PATH,
    PROJECT_ROOT,
    WarehouseConfigError,
    duckdb_connection,
    make_engine,
    warehouse_url,
)


def test_default_is_data_warehouse_duckdb_under_the_project_root(tmp_path, monkeypatch):
    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    assert DEFAULT_PATH == PROJECT_ROOT / "data" / "warehouse.duckdb"
    monkeypatch.setattr(engine_module, "DEFAULT_PATH", tmp_path / "fresh" / "warehouse.duckdb")
    url = warehouse_url({})
    assert sa.make_url(url).database == str(tmp_path / "fresh" / "warehouse.duckdb")
    assert (tmp_path / "fresh").is_dir()  # the folder is created


def test_a_path_or_a_duckdb_url(tmp_path):
    path = tmp_path / "sub" / "w h?#.duckdb"
    assert sa.make_url(warehouse_url({"BAROMETER_WAREHOUSE": str(path)})).database == str(path)
    assert path.parent.is_dir()
    url = f"duckdb:///{tmp_path}/other.duckdb"
    assert warehouse_url({"BAROMETER_WAREHOUSE": url}) == url
    assert warehouse_url({"BAROMETER_WAREHOUSE": "duckdb:///:memory:"}) == "duckdb:///:memory:"


def test_the_environment_is_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("BAROMETER_WAREHOUSE", str(tmp_path / "later.duckdb"))
    engine = make_engine()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()
    assert (tmp_path / "later.duckdb").exists()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("postgresql://user@host/db", "'postgresql' URL"),
        ("duckdb://:not a url", "not a valid URL"),
    ],
)
def test_unusable_values_name_the_variable(value, says):
    with pytest.raises(WarehouseConfigError, match="BAROMETER_WAREHOUSE") as caught:
        warehouse_url({"BAROMETER_WAREHOUSE": value})
    assert says in str(caught.value)


def test_errors_never_echo_a_url_that_may_hold_a_secret():
    with pytest.raises(WarehouseConfigError) as caught:
        warehouse_url({"BAROMETER_WAREHOUSE": "postgresql://user:s3cret@host/db?token=t0ken"})
    assert "s3cret" not in str(caught.value)
    assert "t0ken" not in str(caught.value)
    with pytest.raises(WarehouseConfigError) as caught:
        warehouse_url({"BAROMETER_WAREHOUSE": "duckdb://user:s3cret@host:port/x"})
    assert "s3cret" not in str(caught.value)


def test_a_folder_or_an_unwritable_place_is_refused(tmp_path):
    with pytest.raises(WarehouseConfigError, match=r"BAROMETER_WAREHOUSE.*is a folder"):
        warehouse_url({"BAROMETER_WAREHOUSE": str(tmp_path)})
    (tmp_path / "file").write_text("x")
    with pytest.raises(WarehouseConfigError, match="cannot create the folder"):
        warehouse_url({"BAROMETER_WAREHOUSE": str(tmp_path / "file" / "w.duckdb")})


def test_raw_connection_shares_the_sqlalchemy_transaction(engine):
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (i INTEGER)")
        conn.commit()
        with conn.begin() as txn:
            db = duckdb_connection(conn)
            assert isinstance(db, duckdb.DuckDBPyConnection)
            db.execute("INSERT INTO t VALUES (1)")
            txn.rollback()
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        assert conn.exec_driver_sql("SELECT current_setting('TimeZone')").scalar() == "UTC"


def test_make_engine_accepts_a_path_object(tmp_path):
    engine = make_engine(Path(tmp_path) / "p.duckdb")
    assert engine.url.database == str(tmp_path / "p.duckdb")
    engine.dispose()


def _memory_limit(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql("select current_setting('memory_limit')").scalar_one()


def _duckdb_reading_of(size: str) -> str:
    """How DuckDB shows `size` once set (256MB reads back as 244.1 MiB)."""
    with duckdb.connect() as db:
        db.execute(f"SET memory_limit = '{size}'")
        return db.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_load_memory_limit_comes_from_the_argument_the_variable_or_the_default(monkeypatch):
    monkeypatch.delenv("BAROMETER_LOAD_MEMORY_LIMIT", raising=False)
    assert engine_module.load_memory_limit() == "256MB"
    monkeypatch.setenv("BAROMETER_LOAD_MEMORY_LIMIT", " 1.5GB ")
    assert engine_module.load_memory_limit() == "1.5GB"
    monkeypatch.setenv("BAROMETER_LOAD_MEMORY_LIMIT", "")
    assert engine_module.load_memory_limit() == "256MB"
    assert engine_module.load_memory_limit("512 MiB") == "512 MiB"


@pytest.mark.parametrize("value", ["lots", "256", "-1GB", "1GB; DROP TABLE x", "1 G B", "80%"])
def test_a_load_memory_limit_that_is_not_a_size_names_the_variable(value):
    with pytest.raises(WarehouseConfigError) as raised:
        engine_module.load_memory_limit(value)
    assert str(raised.value) == (
        f"BAROMETER_LOAD_MEMORY_LIMIT={value!r} is not a memory size; set it to a number and a unit, "
        "e.g. 256MB or 1GB, or unset it for 256MB"
    )


@pytest.mark.parametrize("value", ["0MB", "0.0 GiB"])
def test_a_load_memory_limit_of_zero_is_refused(value):
    with pytest.raises(WarehouseConfigError) as raised:
        engine_module.load_memory_limit(value)
    assert str(raised.value) == (
        f"BAROMETER_LOAD_MEMORY_LIMIT={value!r} leaves DuckDB no memory; set a size such as 256MB or 1GB, "
        "or unset it for 256MB"
    )


def test_an_engine_with_a_memory_limit_keeps_duckdb_within_it_and_others_keep_the_default(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    building = make_engine(path)
    default = _memory_limit(building)
    loading = make_engine(path, memory_limit="300MB")
    assert _memory_limit(loading) == _duckdb_reading_of("300MB") != default
    # One DuckDB instance serves every connection to the file in a process, and the limit is the
    # instance's: a new connection of an engine without a limit puts DuckDB's default back.
    assert _memory_limit(make_engine(path)) == default
