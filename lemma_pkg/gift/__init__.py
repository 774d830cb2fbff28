"""GIFT: a reader that parses exactly as Moodle 4.5's importer, a linter and a formatter.

Public API used by the rest of the package (kept stable):

- :func:`moodle_questions` — Moodle question objects for a GIFT file.
- :func:`lint_file` — every diagnostic for a GIFT file (:class:`LintConfig` tunes it).

Richer API: :func:`parse_text` / :func:`parse_bytes` / :func:`parse_file` give the typed
AST (:class:`~lemma_pkg.gift.ast.GiftDocument`) with source spans; :func:`moodle_json`
gives the block-by-block moodle-json view; :func:`format_text` is the formatter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lemma_pkg.diagnostics import Diagnostic
from lemma_pkg.gift.ast import GiftDocument
from lemma_pkg.gift.lint import LintConfig, lint_document
from lemma_pkg.gift.moodle import moodle_json
from lemma_pkg.gift.reader import parse_bytes, parse_text
from lemma_pkg.gift.source import read_path

__all__ = [
    "GiftDocument",
    "LintConfig",
    "lint_and_questions",
    "lint_file",
    "lint_text",
    "moodle_json",
    "moodle_questions",
    "parse_bytes",
    "parse_file",
    "parse_text",
]


def parse_file(path: Path) -> GiftDocument:
    """Parse a GIFT file; unreadable and non-UTF-8 files give a document with an error."""
    data, err = read_path(path)
    if data is None:
        return GiftDocument(None, [], read_error=err)
    return parse_bytes(data)


def moodle_questions(path: Path) -> list[dict[str, Any]]:
    """Moodle question objects (the importer's ``$question`` as JSON-able dicts) for every
    block Moodle accepts, in file order, ``category`` pseudo-questions included.

    Keys and values follow the moodle-json contract of the GIFT parity corpus: formats
    as strings ("0" moodle, "1" html, "2" plain, "4" markdown), rich texts as
    ``{"text", "format", "files"}``, fractions as numbers, PHP arrays with holes as
    objects with string keys, infinite/NaN floats as "INF"/"-INF"/"NAN". A file Moodle
    refuses (not UTF-8) or that cannot be read gives ``[]`` (:func:`lint_file` says why).
    """
    return parse_file(path).moodle_questions()


def lint_file(
    path: Path, display: str | None = None, config: LintConfig | None = None
) -> list[Diagnostic]:
    """Every problem in the GIFT file ``path`` (errors Moodle rejects, silent traps).

    ``display`` is the path shown in diagnostics (default: ``path`` as given). Never
    raises for bad input: unreadable and non-UTF-8 files are diagnostics too.
    """
    shown = display if display is not None else str(path)
    data, err = read_path(path)
    if data is None:
        return lint_document(GiftDocument(None, [], read_error=err), shown, config, None)
    return lint_document(parse_bytes(data), shown, config, data)


def lint_text(
    text: str, display: str = "<text>", config: LintConfig | None = None
) -> list[Diagnostic]:
    """Lint decoded GIFT text."""
    return lint_document(parse_text(text), display, config, text.encode("utf-8", "surrogatepass"))


def lint_and_questions(
    path: Path,
    display: str | None = None,
    config: LintConfig | None = None,
    data: bytes | None = None,
) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """:func:`moodle_questions` and :func:`lint_file` from one read and one parse.

    ``data``, when given, is used instead of the file's bytes (an editor's buffer).
    """
    shown = display if display is not None else str(path)
    err = None
    if data is None:
        data, err = read_path(path)
    if data is None:
        return [], lint_document(GiftDocument(None, [], read_error=err), shown, config, None)
    doc = parse_bytes(data)
    questions = doc.moodle_questions()
    return questions, lint_document(doc, shown, config, data)
