"""models.model_files: the model file beside each SQL model, and the errors that say what to change."""

import textwrap

import pytest
import sqlalchemy as sa

from models import sqlmodels
from models.model_files import (
    AcceptedValues,
    ModelFileError,
    NotNull,
    Relationship,
    Share,
    SqlCheck,
    UniqueKey,
)
from models.sqlmodels import SqlModelError, materialize

SQL = "select range as n, range * 2 as twice from range(3)"

GOOD = """\
description: >-
  Numbers,
  with their doubles.
grain: One row per number.
questions: ["Which numbers?", "Which doubles?"]
columns:
  n: The number.
  twice: Twice the number.
tests:
  - unique_key: [n]
  - not_null: {column: twice, severity: warn}
  - accepted_values: {column: n, values: ['0', '1', '2']}
  - relationships: {column: n, to: s.other, field: id, severity: warn}
  - share: n
checks:
  small:
    description: Every number is small.
    sql: select n, count(*) as rows from s.numbers where n > 10 group by all;
"""


def write_model(root, yml: str | None, sql: str = SQL, name: str = "s/numbers"):
    path = root / f"{name}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sql)
    if yml is not None:
        path.with_suffix(".yml").write_text(textwrap.dedent(yml))
    return path


def test_a_model_file_is_read_beside_its_sql(tmp_path):
    model = sqlmodels.load(write_model(tmp_path, GOOD), tmp_path)
    doc = model.doc
    assert doc.path == tmp_path / "s" / "numbers.yml"
    assert doc.description == "Numbers, with their doubles."
    assert (doc.grain, doc.questions) == ("One row per number.", ("Which numbers?", "Which doubles?"))
    assert dict(doc.columns) == {"n": "The number.", "twice": "Twice the number."}
    assert doc.tests == (
        UniqueKey(("n",)),
        NotNull("twice", "warn"),
        AcceptedValues("n", ("0", "1", "2")),
        Relationship("n", "s.other", "id", "warn"),
        Share("n"),
    )
    assert doc.checks == (
        SqlCheck(
            "small",
            "Every number is small.",
            "select n, count(*) as rows from s.numbers where n > 10 group by all",
        ),
    )


def test_a_model_without_a_model_file_has_no_doc(tmp_path):
    assert sqlmodels.load(write_model(tmp_path, None), tmp_path).doc is None


@pytest.mark.parametrize(
    ("yml", "message"),
    [
        (
            "description: x\ncolumns: {n: a}\nowner: me\n",
            r"unknown key\(s\) owner; a model file has description",
        ),
        ("columns: {n: a}\n", r"add description: \(required\)"),
        ("description: x\n", r"add columns: \(required\)"),
        ("description: ''\ncolumns: {n: a}\n", r"description must be non-empty text"),
        ("description: x\ncolumns: {N-1: a}\n", r"column 'N-1' is not a column identifier"),
        (
            "description: x\ncolumns: {n: a}\ntests: [{unique_key: [m]}]\n",
            r"tests\[0\] tests column 'm', which is not",
        ),
        ("description: x\ncolumns: {n: a}\ntests: [{share: m}]\n", r"tests\[0\] tests column 'm'"),
        ("description: x\ncolumns: {n: a}\ntests: [{unique: [n]}]\n", r"tests\[0\] \(unique\): unknown test"),
        (
            "description: x\ncolumns: {n: a}\ntests: [{not_null: {column: n, severity: fatal}}]\n",
            r"severity 'fatal': use one of error, warn",
        ),
        (
            "description: x\ncolumns: {n: a}\ntests: [{relationships: {column: n, to: other, field: id}}]\n",
            r"to: names the parent table as <schema>\.<table>",
        ),
        (
            "description: x\ncolumns: {n: a}\ntests: [{relationships: {column: n, to: s.t}}]\n",
            r"\(relationships\) takes column, to, field, severity",
        ),
        (
            "description: x\ncolumns: {n: a}\nchecks: {c: {description: d}}\n",
            r"checks: c takes description, sql",
        ),
        ("description: x\ncolumns: [n]\n", r"columns: must be a mapping"),
        ("description: x\ncolumns: {n: a\n", r"not valid YAML"),
    ],
)
def test_a_malformed_model_file_names_the_file_and_what_to_change(tmp_path, yml, message):
    write_model(tmp_path, yml)
    with pytest.raises(ModelFileError, match=rf"s/numbers\.yml: .*{message}"):
        sqlmodels.discover(tmp_path)


def test_a_column_same_as_another_models_takes_its_definition(tmp_path):
    write_model(tmp_path, "description: x\ncolumns: {n: The number., twice: {same_as: t.other}}\n")
    write_model(tmp_path, "description: y\ncolumns: {twice: {same_as: t.base}}\n", name="t/other")
    write_model(tmp_path, "description: z\ncolumns: {twice: Twice it.}\n", name="t/base")
    models = {m.name: m.doc for m in sqlmodels.discover(tmp_path)}
    assert dict(models["s.numbers"].columns) == {"n": "The number.", "twice": "Twice it."}


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (None, r"numbers\.yml: column twice is same_as t\.other, which has no model file \(.*t/other\.yml\)"),
        (
            "description: y\ncolumns: {n: a}\n",
            r"numbers\.yml: column twice is same_as t\.other, whose file does not",
        ),
        (
            "description: y\ncolumns: {twice: {same_as: s.numbers}}\n",
            r"t/other\.yml: column twice is same_as s\.numbers, which leads back here",
        ),
    ],
)
def test_a_same_as_without_a_definition_to_take_says_what_to_change(tmp_path, other, message):
    write_model(tmp_path, "description: x\ncolumns: {n: a, twice: {same_as: t.other}}\n")
    write_model(tmp_path, other, name="t/other")
    with pytest.raises(ModelFileError, match=rf"/{message}"):
        sqlmodels.load(tmp_path / "s" / "numbers.sql", tmp_path)


def test_a_custom_check_that_is_not_one_query_names_the_check(tmp_path):
    write_model(
        tmp_path, "description: x\ncolumns: {n: a}\nchecks: {c: {description: d, sql: select * from t}}\n"
    )
    with pytest.raises(SqlModelError, match=r"s/numbers\.yml \(checks: c\): table 't' is neither a CTE"):
        sqlmodels.discover(tmp_path)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("{n: a, twice: b, thrice: c}", r"documents thrice, which the SQL does not produce; remove them"),
        ("{n: a}", r"the SQL produces twice without a definition; add each under columns:"),
        ("{twice: b, n: a}", r"list columns: in the SQL's order \(n, twice\)"),
    ],
)
def test_columns_unlike_the_sql_fail_the_build_and_keep_the_table(engine, tmp_path, columns, message):
    good = sqlmodels.load(write_model(tmp_path, "description: x\ncolumns: {n: a, twice: b}\n"), tmp_path)
    assert materialize(engine, good) == 3
    bad = sqlmodels.load(write_model(tmp_path, f"description: x\ncolumns: {columns}\n"), tmp_path)
    with pytest.raises(ModelFileError, match=rf"s/numbers\.yml: {message}"):
        materialize(engine, bad)
    with engine.connect() as conn:  # the failed build rolled back: the table and its comments are as before
        comments = conn.exec_driver_sql(
            "select column_name, comment from duckdb_columns() where table_name = 'numbers' order by 1"
        ).all()
    assert comments == [("n", "a"), ("twice", "b")]


def test_materialize_writes_the_model_files_comments(engine, tmp_path):
    model = sqlmodels.load(write_model(tmp_path, GOOD), tmp_path)
    materialize(engine, model)
    with engine.connect() as conn:
        table = conn.execute(sa.text("select comment from duckdb_tables() where table_name = 'numbers'"))
        assert table.scalar_one() == "Numbers, with their doubles."
        columns = conn.exec_driver_sql(
            "select column_name, comment from duckdb_columns() where table_name = 'numbers' "
            "order by column_index"
        ).all()
    assert columns == [("n", "The number."), ("twice", "Twice the number.")]
