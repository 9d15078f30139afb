import pytest

from models.engine import make_engine


@pytest.fixture
def engine(tmp_path):
    """An engine on a fresh DuckDB file."""
    engine = make_engine(tmp_path / "warehouse.duckdb")
    yield engine
    engine.dispose()
