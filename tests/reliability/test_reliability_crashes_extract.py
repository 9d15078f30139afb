"""Crashes in the extraction: 12 of the 20 crash trials (crash_trials.py), each sync killed while it
extracts, at a seeded random point, then rerun to the uninterrupted result."""

import pytest
from crash_trials import (
    EXTRACTION_KILLS,
    planned_kills,
    run_trials,
)


@pytest.mark.slow
def test_12_syncs_killed_while_extracting_rerun_to_the_uninterrupted_result(crash_cli, crash_reference):
    _, root, _ = crash_cli
    phases = run_trials(crash_cli, crash_reference, planned_kills(root / "reference.log")[:EXTRACTION_KILLS])
    assert "extract" in phases
