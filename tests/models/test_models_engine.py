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
