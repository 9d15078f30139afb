"""The reporting configuration (timezone, currency, FX rates, stage mapping, call outcomes) and the
`config.*` tables through which the SQL models read it: SQL never calls Python, so every setting the
core and mart SQL needs is data in the warehouse, rewritten before each build.

Sources, read when `reporting_config_from_env` is called (never at import):

- `BAROMETER_TIMEZONE`: IANA name, default `UTC`.
- `BAROMETER_CURRENCY`: reporting currency, three upper-case letters, default `USD`.
- `BAROMETER_FX_RATES`: `EUR=1.08,GBP=1.27` (1 unit of the currency = rate * reporting currency).
- `BAROMETER_CONFIG_FILE`: optional TOML file with `[fx_rates]` (`EUR = 1.08`), `[[stage_mapping]]`
  entries (`source`, optional `pipeline`, `stage`, `funnel_stage`) and `[[call_outcomes]]` entries
  (`source`, `value`, `outcome`), and `[[seniority]]` entries (`level`, `terms`: models.seniority). Its
  entries replace the default entry with the same key (source, pipeline, stage) / (source, value) /
  level, or extend the defaults; a rate in `BAROMETER_FX_RATES` wins over the file's rate for the same
  currency. `[referrals]` (`values`: the lead sources that count as referrals) and `[coaching]` (the
  coaching flags' thresholds) are models.coaching's.
- `BAROMETER_TARGETS_FILE`: optional revenue-targets CSV (models.targets), read by `write_config` into
  config.revenue_targets, its malformed rows into config.target_rejects.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from models.coaching import (
    DEFAULT_REFERRAL_VALUES,
    CoachingConfigError,
    CoachingThresholds,
    check_referral_values,
)
from models.seniority import (
    DEFAULT_SENIORITY_RULES,
    SeniorityRule,
    SeniorityRuleError,
    check_rules,
    merge_rules,
    rule_rows,
)
from models.targets import TARGETS_FILE_VAR, TargetsFileError, TargetsLoad, read_targets

TIMEZONE_VAR = "BAROMETER_TIMEZONE"
CURRENCY_VAR = "BAROMETER_CURRENCY"
FX_RATES_VAR = "BAROMETER_FX_RATES"
CONFIG_FILE_VAR = "BAROMETER_CONFIG_FILE"

SOURCES = ("salesforce", "hubspot")

# Canonical funnel stages and their rank (docs/metrics.md, `core.deals` funnel_stage); `lost` has no rank.
FUNNEL_RANKS: dict[str, int | None] = {
    "appointment": 1,
    "qualified": 2,
    "proposal": 3,
    "negotiation": 4,
    "won": 5,
    "lost": None,
}

# Normalised call outcomes (docs/metrics.md, `core.activities` outcome).
CALL_OUTCOMES = (
    "connected",
    "busy",
    "no_answer",
    "left_voicemail",
    "left_live_message",
    "wrong_number",
    "other",
)

_CURRENCY = re.compile(r"[A-Z]{3}")


class ReportingConfigError(ValueError):
    """The reporting configuration is unusable; the message names the variable or file and what to change."""


# -- validation ---------------------------------------------------------------------------------


def check_timezone(value: object, origin: str) -> str:
    if not isinstance(value, str) or not value:
        raise ReportingConfigError(f"{origin}: the timezone must be an IANA name like Europe/Paris")
    try:
        if value == "localtime":  # the machine's zone file, not a name DuckDB knows
            raise ValueError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportingConfigError(
            f"{origin}: {value!r} is not an IANA timezone name; use one like UTC, Europe/Paris "
            "or America/New_York"
        ) from None
    return value


def check_currency(value: object, origin: str) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise ReportingConfigError(
            f"{origin}: {value!r} is not a currency code; use three upper-case letters like USD or EUR"
        )
    return value


def check_rate(value: object, origin: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportingConfigError(f"{origin}: the rate {value!r} is not a number; write e.g. 1.08")
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise ReportingConfigError(f"{origin}: the rate {value!r} must be a positive number, e.g. 1.08")
    return rate


def _check_source(value: object, origin: str) -> str:
    if value not in SOURCES:
        raise ReportingConfigError(f"{origin}: source {value!r} is not one of {', '.join(SOURCES)}")
    return value  # type: ignore[return-value]


def _check_outcome(entry: object, origin: str) -> tuple[str, str, str]:
    if not isinstance(entry, tuple) or len(entry) != 3:
        raise ReportingConfigError(f"{origin}: {entry!r} is not a (source, value, outcome) triple")
    source, value, outcome = entry
    _check_source(source, origin)
    if not isinstance(value, str) or not value.strip():
        raise ReportingConfigError(f"{origin}: the value {value!r} must be a non-empty string")
    if outcome not in CALL_OUTCOMES:
        raise ReportingConfigError(
            f"{origin}: outcome {outcome!r} for {value!r} is not one of {', '.join(CALL_OUTCOMES)}"
        )
    return source, value, outcome


def _pipeline_text(pipeline: str | None) -> str:
    return "" if pipeline is None else f" in pipeline {pipeline!r}"


@dataclass(frozen=True)
class StageMapping:
    """A CRM stage and the funnel stage it counts as; `pipeline` None = any pipeline of that source."""

    source: str
    pipeline: str | None
    stage: str
    funnel_stage: str

    def __post_init__(self) -> None:
        _check_source(self.source, "stage mapping")
        if not isinstance(self.stage, str) or not self.stage:
            raise ReportingConfigError(f"stage mapping: stage must be a non-empty string, not {self.stage!r}")
        if self.pipeline is not None and (not isinstance(self.pipeline, str) or not self.pipeline):
            raise ReportingConfigError(
                f"stage mapping for {self.stage!r}: pipeline must be a non-empty string or absent "
                f"(any pipeline), not {self.pipeline!r}"
            )
        if self.source == "salesforce" and self.pipeline is not None:
            raise ReportingConfigError(
                f"stage mapping for {self.stage!r}: Salesforce opportunities have no pipeline; "
                "leave pipeline out"
            )
        if self.funnel_stage not in FUNNEL_RANKS:
            raise ReportingConfigError(
                f"stage mapping for {self.stage!r}: funnel_stage {self.funnel_stage!r} is not one of "
                f"{', '.join(FUNNEL_RANKS)}"
            )

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.source, self.pipeline, self.stage)

    @property
    def funnel_rank(self) -> int | None:
        return FUNNEL_RANKS[self.funnel_stage]


def _defaults(source: str, rows: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[StageMapping, ...]:
    return tuple(StageMapping(source, None, stage, funnel) for funnel, stages in rows for stage in stages)


DEFAULT_STAGE_MAPPING: tuple[StageMapping, ...] = _defaults(
    "salesforce",
    [
        ("appointment", ("Prospecting",)),
        (
            "qualified",
            (
                "Qualification",
                "Needs Analysis",
                "Value Proposition",
                "Id. Decision Makers",
                "Perception Analysis",
            ),
        ),
        ("proposal", ("Proposal/Price Quote",)),
        ("negotiation", ("Negotiation/Review",)),
        ("won", ("Closed Won",)),
        ("lost", ("Closed Lost",)),
    ],
) + _defaults(
    "hubspot",
    [
        ("appointment", ("appointmentscheduled",)),
        ("qualified", ("qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin")),
        ("proposal", ("contractsent",)),
        ("won", ("closedwon",)),
        ("lost", ("closedlost",)),
    ],
)

# HubSpot's default call dispositions (GUIDs). Salesforce's free-text CallDisposition is normalised in
# SQL (sql/core/activities.sql); a ("salesforce", value, outcome) entry maps a normalised spelling.
DEFAULT_CALL_OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("hubspot", "f240bbac-87c9-4f6e-bf70-924b57d47db7", "connected"),
    ("hubspot", "9d9162e7-6cf3-4944-bf63-4dff82258764", "busy"),
    ("hubspot", "73a0d17f-1163-4015-bdd5-ec830791da20", "no_answer"),
    ("hubspot", "b2cf5968-551e-4856-9783-52b3da59a7d0", "left_voicemail"),
    ("hubspot", "a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "left_live_message"),
    ("hubspot", "17b47fee-58de-441e-a44c-c6300d46f273", "wrong_number"),
)


@dataclass(frozen=True)
class ReportingConfig:
    timezone: str = "UTC"
    currency: str = "USD"
    fx_rates: Mapping[str, float] = field(
        default_factory=dict
    )  # 1 unit = rate × reporting currency (read-only copy)
    stage_mapping: tuple[StageMapping, ...] = DEFAULT_STAGE_MAPPING
    call_outcomes: tuple[tuple[str, str, str], ...] = DEFAULT_CALL_OUTCOMES  # (source, raw value, outcome)
    targets_file: Path | None = None  # revenue-targets CSV (models.targets); None = no targets
    seniority_rules: tuple[SeniorityRule, ...] = DEFAULT_SENIORITY_RULES  # job title → seniority
    referral_values: tuple[str, ...] = DEFAULT_REFERRAL_VALUES  # lead sources containing one: referrals
    coaching: CoachingThresholds = field(default_factory=CoachingThresholds)  # coaching flags' thresholds

    def __post_init__(self) -> None:
        # Frozen all the way down: a copy of the rates, read-only, and tuples.
        object.__setattr__(self, "fx_rates", MappingProxyType(dict(self.fx_rates)))
        object.__setattr__(self, "stage_mapping", tuple(self.stage_mapping))
        if self.targets_file is not None:
            object.__setattr__(self, "targets_file", Path(self.targets_file))
        object.__setattr__(
            self, "call_outcomes", tuple(tuple(e) if isinstance(e, list) else e for e in self.call_outcomes)
        )
        try:
            object.__setattr__(self, "seniority_rules", check_rules(self.seniority_rules))
        except SeniorityRuleError as exc:
            raise ReportingConfigError(f"seniority_rules: {exc}") from None
        try:
            object.__setattr__(self, "referral_values", check_referral_values(self.referral_values))
        except CoachingConfigError as exc:
            raise ReportingConfigError(f"referral_values: {exc}") from None
        if not isinstance(self.coaching, CoachingThresholds):
            raise ReportingConfigError(f"coaching holds {self.coaching!r}, not CoachingThresholds")
        check_timezone(self.timezone, "timezone")
        check_currency(self.currency, "currency")
        for code, rate in self.fx_rates.items():
            check_currency(code, "fx_rates")
            check_rate(rate, f"fx_rates[{code!r}]")
        seen: set[tuple[str, str | None, str]] = set()
        for mapping in self.stage_mapping:
            if not isinstance(mapping, StageMapping):
                raise ReportingConfigError(f"stage_mapping holds {mapping!r}, not a StageMapping")
            if mapping.key in seen:
                raise ReportingConfigError(
                    f"stage_mapping maps {mapping.source} stage {mapping.stage!r}"
                    f"{_pipeline_text(mapping.pipeline)} twice; keep one entry"
                )
            seen.add(mapping.key)
        outcome_keys: set[tuple[str, str]] = set()
        for entry in self.call_outcomes:
            source, value, _ = _check_outcome(entry, "call_outcomes")
            if (source, value) in outcome_keys:
                raise ReportingConfigError(f"call_outcomes maps {source} value {value!r} twice; keep one")
            outcome_keys.add((source, value))
        if self.fx_rates.get(self.currency, 1) != 1:
            raise ReportingConfigError(
                f"fx_rates: {self.currency} is the reporting currency, so its rate is 1, "
                f"not {self.fx_rates[self.currency]}; remove it"
            )


# -- from the environment -----------------------------------------------------------------------


def reporting_config_from_env(env: Mapping[str, str] | None = None) -> ReportingConfig:
    """The configuration named by the BAROMETER_* variables of `env` (default: os.environ)."""
    env = os.environ if env is None else env
    timezone = env.get(TIMEZONE_VAR, "").strip() or "UTC"
    check_timezone(timezone, TIMEZONE_VAR)
    currency = env.get(CURRENCY_VAR, "").strip() or "USD"
    check_currency(currency, CURRENCY_VAR)

    fx_rates: dict[str, float] = {}
    stage_mapping = {m.key: m for m in DEFAULT_STAGE_MAPPING}
    call_outcomes = {(s, v): (s, v, o) for s, v, o in DEFAULT_CALL_OUTCOMES}
    seniority_rules = DEFAULT_SENIORITY_RULES
    referral_values = DEFAULT_REFERRAL_VALUES
    coaching = CoachingThresholds()
    config_file = env.get(CONFIG_FILE_VAR, "").strip()
    if config_file:
        loaded = _read_config_file(Path(config_file).expanduser())
        fx_rates.update(loaded.fx_rates)
        stage_mapping.update((m.key, m) for m in loaded.stage_mapping)
        call_outcomes.update(((s, v), (s, v, o)) for s, v, o in loaded.call_outcomes)
        seniority_rules = merge_rules(DEFAULT_SENIORITY_RULES, loaded.seniority_rules)
        referral_values = loaded.referral_values or referral_values
        coaching = loaded.coaching
    fx_rates.update(parse_fx_rates(env.get(FX_RATES_VAR, "")))
    _check_reporting_rate(fx_rates, currency)

    targets_file = env.get(TARGETS_FILE_VAR, "").strip()

    return ReportingConfig(
        timezone=timezone,
        currency=currency,
        fx_rates=fx_rates,
        stage_mapping=tuple(stage_mapping.values()),
        call_outcomes=tuple(call_outcomes.values()),
        targets_file=Path(targets_file).expanduser() if targets_file else None,
        seniority_rules=seniority_rules,
        referral_values=referral_values,
        coaching=coaching,
    )


def parse_fx_rates(text: str, origin: str = FX_RATES_VAR) -> dict[str, float]:
    """`EUR=1.08,GBP=1.27` → {"EUR": 1.08, "GBP": 1.27}; spaces and a trailing comma are allowed."""
    rates: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        code, sep, number = (part.strip() for part in item.partition("="))
        if not sep:
            raise ReportingConfigError(
                f"{origin}: {item!r} is not CODE=RATE; write the rates like EUR=1.08,GBP=1.27"
            )
        check_currency(code, f"{origin} ({item!r})")
        try:
            value = float(number)
        except ValueError:
            raise ReportingConfigError(
                f"{origin}: the rate in {item!r} is not a number; write the rates like EUR=1.08,GBP=1.27"
            ) from None
        check_rate(value, f"{origin} ({item!r})")
        if code in rates:
            raise ReportingConfigError(f"{origin}: {code} is given twice; keep one rate")
        rates[code] = value
    return rates


def _check_reporting_rate(rates: Mapping[str, float], currency: str) -> None:
    rate = rates.get(currency)
    if rate is not None and rate != 1:
        raise ReportingConfigError(
            f"{FX_RATES_VAR} / {CONFIG_FILE_VAR}: {currency} is the reporting currency ({CURRENCY_VAR}), "
            f"so its rate is 1, not {rate}; remove it"
        )


@dataclass(frozen=True)
class _FileConfig:
    fx_rates: dict[str, float]
    stage_mapping: list[StageMapping]
    call_outcomes: list[tuple[str, str, str]]
    seniority_rules: dict[str, SeniorityRule]
    referral_values: tuple[str, ...] | None  # None: the defaults
    coaching: CoachingThresholds


_FILE_KEYS = {"fx_rates", "stage_mapping", "call_outcomes", "seniority", "referrals", "coaching"}


def _read_config_file(path: Path) -> _FileConfig:
    origin = f"{CONFIG_FILE_VAR} ({path})"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportingConfigError(
            f"{origin}: no such file; fix the path or unset {CONFIG_FILE_VAR}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportingConfigError(f"{origin}: cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportingConfigError(f"{origin}: not valid TOML: {exc}") from None

    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise ReportingConfigError(
            f"{origin}: unknown key(s) {', '.join(unknown)}; the file may hold "
            "[fx_rates], [[stage_mapping]], [[call_outcomes]], [[seniority]], [referrals] and [coaching]"
        )

    rates_table = data.get("fx_rates", {})
    if not isinstance(rates_table, dict):
        raise ReportingConfigError(f"{origin}: fx_rates must be a table like [fx_rates] EUR = 1.08")
    fx_rates = {}
    where = _table(data | {"fx_rates": rates_table}, text, origin, "fx_rates", "EUR = 1.08")[0]
    for code, rate in rates_table.items():
        check_currency(code, where)
        fx_rates[code] = check_rate(rate, f"{where}, {code}")

    stage_mapping: list[StageMapping] = []
    seen: dict[tuple[str, str | None, str], str] = {}
    for where, entry in _entries(data, text, origin, "stage_mapping"):
        _check_keys(entry, where, required={"source", "stage", "funnel_stage"}, optional={"pipeline"})
        try:
            mapping = StageMapping(
                source=entry["source"],
                pipeline=entry.get("pipeline"),
                stage=entry["stage"],
                funnel_stage=entry["funnel_stage"],
            )
        except ReportingConfigError as exc:
            raise ReportingConfigError(f"{where}: {exc}") from None
        if mapping.key in seen:
            raise ReportingConfigError(f"{where}: maps the same stage as {seen[mapping.key]}; keep one entry")
        seen[mapping.key] = where
        stage_mapping.append(mapping)

    call_outcomes: list[tuple[str, str, str]] = []
    outcome_keys: dict[tuple[str, str], str] = {}
    for where, entry in _entries(data, text, origin, "call_outcomes"):
        _check_keys(entry, where, required={"source", "value", "outcome"}, optional=set())
        triple = _check_outcome((entry["source"], entry["value"], entry["outcome"]), where)
        if triple[:2] in outcome_keys:
            raise ReportingConfigError(
                f"{where}: maps the same value as {outcome_keys[triple[:2]]}; keep one entry"
            )
        outcome_keys[triple[:2]] = where
        call_outcomes.append(triple)

    seniority_rules: dict[str, SeniorityRule] = {}
    for where, entry in _entries(data, text, origin, "seniority"):
        _check_keys(entry, where, required={"level", "terms"}, optional=set())
        try:
            rule = SeniorityRule(entry["level"], entry["terms"])
        except SeniorityRuleError as exc:
            raise ReportingConfigError(f"{where}: {exc}") from None
        if rule.level in seniority_rules:
            raise ReportingConfigError(
                f"{where}: level {rule.level} has an entry already; keep one entry per level"
            )
        seniority_rules[rule.level] = rule

    referral_values = None
    if "referrals" in data:
        where, table = _table(data, text, origin, "referrals", 'values = ["referral", "partner"]')
        _check_keys(table, where, required={"values"}, optional=set())
        try:
            referral_values = check_referral_values(table["values"])
        except CoachingConfigError as exc:
            raise ReportingConfigError(f"{where}: {exc}") from None

    coaching = CoachingThresholds()
    if "coaching" in data:
        where, table = _table(data, text, origin, "coaching", "closing_ratio = 0.65")
        try:
            coaching = CoachingThresholds.from_table(table)
        except CoachingConfigError as exc:
            raise ReportingConfigError(f"{where}: {exc}") from None

    return _FileConfig(fx_rates, stage_mapping, call_outcomes, seniority_rules, referral_values, coaching)


def _table(
    data: dict[str, Any], text: str, origin: str, key: str, example: str
) -> tuple[str, dict[str, Any]]:
    """The [key] table, with a description naming the file, table and (when known) line."""
    table = data[key]
    if not isinstance(table, dict):
        raise ReportingConfigError(f"{origin}: {key} must be a table written as [{key}] with e.g. {example}")
    lines = _header_lines(text, key, array=False)
    return f"{origin}, [{key}]" + (f" at line {lines[0]}" if len(lines) == 1 else ""), table


def _entries(data: dict[str, Any], text: str, origin: str, key: str) -> list[tuple[str, dict[str, Any]]]:
    """The [[key]] entries, each with a description naming the file, entry and (when known) line."""
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ReportingConfigError(f"{origin}: {key} must be a list of tables written as [[{key}]]")
    lines = _header_lines(text, key, array=True)
    out = []
    for number, entry in enumerate(entries, start=1):
        at = f" at line {lines[number - 1]}" if len(lines) == len(entries) else ""
        out.append((f"{origin}, [[{key}]] entry {number}{at}", entry))
    return out


def _header_lines(text: str, key: str, *, array: bool) -> list[int]:
    """Line numbers (1-based) of the `[key]` / `[[key]]` headers, for messages."""
    pattern = re.compile(rf"^\s*\[\[\s*{key}\s*\]\]" if array else rf"^\s*\[\s*{key}\s*\]")
    return [n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)]


def _check_keys(entry: dict[str, Any], where: str, *, required: set[str], optional: set[str]) -> None:
    missing = sorted(required - set(entry))
    unknown = sorted(set(entry) - required - optional)
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown key(s) {', '.join(unknown)}")
        allowed = ", ".join(sorted(required)) + (
            f" (optional: {', '.join(sorted(optional))})" if optional else ""
        )
        raise ReportingConfigError(f"{where}: {'; '.join(problems)}; an entry has {allowed}")


# -- the config.* tables --------------------------------------------------------------------------

CONFIG_SCHEMA = "config"
_META = sa.MetaData(schema=CONFIG_SCHEMA)


def _column(name: str, type_: sa.types.TypeEngine, comment: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, type_, nullable=nullable, comment=comment, autoincrement=False)


settings_table = sa.Table(
    "settings",
    _META,
    _column("key", sa.String(), "Setting name: timezone, currency or as_of.", nullable=False),
    _column("value", sa.String(), "Its value as text (as_of: ISO-8601 UTC timestamp).", nullable=False),
    comment="The reporting settings the SQL models read: timezone, currency and the build's as_of.",
)

build_table = sa.Table(
    "build",
    _META,
    _column("timezone", sa.String(), "The reporting timezone (IANA name).", nullable=False),
    _column("currency", sa.String(), "The reporting currency (ISO code).", nullable=False),
    _column(
        "as_of", sa.DateTime(timezone=True), "When the build ran; nothing after it counts.", nullable=False
    ),
    _column("as_of_date", sa.Date(), "as_of's date in the reporting timezone.", nullable=False),
    comment="The build's reporting settings, typed, in one row: what the SQL models read (config.settings "
    "holds the same as text, one row per setting).",
)

fx_rates_table = sa.Table(
    "fx_rates",
    _META,
    _column("currency", sa.String(), "ISO currency code.", nullable=False),
    _column("rate", sa.Double(), "1 unit of the currency = rate × the reporting currency.", nullable=False),
    comment="FX rates into the reporting currency; a deal in a currency without a rate is not converted.",
)

stage_mapping_table = sa.Table(
    "stage_mapping",
    _META,
    _column("source", sa.String(), "salesforce or hubspot.", nullable=False),
    _column("pipeline", sa.String(), "HubSpot pipeline id; NULL = any pipeline of the source."),
    _column(
        "stage", sa.String(), "The CRM's stage (Salesforce StageName, HubSpot dealstage id).", nullable=False
    ),
    _column(
        "funnel_stage",
        sa.String(),
        "appointment, qualified, proposal, negotiation, won or lost.",
        nullable=False,
    ),
    _column("funnel_rank", sa.Integer(), "1 (appointment) to 5 (won); NULL for lost."),
    comment="CRM stages → canonical funnel stages; a per-pipeline entry wins over an any-pipeline one.",
)

call_outcomes_table = sa.Table(
    "call_outcomes",
    _META,
    _column("source", sa.String(), "salesforce or hubspot.", nullable=False),
    _column(
        "value",
        sa.String(),
        "HubSpot: the disposition as stored (a GUID); Salesforce: a CallDisposition spelling, "
        "normalised in SQL before it is matched.",
        nullable=False,
    ),
    _column("outcome", sa.String(), "The normalised call outcome.", nullable=False),
    comment="Call dispositions → normalised outcomes (connected, busy, no_answer, ...).",
)

revenue_targets_table = sa.Table(
    "revenue_targets",
    _META,
    _column(
        "rep_email",
        sa.String(),
        "The rep's e-mail, lower-cased (matched to core.reps.email).",
        nullable=False,
    ),
    _column("period_start", sa.Date(), "First day of the period (inclusive).", nullable=False),
    _column("period_end", sa.Date(), "Last day of the period (inclusive).", nullable=False),
    _column(
        "revenue_target",
        sa.Numeric(18, 2),
        "Revenue target for the period in the reporting currency; overlapping rows add up.",
        nullable=False,
    ),
    comment="Revenue targets per rep and period from the CSV in BAROMETER_TARGETS_FILE (empty without one).",
)

target_rejects_table = sa.Table(
    "target_rejects",
    _META,
    _column("file", sa.String(), "The targets file.", nullable=False),
    _column("line", sa.Integer(), "Line of the rejected row (the header is line 1).", nullable=False),
    _column("problem", sa.String(), "What is wrong with the row.", nullable=False),
    comment="Malformed rows of the revenue-targets file, left out of config.revenue_targets.",
)

seniority_rules_table = sa.Table(
    "seniority_rules",
    _META,
    _column(
        "rule_order",
        sa.Integer(),
        "The rule's place: the first rule with a matching term wins.",
        nullable=False,
    ),
    _column(
        "seniority",
        sa.String(),
        "The seniority the rule gives: vp, c_level, director or manager.",
        nullable=False,
    ),
    _column(
        "term",
        sa.String(),
        "A word or words in sequence, as configured (cleaned like a title before matching).",
        nullable=False,
    ),
    comment="Job-title terms → seniority (core.contacts); a title that matches no rule is other.",
)

referral_values_table = sa.Table(
    "referral_values",
    _META,
    _column("value", sa.String(), "A referral value, lower-cased.", nullable=False),
    comment="Lead sources that count as referrals: a deal whose lead_source, lower-cased, contains one "
    "(core.deals.is_referral).",
)

coaching_thresholds_table = sa.Table(
    "coaching_thresholds",
    _META,
    *(
        _column(name, sa.Double(), f"The coaching flag threshold {name} (default {default}).", nullable=False)
        for name, default in CoachingThresholds().row().items()
    ),
    comment="The thresholds of marts.rep_coaching's flags, one row (models.coaching).",
)

CONFIG_TABLES = (
    settings_table,
    build_table,
    fx_rates_table,
    stage_mapping_table,
    call_outcomes_table,
    revenue_targets_table,
    target_rejects_table,
    seniority_rules_table,
    referral_values_table,
    coaching_thresholds_table,
)


def load_targets(config: ReportingConfig) -> TargetsLoad:
    """The revenue targets of `config.targets_file` (none without a file)."""
    if config.targets_file is None:
        return TargetsLoad((), ())
    try:
        return read_targets(config.targets_file)
    except TargetsFileError as exc:
        raise ReportingConfigError(str(exc)) from None


def write_config(engine: sa.Engine, config: ReportingConfig, *, as_of: datetime) -> None:
    """(Re)write the config.* tables from `config` and `as_of` in one transaction; every value is
    bound data, so stage names and dispositions are stored exactly as configured."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of must be timezone-aware, got {as_of.isoformat()}")
    settings = [
        {"key": "timezone", "value": config.timezone},
        {"key": "currency", "value": config.currency},
        {"key": "as_of", "value": as_of.astimezone(UTC).isoformat()},
    ]
    build = [
        {
            "timezone": config.timezone,
            "currency": config.currency,
            "as_of": as_of,
        }
    ]
    rates = [{"currency": code, "rate": float(rate)} for code, rate in sorted(config.fx_rates.items())]
    mapping = [
        {
            "source": m.source,
            "pipeline": m.pipeline,
            "stage": m.stage,
            "funnel_stage": m.funnel_stage,
            "funnel_rank": m.funnel_rank,
        }
        for m in config.stage_mapping
    ]
    outcomes = [{"source": s, "value": v, "outcome": o} for s, v, o in config.call_outcomes]
    loaded = load_targets(config)
    targets = [
        {
            "rep_email": t.rep_email,
            "period_start": t.period_start,
            "period_end": t.period_end,
            "revenue_target": t.revenue_target,
        }
        for t in loaded.targets
    ]
    rejects = [{"file": r.file, "line": r.line, "problem": r.problem} for r in loaded.rejects]
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(CONFIG_SCHEMA, if_not_exists=True))
        # as_of's local date by the database's own time-zone rules, as the SQL models compute dates
        local = sa.func.timezone(config.timezone, sa.literal(as_of, sa.DateTime(timezone=True)))
        build[0]["as_of_date"] = conn.execute(sa.select(sa.cast(local, sa.Date))).scalar_one()
        seniority = rule_rows(config.seniority_rules)
        referrals = [{"value": value} for value in config.referral_values]
        thresholds = [config.coaching.row()]
        all_rows = (
            settings,
            build,
            rates,
            mapping,
            outcomes,
            targets,
            rejects,
            seniority,
            referrals,
            thresholds,
        )
        for table, rows in zip(CONFIG_TABLES, all_rows, strict=True):
            table.drop(conn, checkfirst=True)
            table.create(conn)
            if rows:
                conn.execute(table.insert(), rows)
