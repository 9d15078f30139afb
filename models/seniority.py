"""The seniority rules: how a contact's job title becomes its seniority (docs/metrics.md, "core.contacts").

A title is lower-cased, every character that is not a letter or digit becomes a space, and it is split
into words; the first rule (in LEVELS order) with a term among them gives the seniority, else `other`.
A term is one word (`vp`) or words in sequence (`vice president`), written as text and cleaned like a
title. The SQL applies the rules (sql/staging/config_seniority.sql, sql/core/contacts.sql) from the
config.seniority_rules table that models.reporting.write_config fills from these.

In the reporting configuration file, a `[[seniority]]` entry (`level`, `terms`) replaces the default
terms of its level; the order of the levels stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The levels a rule can give, in the order the rules are tried; a title no rule matches is `other`.
LEVELS = ("vp", "c_level", "director", "manager")

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


class SeniorityRuleError(ValueError):
    """A seniority rule is unusable; the message says what to change (models.reporting adds the file)."""


def title_words(text: str) -> tuple[str, ...]:
    """The words of a title or term as the rules see them (the SQL macro title_words does the same)."""
    return tuple(_NOT_LETTER_OR_DIGIT.sub(" ", text.lower()).split())


@dataclass(frozen=True)
class SeniorityRule:
    """A level and the terms that give it."""

    level: str
    terms: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise SeniorityRuleError(
                f"level {self.level!r} is not one of {', '.join(LEVELS)} (a title no rule matches is other)"
            )
        terms = self.terms
        if isinstance(terms, str) or not isinstance(terms, Iterable):
            raise SeniorityRuleError(
                f'{self.level}: terms must be a list of words or phrases, e.g. ["vp", "vice president"]'
            )
        terms = tuple(terms)
        if not terms:
            raise SeniorityRuleError(f"{self.level}: terms is empty; list at least one word or phrase")
        for term in terms:
            if not isinstance(term, str):
                raise SeniorityRuleError(f"{self.level}: term {term!r} is not text; write it in quotes")
            if not title_words(term):
                raise SeniorityRuleError(
                    f"{self.level}: term {term!r} has no letter or digit; write a word or phrase such as "
                    '"head of"'
                )
        object.__setattr__(self, "terms", terms)


DEFAULT_SENIORITY_RULES: tuple[SeniorityRule, ...] = (
    SeniorityRule("vp", ("vice president", "vp", "svp", "evp", "avp", "head of")),
    SeniorityRule(
        "c_level",
        (
            "chief",
            "ceo",
            "cfo",
            "coo",
            "cto",
            "cio",
            "cmo",
            "cro",
            "president",
            "founder",
            "cofounder",
            "owner",
            "managing director",
            "co founder",
        ),
    ),
    SeniorityRule("director", ("director",)),
    SeniorityRule("manager", ("manager",)),
)


def check_rules(rules: Iterable[SeniorityRule]) -> tuple[SeniorityRule, ...]:
    """`rules` as a tuple, each a SeniorityRule, one per level."""
    out = tuple(rules)
    seen: set[str] = set()
    for rule in out:
        if not isinstance(rule, SeniorityRule):
            raise SeniorityRuleError(f"seniority_rules holds {rule!r}, not a SeniorityRule")
        if rule.level in seen:
            raise SeniorityRuleError(
                f"seniority_rules gives level {rule.level} twice; keep one rule per level"
            )
        seen.add(rule.level)
    return out


def merge_rules(
    defaults: Iterable[SeniorityRule], replacements: Mapping[str, SeniorityRule]
) -> tuple[SeniorityRule, ...]:
    """The default rules with each level's terms replaced where `replacements` has that level, in LEVELS
    order."""
    by_level = {rule.level: rule for rule in defaults} | dict(replacements)
    return tuple(by_level[level] for level in LEVELS if level in by_level)


def rule_rows(rules: Iterable[SeniorityRule]) -> list[dict[str, object]]:
    """config.seniority_rules rows: one per (level, term), `rule_order` the level's place in LEVELS."""
    return [
        {"rule_order": LEVELS.index(rule.level) + 1, "seniority": rule.level, "term": term}
        for rule in rules
        for term in rule.terms
    ]
