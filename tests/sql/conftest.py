import pytest
import sql_deal_data
from sql_helpers import build_core, template, warehouse


@pytest.fixture(scope="session")
def raw_template(tmp_path_factory):
    """An empty warehouse with every landing table (created once, copied per test)."""
    return template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def engine(raw_template, tmp_path):
    """A fresh warehouse with the real, empty landing tables."""
    engine = warehouse(raw_template, tmp_path / "warehouse.duckdb")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def deals_warehouse(raw_template, tmp_path_factory):
    """The golden deals of sql_deal_data, built into core once for the deals and history tests."""
    engine = warehouse(raw_template, tmp_path_factory.mktemp("deals") / "warehouse.duckdb")
    sql_deal_data.load(engine)
    build_core(engine, sql_deal_data.CONFIG)
    yield engine
    engine.dispose()
