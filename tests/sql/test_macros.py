"""The DuckDB macros of sql/macros: created by models.sqlmodels.materialize before each model, one rule
each. Golden values for each, edge cases included; how a macro file is found and checked."""

from decimal import Decimal

import pytest
from sql_helpers import fetch

from models import sqlmodels
from models.sqlmodels import SqlModelError, discover, materialize


@pytest.fixture
def macro_engine(engine):
    """The warehouse after one model of sql/ was materialized: every macro of sql/macros exists."""
    materialize(engine, sqlmodels.load(sqlmodels.SQL_ROOT / "staging" / "hubspot_owners.sql"))
    return engine


def value(engine, expression: str):
    return fetch(engine, f"select {expression} as value")[0]["value"]


@pytest.mark.parametrize(
    ("cents", "how_many", "expected"),
    [
        (250, 2, "1.25"),  # exact
        (5, 2, "0.03"),  # 2.5 cents: half away from zero
        (-5, 2, "-0.03"),  # a negative total rounds away from zero too
        (4, 3, "0.01"),  # 1.33… cents
        (-4, 3, "-0.01"),
        (10, 4, "0.03"),  # 2.5 cents
        (0, 7, "0.00"),
        (123456789012, 1, "1234567890.12"),
    ],
)
def test_average_cents_rounds_half_away_from_zero(macro_engine, cents, how_many, expected):
    result = value(macro_engine, f"average_cents(cast({cents} as hugeint), cast({how_many} as bigint))")
    assert result == Decimal(expected)
    column = fetch(
        macro_engine,
        "select typeof(average_cents(cast(1 as hugeint), cast(1 as bigint))) as type",
    )
    assert column == [{"type": "DECIMAL(18,2)"}]


def test_average_cents_of_nothing_is_null(macro_engine):
    assert value(macro_engine, "average_cents(cast(0 as hugeint), cast(0 as bigint))") is None
    assert value(macro_engine, "average_cents(cast(null as hugeint), cast(3 as bigint))") is None


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("'salesforce', '005A', 'ann@example.com'", "ann@example.com"),  # listed, with e-mail
        ("'salesforce', '005A', null", "salesforce:005A"),  # no e-mail, or not in the owner lists
        ("'hubspot', cast(42 as varchar), null", "hubspot:42"),
        ("'hubspot', null, 'ann@example.com'", None),  # no owner: no rep
    ],
)
def test_credited_rep_id(macro_engine, arguments, expected):
    assert value(macro_engine, f"credited_rep_id({arguments})") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Left - Voicemail ", "left_voicemail"),
        ("\u00a0No\u2003Answer\t", "no_answer"),  # Unicode whitespace, inside and around
        ("wrong--number", "wrong_number"),
        ("CONNECTED", "connected"),
        ("", ""),
    ],
)
def test_salesforce_disposition(macro_engine, raw, expected):
    assert fetch(macro_engine, "select salesforce_disposition(:raw) as value", raw=raw) == [
        {"value": expected}
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Head of Sales\t", "Head of Sales"),  # surrounding whitespace only
        ("\u00a0VP\u2003", "VP"),  # Unicode whitespace
        ("", None),
        (" \u00a0\n", None),
        ("-", "-"),  # punctuation is text: kept
        (None, None),
    ],
)
def test_clean_text(macro_engine, raw, expected):
    assert fetch(macro_engine, "select clean_text(:raw) as value", raw=raw) == [{"value": expected}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Vice-President, Sales", " vice president sales "),
        ("Co-Founder & CEO", " co founder ceo "),
        ("  SVP/GM  ", " svp gm "),
        ("Directeur Général", " directeur général "),  # letters of any language are letters
        ("Head of R&D 2", " head of r d 2 "),
        ("---", "  "),  # no letter or digit: no words
    ],
)
def test_title_words(macro_engine, raw, expected):
    assert fetch(macro_engine, "select title_words(:raw) as value", raw=raw) == [{"value": expected}]


@pytest.mark.parametrize(
    ("who_id", "expected"),
    [
        ("003A", "salesforce:003A"),  # a Contact
        ("00QB", "salesforce:00QB"),  # a Lead
        ("001C", None),  # an Account is not a contact
        ("", None),
        (None, None),
    ],
)
def test_salesforce_contact_id(macro_engine, who_id, expected):
    assert fetch(macro_engine, "select salesforce_contact_id(:who_id) as value", who_id=who_id) == [
        {"value": expected}
    ]


def _date(text: str | None) -> str:
    return "cast(null as date)" if text is None else f"date '{text}'"


@pytest.mark.parametrize(
    ("archived", "archived_at", "modified", "updated", "expected"),
    [
        ("false", "2024-03-09", "2024-03-02", "2024-03-01", "2024-03-02"),  # hs_lastmodifieddate
        ("false", "2024-03-09", None, "2024-03-01", "2024-03-01"),  # else updatedAt
        ("true", "2024-03-09", "2024-03-02", "2024-03-01", "2024-03-09"),  # archived: archivedAt
        ("true", None, "2024-03-02", "2024-03-01", "2024-03-02"),
        ("null", "2024-03-09", "2024-03-02", "2024-03-01", "2024-03-02"),  # unknown: not archived
    ],
)
def test_hubspot_updated_at(macro_engine, archived, archived_at, modified, updated, expected):
    dates = ", ".join(_date(d) for d in (archived_at, modified, updated))
    assert str(value(macro_engine, f"hubspot_updated_at({archived}, {dates})")) == expected


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ("'proposal', true, true", "proposal"),  # a mapped stage keeps its mapping
        ("null, true, true", "won"),
        ("null, false, true", "lost"),
        ("null, false, false", None),  # open and unmapped
        ("null, null, null", None),  # no fallback (core.deal_stage_history's earlier rows)
    ],
)
def test_funnel_stage(macro_engine, arguments, expected):
    assert value(macro_engine, f"funnel_stage({arguments})") == expected


def test_macro_files_are_not_models_and_each_is_named_as_its_file():
    assert all(model.schema != sqlmodels.MACRO_FOLDER for model in discover())
    assert sorted(sqlmodels.macros()) == [
        "average_cents",
        "clean_text",
        "credited_rep_id",
        "funnel_stage",
        "hubspot_updated_at",
        "salesforce_contact_id",
        "salesforce_disposition",
        "target_cents",
        "target_share_units",
        "title_words",
    ]


@pytest.mark.parametrize(
    ("arguments", "expected_units"),
    [
        # 31.00 over 31 days of March: 1.00 a day, in units of 1e-10.
        ("31.00, '2024-03-01', '2024-03-31', '2024-03-01', '2024-03-31'", 310_000_000_000),
        ("31.00, '2024-03-01', '2024-03-31', '2024-03-25', '2024-03-31'", 70_000_000_000),  # a week
        ("31.00, '2024-03-01', '2024-03-31', '2024-02-26', '2024-03-03'", 30_000_000_000),  # 3 days
        ("31.00, '2024-03-01', '2024-03-31', '2024-04-01', '2024-04-30'", 0),  # no shared day
        ("31.00, '2024-03-01', '2024-03-31', '2024-03-01', '2024-02-29'", 0),  # an empty range
        # 1.00 over 3 days: 0.333… a day, each share rounded half up to 1e-10
        ("1.00, '2024-03-01', '2024-03-03', '2024-03-01', '2024-03-01'", 3_333_333_333),
        ("1.00, '2024-03-01', '2024-03-03', '2024-03-01', '2024-03-02'", 6_666_666_667),
    ],
)
def test_target_share_units(macro_engine, arguments, expected_units):
    target, *days = (part.strip() for part in arguments.split(","))
    dates = ", ".join(f"date {d}" for d in days)
    assert (
        value(macro_engine, f"target_share_units(cast({target} as decimal(18, 2)), {dates})")
        == expected_units
    )


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ("3333333333", "0.33"),
        ("50000000", "0.01"),  # half a cent: up
        ("49999999", "0.00"),
        ("0", "0.00"),
        ("null", None),
    ],
)
def test_target_cents(macro_engine, units, expected):
    result = value(macro_engine, f"target_cents(cast({units} as hugeint))")
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    "content",
    [
        "-- wrong name\ncreate or replace macro dollars(x) as x;\n",
        "create macro cents(x) as x;\n",  # not "or replace": a second build would fail
        "create or replace macro cents(x) as x;\ndrop table core.deals;\n",  # more than the macro
        "select 1",
    ],
)
def test_a_macro_file_that_does_not_create_only_its_macro_is_an_error_naming_it(tmp_path, content):
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "cents.sql").write_text(content)
    with pytest.raises(
        SqlModelError, match=r"macros/cents\.sql: a macro file holds one `create or replace macro cents"
    ):
        sqlmodels.macros(tmp_path)


def test_materialize_creates_the_macros_of_the_models_tree(engine, tmp_path):
    root = tmp_path / "sql"
    (root / "macros").mkdir(parents=True)
    (root / "macros" / "twice.sql").write_text("create or replace macro twice(x) as 2 * x;\n")
    (root / "scratch").mkdir()
    (root / "scratch" / "doubled.sql").write_text("select twice(range) as n from range(3)")
    assert materialize(engine, sqlmodels.load(root / "scratch" / "doubled.sql", root)) == 3
    assert fetch(engine, "select n from scratch.doubled order by n") == [{"n": 0}, {"n": 2}, {"n": 4}]
