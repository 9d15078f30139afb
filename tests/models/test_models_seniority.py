"""models.seniority and its place in the reporting configuration: the default rules (docs/metrics.md,
"core.contacts"), `[[seniority]]` entries in BAROMETER_CONFIG_FILE replacing a level's terms, malformed
rules refused naming the file, entry and what to change, and config.seniority_rules as write_config
writes it."""

from datetime import UTC, datetime

import pytest
from sql_helpers import fetch

from models.reporting import ReportingConfig, ReportingConfigError, reporting_config_from_env, write_config
from models.seniority import DEFAULT_SENIORITY_RULES, LEVELS, SeniorityRule, rule_rows, title_words


def test_default_rules_are_the_contract():
    assert {rule.level: set(rule.terms) for rule in DEFAULT_SENIORITY_RULES} == {
        "vp": {"vice president", "vp", "svp", "evp", "avp", "head of"},
        "c_level": {
            "chief", "ceo", "cfo", "coo", "cto", "cio", "cmo", "cro", "president", "founder", "cofounder",
            "owner", "managing director", "co founder",
        },
        "director": {"director"},
        "manager": {"manager"},
    }  # fmt: skip
    assert [rule.level for rule in DEFAULT_SENIORITY_RULES] == list(LEVELS)
    assert ReportingConfig().seniority_rules == DEFAULT_SENIORITY_RULES
    assert reporting_config_from_env({}).seniority_rules == DEFAULT_SENIORITY_RULES


def test_title_words():
    assert title_words("Co-Founder & CEO") == ("co", "founder", "ceo")
    assert title_words("Directeur Général") == ("directeur", "général")
    assert title_words(" --- ") == ()


def test_config_file_replaces_a_levels_terms(tmp_path):
    path = tmp_path / "barometer.toml"
    path.write_text(
        '[[seniority]]\nlevel = "manager"\nterms = ["manager", "gerente", "team lead"]\n', encoding="utf-8"
    )
    rules = reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path)}).seniority_rules
    assert [rule.level for rule in rules] == list(LEVELS)  # the order of the levels stays
    assert rules[3] == SeniorityRule("manager", ("manager", "gerente", "team lead"))
    assert rules[:3] == DEFAULT_SENIORITY_RULES[:3]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[[seniority]]\nlevel = "boss"\nterms = ["boss"]\n',
            r"\[\[seniority\]\] entry 1 at line 1: level 'boss' is not one of vp, c_level, director, manager",
        ),
        (
            '[[seniority]]\nlevel = "vp"\nterms = "vp"\n',
            r"entry 1 at line 1: vp: terms must be a list of words or phrases",
        ),
        ('[[seniority]]\nlevel = "vp"\nterms = []\n', r"entry 1 at line 1: vp: terms is empty"),
        (
            '[[seniority]]\nlevel = "vp"\nterms = ["vp", " - "]\n',
            r"entry 1 at line 1: vp: term ' - ' has no letter or digit",
        ),
        ('[[seniority]]\nlevel = "vp"\nterms = [1]\n', r"vp: term 1 is not text; write it in quotes"),
        ('[[seniority]]\nlevel = "vp"\n', r"entry 1 at line 1: missing terms; an entry has level, terms"),
        (
            '[[seniority]]\nlevel = "vp"\nterms = ["vp"]\n[[seniority]]\nlevel = "vp"\nterms = ["evp"]\n',
            r"entry 2 at line 4: level vp has an entry already; keep one entry per level",
        ),
    ],
)
def test_malformed_rules_are_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "barometer.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportingConfigError, match=message) as error:
        reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path)})
    assert f"BAROMETER_CONFIG_FILE ({path})" in str(error.value)


def test_reporting_config_validates_its_rules():
    twice = (SeniorityRule("vp", ("vp",)), SeniorityRule("vp", ("evp",)))
    with pytest.raises(ReportingConfigError, match=r"seniority_rules: .*gives level vp twice"):
        ReportingConfig(seniority_rules=twice)


def test_write_config_writes_the_rules(engine):
    rules = (SeniorityRule("vp", ("vp", "Head of")), SeniorityRule("manager", ("manager",)))
    write_config(engine, ReportingConfig(seniority_rules=rules), as_of=datetime(2024, 6, 1, tzinfo=UTC))
    assert fetch(engine, "select * from config.seniority_rules order by rule_order, term") == [
        {"rule_order": 1, "seniority": "vp", "term": "Head of"},
        {"rule_order": 1, "seniority": "vp", "term": "vp"},
        {"rule_order": 4, "seniority": "manager", "term": "manager"},
    ]
    assert len(rule_rows(DEFAULT_SENIORITY_RULES)) == 22
