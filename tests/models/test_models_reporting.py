"""models.reporting: the reporting configuration from the environment and a TOML file, its validation,
and the config.* tables the SQL reads."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sql_helpers import fetch

from models.reporting import (
    DEFAULT_CALL_OUTCOMES,
    DEFAULT_STAGE_MAPPING,
    ReportingConfig,
    ReportingConfigError,
    StageMapping,
    reporting_config_from_env,
    write_config,
)

AS_OF = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def test_defaults():
    config = reporting_config_from_env({})
    assert config == ReportingConfig()
    assert (config.timezone, config.currency, dict(config.fx_rates)) == ("UTC", "USD", {})
    assert config.stage_mapping == DEFAULT_STAGE_MAPPING
    assert config.call_outcomes == DEFAULT_CALL_OUTCOMES
    # The contract's table, entry by entry.
    assert {(m.source, m.pipeline, m.stage): m.funnel_stage for m in DEFAULT_STAGE_MAPPING} == {
        ("salesforce", None, "Prospecting"): "appointment",
        ("salesforce", None, "Qualification"): "qualified",
        ("salesforce", None, "Needs Analysis"): "qualified",
        ("salesforce", None, "Value Proposition"): "qualified",
        ("salesforce", None, "Id. Decision Makers"): "qualified",
        ("salesforce", None, "Perception Analysis"): "qualified",
        ("salesforce", None, "Proposal/Price Quote"): "proposal",
        ("salesforce", None, "Negotiation/Review"): "negotiation",
        ("salesforce", None, "Closed Won"): "won",
        ("salesforce", None, "Closed Lost"): "lost",
        ("hubspot", None, "appointmentscheduled"): "appointment",
        ("hubspot", None, "qualifiedtobuy"): "qualified",
        ("hubspot", None, "presentationscheduled"): "qualified",
        ("hubspot", None, "decisionmakerboughtin"): "qualified",
        ("hubspot", None, "contractsent"): "proposal",
        ("hubspot", None, "closedwon"): "won",
        ("hubspot", None, "closedlost"): "lost",
    }
    assert len(DEFAULT_STAGE_MAPPING) == 17
    assert [m.funnel_rank for m in DEFAULT_STAGE_MAPPING[:10]] == [1, 2, 2, 2, 2, 2, 3, 4, 5, None]


def test_environment():
    config = reporting_config_from_env(
        {
            "BAROMETER_TIMEZONE": " Europe/Paris ",
            "BAROMETER_CURRENCY": "EUR",
            "BAROMETER_FX_RATES": " USD = 0.92, GBP=1.17,JPY=0.0061 ,",
        }
    )
    assert (config.timezone, config.currency) == ("Europe/Paris", "EUR")
    assert config.fx_rates == {"USD": 0.92, "GBP": 1.17, "JPY": 0.0061}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"BAROMETER_TIMEZONE": "Mars/Olympus"},
            r"BAROMETER_TIMEZONE: 'Mars/Olympus' is not an IANA timezone",
        ),
        ({"BAROMETER_TIMEZONE": "../etc/passwd"}, r"BAROMETER_TIMEZONE: '\.\./etc/passwd' is not an IANA"),
        ({"BAROMETER_TIMEZONE": "localtime"}, r"BAROMETER_TIMEZONE: 'localtime' is not an IANA timezone"),
        ({"BAROMETER_CURRENCY": "usd"}, r"BAROMETER_CURRENCY: 'usd' is not a currency code; use three upper"),
        ({"BAROMETER_CURRENCY": "EURO"}, r"BAROMETER_CURRENCY: 'EURO' is not a currency code"),
        ({"BAROMETER_FX_RATES": "EUR=abc"}, r"BAROMETER_FX_RATES: the rate in 'EUR=abc' is not a number"),
        (
            {"BAROMETER_FX_RATES": "EUR=0"},
            r"BAROMETER_FX_RATES \('EUR=0'\): the rate 0\.0 must be a positive",
        ),
        ({"BAROMETER_FX_RATES": "EUR=-1.2"}, r"BAROMETER_FX_RATES \('EUR=-1\.2'\): .* must be a positive"),
        ({"BAROMETER_FX_RATES": "EUR=nan"}, r"BAROMETER_FX_RATES \('EUR=nan'\): .* must be a positive"),
        ({"BAROMETER_FX_RATES": "EUR=inf"}, r"BAROMETER_FX_RATES \('EUR=inf'\): .* must be a positive"),
        ({"BAROMETER_FX_RATES": "EUR 1.08"}, r"BAROMETER_FX_RATES: 'EUR 1\.08' is not CODE=RATE"),
        ({"BAROMETER_FX_RATES": "eur=1.08"}, r"BAROMETER_FX_RATES \('eur=1\.08'\): 'eur' is not a currency"),
        ({"BAROMETER_FX_RATES": "EUR=1.08,EUR=1.09"}, r"BAROMETER_FX_RATES: EUR is given twice"),
        ({"BAROMETER_FX_RATES": "USD=1.1"}, r"USD is the reporting currency .* its rate is 1, not 1\.1"),
        (
            {"BAROMETER_CONFIG_FILE": "/nonexistent/barometer.toml"},
            r"BAROMETER_CONFIG_FILE \(.*\): no such file",
        ),
    ],
)
def test_environment_errors_name_the_variable(env, message):
    with pytest.raises(ReportingConfigError, match=message):
        reporting_config_from_env(env)


def test_reporting_currency_may_have_rate_one():
    assert reporting_config_from_env({"BAROMETER_FX_RATES": "USD=1"}).fx_rates == {"USD": 1.0}


CONFIG_FILE = """\
# Barometer reporting configuration
[fx_rates]
EUR = 1.07
CHF = 1.12

[[stage_mapping]]
source = "salesforce"
stage = "Prospecting"
funnel_stage = "qualified"

[[stage_mapping]]
source = "hubspot"
pipeline = "enterprise"
stage = "contractsent"
funnel_stage = "negotiation"

[[stage_mapping]]
source = "salesforce"
stage = "Verbal Commit"
funnel_stage = "negotiation"

[[call_outcomes]]
source = "hubspot"
value = "0d2a7b9e-1111-4e4e-8888-123456789abc"
outcome = "connected"

[[call_outcomes]]
source = "hubspot"
value = "9d9162e7-6cf3-4944-bf63-4dff82258764"
outcome = "no_answer"
"""


def test_config_file_overrides_and_extends(tmp_path):
    path = tmp_path / "barometer.toml"
    path.write_text(CONFIG_FILE, encoding="utf-8")
    config = reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path), "BAROMETER_FX_RATES": "EUR=1.08"})
    assert config.fx_rates == {"EUR": 1.08, "CHF": 1.12}  # the variable wins over the file
    mapping = {m.key: m.funnel_stage for m in config.stage_mapping}
    assert mapping[("salesforce", None, "Prospecting")] == "qualified"  # replaced
    assert mapping[("hubspot", "enterprise", "contractsent")] == "negotiation"  # added, per pipeline
    assert mapping[("hubspot", None, "contractsent")] == "proposal"  # the default stays for other pipelines
    assert mapping[("salesforce", None, "Verbal Commit")] == "negotiation"
    assert len(config.stage_mapping) == len(DEFAULT_STAGE_MAPPING) + 2
    outcomes = {(s, v): o for s, v, o in config.call_outcomes}
    assert outcomes[("hubspot", "0d2a7b9e-1111-4e4e-8888-123456789abc")] == "connected"
    assert outcomes[("hubspot", "9d9162e7-6cf3-4944-bf63-4dff82258764")] == "no_answer"
    assert len(config.call_outcomes) == len(DEFAULT_CALL_OUTCOMES) + 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[fx_rates\nEUR = 1", r"not valid TOML: .*line 1"),
        ('currency = "EUR"\n', r"unknown key\(s\) currency; the file may hold \[fx_rates\]"),
        ("[fx_rates]\nEUR = -1\n", r"\[fx_rates\] at line 1, EUR: the rate -1 must be a positive number"),
        ('[fx_rates]\nEUR = "1.08"\n', r"\[fx_rates\] at line 1, EUR: the rate '1\.08' is not a number"),
        ("[fx_rates]\neuro = 1.0\n", r"\[fx_rates\] at line 1: 'euro' is not a currency code"),
        (
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "a"\nfunnel_stage = "appointment"\n\n'
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "b"\nfunnel_stage = "closed"\n',
            r"\[\[stage_mapping\]\] entry 2 at line 6: stage mapping for 'b': funnel_stage 'closed' is not "
            r"one of appointment, qualified, proposal, negotiation, won, lost",
        ),
        (
            '[[stage_mapping]]\nsource = "pipedrive"\nstage = "a"\nfunnel_stage = "won"\n',
            r"entry 1 at line 1: stage mapping: source 'pipedrive' is not one of salesforce, hubspot",
        ),
        (
            '[[stage_mapping]]\nsource = "salesforce"\npipeline = "x"\nstage = "a"\nfunnel_stage = "won"\n',
            r"entry 1 at line 1: .*Salesforce opportunities have no pipeline; leave pipeline out",
        ),
        (
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "a"\n',
            r"entry 1 at line 1: missing funnel_stage; an entry has funnel_stage, source, stage",
        ),
        (
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "a"\nfunnel_stage = "won"\nfunnel = "x"\n',
            r"entry 1 at line 1: unknown key\(s\) funnel",
        ),
        (
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "a"\nfunnel_stage = "won"\n'
            '[[stage_mapping]]\nsource = "hubspot"\nstage = "a"\nfunnel_stage = "lost"\n',
            r"entry 2 at line 5: maps the same stage as .*entry 1 at line 1",
        ),
        (
            '[[call_outcomes]]\nsource = "hubspot"\nvalue = "abc"\noutcome = "reached"\n',
            r"\[\[call_outcomes\]\] entry 1 at line 1: outcome 'reached' for 'abc' is not one of connected",
        ),
        (
            'stage_mapping = "Prospecting"\n',
            r"stage_mapping must be a list of tables written as \[\[stage_mapping\]\]",
        ),
    ],
)
def test_config_file_errors_name_file_entry_and_line(tmp_path, content, message):
    path = tmp_path / "barometer.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportingConfigError, match=message) as error:
        reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path)})
    assert f"BAROMETER_CONFIG_FILE ({path})" in str(error.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Nowhere/City"}, r"timezone: 'Nowhere/City' is not an IANA timezone"),
        ({"currency": "$"}, r"currency: '\$' is not a currency code"),
        ({"fx_rates": {"EUR": 0}}, r"fx_rates\['EUR'\]: the rate 0 must be a positive number"),
        (
            {
                "stage_mapping": (
                    StageMapping("hubspot", None, "a", "won"),
                    StageMapping("hubspot", None, "a", "lost"),
                )
            },
            r"stage_mapping maps hubspot stage 'a' twice",
        ),
        (
            {"call_outcomes": (("hubspot", "", "busy"),)},
            r"call_outcomes: the value '' must be a non-empty string",
        ),
    ],
)
def test_reporting_config_validates_itself(kwargs, message):
    with pytest.raises(ReportingConfigError, match=message):
        ReportingConfig(**kwargs)


def test_reporting_config_is_read_only():
    rates = {"EUR": 1.08}
    config = ReportingConfig(fx_rates=rates, stage_mapping=list(DEFAULT_STAGE_MAPPING))
    rates["EUR"] = 2.0
    assert config.fx_rates == {"EUR": 1.08}
    assert isinstance(config.stage_mapping, tuple)
    with pytest.raises(TypeError):
        config.fx_rates["GBP"] = 1.17  # type: ignore[index]


def test_stage_mapping_validates_funnel_stage():
    with pytest.raises(ReportingConfigError, match="funnel_stage 'Won' is not one of"):
        StageMapping("salesforce", None, "Closed Won", "Won")


def test_write_config_round_trip(engine):
    config = ReportingConfig(
        timezone="America/New_York",
        currency="EUR",
        fx_rates={"USD": 0.92, "GBP": 1.17},
        stage_mapping=(
            StageMapping("salesforce", None, "Prospecting", "appointment"),
            StageMapping("hubspot", "enterprise", "contractsent", "negotiation"),
            StageMapping("hubspot", None, "closedlost", "lost"),
        ),
        call_outcomes=(("hubspot", "abc", "connected"), ("salesforce", "Reached", "connected")),
    )
    as_of = datetime(2024, 6, 1, 8, 30, tzinfo=timezone(timedelta(hours=-4)))
    write_config(engine, config, as_of=as_of)
    assert fetch(engine, "select * from config.settings order by key") == [
        {"key": "as_of", "value": "2024-06-01T12:30:00+00:00"},
        {"key": "currency", "value": "EUR"},
        {"key": "timezone", "value": "America/New_York"},
    ]
    assert fetch(engine, "select * from config.fx_rates order by currency") == [
        {"currency": "GBP", "rate": 1.17},
        {"currency": "USD", "rate": 0.92},
    ]
    assert fetch(engine, "select * from config.stage_mapping order by stage") == [
        {"source": "salesforce", "pipeline": None, "stage": "Prospecting", "funnel_stage": "appointment",
         "funnel_rank": 1},
        {"source": "hubspot", "pipeline": None, "stage": "closedlost", "funnel_stage": "lost",
         "funnel_rank": None},
        {"source": "hubspot", "pipeline": "enterprise", "stage": "contractsent",
         "funnel_stage": "negotiation", "funnel_rank": 4},
    ]  # fmt: skip
    assert fetch(engine, "select * from config.call_outcomes order by source") == [
        {"source": "hubspot", "value": "abc", "outcome": "connected"},
        {"source": "salesforce", "value": "Reached", "outcome": "connected"},
    ]
    # Rewriting replaces every table.
    write_config(engine, ReportingConfig(), as_of=AS_OF)
    assert fetch(engine, "select count(*) as n from config.fx_rates") == [{"n": 0}]
    assert fetch(engine, "select count(*) as n from config.stage_mapping") == [
        {"n": len(DEFAULT_STAGE_MAPPING)}
    ]
    assert fetch(engine, "select value from config.settings where key = 'as_of'") == [
        {"value": "2024-06-01T12:30:00+00:00"}
    ]


def test_write_config_needs_an_aware_as_of(engine):
    with pytest.raises(ValueError, match="as_of must be timezone-aware"):
        write_config(engine, ReportingConfig(), as_of=datetime(2024, 6, 1))
