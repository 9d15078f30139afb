"""One home per model: a mart's SQL and its model file are all a new column touches. Its comment in the
warehouse, its data-quality check (a Dagster asset check) and its row in docs/metrics.md follow."""

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from sql_helpers import AS_OF, fetch

from models import docs, sqlmodels
from models.model_files import ModelFileError
from models.reporting import ReportingConfig, write_config
from models.sqlmodels import SQL_ROOT
from pipelines.checks import evaluate, model_checks
from pipelines.definitions import build_definitions
from pipelines.settings import PipelineSettings

MART = "marts.rep_daily_activity"
DEFINITION = "Calls on the date that did not connect."


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def add_column(root: Path) -> None:
    """What a developer writes: the column in the SQL, its definition and a test in the model file."""
    sql = root / "marts" / "rep_daily_activity.sql"
    body = sql.read_text().rstrip()
    assert body.endswith("select * from final")
    sql.write_text(
        body.removesuffix("select * from final")
        + "select *, calls - connected_calls as unconnected_calls from final\n"
    )
    yml = sql.with_suffix(".yml")
    text = yml.read_text()
    assert "\ntests:\n" in text
    yml.write_text(
        text.replace(
            "\ntests:\n", f"\n  unconnected_calls: {DEFINITION}\ntests:\n- not_null: unconnected_calls\n"
        )
    )


def test_a_new_mart_column_touches_its_sql_and_model_file_only_and_gets_its_comment_check_and_docs(
    engine, tmp_path
):
    root = tmp_path / "sql"
    shutil.copytree(SQL_ROOT, root)
    before = files(root)
    add_column(root)
    after = files(root)
    assert {name for name in after if after[name] != before.get(name)} == {
        "marts/rep_daily_activity.sql",
        "marts/rep_daily_activity.yml",
    }

    models = sqlmodels.discover(root)
    write_config(engine, ReportingConfig(), as_of=AS_OF)
    sqlmodels.build(engine, models)
    (comment,) = fetch(
        engine,
        "select comment from duckdb_columns() where schema_name = 'marts' "
        "and table_name = 'rep_daily_activity' and column_name = 'unconnected_calls'",
    )
    assert comment == {"comment": DEFINITION}

    (check,) = [c for c in model_checks(models) if c.table == MART and c.name == "unconnected_calls_not_null"]
    with engine.connect() as conn:
        assert evaluate(conn, check).passed
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"insert into {MART} (activity_date, rep_id) values (date '2024-05-01', 'a@x.com')"
        )
    with engine.connect() as conn:
        result = evaluate(conn, check)
    assert not result.passed
    assert result.metadata["offending_rows"] == dg.IntMetadataValue(1)

    defs = build_definitions(PipelineSettings(start_date=date(2024, 1, 1)), sql_root=root)
    assert dg.AssetCheckKey(dg.AssetKey(["marts", "rep_daily_activity"]), check.name) in (
        defs.resolve_asset_graph().asset_check_keys
    )

    metrics = docs.METRICS.read_text(encoding="utf-8")
    regenerated = docs.generate(metrics, models, root)
    added = set(regenerated.splitlines()) - set(metrics.splitlines())
    assert added == {f"| `unconnected_calls` | {DEFINITION} |"}


def test_accepted_values_and_check_names_given_twice(engine, tmp_path):
    root = tmp_path / "sql"
    (root / "s").mkdir(parents=True)
    (root / "s" / "letters.sql").write_text("select * from (values ('a'), ('b'), ('c')) as t(letter)")
    yml = root / "s" / "letters.yml"
    yml.write_text(
        "description: Letters.\ncolumns: {letter: A letter.}\n"
        "tests: [{accepted_values: {column: letter, values: [a, b]}}]\n"
    )
    models = sqlmodels.discover(root)
    sqlmodels.build(engine, models)
    (check,) = model_checks(models)
    assert (check.name, check.description) == (
        "letter_accepted_values",
        "Every non-NULL letter is one of a, b.",
    )
    with engine.connect() as conn:
        result = evaluate(conn, check)
    assert not result.passed
    assert result.metadata["sample"].value == [{"letter": "c", "rows": "1"}]

    yml.write_text(
        "description: Letters.\ncolumns: {letter: A letter.}\ntests: [{unique_key: [letter]}]\n"
        "checks: {unique_key: {description: Again., sql: select 1 as n from s.letters}}\n"
    )
    with pytest.raises(ModelFileError, match=r"letters\.yml: two checks of s\.letters are named unique_key"):
        model_checks(sqlmodels.discover(root))
