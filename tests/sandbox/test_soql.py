"""The emulator's SOQL: parsing, answers over a small hand-written store, Salesforce's errors, and
hostile literals that must match verbatim without ever reaching the SQL text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from simple_salesforce.format import format_soql

from sandbox.salesforce.ids import sf_id
from sandbox.salesforce.soql import (
    CompiledQuery,
    SoqlError,
    compile_query,
    compile_soql,
    parse,
)
from sandbox.salesforce.soql_lexer import StringValue
from sandbox.salesforce.soql_parser import (
    And,
    Comparison,
    InList,
    Not,
    Or,
    RelativeDate,
)
from sandbox.store import Store

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)  # TODAY = 2024-03-15


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def task(n: int) -> str:
    return sf_id("00T", n)


def contact(n: int) -> str:
    return sf_id("003", n)


def opp(n: int) -> str:
    return sf_id("006", n)


TASK_COLUMNS = (
    "Subject",
    "Priority",
    "CreatedDate",
    "ActivityDate",
    "CallDurationInSeconds",
    "WhoId",
    "IsClosed",
)
TASK_ROWS = {
    1: ("Call Alice", "High", "2024-03-15 00:00:00", date(2024, 3, 15), 60, contact(1), True),
    2: ("call bob", "Normal", "2024-03-14 23:59:59.999", date(2024, 3, 14), 120, None, False),
    3: (None, "Low", "2024-03-16 00:00:00", None, None, None, None),
    4: ("O'Brien; DROP TABLE x;--", "Normal", "2024-03-08 00:00:00", date(2024, 3, 8), 0, contact(2), False),
    5: ("100% sure_thing", "High", "2024-03-07 23:59:59.999", date(2024, 3, 7), None, None, False),
    6: (
        'back\\slash "quoted"\nline 😀',
        "normal",
        "2024-03-15 23:59:59.999",
        date(2024, 3, 16),
        None,
        None,
        False,
    ),
    7: ("Deleted call", "High", "2024-03-15 10:00:00", date(2024, 3, 15), None, None, False),
    8: ("Archived call", "High", "2024-03-15 10:00:00", date(2024, 3, 15), None, None, False),
    9: ("école", "Low", "2024-01-01 00:00:00", date(2024, 1, 1), None, None, False),
}
TASK_FLAGS = {7: {"IsDeleted": True}, 8: {"IsArchived": True}}
TASKS = {
    n: {
        **dict(zip(TASK_COLUMNS, row, strict=True)),
        "CreatedDate": dt(row[2]),
        "IsDeleted": False,
        "IsArchived": False,
        **TASK_FLAGS.get(n, {}),
    }
    for n, row in TASK_ROWS.items()
}
VISIBLE = [1, 2, 3, 4, 5, 6, 9]

OPPORTUNITIES = {
    1: {"Name": "Won", "Amount": 1000.5, "CloseDate": date(2024, 3, 15), "IsWon": True},
    2: {"Name": "Open", "Amount": 250.0, "CloseDate": date(2024, 3, 31), "IsWon": False},
    3: {"Name": "Blank", "Amount": None, "CloseDate": date(2024, 3, 14), "IsWon": None},
    4: {"Name": "Gone", "Amount": 99.0, "CloseDate": date(2024, 3, 15), "IsWon": True, "IsDeleted": True},
}

HOSTILE = [
    "'; DROP TABLE x;--",
    "O'Brien",
    'Robert\'); DROP TABLE salesforce."Task";--',
    'say "hi"',
    "back\\slash",
    "trailing backslash \\",
    "\\' escaped quote",
    "new\nline\r\ttab",
    "\b\f control",
    "emoji 😀 and 中文",
    "100%_wild",
    "? $1 :name",
    "' OR '1'='1",
    'SELECT * FROM salesforce."User" UNION SELECT 1',
    "/* comment */ -- end",
]

USERS = ["alpha", "Zed", "_under"]

IDS = {
    "t1": task(1),
    "t1_15": task(1)[:15],
    "t1_suffix_lower": task(1)[:15] + task(1)[15:].lower(),
    "t1_case_flipped": task(1)[:15].swapcase(),
    "t2_15": task(2)[:15],
    "t3": task(3),
    "t4": task(4),
    "c1": contact(1),
    "c1_15": contact(1)[:15],
}


def _insert(store: Store, obj: str, rows: list[dict]) -> None:
    columns = sorted(set().union(*rows))
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    with store.write() as cur:
        cur.executemany(
            f'INSERT INTO salesforce."{obj}" ({names}) VALUES ({marks})',
            [[row.get(c) for c in columns] for row in rows],
        )


@pytest.fixture(scope="module")
def store():
    s = Store()
    _insert(s, "Task", [{**row, "Id": task(n)} for n, row in TASKS.items()])
    _insert(s, "Opportunity", [{"IsDeleted": False, **row, "Id": opp(n)} for n, row in OPPORTUNITIES.items()])
    _insert(
        s,
        "Account",
        [{"Id": sf_id("001", i), "Name": name, "IsDeleted": False} for i, name in enumerate(HOSTILE)],
    )
    _insert(s, "User", [{"Id": sf_id("005", i), "Name": name} for i, name in enumerate(USERS)])
    yield s
    s.close()


def run(store: Store, soql: str, *, include_deleted: bool = False) -> tuple[CompiledQuery, list[tuple]]:
    compiled = compile_soql(soql, include_deleted=include_deleted, now=NOW)
    return compiled, store.cursor().execute(compiled.sql, compiled.params).fetchall()


def task_numbers(store: Store, soql: str, **kw) -> list[int]:
    by_id = {task(n): n for n in TASKS}
    _, rows = run(store, soql, **kw)
    return [by_id[row[0]] for row in rows]


def soql_error(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        compile_soql(soql, include_deleted=False, now=NOW)
    return info.value


# ------------------------------------------------------------------------------------------ parsing


def test_parse_reads_every_clause():
    q = parse(
        "select Id, subject FROM task WHERE Subject = 'a' "
        "ORDER BY Subject DESC, CreatedDate NULLS LAST LIMIT 10 OFFSET 5"
    )
    assert [f.name for f in q.fields] == ["Id", "subject"]
    assert q.object_name == "task"
    assert not q.count_only
    assert [(o.field.name, o.descending, o.nulls_first) for o in q.order_by] == [
        ("Subject", True, False),
        ("CreatedDate", False, False),
    ]
    assert (q.limit, q.offset) == (10, 5)


def test_parse_count():
    q = parse("SELECT count() FROM Task LIMIT 3")
    assert q.count_only
    assert q.fields == ()
    assert q.limit == 3


@pytest.mark.parametrize(
    ("order", "descending", "nulls_first"),
    [
        ("Subject", False, True),
        ("Subject ASC", False, True),
        ("Subject desc", True, False),
        ("Subject DESC NULLS FIRST", True, True),
        ("Subject ASC NULLS LAST", False, False),
        ("Subject nulls first", False, True),
    ],
)
def test_parse_order_defaults_follow_salesforce(order, descending, nulls_first):
    (item,) = parse(f"SELECT Id FROM Task ORDER BY {order}").order_by
    assert (item.descending, item.nulls_first) == (descending, nulls_first)


@pytest.mark.parametrize(
    ("literal", "kind", "value"),
    [
        ("'abc'", "string", "abc"),
        (r"'O\'Brien'", "string", "O'Brien"),
        (r"'a\\b'", "string", "a\\b"),
        (r"'\n\r\t\b\f\"'", "string", '\n\r\t\b\f"'),
        (r"'\N\R\T\B\F'", "string", "\n\r\t\b\f"),
        (r"'caf\u00e9 \uD83D\uDE00'", "string", "café 😀"),
        ("'emoji 😀; DROP'", "string", "emoji 😀; DROP"),
        ("''", "string", ""),
        ("42", "number", 42),
        ("-7", "number", -7),
        ("3.25", "number", 3.25),
        ("-0.5", "number", -0.5),
        ("true", "boolean", True),
        ("FALSE", "boolean", False),
        ("True", "boolean", True),
        ("null", "null", None),
        ("NULL", "null", None),
        ("2024-01-05", "date", date(2024, 1, 5)),
        ("2024-01-05T14:03:00Z", "datetime", dt("2024-01-05 14:03:00")),
        ("2024-01-05T14:03:00.123Z", "datetime", dt("2024-01-05 14:03:00.123")),
        ("2024-01-05T14:03:00.5Z", "datetime", dt("2024-01-05 14:03:00.500")),
        ("2024-01-05T14:03:00+02:00", "datetime", dt("2024-01-05 12:03:00")),
        ("2024-01-05T14:03:00-0800", "datetime", dt("2024-01-05 22:03:00")),
        ("2024-01-05T23:30:00-01:00", "datetime", dt("2024-01-06 00:30:00")),
        ("2024-01-05T14:03:00+00:00", "datetime", dt("2024-01-05 14:03:00")),  # simple-salesforce's form
        ("TODAY", "relative", RelativeDate("TODAY")),
        ("yesterday", "relative", RelativeDate("YESTERDAY")),
        ("Tomorrow", "relative", RelativeDate("TOMORROW")),
        ("LAST_N_DAYS:7", "relative", RelativeDate("LAST_N_DAYS", 7)),
        ("next_n_days:30", "relative", RelativeDate("NEXT_N_DAYS", 30)),
    ],
)
def test_parse_literals(literal, kind, value):
    cond = parse(f"SELECT Id FROM Task WHERE Subject = {literal}").where
    assert isinstance(cond, Comparison)
    assert cond.value.kind == kind
    decoded = cond.value.value.plain if kind == "string" else cond.value.value
    assert decoded == value
    assert type(decoded) is type(value)


@pytest.mark.parametrize(
    ("literal", "pattern"),
    [
        ("'a%'", "a%"),
        ("'a_b'", "a_b"),
        (r"'a\%'", "a\\%"),
        (r"'a\_b_'", "a\\_b_"),
        (r"'a\\b%'", "a\\\\b%"),
        (r"'\u0025'", "\\%"),  # an escaped code point is a character, not a wildcard
    ],
)
def test_parse_like_patterns(literal, pattern):
    cond = parse(f"SELECT Id FROM Task WHERE Subject LIKE {literal}").where
    assert isinstance(cond.value.value, StringValue)
    assert cond.value.value.like == pattern


def test_like_escapes_leave_no_plain_value():
    cond = parse(r"SELECT Id FROM Task WHERE Subject LIKE 'a\%'").where
    assert cond.value.value.plain is None


def test_parse_conditions_nest_as_written():
    where = parse(
        "SELECT Id FROM Task WHERE a = 1 AND (b <> 2 OR NOT c = 3) AND d NOT IN (1, 2) AND e IN ('x')"
    ).where
    assert isinstance(where, And)
    a, b_or_c, d, e = where.operands
    assert (a.field.name, a.op) == ("a", "=")
    assert isinstance(b_or_c, Or)
    assert b_or_c.operands[0].op == "!="
    assert isinstance(b_or_c.operands[1], Not)
    assert isinstance(d, InList)
    assert d.negated
    assert [v.value for v in d.values] == [1, 2]
    assert isinstance(e, InList)
    assert not e.negated


def test_not_binds_to_the_next_condition_only():
    where = parse("SELECT Id FROM Task WHERE NOT a = 1 AND b = 2").where
    assert isinstance(where, And)
    assert isinstance(where.operands[0], Not)
    assert isinstance(where.operands[1], Comparison)


def test_whitespace_and_newlines_between_tokens():
    q = parse("SELECT\n  Id ,\tSubject\r\nFROM   Task\nWHERE Subject='a'\nLIMIT 1")
    assert [f.name for f in q.fields] == ["Id", "Subject"]
    assert q.limit == 1


# ------------------------------------------------------------------------------- compiled queries


def test_compiled_query_resolves_canonical_names():
    compiled = compile_soql(
        "select id, SUBJECT, createddate from TASK limit 5", include_deleted=False, now=NOW
    )
    assert compiled.sobject.name == "Task"
    assert compiled.field_names == ("Id", "Subject", "CreatedDate")
    assert [f.type for f in compiled.fields] == ["id", "string", "datetime"]
    assert (compiled.count_only, compiled.limit, compiled.offset) == (False, 5, None)
    assert compiled.sql.startswith('SELECT "Id", "Subject", "CreatedDate" FROM salesforce."Task"')


def test_compile_query_takes_a_parsed_query():
    compiled = compile_query(parse("SELECT COUNT() FROM Opportunity"), include_deleted=True, now=NOW)
    assert compiled.count_only
    assert compiled.fields == ()
    assert compiled.sobject.name == "Opportunity"


def test_every_literal_is_a_parameter():
    soql = (
        "SELECT Id FROM Task WHERE Subject = 'alice' AND CallDurationInSeconds IN (60, 61) "
        "AND CreatedDate > 2024-02-03T04:05:06Z AND ActivityDate = LAST_N_DAYS:9 AND IsClosed = true "
        "AND WhoId != '003000000000001' AND Subject LIKE 'zz%' LIMIT 77 OFFSET 88"
    )
    compiled = compile_soql(soql, include_deleted=False, now=NOW)
    for text in ("alice", "60", "61", "2024", "zz", "77", "88", "003000000000001", "true"):
        assert text not in compiled.sql
    assert compiled.sql.count("?") == len(compiled.params)


def test_columns_come_back_typed_as_stored(store):
    _, rows = run(
        store,
        "SELECT CreatedDate, ActivityDate, CallDurationInSeconds, IsClosed, Subject FROM Task "
        f"WHERE Id = '{task(1)}'",
    )
    assert rows == [(dt("2024-03-15 00:00:00"), date(2024, 3, 15), 60, True, "Call Alice")]


@pytest.mark.parametrize(
    "now",
    [
        datetime(2024, 3, 15, 12, 0),  # naive means UTC
        datetime(2024, 3, 16, 1, 0, tzinfo=timezone(timedelta(hours=2))),  # 2024-03-15 23:00 UTC
        datetime(2024, 3, 14, 17, 0, tzinfo=timezone(timedelta(hours=-8))),  # 2024-03-15 01:00 UTC
    ],
)
def test_today_is_the_utc_date_of_now(now):
    compiled = compile_soql("SELECT Id FROM Task WHERE ActivityDate = TODAY", include_deleted=True, now=now)
    assert compiled.params == [date(2024, 3, 15), date(2024, 3, 16)]


# ------------------------------------------------------------------------------------------ results


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        # text: case-insensitive; != and NOT IN include nulls; an empty string is null
        ("Subject = 'CALL ALICE'", [1]),
        ("Subject = 'call'", []),
        ("Subject != 'call alice'", [2, 3, 4, 5, 6, 9]),
        ("Subject <> 'call alice'", [2, 3, 4, 5, 6, 9]),
        ("Subject IN ('call bob', 'ÉCOLE')", [2, 9]),
        ("Subject NOT IN ('call bob', 'ÉCOLE')", [1, 3, 4, 5, 6]),
        ("Subject IN ('call bob', null)", [2, 3]),
        ("Subject NOT IN ('call bob', null)", [1, 4, 5, 6, 9]),
        ("Subject LIKE 'call%'", [1, 2]),
        ("Subject LIKE 'C_LL %'", [1, 2]),
        (r"Subject LIKE '%\%%'", [5]),
        (r"Subject LIKE '100_ sure\_thing'", [5]),
        (r"Subject LIKE '%\_%'", [5]),
        ("Subject LIKE '%_%'", [1, 2, 4, 5, 6, 9]),
        ("Subject LIKE '%😀'", [6]),
        ("NOT Subject LIKE 'call%'", [3, 4, 5, 6, 9]),
        ("Subject > 'c'", [1, 2, 4, 9]),
        ("Subject < 'C'", [5, 6]),
        ("Subject = null", [3]),
        ("Subject != null", [1, 2, 4, 5, 6, 9]),
        ("Subject = ''", [3]),
        ("Subject != ''", [1, 2, 4, 5, 6, 9]),
        (r"Subject = 'back\\slash \"quoted\"\nline 😀'", [6]),
        (r"Subject = 'back\\slash \u0022quoted\u0022\Nline \uD83D\uDE00'", [6]),
        ("Priority = 'NORMAL'", [2, 4, 6]),
        # numbers: nulls fail comparisons but count as different
        ("CallDurationInSeconds = 60", [1]),
        ("CallDurationInSeconds != 60", [2, 3, 4, 5, 6, 9]),
        ("CallDurationInSeconds > 59", [1, 2]),
        ("CallDurationInSeconds >= 60", [1, 2]),
        ("CallDurationInSeconds < 60", [4]),
        ("CallDurationInSeconds <= 0", [4]),
        ("CallDurationInSeconds > 59.5", [1, 2]),
        ("CallDurationInSeconds > -1", [1, 2, 4]),
        ("CallDurationInSeconds IN (0, 120)", [2, 4]),
        ("CallDurationInSeconds NOT IN (0, 120)", [1, 3, 5, 6, 9]),
        ("CallDurationInSeconds = null", [3, 5, 6, 9]),
        # datetimes: literals converted to UTC, millisecond boundaries
        ("CreatedDate = 2024-03-15T00:00:00Z", [1]),
        ("CreatedDate = 2024-03-15T01:00:00+01:00", [1]),
        ("CreatedDate = 2024-03-14T16:00:00-0800", [1]),
        ("CreatedDate = 2024-03-14T23:59:59.999Z", [2]),
        ("CreatedDate < 2024-03-15T00:00:00Z", [2, 4, 5, 9]),
        ("CreatedDate >= 2024-03-15T00:00:00.000+00:00", [1, 3, 6]),
        ("CreatedDate > 2024-03-15T23:59:59.998Z", [3, 6]),
        # relative date literals on a datetime: whole UTC days
        ("CreatedDate = TODAY", [1, 6]),
        ("CreatedDate = YESTERDAY", [2]),
        ("CreatedDate = TOMORROW", [3]),
        ("CreatedDate > TODAY", [3]),
        ("CreatedDate >= TODAY", [1, 3, 6]),
        ("CreatedDate < TODAY", [2, 4, 5, 9]),
        ("CreatedDate <= TODAY", [1, 2, 4, 5, 6, 9]),
        ("CreatedDate != TODAY", [2, 3, 4, 5, 9]),
        ("CreatedDate = LAST_N_DAYS:7", [1, 2, 4, 6]),
        ("CreatedDate > LAST_N_DAYS:7", [3]),
        ("CreatedDate < LAST_N_DAYS:7", [5, 9]),
        ("CreatedDate = NEXT_N_DAYS:1", [3]),
        ("CreatedDate = NEXT_N_DAYS:0", []),
        # dates
        ("ActivityDate = TODAY", [1]),
        ("ActivityDate = 2024-03-16", [6]),
        ("ActivityDate > TODAY", [6]),
        ("ActivityDate = LAST_N_DAYS:7", [1, 2, 4]),
        ("ActivityDate != YESTERDAY", [1, 3, 4, 5, 6, 9]),
        ("ActivityDate < 2024-03-08", [5, 9]),
        ("ActivityDate IN (2024-03-07, 2024-03-08)", [4, 5]),
        ("ActivityDate = null", [3]),
        # booleans: null counts as false
        ("IsClosed = true", [1]),
        ("IsClosed = FALSE", [2, 3, 4, 5, 6, 9]),
        ("IsClosed != false", [1]),
        ("IsClosed = null", [2, 3, 4, 5, 6, 9]),
        ("IsClosed != null", [1]),
        ("IsClosed IN (true)", [1]),
        # ids: exact, 15 or 18 characters
        ("Id = '{t1}'", [1]),
        ("Id = '{t1_15}'", [1]),
        ("Id = '{t1_suffix_lower}'", [1]),
        ("Id = '{t1_case_flipped}'", []),
        ("Id IN ('{t2_15}', '{t4}')", [2, 4]),
        ("Id NOT IN ('{t1}')", [2, 3, 4, 5, 6, 9]),
        ("Id > '{t3}'", [4, 5, 6, 9]),
        ("WhoId = '{c1_15}'", [1]),
        ("WhoId != '{c1}'", [2, 3, 4, 5, 6, 9]),
        ("WhoId = null", [2, 3, 5, 6, 9]),
        # AND / OR / NOT with parentheses
        ("Subject LIKE 'call%' AND (CallDurationInSeconds = 60 OR CallDurationInSeconds = null)", [1]),
        ("(Subject LIKE 'call%' AND CallDurationInSeconds = 60) OR CallDurationInSeconds = 0", [1, 4]),
        ("Subject LIKE 'call%' AND (CallDurationInSeconds = 60 OR CallDurationInSeconds = 0)", [1]),
        ("NOT (Subject LIKE 'call%' OR Subject = null)", [4, 5, 6, 9]),
        ("NOT Subject LIKE 'call%' AND CallDurationInSeconds != null", [4]),
        ("((Priority = 'High'))", [1, 5]),
        ("Priority = 'High' OR Priority = 'Low' OR Subject = 'call bob'", [1, 2, 3, 5, 9]),
        ("Priority = 'normal' AND CreatedDate = TODAY AND Subject != null", [6]),
        ("NOT (NOT Subject = 'call bob')", [2]),
    ],
)
def test_where(store, where, expected):
    assert task_numbers(store, f"SELECT Id FROM Task WHERE {where.format(**IDS)}") == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Amount > 999.99", [1]),
        ("Amount = 250", [2]),
        ("Amount != 250", [1, 3]),
        ("Amount <= 250.0", [2]),
        ("Amount IN (250, 1000.5)", [1, 2]),
        ("IsWon = true", [1]),
        ("IsWon = false", [2, 3]),
        ("CloseDate = TODAY", [1]),
        ("CloseDate = YESTERDAY", [3]),
        ("CloseDate > TODAY", [2]),
        ("CloseDate = NEXT_N_DAYS:16", [2]),
        ("CloseDate = NEXT_N_DAYS:15", []),
        ("CloseDate <= 2024-03-15", [1, 3]),
    ],
)
def test_where_on_currency_boolean_and_date_fields(store, where, expected):
    _, rows = run(store, f"SELECT Id FROM Opportunity WHERE {where}")
    assert rows == [(opp(n),) for n in expected]


@pytest.mark.parametrize(
    ("clauses", "expected"),
    [
        ("", VISIBLE),
        ("ORDER BY Subject", [3, 5, 6, 1, 2, 4, 9]),
        ("ORDER BY Subject DESC", [9, 4, 2, 1, 6, 5, 3]),
        ("ORDER BY Subject NULLS LAST", [5, 6, 1, 2, 4, 9, 3]),
        ("ORDER BY Subject DESC NULLS FIRST", [3, 9, 4, 2, 1, 6, 5]),
        ("ORDER BY CallDurationInSeconds DESC", [2, 1, 4, 3, 5, 6, 9]),
        ("ORDER BY CallDurationInSeconds DESC NULLS FIRST", [3, 5, 6, 9, 2, 1, 4]),
        ("ORDER BY Priority", [1, 5, 3, 9, 2, 4, 6]),  # case-insensitive, ties by Id
        ("ORDER BY Priority DESC, CreatedDate DESC", [6, 2, 4, 3, 9, 1, 5]),
        ("ORDER BY Id DESC", [9, 6, 5, 4, 3, 2, 1]),
        ("ORDER BY Subject LIMIT 2 OFFSET 1", [5, 6]),
        ("LIMIT 3", [1, 2, 3]),
        ("LIMIT 0", []),
        ("OFFSET 5", [6, 9]),
        ("OFFSET 2000", []),
        ("WHERE Priority = 'High' ORDER BY CreatedDate LIMIT 1", [5]),
    ],
)
def test_order_limit_offset(store, clauses, expected):
    assert task_numbers(store, f"SELECT Id FROM Task {clauses}") == expected


@pytest.mark.parametrize(
    ("soql", "include_deleted", "count"),
    [
        ("SELECT COUNT() FROM Task", False, 7),
        ("SELECT COUNT() FROM Task", True, 9),
        ("SELECT count() FROM Task WHERE Priority = 'high'", False, 2),
        ("SELECT COUNT() FROM Task WHERE Priority = 'high'", True, 4),
        ("SELECT COUNT() FROM Task LIMIT 3", False, 3),
        ("SELECT COUNT() FROM Task LIMIT 10 OFFSET 5", False, 2),
        ("SELECT COUNT() FROM Opportunity", False, 3),
        ("SELECT COUNT() FROM User", False, 3),
    ],
)
def test_count(store, soql, include_deleted, count):
    compiled, rows = run(store, soql, include_deleted=include_deleted)
    assert compiled.count_only
    assert rows == [(count,)]


def test_query_hides_deleted_and_archived_rows_and_query_all_shows_them(store):
    assert task_numbers(store, "SELECT Id FROM Task") == VISIBLE
    assert task_numbers(store, "SELECT Id FROM Task", include_deleted=True) == list(TASKS)
    assert task_numbers(store, "SELECT Id FROM Task WHERE IsDeleted = true") == []
    assert task_numbers(store, "SELECT Id FROM Task WHERE IsDeleted = true", include_deleted=True) == [7]
    assert task_numbers(store, "SELECT Id FROM Task WHERE IsArchived = true", include_deleted=True) == [8]


def test_hidden_flags_are_per_object(store):
    _, rows = run(store, "SELECT Name FROM Opportunity")
    assert rows == [("Won",), ("Open",), ("Blank",)]
    _, rows = run(store, "SELECT Name FROM Opportunity", include_deleted=True)
    assert rows == [("Won",), ("Open",), ("Blank",), ("Gone",)]
    compiled, rows = run(store, "SELECT Id, Name FROM User")
    assert " WHERE " not in compiled.sql  # User has no IsDeleted
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT Name FROM User ORDER BY Name", ["alpha", "Zed", "_under"]),
        ("SELECT Name FROM User ORDER BY Name DESC", ["_under", "Zed", "alpha"]),
        ("SELECT Name FROM User WHERE Name > 'Z' ORDER BY Name", ["Zed", "_under"]),
        ("SELECT Name FROM User WHERE Name > 'zed' ORDER BY Name", ["_under"]),
        ("SELECT Name FROM User WHERE Name <= 'ZED' ORDER BY Name", ["alpha", "Zed"]),
        ("SELECT Name FROM User WHERE Name = 'ZED'", ["Zed"]),
    ],
)
def test_text_collates_by_upper_case_like_salesforce(store, soql, expected):
    _, rows = run(store, soql)
    assert [name for (name,) in rows] == expected


# ----------------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_match_verbatim_and_never_reach_sql(store, value):
    benign = compile_soql("SELECT Id, Name FROM Account WHERE Name = 'x'", include_deleted=False, now=NOW)
    soql = format_soql("SELECT Id, Name FROM Account WHERE Name = {}", value)
    compiled, rows = run(store, soql)
    assert rows == [(sf_id("001", HOSTILE.index(value)), value)]
    assert compiled.sql == benign.sql
    assert compiled.params == [value]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_as_escaped_like_patterns_match_only_themselves(store, value):
    benign = compile_soql("SELECT Name FROM Account WHERE Name LIKE 'x%'", include_deleted=False, now=NOW)
    compiled, rows = run(store, format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}'", value))
    assert rows == [(value,)]
    assert compiled.sql == benign.sql
    prefixed, rows = run(store, format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}%'", value[:4]))
    assert (value,) in rows
    assert all(name.lower().startswith(value[:4].lower()) for (name,) in rows)
    assert prefixed.sql == benign.sql


def test_hostile_strings_in_in_lists(store):
    soql = format_soql("SELECT Name FROM Account WHERE Name IN {} ORDER BY Name", HOSTILE[:5])
    compiled, rows = run(store, soql)
    assert sorted(name for (name,) in rows) == sorted(HOSTILE[:5])
    assert compiled.params == HOSTILE[:5]
    assert all(value not in compiled.sql for value in HOSTILE)


def test_the_store_survives_hostile_queries(store):
    for value in HOSTILE:
        run(store, format_soql("SELECT Id FROM Account WHERE Name != {}", value))
    assert store.count('salesforce."Account"') == len(HOSTILE)
    assert store.count('salesforce."Task"') == len(TASKS)


# ------------------------------------------------------------------------------------------- errors

_UNSUPPORTED = "is not supported by the Barometer sandbox"
_NO_COLUMN = (
    "No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append "
    "the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_CRITERION = "value of filter criterion for field '{}' must be of type {} and should {}be enclosed in quotes"
W = "SELECT Id FROM Task WHERE "  # most error cases are about a WHERE clause

# (query, detail contained in the message's last line, text the caret points at)
MALFORMED = [
    ("SELECT Id, From Task", "unexpected token: 'From'", "From"),
    ("SELECT FROM Task", "unexpected token: 'FROM'", "FROM"),
    ("SELECT Id FROM", "unexpected token: '<EOF>'", ""),
    ("SELECT Id FROM Task;", "unexpected token: ';'", ";"),
    ("SELECT * FROM Task", "unexpected token: '*'", "*"),
    ("SELECT Id Subject FROM Task", "unexpected token: 'Subject'", "Subject"),
    ("SELECT Id FROM Task t", "unexpected token: 't'", "t"),
    ("SELECT COUNT(), Id FROM Task", "unexpected token: ','", ","),
    (W + '"Subject" = 1', "unexpected token: '\"'", '"'),
    (W + "Subject = 'a' AND Priority = 'b' OR Status = 'c'", "unexpected token: 'OR'", "OR"),
    (W + "Subject = 'a' OR Priority = 'b' AND Status = 'c'", "unexpected token: 'AND'", "AND"),
    (W + "Subject = 'abc", "mismatched character '<EOF>'", ""),
    (W + r"Subject = 'a\d'", r"Illegal character sequence '\d' in string literal", "\\d"),
    (W + r"Subject = 'a\u12'", "Invalid string literal", "\\u"),
    (W + r"Subject = 'a\%'", r"The escapes \% and \_ are only valid in LIKE", "'a"),
    (W + r"Subject = '\uD83D'", "Invalid unicode escape", "\\u"),
    (W + "Subject = 'a' 'b'", "unexpected token: ''b''", "'b'"),
    (W + "Subject", "unexpected token: '<EOF>'", ""),
    (W + "Subject = ", "unexpected token: '<EOF>'", ""),
    (W + "Subject = abc", "unexpected token: 'abc'", "abc"),
    (W + "Subject NOT LIKE 'a'", "unexpected token: 'NOT'", "NOT"),
    (W + "Subject IN ()", "unexpected token: ')'", ")"),
    (W + "Subject IN 'a'", "unexpected token: ''a''", "'a'"),
    (W + "(Subject = 'a'", "unexpected token: '<EOF>'", ""),
    (W + "CreatedDate > 2024-01-05T10:00Z", "unexpected token: '2024-01-05T10:00Z'", "2024"),
    (W + "CreatedDate > 2024-01-05T10:00:00", "unexpected token: '2024-01-05T10:00:00'", "2024"),
    (W + "CreatedDate > 2024-01-05t10:00:00z", "unexpected token", "2024"),
    (W + "ActivityDate > 2024-13-01", "invalid date/time literal: '2024-13-01'", "2024"),
    (W + "CreatedDate > 2024-01-01T24:00:00Z", "invalid date/time literal", "2024"),
    (W + "CallDurationInSeconds > 1e5", "unexpected token: '1e5'", "1e5"),
    (W + "CallDurationInSeconds > .5", "unexpected token: '.'", "."),
    (W + "Subject > null", "null can only be compared with = or !=", "null"),
    ("SELECT Id FROM Task LIMIT -1", "unexpected token: '-1'", "-1"),
    ("SELECT Id FROM Task LIMIT 1.5", "unexpected token: '1.5'", "1.5"),
    ("SELECT Id FROM Task LIMIT 2147483648", "numeric value out of range", "2147483648"),
    ("SELECT Id FROM Task LIMIT 5 ORDER BY Id", "unexpected token: 'ORDER'", "ORDER"),
    ("SELECT Id FROM Task ORDER BY", "unexpected token: '<EOF>'", ""),
    ("SELECT Id FROM Task ORDER Subject", "unexpected token: 'Subject'", "Subject"),
    ("SELECT Id FROM Task ORDER BY Subject NULLS", "unexpected token: '<EOF>'", ""),
    (W + "CreatedDate = FOO_N_DAYS:2", "unexpected token: 'FOO_N_DAYS:2'", "FOO"),
    (W + "OwnerId = UserInfo.getUserId()", "unexpected token: 'UserInfo'", "UserInfo"),
]
UNSUPPORTED = [
    ("SELECT Owner.Email FROM Task", "the relationship field Owner.Email " + _UNSUPPORTED, "Owner"),
    (W + "What.Type = 'Account'", "the relationship field What.Type", "What"),
    ("SELECT Id, (SELECT Id FROM Tasks) FROM Account", "a subquery " + _UNSUPPORTED, "("),
    ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)", "a semi-join subquery", "SELECT"),
    (W + "(SELECT Id FROM Task)", "a subquery", "SELECT"),
    ("SELECT COUNT(Id) FROM Task", "COUNT(field) " + _UNSUPPORTED, "COUNT"),
    ("SELECT MAX(CreatedDate) FROM Task", "the aggregate function MAX()", "MAX"),
    ("SELECT Status, COUNT() FROM Task", "COUNT() together with fields", "COUNT"),
    ("SELECT FIELDS(ALL) FROM Task LIMIT 200", "FIELDS() " + _UNSUPPORTED, "FIELDS"),
    ("SELECT TYPEOF What WHEN Account THEN Name END FROM Task", "TYPEOF", "TYPEOF"),
    ("SELECT toLabel(Status) FROM Task", "the function toLabel()", "toLabel"),
    ("SELECT Status FROM Task GROUP BY Status", "GROUP BY " + _UNSUPPORTED, "GROUP"),
    (W + "Subject = 'a' HAVING x", "HAVING", "HAVING"),
    ("SELECT Id FROM Task WITH SECURITY_ENFORCED", "WITH " + _UNSUPPORTED, "WITH"),
    ("SELECT Id FROM Task USING SCOPE mine", "USING SCOPE", "USING"),
    ("SELECT Id FROM Task LIMIT 1 FOR UPDATE", "FOR VIEW/REFERENCE/UPDATE", "FOR"),
    ("SELECT Id FROM Task ALL ROWS", "ALL ROWS", "ALL"),
    ("SELECT COUNT() FROM Task ORDER BY Id", "ORDER BY with COUNT()", "ORDER"),
    (W + "CreatedDate = THIS_WEEK", "the date literal THIS_WEEK", "THIS"),
    (W + "CreatedDate = LAST_N_WEEKS:2", "the date literal LAST_N_WEEKS:2", "LAST"),
    (W + "CreatedDate IN (TODAY)", "the date literal TODAY inside IN", "TODAY"),
    (W + "CALENDAR_YEAR(CreatedDate) = 2024", "the function CALENDAR_YEAR()", "CAL"),
    (W + "Subject = :name", "a bind variable", ":"),
    (W + "Type INCLUDES ('a')", "INCLUDES (multi-select picklists)", "INCLUDES"),
]
INVALID_FIELD = [
    ("SELECT Foo FROM Task", _NO_COLUMN.format("Foo", "Task"), "Foo"),
    ("SELECT Id FROM task WHERE foo__c = 1", _NO_COLUMN.format("foo__c", "Task"), "foo__c"),
    ("SELECT Id FROM Task ORDER BY Amount", _NO_COLUMN.format("Amount", "Task"), "Amount"),
    ("SELECT IsDeleted FROM User", _NO_COLUMN.format("IsDeleted", "User"), "IsDeleted"),
    ("SELECT Id, Subject, id FROM Task", "duplicate field selected: id", "id FROM"),
    (W + "Description = 'x'", "field 'Description' can not be filtered in a query call", "Description"),
    (W + "Description IN ('x')", "field 'Description' can not be filtered in a query call", "Description"),
    (
        "SELECT Id FROM Opportunity WHERE description LIKE 'x%'",
        "field 'Description' can not be filtered",
        "desc",
    ),
    (
        "SELECT Id FROM Task ORDER BY Description",
        "field 'Description' can not be sorted in a query call",
        "Desc",
    ),
    (
        W + "CreatedDate > '2024-01-01T00:00:00Z'",
        _CRITERION.format("CreatedDate", "dateTime", "not "),
        "'2024",
    ),
    (W + "createddate > 2024-01-01", _CRITERION.format("CreatedDate", "dateTime", "not "), "2024"),
    (
        W + "CreatedDate IN (2024-01-01T00:00:00Z, 5)",
        _CRITERION.format("CreatedDate", "dateTime", "not "),
        "5",
    ),
    (W + "ActivityDate = 2024-01-01T00:00:00Z", _CRITERION.format("ActivityDate", "date", "not "), "2024"),
    (W + "ActivityDate = '2024-01-01'", _CRITERION.format("ActivityDate", "date", "not "), "'2024"),
    (W + "IsClosed = 'true'", _CRITERION.format("IsClosed", "boolean", "not "), "'true'"),
    (W + "IsClosed = 1", _CRITERION.format("IsClosed", "boolean", "not "), "1"),
    (W + "CallDurationInSeconds = '5'", _CRITERION.format("CallDurationInSeconds", "int", "not "), "'5'"),
    (W + "CallDurationInSeconds = TODAY", _CRITERION.format("CallDurationInSeconds", "int", "not "), "TODAY"),
    ("SELECT Id FROM Opportunity WHERE Amount > '5'", _CRITERION.format("Amount", "double", "not "), "'5'"),
    (W + "Subject = 5", _CRITERION.format("Subject", "string", ""), "5"),
    (W + "Subject = true", _CRITERION.format("Subject", "string", ""), "true"),
    (W + "Subject = TODAY", _CRITERION.format("Subject", "string", ""), "TODAY"),
    (W + "Subject LIKE 5", _CRITERION.format("Subject", "string", ""), "5"),
    (W + "Subject IN ('a', 2024-01-01)", _CRITERION.format("Subject", "string", ""), "2024"),
    (W + "WhoId = 5", _CRITERION.format("WhoId", "id", ""), "5"),
]
INVALID_OPERATOR = [
    (W + "Id = 'abc'", "invalid ID field: abc", "'abc'"),
    (W + "WhoId = ''", "invalid ID field: ", "''"),
    (
        W + "WhoId IN ('00T5g0000000001', '00T5g000000000-')",
        "invalid ID field: 00T5g000000000-",
        "'00T5g000000000-",
    ),
    (W + "Id LIKE '00T%'", "invalid operator on id field", "Id LIKE"),
    (W + "IsClosed > false", "invalid operator on boolean field", "IsClosed"),
    (W + "CallDurationInSeconds LIKE '1%'", "invalid operator on int field", "CallDuration"),
]
ERRORS = [
    *[("MALFORMED_QUERY", *case) for case in MALFORMED + UNSUPPORTED],
    (
        "NUMBER_OUTSIDE_VALID_RANGE",
        "SELECT Id FROM Task OFFSET 2001",
        "Maximum SOQL offset allowed is 2000",
        "OFFSET",
    ),
    (
        "INVALID_TYPE",
        "SELECT Id FROM Foo",
        "sObject type 'Foo' is not supported. If you are attempting to use a custom object, be sure to "
        "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
        "appropriate names.",
        "Foo",
    ),
    *[("INVALID_FIELD", *case) for case in INVALID_FIELD],
    *[("INVALID_QUERY_FILTER_OPERATOR", *case) for case in INVALID_OPERATOR],
]


@pytest.mark.parametrize(("code", "soql", "detail", "at"), ERRORS)
def test_errors(code, soql, detail, at):
    error = soql_error(soql)
    assert error.error_code == code
    assert detail in error.detail
    # Salesforce's shape: "\n<snippet>\n<caret>\nERROR at Row:r:Column:c\n<detail>"
    blank, snippet, caret, where, *rest = error.message.split("\n")
    assert blank == ""
    assert caret.strip() == "^"
    assert snippet[caret.index("^") :].startswith(at)
    assert where == f"ERROR at Row:{error.row}:Column:{error.column}"
    assert "\n".join(rest) == error.detail
    assert error.to_json() == [{"message": error.message, "errorCode": code}]


def test_error_position_matches_salesforce_columns():
    error = soql_error("SELECT Id FROM Nope__c")
    assert error.message.startswith("\nSELECT Id FROM Nope__c\n               ^\nERROR at Row:1:Column:16\n")


def test_error_position_on_a_later_row():
    error = soql_error("SELECT Id\nFROM Task\nWHERE Foo = 1")
    assert (error.row, error.column) == (3, 7)
    assert error.message.startswith("\nWHERE Foo = 1\n      ^\nERROR at Row:3:Column:7\n")


def test_error_snippet_of_a_long_line_is_trimmed_around_the_token():
    fields = ", ".join(
        ["CreatedById", "CreatedDate", "LastModifiedById", "LastModifiedDate", "SystemModstamp"]
    )
    soql = (
        f"SELECT Id, {fields}, Subject, Foo__c, Status, Priority, IsClosed, OwnerId, WhoId, WhatId FROM Task"
    )
    error = soql_error(soql)
    _, snippet, caret, *_ = error.message.split("\n")
    assert error.column == soql.index("Foo__c") + 1
    assert len(snippet) < len(soql)
    assert snippet[caret.index("^") :].startswith("Foo__c")


@pytest.mark.parametrize("soql", ["", "   ", "\n"])
def test_empty_query(soql):
    error = soql_error(soql)
    assert (error.error_code, error.message) == ("MALFORMED_QUERY", "SOQL statements cannot be empty or null")


def test_parse_errors_come_from_parse_and_name_errors_from_compile():
    with pytest.raises(SoqlError, match="unexpected token"):
        parse("SELECT Id, From Task")
    query = parse("SELECT Foo FROM Task")  # syntactically fine
    with pytest.raises(SoqlError, match="No such column 'Foo'"):
        compile_query(query, include_deleted=False, now=NOW)


def test_date_literal_out_of_range():
    error = soql_error("SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS:99999999")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.detail == "date literal out of range: LAST_N_DAYS:99999999"
