"""`dagster dev` starts from the repository's files (pyproject's [tool.dagster], dagster.yaml) and its
GraphQL endpoint lists every asset, every check and the schedule."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pipelines.definitions import build_definitions
from pipelines.schedules import SCHEDULE_NAME

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
STARTUP_SECONDS = 90
QUERY = """{
  workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } }
  repositoriesOrError { ... on RepositoryConnection { nodes { location { name }
    schedules { name cronSchedule executionTimezone pipelineName } } } }
  assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } }
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a loopback URL we built)
        return json.load(response)


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(  # noqa: S310
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def stop(process: subprocess.Popen) -> None:
    """Interrupt the whole process group (dagster dev, webserver, daemon, code server), then kill it."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children left behind, if any


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SALESFORCE_", "HUBSPOT_", "BAROMETER_", "DAGSTER_"))
    }
    env |= {"DAGSTER_HOME": str(home), "BAROMETER_WAREHOUSE": str(home / "warehouse.duckdb")}
    log = (home / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        [str(DAGSTER), "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (home / "dagster-dev.log").read_text()
            assert time.monotonic() < deadline, "dagster dev did not load the code location in time"
            try:
                get(f"{base}/server_info")
                entries = graphql(base, QUERY)["workspaceOrError"]["locationEntries"]
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                entries = []
            if entries and entries[0]["loadStatus"] == "LOADED":
                break
            time.sleep(0.5)
        yield base
    finally:
        stop(process)
        log.close()


def test_dagster_dev_serves_every_asset_check_and_the_schedule(server):
    data = graphql(server, QUERY)
    [location] = data["workspaceOrError"]["locationEntries"]
    assert location["name"] == "barometer"
    assert location["locationOrLoadError"]["__typename"] == "RepositoryLocation", location
    expected = build_definitions()
    served_assets = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    assert served_assets == {key.to_user_string() for key in expected.resolve_all_asset_keys()}
    served_checks = {
        ("/".join(node["assetKey"]["path"]), check["name"])
        for node in data["assetNodes"]
        for check in node["assetChecksOrError"]["checks"]
    }
    assert served_checks == {
        (key.asset_key.to_user_string(), key.name) for key in expected.resolve_asset_graph().asset_check_keys
    }
    [repository] = data["repositoriesOrError"]["nodes"]
    assert repository["schedules"] == [
        {
            "name": SCHEDULE_NAME,
            "cronSchedule": "0 2 * * *",
            "executionTimezone": "UTC",
            "pipelineName": "sync",
        }
    ]
