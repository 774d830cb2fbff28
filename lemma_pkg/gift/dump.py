"""The AST as JSON (``lemma gift parse --format json``): every part with its source span."""

from __future__ import annotations

from typing import Any

from lemma_pkg.gift.ast import Answer, GiftBlock, GiftDocument, Span, TextPart
from lemma_pkg.gift.reader import json_number


def _span(gb: GiftBlock, span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    a, b = gb.pos(span[0]), gb.pos(span[1])
    return {
        "start": {"line": a.line, "column": a.column, "offset": a.offset},
        "end": {"line": b.line, "column": b.column, "offset": b.offset},
    }


def _point(gb: GiftBlock, offset: int | None) -> dict[str, Any] | None:
    return None if offset is None else _span(gb, (offset, offset + 1))


def _text(gb: GiftBlock, part: TextPart | None) -> dict[str, Any] | None:
    if part is None:
        return None
    out: dict[str, Any] = {"text": part.text, "format": part.format, "span": _span(gb, part.span)}
    if part.tag is not None:
        out["format_tag"] = {
            "name": part.tag.name,
            "known": part.tag.known,
            "span": _span(gb, part.tag.span),
        }
    return out


def _answer(gb: GiftBlock, a: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prefix": a.prefix,
        "span": _span(gb, a.span),
        "separator": _point(gb, a.sep),
        "text": _text(gb, a.text),
        "feedback": _text(gb, a.feedback),
    }
    if a.feedback2 is not None:
        out["feedback_right"] = _text(gb, a.feedback2)
    if a.weight is not None:
        out["weight"] = {"text": a.weight, "span": _span(gb, a.weight_span)}
    if a.fraction is not None:
        out["fraction"] = a.fraction
    if a.value is not None:
        out["value"] = json_number(a.value)
        out["tolerance"] = json_number(a.tolerance)
    if a.subanswer is not None:
        out["subanswer"] = a.subanswer
        out["arrow"] = _point(gb, a.arrow)
    return out


def block_ast(gb: GiftBlock) -> dict[str, Any]:
    out: dict[str, Any] = {
        "first_line": gb.first_line,
        "kind": gb.kind,
        "qtype": gb.qtype,
        "exact_positions": gb.exact_positions,
        "comments": [{"line": gb.line_pos(k).line, "text": text} for k, text in gb.comments],
    }
    if gb.kind == "skipped":
        return out
    if gb.category is not None:
        out["category"] = gb.category
    if gb.title is not None:
        out["title"] = {
            "name": gb.name,
            "closed": gb.title_closed,
            "span": _span(gb, gb.title.span),
        }
    out["name"] = gb.spec.get("name") if gb.spec else gb.name
    out["idnumber"] = gb.idnumber
    out["tags"] = gb.tags
    out["text"] = _text(gb, gb.text)
    out["answer_block"] = {
        "open": _point(gb, gb.brace_open),
        "close": _point(gb, gb.brace_close),
        "inner": _span(gb, gb.answer_span),
    }
    out["general_feedback"] = _text(gb, gb.general_feedback)
    out["answers"] = [_answer(gb, a) for a in gb.answers]
    if gb.qtype == "multichoice":
        out["single"] = gb.single
    if gb.qtype == "ordering":
        out["ordering"] = {"options": gb.ordering_options, "items": gb.ordering_items}
    if gb.problem is not None:
        p = gb.pos(gb.problem.offset)
        out["problem"] = {
            "rule": gb.problem.code,
            "message": gb.problem.message,
            "moodle_crashes": gb.problem.crash,
            "line": p.line,
            "column": p.column,
        }
    return out


def document_ast(doc: GiftDocument) -> dict[str, Any]:
    """The whole document: blocks with spans, or the file error."""
    from lemma_pkg.gift.reader import gc_paused

    out: dict[str, Any] = {"blocks": [], "errors": []}  # noqa: RUF100
    if doc.read_error is not None:
        out["errors"].append({"line": 1, "column": 1, "message": doc.read_error})
        return out
    if doc.decode_error is not None:
        e = doc.decode_error
        out["errors"].append({"line": e.line, "column": e.column, "message": e.reason})
        return out
    with gc_paused():
        out["blocks"] = [block_ast(b) for b in doc.iter_blocks()]
    return out
