import pytest
from sql_helpers import landing_warehouse, raw_template

from models.engine import make_engine

__all__ = ["landing_warehouse", "raw_template"]  # fixtures shared with tests/sql (sql_helpers)


@pytest.fixture
def engine(tmp_path):
    """An engine on a fresh DuckDB file."""
    engine = make_engine(tmp_path / "warehouse.duckdb")
    yield engine
    engine.dispose()
