"""The scorecard's signed figures: a sign only where the rounded figure has one."""

import math

import pytest

from pipelines.report.formatting import MISSING, points, signed_percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (12.4, "+12%"),
        (-8.0, "−8%"),
        (-0.3, "0%"),  # rounds to zero: no "−0%"
        (0.49, "0%"),
        (-0.5, "0%"),  # round half to even, as the table's other figures
        (-0.51, "−1%"),
        (0.0, "0%"),
        (None, MISSING),
        (math.nan, MISSING),
    ],
)
def test_signed_percent(value, shown):
    assert signed_percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(4.0, "+4.0 pts"), (-2.54, "−2.5 pts"), (-0.04, "0.0 pts"), (0.06, "+0.1 pts"), (None, MISSING)],
)
def test_points(value, shown):
    assert points(value) == shown
