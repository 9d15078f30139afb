"""models.coaching and its place in the reporting configuration: the default referral values and coaching
thresholds (KPI contract 5.3, 5.6), `[referrals]` and `[coaching]` in BAROMETER_CONFIG_FILE, malformed
values refused naming the file, table, line and what to change, and the config tables write_config
fills."""

from datetime import UTC, datetime

import pytest
from sql_helpers import fetch

from models.coaching import DEFAULT_REFERRAL_VALUES, CoachingThresholds
from models.reporting import ReportingConfig, ReportingConfigError, reporting_config_from_env, write_config


def _from_file(tmp_path, text):
    path = tmp_path / "barometer.toml"
    path.write_text(text, encoding="utf-8")
    return path, {"BAROMETER_CONFIG_FILE": str(path)}


def test_defaults_are_the_contract():
    assert DEFAULT_REFERRAL_VALUES == ("referral",)
    config = reporting_config_from_env({})
    assert config.referral_values == ("referral",)
    assert config.coaching == CoachingThresholds(0.60, 0.65, 100, -40, -30)
    assert config == ReportingConfig()


def test_config_file_sets_referrals_and_some_thresholds(tmp_path):
    _, env = _from_file(
        tmp_path,
        '[fx_rates]\nEUR = 1.1\n\n[referrals]\nvalues = [" Partner ", "Referral"]\n\n'
        "[coaching]\nappointment_to_proposal_rate = 0.65\nactivity_barometer_pct = 90\n",
    )
    config = reporting_config_from_env(env)
    assert config.referral_values == ("partner", "referral")  # trimmed, lower-cased
    # the other thresholds keep their defaults; integers are numbers too
    assert config.coaching == CoachingThresholds(0.65, 0.65, 90.0, -40, -30)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[referrals]\nvalues = "referral"\n', r"\[referrals\] at line 1: values must be a list"),
        ("[referrals]\nvalues = []\n", r"\[referrals\] at line 1: values is empty"),
        ('\n[referrals]\nvalues = ["ok", " "]\n', r"\[referrals\] at line 2: value ' ' is empty"),
        ('[referrals]\nvalues = ["Referral", "referral"]\n', r"value 'referral' is listed twice"),
        ("[referrals]\nvalues = [1]\n", r"value 1 is not text; write it in quotes"),
        ('[referrals]\nvalue = ["x"]\n', r"\[referrals\] at line 1: missing values; unknown key\(s\) value"),
        ('referrals = ["x"]\n', r"referrals must be a table written as \[referrals\]"),
        (
            "[fx_rates]\nEUR = 1.1\n[coaching]\nclosing_ratio = 65\n",
            r"\[coaching\] at line 3: closing_ratio = 65.0 is a share: write it between 0 and 1",
        ),
        (
            '[coaching]\nclosing_ratio = "high"\n',
            r"\[coaching\] at line 1: closing_ratio = 'high' is not a number",
        ),
        ("[coaching]\nbelow_barometer = 100\n", r"unknown key\(s\) below_barometer; the thresholds are"),
        ("[coaching]\nactivity_barometer_pct = -1\n", r"activity_barometer_pct = -1.0 must be 0 or more"),
        ("[coaching]\nsales_cycle_vs_team_pct = -130\n", r"sales_cycle_vs_team_pct = -130.0 is under -100"),
        ("[coaching]\nclosing_ratio = true\n", r"closing_ratio = True is not a number"),
        ("[coach]\nclosing_ratio = 0.5\n", r"unknown key\(s\) coach; .*\[referrals\] and \[coaching\]"),
    ],
)
def test_malformed_values_are_refused_naming_file_table_and_line(tmp_path, content, message):
    path, env = _from_file(tmp_path, content)
    with pytest.raises(ReportingConfigError, match=message) as error:
        reporting_config_from_env(env)
    assert f"BAROMETER_CONFIG_FILE ({path})" in str(error.value)


def test_reporting_config_validates_its_values():
    with pytest.raises(ReportingConfigError, match=r"referral_values: values is empty"):
        ReportingConfig(referral_values=())
    with pytest.raises(ReportingConfigError, match=r"coaching holds"):
        ReportingConfig(coaching={"closing_ratio": 0.5})


def test_write_config_writes_the_tables(engine):
    config = ReportingConfig(
        referral_values=("referral", "partner"), coaching=CoachingThresholds(closing_ratio=0.7)
    )
    write_config(engine, config, as_of=datetime(2024, 6, 1, tzinfo=UTC))
    assert fetch(engine, "select value from config.referral_values order by value") == [
        {"value": "partner"},
        {"value": "referral"},
    ]
    assert fetch(engine, "select * from config.coaching_thresholds") == [
        {
            "appointment_to_proposal_rate": 0.6,
            "closing_ratio": 0.7,
            "activity_barometer_pct": 100.0,
            "revenue_per_sale_vs_team_pct": -40.0,
            "sales_cycle_vs_team_pct": -30.0,
        }
    ]
