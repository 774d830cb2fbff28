"""The rules reference page is generated from the rule table and kept in sync."""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.gift.rules import RULES, rules_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_rules_page_is_in_sync_with_the_rule_table() -> None:
    page = (DOCS / "gift-rules.md").read_text(encoding="utf-8")
    assert page == rules_markdown(), (
        "docs/gift-rules.md is stale: run "
        "`python -m lemma_pkg.gift.rules --write docs/gift-rules.md`"
    )
    for rule in RULES:
        assert f"### {rule.code}" in page


def test_user_guide_links_the_rules_and_documents_the_commands() -> None:
    guide = (DOCS / "gift.md").read_text(encoding="utf-8")
    for needle in ("gift-rules.md", "lemma gift parse", "lemma gift lint", "lemma gift fmt"):
        assert needle in guide
