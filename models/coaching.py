"""The results and coaching settings (docs/metrics.md, "core.deals" is_referral and "marts.rep_coaching"):
which lead sources count as referrals, and the five thresholds of the coaching flags.

A deal is a referral when its lead source, lower-cased, contains one of the referral values (default:
`referral`). A coaching flag compares its figure with its threshold: `below` flags (appointment → proposal,
closing ratio, barometer) when the figure is under the threshold, the others when it is at or under it.
The SQL reads them from config.referral_values and config.coaching_thresholds, which
models.reporting.write_config fills from these.

In the reporting configuration file:

    [referrals]
    values = ["referral", "partner"]        # replaces the default list

    [coaching]                              # any of the five; the others keep their defaults
    appointment_to_proposal_rate = 0.60
    closing_ratio = 0.65
    activity_barometer_pct = 100
    revenue_per_sale_vs_team_pct = -40
    sales_cycle_vs_team_pct = -30
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

DEFAULT_REFERRAL_VALUES: tuple[str, ...] = ("referral",)


class CoachingConfigError(ValueError):
    """A referral value or coaching threshold is unusable; the message says what to change
    (models.reporting adds the file and line)."""


def check_referral_values(values: object) -> tuple[str, ...]:
    """`values` as a tuple of lower-cased, stripped, distinct non-empty strings."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise CoachingConfigError('values must be a list of lead-source texts, e.g. ["referral", "partner"]')
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise CoachingConfigError(f"value {value!r} is not text; write it in quotes")
        cleaned = value.strip().lower()
        if not cleaned:
            raise CoachingConfigError(f"value {value!r} is empty; write a word such as referral")
        if cleaned in out:
            raise CoachingConfigError(f"value {value!r} is listed twice (case is ignored); keep one")
        out.append(cleaned)
    if not out:
        raise CoachingConfigError('values is empty; list at least one, e.g. ["referral"]')
    return tuple(out)


@dataclass(frozen=True)
class CoachingThresholds:
    """The coaching flags' thresholds (marts.rep_coaching): rates are shares, the others percent."""

    appointment_to_proposal_rate: float = 0.60  # below_appointment_to_proposal: rate < this
    closing_ratio: float = 0.65  # below_closing_ratio: ratio < this
    activity_barometer_pct: float = 100.0  # below_barometer: pct < this
    revenue_per_sale_vs_team_pct: float = -40.0  # low_revenue_per_sale: pct <= this
    sales_cycle_vs_team_pct: float = -30.0  # fast_sales_cycle: pct <= this

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise CoachingConfigError(
                    f"{item.name} = {value!r} is not a number; write e.g. {item.default}"
                )
            object.__setattr__(self, item.name, float(value))
        for name in ("appointment_to_proposal_rate", "closing_ratio"):
            if not 0 <= getattr(self, name) <= 1:
                raise CoachingConfigError(
                    f"{name} = {getattr(self, name)!r} is a share: write it between 0 and 1, e.g. 0.6"
                )
        if self.activity_barometer_pct < 0:
            raise CoachingConfigError(
                f"activity_barometer_pct = {self.activity_barometer_pct!r} must be 0 or more, e.g. 100"
            )
        for name in ("revenue_per_sale_vs_team_pct", "sales_cycle_vs_team_pct"):
            if getattr(self, name) < -100:
                raise CoachingConfigError(
                    f"{name} = {getattr(self, name)!r} is under -100 (no figure can be); write e.g. -40"
                )

    @classmethod
    def from_table(cls, table: Mapping[str, object]) -> CoachingThresholds:
        """The thresholds of a `[coaching]` table: the keys it names, the defaults for the others."""
        known = [item.name for item in fields(cls)]
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise CoachingConfigError(
                f"unknown key(s) {', '.join(unknown)}; the thresholds are {', '.join(known)}"
            )
        return cls(**table)  # type: ignore[arg-type]

    def row(self) -> dict[str, float]:
        """The config.coaching_thresholds row."""
        return {item.name: getattr(self, item.name) for item in fields(self)}
