"""Faults: the whole pipeline (extract, config, core, marts, checks; one Dagster run) against a small
sandbox org with 10% and 30% of the requests to every endpoint of both CRMs failing, in every way the
sandbox offers, equals a fault-free run table for table; a sustained outage of one endpoint fails the
run with a message saying what failed and what to do, leaves the last good data and what counts as
loaded as they were, and the next run after the outage catches up to the same tables."""

import re
import shutil
from collections import Counter

import pytest
from pipeline_helpers import table_counts
from reliability_pipeline import (
    MODEL_SCHEMAS,
    RAW_SCHEMAS,
    contents,
    differences,
    duplicate_keys,
    run_pipeline,
    small_org,
    tables,
)

from connectors import hubspot, salesforce
from connectors.hubspot import settings as hubspot_settings
from models.engine import make_engine
from models.raw import sync_runs
from models.sync import loaded_until
from pipelines.extract_assets import stream_catalog
from sandbox.faults import FaultKind, FaultRule
from sandbox.sandbox import Sandbox, SandboxConfig

ORG = small_org(seed=41)
# Which request fails, and how, depends only on (seed, endpoint, n-th request to it), so every run of
# this module is served the same faults; with this seed the 30% run meets every kind (checked below).
FAULT_SEED = 5
# A 401 on a client's first request means a wrong token, and fails the run at once by design; so does
# one on Salesforce with the access-token login the sandbox's environment uses (nothing to renew the
# session with; docs/connectors.md). Expired sessions therefore hit HubSpot's data endpoints, where a
# client has always been answered before; every other kind hits every endpoint of both CRMs.
NO_EXPIRY = tuple(kind for kind in FaultKind if kind is not FaultKind.EXPIRED_SESSION)
FIRST_CALLS = ("salesforce.*", "hubspot.owners.*", "hubspot.pipelines.*", "hubspot.properties.*")
DATA_CALLS = ("hubspot.objects.*", "hubspot.associations.*")
HUBSPOT_OBJECT_STREAMS = tuple(f"hubspot.{obj.object_type}" for obj in hubspot_settings.CRM_OBJECTS)


def fault_rules(rate: float) -> list[FaultRule]:
    """`rate` of the requests to every endpoint fail, in any of the kinds it may see (one rule each)."""
    return [
        *(FaultRule(glob, kinds=NO_EXPIRY, rate=rate, slow_seconds=0.05) for glob in FIRST_CALLS),
        *(FaultRule(glob, rate=rate, slow_seconds=0.05) for glob in DATA_CALLS),
    ]


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG, fault_seed=FAULT_SEED)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def reference(box, reporting_file, instance, tmp_path_factory):
    """The fault-free run: a first sync of the org into a fresh warehouse, and its request count."""
    warehouse = tmp_path_factory.mktemp("reference") / "warehouse.duckdb"
    box.requests.clear()
    outcome = run_pipeline(box, warehouse, reporting_file, instance)
    assert outcome.success, outcome.failures
    return warehouse, box.requests.count()


def faulted_objects(box: Sandbox) -> set[str]:
    """The HubSpot CRM objects whose requests (search, list, batch read, associations from them: their
    paths name the object) were served a fault since the request log was cleared."""
    objects = {obj.object_type for obj in hubspot_settings.CRM_OBJECTS}
    return {part for e in box.hubspot.log.entries if e.fault for part in e.path.split("/") if part in objects}


def served_faults(box: Sandbox) -> Counter[str]:
    """Faults served since the request log was cleared, by CRM and kind (e.g. 'hubspot 503')."""
    entries = [*box.salesforce.log.entries, *box.hubspot.log.entries]
    return Counter(f"{e.endpoint.split('.')[0]} {e.fault}" for e in entries if e.fault)


@pytest.mark.slow
@pytest.mark.parametrize("rate", [0.10, 0.30])
def test_faults_of_every_kind_leave_every_table_equal_to_a_fault_free_run(
    box, reporting_file, instance, reference, tmp_path, rate
):
    warehouse = tmp_path / "faulty.duckdb"
    box.requests.clear()
    for rule in fault_rules(rate):
        box.inject_faults(rule)
    try:
        outcome = run_pipeline(box, warehouse, reporting_file, instance)
    finally:
        box.faults.clear()
    faults, requests = served_faults(box), box.requests.count()
    print(
        f"\n{rate:.0%}: {requests} requests ({reference[1]} fault-free), run {outcome.seconds:.1f}s, "
        f"{sum(faults.values())} faults served: {dict(sorted(faults.items()))}"
    )
    assert outcome.success, outcome.failures
    assert sum(faults.values()) >= rate * reference[1] / 2  # the faults were really served
    assert requests > reference[1]  # and retried
    assert {served.split(" ")[0] for served in faults} == {"salesforce", "hubspot"}
    if rate >= 0.3:
        missing = {kind.value for kind in FaultKind} - {served.split(" ")[1] for served in faults}
        assert not missing, f"no {missing} served: the requests changed, choose another FAULT_SEED"
    if rate >= 0.3:  # the faults reached every HubSpot object's requests, the newest streams' too
        assert faulted_objects(box) == {obj.object_type for obj in hubspot_settings.CRM_OBJECTS}
    compared = tables(reference[0])
    assert {t.split(".")[0] for t in compared} >= set(RAW_SCHEMAS) | {"core", "marts"}
    # every landing table of the stream catalogue is compared, and holds rows to compare
    landing = {spec.table_name for stream in stream_catalog() for spec in stream.specs}
    assert landing <= set(compared)
    assert [t for t, n in table_counts(reference[0], sorted(landing)).items() if n == 0] == []
    assert differences(reference[0], warehouse, compared) == {}
    assert duplicate_keys(warehouse) == {}


def loaded(warehouse) -> dict[str, object]:
    """Where each HubSpot object stream's loaded data stops (models.sync.loaded_until)."""
    engine = make_engine(warehouse)
    try:
        return {stream: loaded_until(engine, stream) for stream in HUBSPOT_OBJECT_STREAMS}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_sustained_outage_fails_clearly_and_leaves_the_last_good_data_untouched(
    box, reporting_file, instance, reference, tmp_path
):
    warehouse = tmp_path / "outage.duckdb"
    shutil.copy(reference[0], warehouse)
    data = tables(warehouse, RAW_SCHEMAS + MODEL_SCHEMAS)
    before = contents(warehouse, [*data, "raw_meta.sync_runs"])
    loaded_before = loaded(warehouse)

    box.inject_faults(FaultRule("hubspot.objects.search", kinds=(FaultKind.UNAVAILABLE,), rate=1.0))
    try:
        failed = run_pipeline(box, warehouse, reporting_file, instance)
    finally:
        box.faults.clear()
    assert not failed.success
    [failures] = failed.failures  # the HubSpot step: every failed stream, with its error
    assert failures.startswith("extract_hubspot_streams: "), failures
    for stream in HUBSPOT_OBJECT_STREAMS:
        assert re.search(rf"(^|; |, ){re.escape(stream)}[,:]", failures.partition(": ")[2]), stream
    assert "HubSpot calls" in failures
    assert "search still failing after 8 attempts" in failures
    assert "503" in failures
    assert "re-run later" in failures

    after = contents(warehouse, [*data, "raw_meta.sync_runs"])
    assert {t: after[t] for t in data} == {t: before[t] for t in data}  # raw, core, marts: every byte
    assert loaded(warehouse) == loaded_before  # the failed streams' loaded span did not move
    assert set(before["raw_meta.sync_runs"]) <= set(after["raw_meta.sync_runs"])  # history kept
    new_runs = set(after["raw_meta.sync_runs"]) - set(before["raw_meta.sync_runs"])
    column = {c.name: i for i, c in enumerate(sync_runs.columns)}
    failed_runs = {run[column["stream"]]: run for run in new_runs if run[column["status"]] == "failed"}
    assert set(failed_runs) == set(HUBSPOT_OBJECT_STREAMS)
    assert all("RetriesExhausted" in run[column["error"]] for run in failed_runs.values())

    recovered = run_pipeline(box, warehouse, reporting_file, instance)
    assert recovered.success, recovered.failures
    assert differences(reference[0], warehouse) == {}
    assert duplicate_keys(warehouse) == {}


@pytest.mark.parametrize("value", ["0", "-1", "soon", "1e9"])
def test_a_malformed_backoff_is_refused_naming_the_variable(value):
    with pytest.raises(
        hubspot.ConfigurationError, match=f"HUBSPOT_BACKOFF_SECONDS={value!r} is not a number"
    ):
        hubspot.config_from_env({"HUBSPOT_ACCESS_TOKEN": "pat-na1-x", "HUBSPOT_BACKOFF_SECONDS": value})
    with pytest.raises(
        salesforce.ConfigurationError, match="SALESFORCE_BACKOFF_SECONDS must be a number of seconds"
    ):
        salesforce.sync_settings_from_env({"SALESFORCE_BACKOFF_SECONDS": value})
    assert hubspot.config_from_env({"HUBSPOT_ACCESS_TOKEN": "pat-na1-x"}).backoff_seconds == 0.5
    assert salesforce.sync_settings_from_env({}).backoff_initial_seconds == 1.0
    assert (
        salesforce.sync_settings_from_env({"SALESFORCE_BACKOFF_SECONDS": "0.01"}).backoff_initial_seconds
        == 0.01
    )
