"""The SQL models: every `sql/<schema>/<table>.sql` file is one SELECT that builds table `<schema>.<table>`
(a view for the staging models, VIEW_SCHEMAS). `sql/macros/<name>.sql` holds one DuckDB macro each
(`create or replace macro <name>(...)`): a rule several models share, written once.

`discover` reads the files, each with its model file `<table>.yml` beside it (models.model_files: the
description, column definitions and tests), and the tables each SELECT reads (parsed with sqlglot, CTE
names left out), and orders them so a model comes after the models it reads; `materialize` (re)creates
the macros, then one table or view, in one transaction, and writes its model file's definitions as
comments; `build` does them all.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from models.model_files import ModelFile, model_file_path, read_model_file
from models.model_files import SqlModelError as SqlModelError  # raised here too; callers import it here
from models.raw import quote

SQL_ROOT = Path(__file__).resolve().parents[1] / "sql"
DIALECT = "duckdb"

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# The model layers by what they are built from: staging and core from the landing tables (and config),
# intermediate and marts from core.
FROM_RAW = ("staging", "core")
FROM_CORE = ("intermediate", "marts")
# Schemas whose models are views: shared steps between the landing tables and core (dbt's staging
# layer), written once and computed inside the models that read them, so they add no build step of
# their own.
VIEW_SCHEMAS = frozenset({"staging"})
# The folder of the macros (not a schema): every materialize creates them, so a model, and a staging
# view read later, always finds the macros of its own SQL tree.
MACRO_FOLDER = "macros"
_MACRO = re.compile(r"create\s+or\s+replace\s+macro\s+([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class SqlModel:
    name: str  # "core.activities"
    schema: str  # "core" (the folder)
    table: str  # "activities" (the file name)
    path: Path
    sql: str
    dependencies: frozenset[str]  # qualified tables the SELECT reads, CTE names excluded
    doc: ModelFile | None = None  # the model file <table>.yml beside the SQL, if there is one


def discover(root: Path = SQL_ROOT) -> list[SqlModel]:
    """Every `<root>/<schema>/<table>.sql`, in dependency order (a model after the models it reads;
    ties by name)."""
    paths = sorted(p for p in Path(root).glob("*/*.sql") if p.parent.name != MACRO_FOLDER)
    return _ordered([load(path, root) for path in paths])


def load(path: Path, root: Path = SQL_ROOT) -> SqlModel:
    """The model in `path` (`<root>/<schema>/<table>.sql`)."""
    path = Path(path)
    schema, table = path.parent.name, path.stem
    where = _display(path, root)
    for kind, name in (("folder", schema), ("file name", table)):
        if not _IDENTIFIER.fullmatch(name):
            raise SqlModelError(
                f"{where}: the {kind} {name!r} is not a table identifier; use lower-case letters, "
                "digits and underscores"
            )
    try:
        sql = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SqlModelError(f"{where}: cannot read the file ({exc})") from None
    return SqlModel(
        name=f"{schema}.{table}",
        schema=schema,
        table=table,
        path=path,
        sql=sql,
        dependencies=dependencies(sql, where=where),
        doc=_model_file(path, root),
    )


def _model_file(sql_path: Path, root: Path) -> ModelFile | None:
    """The model file beside `sql_path`, its custom checks' SQL parsed; None when there is none."""
    path = model_file_path(sql_path)
    if not path.exists():
        return None
    where = _display(path, root)
    doc = read_model_file(path, where)
    for check in doc.checks:
        dependencies(check.sql, where=f"{where} (checks: {check.name})")
    return doc


def dependencies(sql: str, *, where: str = "<sql>") -> frozenset[str]:
    """The `schema.table` names the single SELECT in `sql` reads (CTE names and table functions
    excluded), lower-cased. Raises SqlModelError unless `sql` is exactly one query reading only
    schema-qualified tables."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as exc:
        raise SqlModelError(f"{where}: cannot parse the SQL: {_parse_problem(exc)}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SqlModelError(
            f"{where}: a model file holds exactly one SELECT (found "
            f"{len(statements)} statement(s){'' if not statements else ', ' + type(statements[0]).__name__})"
        )
    tree = statements[0]
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    found: set[str] = set()
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a table function such as range(...)
        name = table.name.lower()
        if not table.db:
            if name in ctes:
                continue
            raise SqlModelError(
                f"{where}: table {table.name!r} is neither a CTE nor schema-qualified; write <schema>.<table>"
            )
        found.add(f"{table.db.lower()}.{name}")
    return frozenset(found)


def _parse_problem(exc: SqlglotError) -> str:
    """sqlglot's first error as plain text (its message highlights with terminal escape codes)."""
    errors = getattr(exc, "errors", None)
    if not errors:
        return str(exc)
    first = errors[0]
    near = f" near {first['highlight']!r}" if first.get("highlight") else ""
    return f"{first.get('description')} at line {first.get('line')}, column {first.get('col')}{near}"


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(Path(root).parent))
    except ValueError:
        return str(path)


def _ordered(models: list[SqlModel]) -> list[SqlModel]:
    """Topological order over the models' dependencies among themselves; ties by name."""
    by_name: dict[str, SqlModel] = {}
    for model in models:
        if model.name in by_name:
            raise SqlModelError(
                f"{model.path}: {model.name} is defined twice (also {by_name[model.name].path})"
            )
        by_name[model.name] = model
    waiting = {name: set(m.dependencies) & by_name.keys() for name, m in by_name.items()}
    readers: dict[str, set[str]] = {name: set() for name in by_name}
    for name, deps in waiting.items():
        for dep in deps:
            readers[dep].add(name)
    ready = [name for name, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    out: list[SqlModel] = []
    while ready:
        name = heapq.heappop(ready)
        out.append(by_name[name])
        for reader in readers[name]:
            waiting[reader].discard(name)
            if not waiting[reader]:
                heapq.heappush(ready, reader)
    if len(out) < len(by_name):
        cycle = _find_cycle({n: d for n, d in waiting.items() if d})
        raise SqlModelError(
            "SQL models read each other in a cycle: "
            + " → ".join(f"{n} ({by_name[n].path.name})" for n in cycle)
            + "; one of them must stop reading the next"
        )
    return out


_WHERE_INPUTS_COME_FROM = (
    "config.* tables come from the reporting configuration (the pipeline's reporting_config asset, or "
    "models.reporting.write_config), raw_* tables from a sync, the others from their own SQL models"
)


def _require_inputs(conn: sa.Connection, model: SqlModel) -> None:
    """Fail before running a model whose input tables are missing, naming them and where they come from
    (rather than the database's "table does not exist")."""
    existing = {
        f"{schema}.{table}".lower()
        for schema, table in conn.exec_driver_sql(
            "select table_schema, table_name from information_schema.tables"
        ).all()
    }
    missing = sorted(model.dependencies - existing)
    if missing:
        raise SqlModelError(
            f"{model.schema}/{model.path.name}: {model.name} reads {', '.join(missing)}, which the warehouse "
            f"does not have yet; build them first ({_WHERE_INPUTS_COME_FROM})"
        )


def _find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """A cycle in `edges` (every node left has an unresolved dependency), first node repeated last."""
    node = min(edges)
    path: list[str] = []
    while node not in path:
        path.append(node)
        node = min(edges[node])
    return [*path[path.index(node) :], node]


def macros(root: Path = SQL_ROOT) -> dict[str, str]:
    """Every `<root>/macros/<name>.sql`: name → its `create or replace macro <name>(...)` statement.
    Raises SqlModelError for a file that does not create the macro its name says."""
    found: dict[str, str] = {}
    for path in sorted((Path(root) / MACRO_FOLDER).glob("*.sql")):
        where = _display(path, root)
        try:
            sql = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SqlModelError(f"{where}: cannot read the file ({exc})") from None
        code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--")).strip()
        match = _MACRO.match(code)
        if match is None or match.group(1).lower() != path.stem or ";" in code.rstrip(";"):
            raise SqlModelError(
                f"{where}: a macro file holds one `create or replace macro {path.stem}(...) as ...` "
                "named as the file"
            )
        found[path.stem] = sql
    return found


def materialize(engine: sa.Engine, model: SqlModel, *, macros_defined: bool = False) -> int:
    """The macros of the model's SQL tree (unless `macros_defined`: `build` defines them once), then
    `CREATE OR REPLACE TABLE <schema>.<table> AS <sql>` (a VIEW in VIEW_SCHEMAS) and its comments, in one
    transaction; returns its row count."""
    kind = "view" if model.schema in VIEW_SCHEMAS else "table"
    target = f"{quote(model.schema)}.{quote(model.table)}"
    body = model.sql.strip().rstrip(";").strip()
    with engine.begin() as conn:
        _require_inputs(conn, model)
        if not macros_defined:
            _define_macros(conn, model.path.parent.parent)
        conn.execute(sa.schema.CreateSchema(model.schema, if_not_exists=True))
        _drop_other_kind(conn, model, kind)
        conn.exec_driver_sql(f"create or replace {kind} {target} as\n{body}\n")
        _comment(conn, model)
        return int(conn.exec_driver_sql(f"select count(*) from {target}").scalar_one())


def _define_macros(conn: sa.Connection, root: Path) -> None:
    for sql in macros(root).values():
        conn.exec_driver_sql(sql)


def _drop_other_kind(conn: sa.Connection, model: SqlModel, kind: str) -> None:
    """Drop a table where the model is now a view, or a view where it is now a table: CREATE OR REPLACE
    replaces only an object of its own kind."""
    other, catalog, column = ("table", "duckdb_tables()", "table_name")
    if kind == "table":
        other, catalog, column = ("view", "duckdb_views()", "view_name")
    found = conn.execute(
        sa.text(
            f"select count(*) from {catalog} where database_name = current_database() "
            f"and schema_name = :schema and {column} = :table"
        ),
        {"schema": model.schema, "table": model.table},
    ).scalar_one()
    if found:
        conn.exec_driver_sql(f"drop {other} {quote(model.schema)}.{quote(model.table)}")


def _comment(conn: sa.Connection, model: SqlModel) -> None:
    """The model file's description and column definitions as comments; fails (rolling the build back)
    when its columns are not exactly the ones the SQL produced."""
    doc = model.doc
    if doc is None:
        return
    produced = [
        name
        for (name,) in conn.execute(
            sa.text(
                "select column_name from duckdb_columns() where database_name = current_database() "
                "and schema_name = :schema and table_name = :table order by column_index"
            ),
            {"schema": model.schema, "table": model.table},
        ).all()
    ]
    doc.require_columns(produced, _display(doc.path, model.path.parents[1]))
    table = sa.Table(
        model.table,
        sa.MetaData(),
        *(sa.Column(name, sa.types.NullType(), comment=text) for name, text in doc.columns.items()),
        schema=model.schema,
        comment=doc.description,
    )
    conn.execute(sa.schema.SetTableComment(table))
    for column in table.columns:
        conn.execute(sa.schema.SetColumnComment(column))


def define_macros(engine: sa.Engine, models: list[SqlModel]) -> None:
    """(Re)create the macros of the SQL trees `models` come from, once, so that each `materialize`
    after it can skip them (`macros_defined=True`)."""
    with engine.begin() as conn:
        for root in dict.fromkeys(model.path.parent.parent for model in models):
            _define_macros(conn, root)


def build(engine: sa.Engine, models: list[SqlModel] | None = None) -> dict[str, int]:
    """Materialize `models` (default: every discovered model) in dependency order; name → row count."""
    ordered = discover() if models is None else _ordered(list(models))
    define_macros(engine, ordered)
    return {model.name: materialize(engine, model, macros_defined=True) for model in ordered}
