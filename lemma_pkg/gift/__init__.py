"""GIFT: a reader that parses exactly as Moodle 4.5's importer, a linter and a formatter.

Public API used by the rest of the package (kept stable):

- :func:`moodle_questions` — Moodle question objects for a GIFT file.
- :func:`lint_file` — every diagnostic for a GIFT file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lemma_pkg.diagnostics import Diagnostic


def moodle_questions(path: Path) -> list[dict[str, Any]]:
    """Moodle question objects (the importer's ``$question`` as JSON-able dicts) for every
    block Moodle accepts, in file order, ``category`` pseudo-questions included.

    Keys and values follow the moodle-json contract of the GIFT parity corpus: formats
    as strings ("0" moodle, "1" html, "2" plain, "4" markdown), rich texts as
    ``{"text", "format", "files"}``.
    """
    raise NotImplementedError("GIFT reader not implemented yet")


def lint_file(path: Path, display: str | None = None, config: Any = None) -> list[Diagnostic]:
    """Every problem in the GIFT file ``path`` (errors Moodle rejects, silent traps)."""
    raise NotImplementedError("GIFT linter not implemented yet")
