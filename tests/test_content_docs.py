"""docs/diagnostics.md lists exactly the registered LEM codes."""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.content import codes

DOC = Path(__file__).resolve().parent.parent / "docs" / "diagnostics.md"


def test_diagnostics_page_is_in_sync_with_the_registry() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split(codes.DOC_START, 1)[1].split(codes.DOC_END, 1)[0]
    assert block == "\n" + codes.rules_markdown(), (
        "docs/diagnostics.md is out of date: run `python -m lemma_pkg.content.codes`"
    )


def test_every_code_has_a_name_and_summary() -> None:
    from lemma_pkg.diagnostics import RULES

    lem = [r for c, r in RULES.items() if c.startswith("LEM")]
    assert len(lem) >= 25
    for rule in lem:
        assert rule.name and rule.summary.endswith(".")
