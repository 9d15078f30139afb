"""docs/metrics.md's per-table parts, generated from the model files (`sql/<schema>/<table>.yml`): the
description, grain, questions and column table of each model sit between

    <!-- generated: marts.deal_facts (edit sql/marts/deal_facts.yml, then run python -m models.docs) -->
    <!-- end generated -->

and everything outside those markers is hand-written prose. `python -m models.docs` rewrites the blocks
in place; `python -m models.docs --check` only says whether they are up to date (tests run it).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from models.model_files import ModelFile
from models.sqlmodels import SQL_ROOT, SqlModel, SqlModelError, discover

METRICS = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
COMMAND = "python -m models.docs"
END = "<!-- end generated -->"
_BLOCK = re.compile(r"<!-- generated: ([a-z_0-9]+\.[a-z_0-9]+)\b[^>]*-->\n(.*?)" + re.escape(END), re.S)
_START = re.compile(r"<!-- generated: ([^ ]+)")


def start_marker(model: SqlModel, root: Path) -> str:
    yml = model.doc.path if model.doc else model.path
    shown = yml.relative_to(Path(root).parent) if yml.is_relative_to(Path(root).parent) else yml
    return f"<!-- generated: {model.name} (edit {shown}, then run {COMMAND}) -->"


def render(doc: ModelFile) -> str:
    """The Markdown generated for one model: description, grain, questions, columns."""
    parts = [_escape(doc.description)]
    if doc.grain:
        parts.append(f"**Grain:** {_escape(doc.grain)}")
    if doc.questions:
        questions = "\n".join(f"- {_escape(q)}" for q in doc.questions)
        parts.append(f"**Questions it answers:**\n\n{questions}")
    rows = "\n".join(f"| `{name}` | {_cell(text)} |" for name, text in doc.columns.items())
    parts.append(f"| column | definition |\n|---|---|\n{rows}")
    return "\n\n".join(parts) + "\n"


def generate(
    text: str, models: Iterable[SqlModel], root: Path = SQL_ROOT, where: str = "docs/metrics.md"
) -> str:
    """`text` with every generated block rewritten from its model file. Fails naming a block for a model
    without a model file, a model file without a block, a block opened twice or never closed."""
    documented = {model.name: model for model in models if model.doc is not None}
    seen: list[str] = []

    def block(match: re.Match[str]) -> str:
        name = match.group(1)
        model = documented.get(name)
        if model is None:
            raise SqlModelError(
                f"{where}: the generated block for {name} names no model with a model file "
                f"(sql/<schema>/<table>.yml); remove the block or add the model"
            )
        seen.append(name)
        return f"{start_marker(model, root)}\n\n{render(model.doc)}\n{END}"

    out = _BLOCK.sub(block, text)
    opened = _START.findall(text)
    if len(opened) != len(seen):
        unclosed = [name for name in opened if name not in seen] or opened
        raise SqlModelError(f"{where}: close the generated block for {unclosed[0]} with {END}")
    twice = sorted({name for name in seen if seen.count(name) > 1})
    if twice:
        raise SqlModelError(f"{where}: {', '.join(twice)} has two generated blocks; keep one")
    missing = [name for name in documented if name not in seen]
    if missing:
        raise SqlModelError(
            f"{where}: no generated block for {', '.join(missing)}; add a section with "
            f"'<!-- generated: {missing[0]} -->' and '{END}' on their own lines where it belongs, then "
            f"run {COMMAND}"
        )
    return out


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    return _escape(text).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Regenerate docs/metrics.md's tables.")
    parser.add_argument("--check", action="store_true", help="only report whether it is up to date")
    args = parser.parse_args(argv)
    current = METRICS.read_text(encoding="utf-8")
    try:
        wanted = generate(current, discover())
    except SqlModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if wanted == current:
        print(f"{METRICS.name} is up to date with the model files")
        return 0
    if args.check:
        print(f"{METRICS.name} differs from the model files; run {COMMAND}", file=sys.stderr)
        return 1
    METRICS.write_text(wanted, encoding="utf-8")
    print(f"rewrote the generated blocks of {METRICS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
