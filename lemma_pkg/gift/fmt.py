"""The GIFT formatter: canonical layout and escaping, same meaning for Moodle.

Every question is rewritten from its parse: ``::title::``, an explicit ``[format]`` only
where needed, one answer per line for choices, pairs and several answers, escapes exactly
where Moodle needs them (``{ }`` in texts; ``{ } ~ = #`` inside answers; a backslash only
before a character it would escape) and one blank line between questions, LF endings,
no BOM. Comment lines (ids, tags, notes) move to the top of their question, in order.

Safety net: each rewritten question is parsed again on its own and must give exactly the
same Moodle question object; otherwise (and for blocks Moodle rejects, categories that
swallowed text, comment-only blocks) the block is kept as it was, lines trimmed. So
``parse(fmt(x)) == parse(x)`` in moodle-json terms for every file Moodle accepts.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lemma_pkg.diagnostics import Diagnostic, Severity
from lemma_pkg.errors import ContentError
from lemma_pkg.gift.ast import Answer, GiftBlock, GiftDocument, TextPart
from lemma_pkg.gift.php import TRIM_CHARS, trim
from lemma_pkg.gift.reader import (
    FORMAT_NAMES,
    SENT,
    _post,
    gc_paused,
    parse_bytes,
    parse_text,
    read_block,
)
from lemma_pkg.gift.source import split_blocks, split_lines

_FORMAT_BY_CONST: Final = {v: k for k, v in FORMAT_NAMES.items()}
_ESCAPABLE: Final = frozenset("\\:#={}~n")
_IN_TEXT: Final = frozenset("{}")
_IN_ANSWER: Final = frozenset("{}~=#")
_SELECT: Final = {0: "ALL", 1: "RANDOM", 2: "CONTIGUOUS"}
_LAYOUT: Final = {0: "VERTICAL", 1: "HORIZONTAL"}
_GRADING: Final = {
    -1: "ALL_OR_NOTHING",
    0: "ABSOLUTE_POSITION",
    1: "RELATIVE_NEXT_EXCLUDE_LAST",
    2: "RELATIVE_NEXT_INCLUDE_LAST",
    3: "RELATIVE_ONE_PREVIOUS_AND_NEXT",
    4: "RELATIVE_ALL_PREVIOUS_AND_NEXT",
    6: "LONGEST_CONTIGUOUS_SUBSET",
    7: "RELATIVE_TO_CORRECT",
}


@dataclass(frozen=True)
class FormatResult:
    text: str
    changed: bool
    kept_blocks: int  # blocks kept as they were (rejected by Moodle, or not safely rewritable)


def _escape(text: str, special: frozenset[str], inline_newlines: bool) -> str:
    out: list[str] = []
    n = len(text)
    for i, c in enumerate(text):
        if c == "\\":
            nxt = text[i + 1] if i + 1 < n else ""
            out.append("\\\\" if nxt in _ESCAPABLE and nxt else "\\")
        elif c in special:
            out.append("\\" + c)
        elif c == "\n" and inline_newlines:
            out.append("\\n")
        else:
            out.append(c)
    return "".join(out)


def _clean_lines(text: str) -> bool:
    """True when ``text``'s lines survive Moodle's per-line trimming and splitting."""
    for seg in text.split("\n"):
        if seg != seg.strip(TRIM_CHARS) or seg in ("", "0") or seg.startswith("//"):
            return False
    return True


def _text(text: str, fmt: str, default: str, special: frozenset[str], multiline: bool) -> str:
    prefix = ""
    if fmt != default or text.startswith("["):
        prefix = f"[{_FORMAT_BY_CONST.get(fmt, 'moodle')}]"
    inline = not (multiline and _clean_lines(text))
    return prefix + _escape(text, special, inline)


def _part(p: TextPart | None, default: str) -> str:
    if p is None:
        return ""
    return _text(p.text, p.format, default, _IN_ANSWER, False)


def _feedback(p: TextPart | None, default: str) -> str:
    if p is None or (p.text == "" and p.format == default):
        return ""
    return "#" + _part(p, default)


def _weight(fraction: Any) -> str:
    f = float(fraction)
    s = f"{f * 100:.7f}".rstrip("0").rstrip(".")
    return f"%{s}%" if s not in ("", "-0") else "%0%"


def _weight_exact(a: Answer) -> str:
    """The weight as written (keeps Moodle's exact float)."""
    if a.weight is not None:
        return f"%{a.weight}%"
    return _weight(a.fraction or 0)


def _looks_weighted(text: str) -> bool:
    import re

    return re.match(r"%-*[0-9]{1,2}\.?[0-9]*%", text) is not None


def _answers_multichoice(gb: GiftBlock, fmt: str) -> list[str]:
    lines = []
    for a in gb.answers:
        body = _part(a.text, fmt) + _feedback(a.feedback, fmt)
        text = a.text.text if a.text is not None else ""
        if a.prefix == "=":
            lines.append("=" + body)
        elif a.weight is not None:
            lines.append("~" + _weight_exact(a) + body)
        elif _looks_weighted(text):
            lines.append("~%0%" + body)
        else:
            lines.append("~" + body)
    return lines


def _answers_short(gb: GiftBlock, fmt: str) -> list[str]:
    lines = []
    arrow = any("->" in t.text for a in gb.answers for t in (a.text, a.feedback) if t is not None)
    for a in gb.answers:
        text = a.text.text if a.text is not None else ""
        ans = _escape(text, _IN_ANSWER, True)
        if text.startswith("["):
            ans = "[moodle]" + ans
        w = "" if a.weight is None else _weight_exact(a)
        if not w and _looks_weighted(text):
            w = "%100%"
        lines.append("=" + w + ans + _feedback(a.feedback, fmt))
    if arrow and len(lines) == 1:
        lines[0] = lines[0][1:]  # '=' and '->' together would make a matching question
    return lines


def _answers_numerical(gb: GiftBlock, fmt: str) -> list[str]:
    lines = []
    tail = ""
    for a in gb.answers:
        if a.text is None:  # the ~ catch-all
            tail = "~" + _feedback(a.feedback, fmt)
            continue
        w = "" if a.weight is None else _weight_exact(a)
        lines.append("=" + w + _part(a.text, fmt) + _feedback(a.feedback, fmt))
    if tail:
        lines.append(tail)
    return lines


def _answers_match(gb: GiftBlock, fmt: str) -> list[str]:
    lines = []
    for a in gb.answers:
        left = _part(a.text, fmt)
        right = _escape(a.subanswer or "", _IN_ANSWER, True)
        lines.append(f"={left} -> {right}".rstrip())
    return lines


def _answers_truefalse(gb: GiftBlock, fmt: str, q: dict[str, Any]) -> str:
    a = gb.answers[0]
    token = a.text.text if a.text is not None else ("TRUE" if q["correctanswer"] else "FALSE")
    wrong, right = a.feedback, a.feedback2
    out = token
    right_s = _part(right, fmt) if right is not None and (right.text or right.format != fmt) else ""
    wrong_s = _part(wrong, fmt) if wrong is not None and (wrong.text or wrong.format != fmt) else ""
    if wrong_s or right_s:
        out += "#" + wrong_s
    if right_s:
        out += "#" + right_s
    return out


def _answers_ordering(gb: GiftBlock, q: dict[str, Any]) -> list[str]:
    opts = (
        f">{q['selectcount']} {_SELECT.get(q['selecttype'], 'RANDOM')} "
        f"{_LAYOUT.get(q['layouttype'], 'VERTICAL')} "
        f"{_GRADING.get(q['gradingtype'], 'RELATIVE_NEXT_EXCLUDE_LAST')} "
        f"{'SHOW' if q['showgrading'] else 'HIDE'} {q['numberingstyle']}"
    )
    items = [i.replace("\\", "\\\\") for i in gb.ordering_items]
    return [opts, *items]


def _question_text(gb: GiftBlock) -> str:
    """The question text with the answer block marker ``\\x00`` where the braces go."""
    assert gb.text is not None
    fmt = gb.text.format
    work = gb.work
    tag = gb.text.tag
    if gb.brace_open is None or gb.brace_close is None:
        before, after = work, ""
    else:
        before = work[: gb.brace_open - gb.text_start]
        after = work[gb.brace_close - gb.text_start + 1 :]
    if tag is not None and tag.known:
        before = before[tag.span[1] - tag.span[0] :]
    before = _post(before).lstrip(TRIM_CHARS)
    # After the first '}' braces are literal text: keep that part exactly as written.
    raw_after = ""
    if gb.brace_close is not None:
        raw_after = gb.joined[gb.brace_close + 1 : gb.text_start + len(work)].rstrip(TRIM_CHARS)
    after = _post(after).rstrip(TRIM_CHARS)
    if gb.brace_open is not None and not after:
        before = before.rstrip(TRIM_CHARS)
    whole = before + after
    prefix = ""
    if fmt != "0" or whole.startswith("["):
        prefix = f"[{_FORMAT_BY_CONST.get(fmt, 'moodle')}]"
    multiline = _clean_lines(whole) if whole else True
    b = _escape(before, _IN_TEXT, not multiline)
    a = raw_after
    titled = gb.title is not None and gb.title_closed
    if not titled and b[:1] == ":":
        b = "\\:" + b[1:]
    if not titled and b.startswith("$CATEGORY:"):
        b = "$CATEGORY\\:" + b[10:]
    return prefix + b + ("\x00" if gb.brace_open is not None else "") + a


def _format_question(gb: GiftBlock) -> list[str]:
    q = gb.moodle
    assert q is not None and gb.text is not None
    fmt = gb.text.format
    head = ""
    if gb.title is not None and gb.title_closed:
        head = "::" + gb.joined[gb.title.span[0] : gb.title.span[1]] + "::"
    text = _question_text(gb)
    qtype = gb.qtype
    inner: list[str]
    inline = False
    comments = [c for _, c in gb.comments]
    if qtype == "description":
        return [*comments, *([head] if head else []), *text.split("\n")]
    if qtype == "essay":
        inner, inline = [], True
    elif qtype == "multichoice":
        inner = _answers_multichoice(gb, fmt)
    elif qtype == "shortanswer":
        inner = _answers_short(gb, fmt)
        inline = len(inner) == 1
    elif qtype == "numerical":
        inner = _answers_numerical(gb, fmt)
        inline = len(inner) == 1
        inner[0] = "#" + inner[0]
    elif qtype == "match":
        inner = _answers_match(gb, fmt)
    elif qtype == "truefalse":
        inner, inline = [_answers_truefalse(gb, fmt, q)], True
    elif qtype == "ordering":
        inner = _answers_ordering(gb, q)
    else:
        raise ValueError(qtype)
    gf = ""
    if gb.general_feedback is not None:
        p = gb.general_feedback
        gf = "####" + (_part(p, fmt) if (p.text or p.format != fmt) else "")
    if inline and not gf:
        block = "{" + "".join(inner) + "}"
    elif inline and not inner:
        block = "{" + gf + "}"
    else:
        body = [*inner, gf] if gf else inner
        block = "{\n" + "\n".join(body) + "\n}"
    before, _, after = text.partition("\x00")
    if after:  # missing word: the answers stay where the blank goes
        full = before + block + after
    elif before:
        full = before + "\n" + block
    else:
        full = block
    return [*comments, *([head] if head else []), *full.split("\n")]


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _verbatim(gb: GiftBlock) -> list[str]:
    return list(gb.block.lines)


def format_block(gb: GiftBlock) -> tuple[list[str], bool]:
    """Canonical lines for one block, and whether it was rewritten (not kept as is)."""
    if gb.kind != "question" or gb.moodle is None or not gb.exact_positions or SENT in gb.joined:
        if gb.kind == "category" and len([x for x in gb.block.lines if x[:2] != "//"]) == 1:
            line = next(x for x in gb.block.lines if x[:2] != "//")
            lines = [c for _, c in gb.comments] + ["$CATEGORY: " + trim(line[10:])]
            if _check(lines, gb):
                return lines, True
        return _verbatim(gb), False
    try:
        lines = _format_question(gb)
    except (ValueError, IndexError, KeyError, AssertionError):
        return _verbatim(gb), False
    if _check(lines, gb):
        return lines, True
    return _verbatim(gb), False


def _check(lines: list[str], gb: GiftBlock) -> bool:
    src = split_lines("\n".join(lines))
    blocks = split_blocks(src)
    if len(blocks) != 1:
        return False
    again = read_block(blocks[0])
    return again.kind == gb.kind and _same(again.moodle, gb.moodle)


def format_document(doc: GiftDocument) -> tuple[str, int]:
    """The canonical text of a parsed document and the number of blocks kept as they were."""
    chunks = []
    kept = 0
    with gc_paused():
        for gb in doc.iter_blocks():
            lines, rewritten = format_block(gb)
            if not rewritten and gb.kind != "skipped":
                kept += 1
            chunks.append("\n".join(lines))
    return ("\n\n".join(chunks) + "\n") if chunks else "", kept


def format_text(text: str) -> str:
    """Canonical GIFT for ``text`` (decoded)."""
    return format_document(parse_text(text))[0]


def format_bytes(data: bytes) -> FormatResult | None:
    """Canonical GIFT for a file's bytes; ``None`` when the file is not UTF-8."""
    doc = parse_bytes(data)
    if doc.decode_error is not None:
        return None
    text, kept = format_document(doc)
    return FormatResult(text, text.encode("utf-8") != data, kept)


def format_files(paths: list[Path], write: bool = True) -> list[Path]:
    """Format ``paths``; return those whose text changes (written when ``write``).

    Every file is read and formatted first: if one cannot be read or is not UTF-8 a
    :class:`~lemma_pkg.errors.ContentError` lists them and nothing is written.
    """
    results: list[tuple[Path, str]] = []
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(
                Diagnostic(
                    str(path), 0, 0, Severity.ERROR, "GIFT002", f"cannot read: {exc.strerror}"
                )
            )
            continue
        res = format_bytes(data)
        if res is None:
            problems.append(
                Diagnostic(str(path), 1, 0, Severity.ERROR, "GIFT001", "the file is not UTF-8")
            )
            continue
        if res.changed:
            results.append((path, res.text))
    if problems:
        detail = "; ".join(f"{d.location()}: {d.message}" for d in problems)
        raise ContentError(
            f"cannot format: {detail}",
            problems,
            hint="fix these files first (`lemma gift lint` explains); nothing was written",
        )
    if write:
        for path, text in results:
            fd, tmp = tempfile.mkstemp(prefix=".lemma-fmt-", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                os.chmod(tmp, path.stat().st_mode & 0o7777)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    return [p for p, _ in results]
