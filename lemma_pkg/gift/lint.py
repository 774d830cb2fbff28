"""GIFT linter (placeholder, replaced below)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lemma_pkg.diagnostics import Diagnostic, Severity
from lemma_pkg.gift.ast import GiftDocument


@dataclass(frozen=True)
class LintConfig:
    require_feedback: bool = True
    disabled: frozenset[str] = field(default_factory=frozenset)


def lint_document(
    doc: GiftDocument, display: str, config: LintConfig | None = None, data: bytes | None = None
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for b in doc.blocks:
        if b.problem is not None:
            p = b.pos(b.problem.offset)
            out.append(
                Diagnostic(display, p.line, p.column, Severity.ERROR, "GIFT001", b.problem.message)
            )
    return out
