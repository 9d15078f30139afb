"""The model file: `sql/<schema>/<table>.yml`, beside the model's `<table>.sql`, is the one home of what
the model means and what must hold of its rows (docs/metrics.md is generated from it: models.docs).

    description: One row per deal ...        # required: the table comment
    grain: One row per live deal.            # optional (marts): shown in docs/metrics.md
    questions:                               # optional (marts): the questions the table answers
      - Which open deals have had no meeting?
    columns:                                 # required: every column the SQL produces, in its order
      deal_id: <source>:<crm id>.
      rep_id: {same_as: core.deals}          # the definition of rep_id in sql/core/deals.yml
    tests:                                   # optional: generic data-quality tests
      - unique_key: [deal_id]
      - not_null: deal_id
      - accepted_values: {column: source, values: [salesforce, hubspot]}
      - relationships: {column: rep_id, to: core.reps, field: rep_id, severity: warn}
      - share: win_rate                      # within [0, 1] or NULL
    checks:                                  # optional: custom checks, one query for offending rows
      stages_mapped:
        description: Every stage of a live deal maps to a funnel stage.
        severity: warn
        sql: select stage, count(*) as deals from core.deals where ... group by all

A column defined once elsewhere says `same_as: <schema>.<table>`, the model file (in the same sql/
tree) whose column of the same name holds the definition. Every test and check is an error unless it
says `severity: warn`. pipelines.checks turns them into
Dagster asset checks; models.sqlmodels.materialize writes the descriptions as table and column comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

SUFFIX = ".yml"
SEVERITIES = ("error", "warn")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_TABLE = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")
_KEYS = ("description", "grain", "questions", "columns", "tests", "checks")
_REQUIRED = ("description", "columns")


class SqlModelError(ValueError):
    """A SQL model is unusable (its SQL file unreadable, not one SELECT, a dependency cycle; its model file
    malformed); the message names the file and what to change. Raised by models.sqlmodels too."""


class ModelFileError(SqlModelError):
    """A model file is malformed or does not match its SQL."""


@dataclass(frozen=True)
class UniqueKey:
    columns: tuple[str, ...]
    severity: str = "error"


@dataclass(frozen=True)
class NotNull:
    column: str
    severity: str = "error"


@dataclass(frozen=True)
class AcceptedValues:
    column: str
    values: tuple[str, ...]
    severity: str = "error"


@dataclass(frozen=True)
class Relationship:
    """Every non-NULL `column` is a `field` of table `to`."""

    column: str
    to: str  # "core.reps"
    field: str
    severity: str = "error"


@dataclass(frozen=True)
class Share:
    """A ratio of a part to its whole: within [0, 1] or NULL."""

    column: str
    severity: str = "error"


@dataclass(frozen=True)
class SqlCheck:
    """A custom check: `sql` selects the offending rows grouped, the telling columns then a count."""

    name: str
    description: str
    sql: str
    severity: str = "error"


Test = UniqueKey | NotNull | AcceptedValues | Relationship | Share


@dataclass(frozen=True)
class ModelFile:
    path: Path
    description: str
    columns: Mapping[str, str]  # column name → definition, in the SQL's column order
    grain: str | None = None
    questions: tuple[str, ...] = ()
    tests: tuple[Test, ...] = ()
    checks: tuple[SqlCheck, ...] = ()

    def require_columns(self, produced: list[str], where: str) -> None:
        """Fail unless the documented columns are exactly `produced` (what the SQL built), in order."""
        missing = [c for c in self.columns if c not in produced]
        undocumented = [c for c in produced if c not in self.columns]
        if missing:
            raise ModelFileError(
                f"{where}: documents {', '.join(missing)}, which the SQL does not produce; remove them "
                "from columns: or add them to the SELECT"
            )
        if undocumented:
            raise ModelFileError(
                f"{where}: the SQL produces {', '.join(undocumented)} without a definition; add each "
                "under columns:"
            )
        if list(self.columns) != produced:
            raise ModelFileError(f"{where}: list columns: in the SQL's order ({', '.join(produced)})")


# The safe loader, libyaml's where PyYAML was built with it (its wheels are): a build reads every model
# file, and the pure-Python parser took most of the time a small warehouse's build takes.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def model_file_path(sql_path: Path) -> Path:
    return Path(sql_path).with_suffix(SUFFIX)


def read_model_file(path: Path, where: str, *, _reading: tuple[Path, ...] = ()) -> ModelFile:
    """The model file at `path`, its `same_as` columns resolved from the model files they name; `where`
    is how messages name it (e.g. sql/core/deals.yml)."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{where}: cannot read the file ({exc})") from None
    except yaml.YAMLError as exc:
        raise ModelFileError(f"{where}: not valid YAML: {exc}") from None
    read: dict[str, ModelFile] = {}

    def definition(table: str, column: str) -> str:
        schema, name = table.split(".")
        other = path.parents[1] / schema / f"{name}{SUFFIX}"
        other_where = str(Path(where).parents[1] / schema / f"{name}{SUFFIX}")
        if other in (*_reading, path):
            raise ModelFileError(
                f"{where}: column {column} is same_as {table}, which leads back here; write the definition "
                "in one of the two files"
            )
        if not other.exists():
            raise ModelFileError(
                f"{where}: column {column} is same_as {table}, which has no model file ({other_where}); "
                "name a model whose file defines the column"
            )
        if table not in read:
            read[table] = read_model_file(other, other_where, _reading=(*_reading, path))
        if column not in read[table].columns:
            raise ModelFileError(
                f"{where}: column {column} is same_as {table}, whose file does not define {column}; "
                "write the definition here or name the model that has it"
            )
        return read[table].columns[column]

    return parse_model_file(data, path, where, definition)


def parse_model_file(data: Any, path: Path, where: str, definition: Callable[[str, str], str]) -> ModelFile:
    """`data` (the YAML read) as a ModelFile; `definition(table, column)` gives a same_as column's."""
    mapping = _mapping(data, where, "the file")
    unknown = [key for key in mapping if key not in _KEYS]
    if unknown:
        raise ModelFileError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))}; a model file has {', '.join(_KEYS)}"
        )
    for key in _REQUIRED:
        if key not in mapping:
            raise ModelFileError(f"{where}: add {key}: (required)")
    columns = _columns(mapping["columns"], where, definition)
    tests = tuple(_test(item, where, f"tests[{i}]") for i, item in enumerate(_list(mapping, "tests", where)))
    for index, test in enumerate(tests):
        for column in _tested_columns(test):
            if column not in columns:
                raise ModelFileError(
                    f"{where}: tests[{index}] tests column {column!r}, which is not under columns:; "
                    "name a documented column or document it"
                )
    return ModelFile(
        path=path,
        description=_text(mapping["description"], where, "description"),
        columns=MappingProxyType(columns),
        grain=_text(mapping["grain"], where, "grain") if "grain" in mapping else None,
        questions=tuple(
            _text(q, where, f"questions[{i}]") for i, q in enumerate(_list(mapping, "questions", where))
        ),
        tests=tests,
        checks=_checks(mapping.get("checks") or {}, where),
    )


def _tested_columns(test: Test) -> tuple[str, ...]:
    return test.columns if isinstance(test, UniqueKey) else (test.column,)


def _mapping(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ModelFileError(f"{where}: {what} must be a mapping of keys to values")
    return value


def _list(mapping: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = mapping.get(key) or []
    if not isinstance(value, list):
        raise ModelFileError(f"{where}: {key}: must be a list (one '- ' item per entry)")
    return value


def _text(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelFileError(f"{where}: {what} must be non-empty text")
    return " ".join(value.split())


def _identifier(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ModelFileError(
            f"{where}: {what} {value!r} is not a column identifier (lower-case letters, digits, underscores)"
        )
    return value


def _columns(value: Any, where: str, definition: Callable[[str, str], str]) -> dict[str, str]:
    columns = _mapping(value, where, "columns:")
    if not columns:
        raise ModelFileError(f"{where}: columns: lists no column; document every column the SQL produces")
    out = {}
    for name, text in columns.items():
        column = _identifier(name, where, "column")
        if isinstance(text, dict):
            table = _arguments(text, where, f"column {column}", ("same_as",))["same_as"]
            if not isinstance(table, str) or not _TABLE.fullmatch(table):
                raise ModelFileError(f"{where}: column {column} same_as: names a model as <schema>.<table>")
            out[column] = definition(table, column)
        else:
            out[column] = _text(text, where, f"the definition of column {column}")
    return out


def _severity(args: Mapping[str, Any], where: str, what: str) -> str:
    severity = args.get("severity", "error")
    if severity not in SEVERITIES:
        raise ModelFileError(f"{where}: {what} severity {severity!r}: use one of {', '.join(SEVERITIES)}")
    return severity


def _arguments(value: Any, where: str, what: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    args = _mapping(value, where, what)
    unknown = [key for key in args if key not in allowed]
    missing = [key for key in allowed if key != "severity" and key not in args]
    if unknown or missing:
        optional = " (severity optional)" if "severity" in allowed else ""
        raise ModelFileError(f"{where}: {what} takes {', '.join(allowed)}{optional}")
    return args


def _test(item: Any, where: str, what: str) -> Test:
    if not isinstance(item, dict) or len(item) != 1:
        raise ModelFileError(
            f"{where}: {what} must be one test, e.g. '- unique_key: [id]'; tests are unique_key, not_null, "
            "accepted_values, relationships, share"
        )
    ((kind, value),) = item.items()
    what = f"{what} ({kind})"
    if kind == "unique_key":
        if isinstance(value, dict):
            args = _arguments(value, where, what, ("columns", "severity"))
            value, severity = args["columns"], _severity(args, where, what)
        else:
            severity = "error"
        if not isinstance(value, list) or not value:
            raise ModelFileError(
                f"{where}: {what} takes the key's columns as a list, e.g. [rep_id, week_start]"
            )
        return UniqueKey(tuple(_identifier(c, where, what) for c in value), severity)
    if kind in ("not_null", "share"):
        if isinstance(value, dict):
            args = _arguments(value, where, what, ("column", "severity"))
            column, severity = args["column"], _severity(args, where, what)
        else:
            column, severity = value, "error"
        column = _identifier(column, where, what)
        return NotNull(column, severity) if kind == "not_null" else Share(column, severity)
    if kind == "accepted_values":
        args = _arguments(value, where, what, ("column", "values", "severity"))
        values = args["values"]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise ModelFileError(f"{where}: {what} values: must be a list of text values")
        return AcceptedValues(
            _identifier(args["column"], where, what), tuple(values), _severity(args, where, what)
        )
    if kind == "relationships":
        args = _arguments(value, where, what, ("column", "to", "field", "severity"))
        if not isinstance(args["to"], str) or not _TABLE.fullmatch(args["to"]):
            raise ModelFileError(f"{where}: {what} to: names the parent table as <schema>.<table>")
        return Relationship(
            _identifier(args["column"], where, what),
            args["to"],
            _identifier(args["field"], where, what),
            _severity(args, where, what),
        )
    raise ModelFileError(
        f"{where}: {what}: unknown test; use unique_key, not_null, accepted_values, relationships or share, "
        "or write a custom query under checks:"
    )


def _checks(value: Any, where: str) -> tuple[SqlCheck, ...]:
    checks = []
    for name, spec in _mapping(value, where, "checks:").items():
        what = f"checks: {name}"
        args = _arguments(spec, where, what, ("description", "sql", "severity"))
        checks.append(
            SqlCheck(
                name=_identifier(name, where, "check name"),
                description=_text(args["description"], where, f"{what} description"),
                sql=_sql(args["sql"], where, what),
                severity=_severity(args, where, what),
            )
        )
    return tuple(checks)


def _sql(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelFileError(f"{where}: {what} sql: must be a query selecting the offending rows")
    return value.strip().rstrip(";").strip()
