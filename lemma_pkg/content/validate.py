"""``lemma validate``: every problem in a course project, from all checkers, in one list."""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.content.loader import LoadResult, load_course
from lemma_pkg.diagnostics import Diagnostic


def preflight_diagnostics(result: LoadResult) -> list[Diagnostic]:
    """The backup writer's checks of a loaded course, less the warnings the course
    disables (``lint: disable`` in course.yaml); errors are never silenced."""
    from lemma_pkg.mbz import preflight

    if result.course is None:
        return []
    disabled = set(result.lint.disable)
    return [d for d in preflight(result.course) if d.is_error or d.code not in disabled]


def validate_project(path: Path) -> list[Diagnostic]:
    """Diagnostics of the course at ``path``: sources (including GIFT lint) and backup checks.

    Backup checks (:func:`lemma_pkg.mbz.preflight`) need a course model, so they run only
    when the sources have no errors. Nothing is written.
    """
    result = load_course(path)
    diags = list(result.diagnostics) + preflight_diagnostics(result)
    return sorted(diags, key=Diagnostic.sort_key)
