"""docs/metrics.md documents every core and mart column with the definition stored in the database."""

import re
from pathlib import Path

import pytest

from models.core_docs import DOCS

DICTIONARY = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text()


def _section(table: str) -> str:
    match = re.search(rf"^### `{re.escape(table)}`\n(.*?)(?=^### |\Z)", DICTIONARY, flags=re.M | re.S)
    assert match, f"docs/metrics.md has no section for {table}"
    return match.group(1)


@pytest.mark.parametrize("table", sorted(DOCS))
def test_every_column_is_in_the_dictionary_with_its_definition(table):
    section = _section(table)
    for column, definition in DOCS[table].columns.items():
        escaped = definition.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        assert f"| `{column}` | {escaped} |" in section, f"{table}.{column} is missing or out of date"


@pytest.mark.parametrize("table", [t for t in sorted(DOCS) if t.startswith("marts.")])
def test_every_mart_states_its_grain_and_questions(table):
    section = _section(table)
    assert "**Grain:**" in section
    assert section.count("\n- ") >= 2
