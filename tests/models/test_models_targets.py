"""models.targets and the config.revenue_targets / config.target_rejects tables (KPI contract §4):
parsing, every rejection reason with file and line, lower-cased e-mails, the environment variable."""

import re
from datetime import date
from decimal import Decimal

import pytest
from sql_helpers import AS_OF, fetch

from models.reporting import (
    CONFIG_TABLES,
    ReportingConfig,
    ReportingConfigError,
    reporting_config_from_env,
    write_config,
)
from models.targets import RevenueTarget, TargetsFileError, read_targets

HEADER = "rep_email,period_start,period_end,revenue_target\n"


def _file(tmp_path, text, name="targets.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_rows_load_with_lower_cased_emails_and_cents(tmp_path):
    path = _file(
        tmp_path,
        HEADER
        + " Ann@X.com ,2024-01-01,2024-03-31,90000\n"
        + "\n"  # a blank line is skipped
        + "bob@x.com,2024-02-01,2024-02-01,0.005\n"  # one day; half a cent rounds away from zero
        + "ann@x.com,2024-02-01,2024-02-29, 100.5 \n",  # overlaps the first: both kept
    )
    loaded = read_targets(path)
    assert loaded.rejects == ()
    assert loaded.targets == (
        RevenueTarget("ann@x.com", date(2024, 1, 1), date(2024, 3, 31), Decimal("90000.00")),
        RevenueTarget("bob@x.com", date(2024, 2, 1), date(2024, 2, 1), Decimal("0.01")),
        RevenueTarget("ann@x.com", date(2024, 2, 1), date(2024, 2, 29), Decimal("100.50")),
    )


def test_column_order_and_case_of_the_header_do_not_matter(tmp_path):
    path = _file(
        tmp_path,
        "\ufeffRevenue_Target, rep_email ,period_end,period_start\n5,a@x.com,2024-01-02,2024-01-01\n",
    )
    assert read_targets(path).targets == (
        RevenueTarget("a@x.com", date(2024, 1, 1), date(2024, 1, 2), Decimal("5.00")),
    )


REJECTED = [
    ("a@x.com,2024-13-01,2024-12-31,10", "period_start '2024-13-01' is not a date; write it as YYYY-MM-DD"),
    ("a@x.com,2024-01-01,31/12/2024,10", "period_end '31/12/2024' is not a date; write it as YYYY-MM-DD"),
    ("a@x.com,20240101,2024-12-31,10", "period_start '20240101' is not a date; write it as YYYY-MM-DD"),
    ("a@x.com,2024-02-01,2024-01-31,10", "period_end 2024-01-31 is before period_start 2024-02-01"),
    ("a@x.com,2024-01-01,2024-01-31,-1", "revenue_target -1 is negative"),
    (
        "a@x.com,2024-01-01,2024-01-31,ten",
        "revenue_target 'ten' is not a number; write it like 12500 or 12500.50",
    ),
    (
        "a@x.com,2024-01-01,2024-01-31,1e400",
        "revenue_target 1e400 is too large for DECIMAL(18,2)",
    ),
    (
        "a@x.com,2024-01-01,2024-01-31,NaN",
        "revenue_target 'NaN' is not a number; write it like 12500 or 12500.50",
    ),
    ("a@x.com,2024-01-01,2024-01-31", "missing column(s) revenue_target (3 fields where the header has 4)"),
    ("a@x.com,2024-01-01,2024-01-31,10,extra", "5 fields where the header has 4"),
    (",2024-01-01,2024-01-31,10", "empty rep_email"),
    ("a@x.com,2024-01-01,,", "empty period_end, revenue_target"),
]


@pytest.mark.parametrize(("row", "problem"), REJECTED, ids=[p for _, p in REJECTED])
def test_a_malformed_row_is_rejected_with_file_line_and_problem(tmp_path, row, problem):
    path = _file(
        tmp_path,
        HEADER + "ok@x.com,2024-01-01,2024-01-31,10\n" + row + "\nok@x.com,2024-02-01,2024-02-29,20\n",
    )
    loaded = read_targets(path)
    assert [t.revenue_target for t in loaded.targets] == [Decimal("10.00"), Decimal("20.00")]
    assert len(loaded.rejects) == 1
    reject = loaded.rejects[0]
    assert (reject.file, reject.line, reject.problem) == (str(path), 3, problem)
    assert reject.message == f"{path}, line 3: {problem}"


def test_a_multi_line_quoted_field_keeps_the_line_numbers_physical(tmp_path):
    path = _file(tmp_path, HEADER + '"a@x.com\nb",2024-01-01,2024-01-31,x\nc@x.com,2024-01-01,2024-01-00,1\n')
    assert [(r.line, r.problem.split(" ")[0]) for r in read_targets(path).rejects] == [
        (3, "revenue_target"),
        (4, "period_end"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("rep_email,period_start,revenue_target\n", "line 1: missing column(s) period_end"),
        (
            "rep_email,period_start,period_end,revenue_target,rep_email\n",
            "line 1: column(s) rep_email given twice",
        ),
    ],
)
def test_an_unusable_header_fails_the_file(tmp_path, text, message):
    path = _file(tmp_path, text)
    with pytest.raises(TargetsFileError, match=re.escape(message)) as info:
        read_targets(path)
    assert str(path) in str(info.value)


def test_a_missing_file_names_the_variable(tmp_path):
    with pytest.raises(TargetsFileError, match=r"BAROMETER_TARGETS_FILE \(.*nope\.csv\): no such file"):
        read_targets(tmp_path / "nope.csv")


def test_environment_variable(tmp_path):
    assert reporting_config_from_env({}).targets_file is None
    assert reporting_config_from_env({"BAROMETER_TARGETS_FILE": "  "}).targets_file is None
    path = tmp_path / "t.csv"
    assert reporting_config_from_env({"BAROMETER_TARGETS_FILE": f" {path} "}).targets_file == path


def test_write_config_writes_targets_and_rejects(engine, tmp_path):
    assert {"revenue_targets", "target_rejects"} <= {t.name for t in CONFIG_TABLES}
    path = _file(tmp_path, HEADER + "Ann@x.com,2024-01-01,2024-01-31,1000.125\nann@x.com,2024-01-01,x,1\n")
    write_config(engine, ReportingConfig(targets_file=path), as_of=AS_OF)
    assert fetch(engine, "select * from config.revenue_targets") == [
        {
            "rep_email": "ann@x.com",
            "period_start": date(2024, 1, 1),
            "period_end": date(2024, 1, 31),
            "revenue_target": Decimal("1000.13"),
        }
    ]
    assert fetch(engine, "select * from config.target_rejects") == [
        {"file": str(path), "line": 3, "problem": "period_end 'x' is not a date; write it as YYYY-MM-DD"}
    ]
    types = fetch(
        engine,
        "select column_name, data_type from duckdb_columns() where schema_name = 'config' "
        "and table_name = 'revenue_targets' order by column_index",
    )
    assert [t["data_type"] for t in types] == ["VARCHAR", "DATE", "DATE", "DECIMAL(18,2)"]
    # Without a file both tables exist, empty.
    write_config(engine, ReportingConfig(), as_of=AS_OF)
    assert fetch(engine, "select count(*) as n from config.revenue_targets") == [{"n": 0}]
    assert fetch(engine, "select count(*) as n from config.target_rejects") == [{"n": 0}]


def test_write_config_fails_on_a_missing_targets_file(engine, tmp_path):
    with pytest.raises(ReportingConfigError, match="BAROMETER_TARGETS_FILE"):
        write_config(engine, ReportingConfig(targets_file=tmp_path / "gone.csv"), as_of=AS_OF)
