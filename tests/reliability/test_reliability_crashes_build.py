"""Crashes after the extraction: 8 of the 20 crash trials (crash_trials.py), each sync killed while it
writes the reporting configuration (2) or builds the models (6), at a seeded random point, then rerun to
the uninterrupted result; and `barometer sync` itself killed mid-extraction, holding the Dagster pool slot
of the warehouse, with one DAGSTER_HOME as a user's runs share: the next `barometer sync` closes the
killed run as failed, frees its slot (before the fix it waited for that slot forever), completes, and its
warehouse equals the uninterrupted one.
"""

import os
import signal

import dagster as dg
import pytest
from crash_trials import (
    EXTRACTION_KILLS,
    RUN_TIMEOUT,
    check_rerun,
    planned_kills,
    run_trials,
    running_extractions,
    start,
    wait_for_line,
)

from pipelines.runs import RUN_LOCK_TAG


@pytest.mark.slow
def test_8_syncs_killed_configuring_or_building_rerun_to_the_uninterrupted_result(crash_cli, crash_reference):
    _, root, _ = crash_cli
    phases = run_trials(crash_cli, crash_reference, planned_kills(root / "reference.log")[EXTRACTION_KILLS:])
    assert "build" in phases


@pytest.mark.slow
def test_a_killed_barometer_sync_is_closed_and_the_next_one_completes(crash_cli, crash_reference):
    worker, root, home = crash_cli
    clean, _ = crash_reference
    warehouse = root / "cli.duckdb"
    log = root / "cli-killed.log"
    pid = start(worker, "sync", warehouse, log)
    wait_for_line(log, "hubspot.deals: extracting")  # the step holds the warehouse pool's only slot
    os.kill(pid, signal.SIGKILL)
    assert worker.wait(pid, timeout=30) == -signal.SIGKILL
    interrupted = running_extractions(warehouse)
    assert len(interrupted) <= 1  # none if the kill came before the step recorded its extraction

    rerun = root / "cli-rerun.log"
    pid = start(worker, "sync", warehouse, rerun)
    assert worker.wait(pid, timeout=RUN_TIMEOUT) == 0, rerun.read_text()  # before the fix: waited forever
    assert "as failed: the process running it ended (killed or crashed)" in rerun.read_text()
    check_rerun(clean, warehouse, interrupted, "barometer sync killed extracting hubspot.deals")

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        storage = instance.event_log_storage
        pools = [storage.get_concurrency_info(key) for key in storage.get_concurrency_keys()]
    assert sorted(run.status.value for run in runs) == ["FAILURE", "SUCCESS"]
    assert all(RUN_LOCK_TAG in run.tags for run in runs)
    assert pools  # the runs' steps took the warehouse pool's slot ...
    assert [(pool.claimed_slots, pool.pending_steps) for pool in pools] == [([], [])] * len(pools)  # freed
