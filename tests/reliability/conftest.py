"""The fixtures the reliability tests share: with the pipeline tests (tests/pipelines/pipeline_helpers.py),
and between the two files of crash trials (crash_trials.py)."""

from crash_trials import crash_box, crash_cli, crash_reference
from pipeline_helpers import instance, reporting_file

__all__ = ["crash_box", "crash_cli", "crash_reference", "instance", "reporting_file"]
