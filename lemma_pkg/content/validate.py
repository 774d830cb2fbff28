"""``lemma validate``: every problem in a course project, from all checkers, in one list."""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.content.loader import load_course
from lemma_pkg.diagnostics import Diagnostic


def validate_project(path: Path) -> list[Diagnostic]:
    """Diagnostics of the course at ``path``: sources (including GIFT lint) and backup checks.

    Backup checks (:func:`lemma_pkg.mbz.preflight`) need a course model, so they run only
    when the sources have no errors. Nothing is written.
    """
    from lemma_pkg.mbz import preflight

    result = load_course(path)
    diags = list(result.diagnostics)
    if result.course is not None:
        disabled = set(result.lint.disable)
        diags.extend(d for d in preflight(result.course) if d.is_error or d.code not in disabled)
    return sorted(diags, key=Diagnostic.sort_key)
