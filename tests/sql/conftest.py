import pytest
import sql_deal_data
from sql_helpers import build_core, landing_warehouse, raw_template, warehouse

__all__ = ["landing_warehouse", "raw_template"]  # fixtures shared with tests/models (sql_helpers)

engine = landing_warehouse  # the SQL tests' warehouse: the real landing tables, empty


@pytest.fixture(scope="session")
def deals_warehouse(raw_template, tmp_path_factory):
    """The golden deals of sql_deal_data, built into core once for the deals and history tests."""
    engine = warehouse(raw_template, tmp_path_factory.mktemp("deals") / "warehouse.duckdb")
    sql_deal_data.load(engine)
    build_core(engine, sql_deal_data.CONFIG)
    yield engine
    engine.dispose()
