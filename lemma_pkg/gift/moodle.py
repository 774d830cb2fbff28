"""The moodle-json view: Moodle's question objects block by block (the parity contract)."""

from __future__ import annotations

from typing import Any

from lemma_pkg.gift.ast import GiftDocument


def moodle_json(doc: GiftDocument) -> dict[str, Any]:
    """The block-by-block result in the contract of the GIFT parity corpus.

    Each block: ``first_line``, ``question`` (Moodle's object, or null when Moodle
    rejects the block or crashes on it) and ``errors`` (``line``, ``column``, ``message``).
    A file Moodle refuses (not UTF-8, unreadable) has a top-level ``errors`` list.
    """
    out: dict[str, Any] = {"blocks": [], "errors": []}
    if doc.read_error is not None:
        out["errors"].append({"line": 1, "column": 1, "message": doc.read_error})
        return out
    if doc.decode_error is not None:
        e = doc.decode_error
        out["errors"].append(
            {
                "line": e.line,
                "column": e.column,
                "message": "The file does not use UTF-8 character encoding "
                f"({e.reason}); GIFT format files must use UTF-8.",
            }
        )
        return out
    for b in doc.blocks:
        errors = []
        if b.problem is not None:
            p = b.pos(b.problem.offset)
            err: dict[str, Any] = {"line": p.line, "column": p.column, "message": b.problem.message}
            if b.problem.crash:
                err["crash"] = True
            errors.append(err)
        out["blocks"].append(
            {
                "first_line": b.first_line,
                "kind": b.kind,
                "question": b.moodle,
                "errors": errors,
            }
        )
    return out
