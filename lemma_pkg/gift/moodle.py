"""The moodle-json view: Moodle's question objects block by block (the parity contract)."""

from __future__ import annotations

from typing import Any

from lemma_pkg.gift.ast import GiftBlock, GiftDocument, TextPart
from lemma_pkg.gift.reader import json_number

FORMAT_MOODLE = "0"
FORMAT_HTML = "1"


def _rich(part: TextPart | None, default: str) -> dict[str, Any]:
    if part is None:
        return {"text": "", "format": default, "files": []}
    return {"text": part.text, "format": part.format, "files": []}


def build_question(gb: GiftBlock) -> dict[str, Any]:
    """Moodle's question object (``defaultquestion()`` plus what ``readquestion`` sets),
    a view of the block's AST and the reader's scalar values."""
    spec = gb.spec
    assert spec is not None
    q: dict[str, Any] = {
        "shuffleanswers": "1",
        "defaultmark": 1,
        "image": "",
        "usecase": 0,
        "multiplier": [],
        "questiontextformat": FORMAT_MOODLE,
        "generalfeedback": "",
        "generalfeedbackformat": FORMAT_MOODLE,
        "answernumbering": "abc",
        "penalty": 0.3333333,
        "length": 1,
        "export_process": True,
        "import_process": True,
        "correctfeedback": {"text": "", "format": FORMAT_MOODLE, "files": []},
        "partiallycorrectfeedback": {"text": "", "format": FORMAT_MOODLE, "files": []},
        "incorrectfeedback": {"text": "", "format": FORMAT_MOODLE, "files": []},
    }
    for key, value in spec.items():
        if key == "_combined":
            for k in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
                q[k] = {"text": "", "format": value, "files": []}
        elif isinstance(value, list):
            q[key] = list(value)
        elif isinstance(value, dict):
            q[key] = dict(value)
        else:
            q[key] = value
    qtype = spec.get("qtype")
    fmt = q["questiontextformat"]
    answers = gb.answers
    if qtype == "multichoice":
        q["answer"] = [_rich(a.text, fmt) for a in answers]
        q["feedback"] = [_rich(a.feedback, fmt) for a in answers]
        q["fraction"] = [a.fraction for a in answers]
    elif qtype == "shortanswer":
        q["answer"] = [a.text.text if a.text is not None else "" for a in answers]
        q["feedback"] = [_rich(a.feedback, fmt) for a in answers]
        q["fraction"] = [a.fraction for a in answers]
    elif qtype == "numerical":
        q["answer"] = [json_number(a.value) for a in answers]
        q["tolerance"] = [json_number(a.tolerance) for a in answers]
        q["feedback"] = [_rich(a.feedback, fmt) for a in answers]
        q["fraction"] = [a.fraction for a in answers]
    elif qtype == "match":
        q["subquestions"] = [_rich(a.text, fmt) for a in answers]
        q["subanswers"] = [a.subanswer for a in answers]
    elif qtype == "truefalse":
        node = answers[0]
        right, wrong = _rich(node.feedback2, fmt), _rich(node.feedback, fmt)
        if q["correctanswer"]:
            q["feedbacktrue"], q["feedbackfalse"] = right, wrong
        else:
            q["feedbacktrue"], q["feedbackfalse"] = wrong, right
    elif qtype == "description":
        q["defaultmark"] = 0
        q["length"] = 0
    elif qtype == "essay":
        q["responseformat"] = "editor"
        q["responserequired"] = 1
        q["responsefieldlines"] = 15
        q["attachments"] = 0
        q["attachmentsrequired"] = 0
        q["graderinfo"] = {"text": "", "format": FORMAT_HTML, "files": []}
        q["responsetemplate"] = {"text": "", "format": FORMAT_HTML}
    return q


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
    from lemma_pkg.gift.reader import gc_paused

    with gc_paused():
        out["blocks"] = [_block_json(b) for b in doc.iter_blocks()]
    return out


def _block_json(b: GiftBlock) -> dict[str, Any]:
    errors = []
    if b.problem is not None:
        p = b.pos(b.problem.offset)
        err: dict[str, Any] = {"line": p.line, "column": p.column, "message": b.problem.message}
        if b.problem.crash:
            err["crash"] = True
        errors.append(err)
    return {"first_line": b.first_line, "kind": b.kind, "question": b.moodle, "errors": errors}
