"""The fixtures the reliability tests share with the pipeline tests (tests/pipelines/pipeline_helpers.py)."""

from pipeline_helpers import instance, reporting_file

__all__ = ["instance", "reporting_file"]
