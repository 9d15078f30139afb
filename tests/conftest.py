"""Fixtures shared by the test folders that run the pipeline against the sandbox."""

import dagster as dg
import pytest

from pipelines.demo import sandbox_reporting_toml


@pytest.fixture(scope="module")
def instance():
    """A Dagster instance in memory, for one module's runs."""
    with dg.DagsterInstance.ephemeral() as dagster_instance:
        yield dagster_instance


@pytest.fixture(scope="module")
def reporting_file(tmp_path_factory):
    """The demo's reporting configuration for the sandbox org (its custom stages and EUR rate)."""
    path = tmp_path_factory.mktemp("config") / "reporting.toml"
    path.write_text(sandbox_reporting_toml(), encoding="utf-8")
    return path
