"""Moodle backup (.mbz) writing and reading."""

from __future__ import annotations

from lemma_pkg.content.model import Course
from lemma_pkg.diagnostics import Diagnostic


def preflight(course: Course) -> list[Diagnostic]:
    """Problems the backup writer can see in a loaded course before writing anything
    (e.g. data-set extensions Moodle 4.5 does not know). ``lemma validate`` reports these."""
    return []
