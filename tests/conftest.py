"""Test-run order for the parallel workers (pytest-xdist, `--dist loadfile`: a file runs whole on one
worker, sharing its module fixtures). Files with a test marked `slow` are handed out first, so the
longest files start early and the short ones fill in around them instead of one long file ending the
run alone."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: files stay whole, in order
