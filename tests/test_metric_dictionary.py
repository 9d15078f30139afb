"""docs/metrics.md is generated from the model files (models.docs): it must be what generation gives."""

import pytest

from models import docs
from models.sqlmodels import SQL_ROOT, SqlModelError, discover

MODELS = discover()


def test_the_metric_dictionary_is_what_the_model_files_generate():
    current = docs.METRICS.read_text(encoding="utf-8")
    assert docs.generate(current, MODELS) == current, (
        f"docs/metrics.md differs from the model files (sql/<schema>/<table>.yml); run {docs.COMMAND}"
    )


def test_every_model_has_its_model_file_and_every_mart_its_grain_and_questions():
    assert [m.name for m in MODELS if m.doc is None] == []
    for model in MODELS:
        if model.schema == "marts":
            assert model.doc.grain, model.name
            assert len(model.doc.questions) >= 2, model.name


def test_a_generated_block_is_rewritten_and_the_prose_around_it_kept():
    marts = [m for m in MODELS if m.name == "marts.funnel_monthly"]
    text = (
        "# Hand title\n\n<!-- generated: marts.funnel_monthly -->\nstale\n<!-- end generated -->\n\nHand.\n"
    )
    out = docs.generate(text, marts)
    assert out.startswith(
        "# Hand title\n\n<!-- generated: marts.funnel_monthly (edit sql/marts/funnel_monthly.yml"
    )
    assert out.endswith("<!-- end generated -->\n\nHand.\n")
    assert "stale" not in out
    assert "| `proposal_to_win_rate` | won / reached_proposal; NULL when reached_proposal is 0. |" in out
    assert "**Grain:** One row per rep and cohort month" in out
    assert docs.generate(out, marts) == out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no blocks\n", r"no generated block for marts\.funnel_monthly; add a section"),
        (
            "<!-- generated: marts.funnel_monthly -->\n<!-- end generated -->\n"
            "<!-- generated: marts.nothing -->\n<!-- end generated -->\n",
            r"the generated block for marts\.nothing names no model with a model file",
        ),
        ("<!-- generated: marts.funnel_monthly -->\nnever closed\n", r"close the generated block"),
        (
            "<!-- generated: marts.funnel_monthly -->\n<!-- end generated -->\n" * 2,
            r"marts\.funnel_monthly has two generated blocks",
        ),
    ],
)
def test_a_missing_unknown_unclosed_or_repeated_block_says_what_to_change(text, message):
    marts = [m for m in MODELS if m.name == "marts.funnel_monthly"]
    with pytest.raises(SqlModelError, match=rf"docs/metrics\.md: {message}"):
        docs.generate(text, marts, SQL_ROOT)


def test_the_command_reports_and_rewrites(tmp_path, monkeypatch, capsys):
    original = docs.METRICS.read_text(encoding="utf-8")
    metrics = tmp_path / "metrics.md"
    metrics.write_text(original.replace("| `won` |", "| `lost` |"))
    monkeypatch.setattr(docs, "METRICS", metrics)
    assert docs.main(["--check"]) == 1
    assert "run python -m models.docs" in capsys.readouterr().err
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    assert metrics.read_text() == original
