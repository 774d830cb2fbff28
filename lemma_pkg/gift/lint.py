"""The GIFT linter: every problem in one run, each at the exact token.

It works on the Moodle-exact parse (:mod:`lemma_pkg.gift.reader`), so it knows what Moodle
will do with every block: errors for what Moodle rejects or crashes on, the checks Moodle
only makes after parsing (grade list, 100% answers, counts), and warnings for the silent
traps (questions Moodle imports with a wrong result). Blocks are independent, so one
mistake gives one diagnostic: when a block is two questions merged by a missing blank
line, only that is reported for the block.

Disable comments (comment lines, which Moodle ignores):
``// lemma: disable=GIFT012,no-correct-answer`` (the question it is in or, on a block of
comments alone, the next question), ``// lemma: disable-next-line=…`` and
``// lemma: disable-file=…``.
"""

from __future__ import annotations

import marshal
import os
import re
import signal
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field, fields
from typing import Final

from lemma_pkg.diagnostics import Diagnostic
from lemma_pkg.gift.ast import Answer, GiftBlock, GiftDocument, Position, TextPart
from lemma_pkg.gift.reader import (
    FORMAT_HTML,
    FORMAT_MARKDOWN,
    SENT,
    TF_ANSWERS,
    gc_paused,
    moodle_pre,
)
from lemma_pkg.gift.rules import RULES_BY_CODE, RULES_BY_NAME
from lemma_pkg.gift.source import Source


@dataclass(frozen=True)
class LintConfig:
    """Course-level lint settings (``course.yaml`` ``lint:``)."""

    require_feedback: bool = True
    disabled: frozenset[str] = field(default_factory=frozenset)  # rule ids or names


# Moodle's grade list (question_bank::fraction_options_full).
_RAW_FRACTIONS: Final = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25,
    0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)  # fmt: skip
GRADES: Final = tuple(sorted({*_RAW_FRACTIONS, *(-f for f in _RAW_FRACTIONS)}))

_DIRECTIVE_RE: Final = re.compile(
    r"//\s*lemma:\s*(disable-file|disable-next-line|disable)\s*=\s*([A-Za-z0-9_,\- ]+)"
)
_CONTROL_RE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: the characters of _CONTROL_RE (testing each with ``in`` is much faster than the search)
_CONTROL_CHARS: Final = (
    *map(chr, range(0x09)),
    "\x0b",
    "\x0c",
    *map(chr, range(0x0E, 0x20)),
    "\x7f",
)
_BARE_CR_RE: Final = re.compile(r"\r(?!\n|\Z)")
_FORMAT_ANYWHERE_RE: Final = re.compile(r"\[(html|moodle|plain|markdown)\]")
_NEAR_FORMATS: Final = frozenset(
    {"html", "moodle", "plain", "markdown", "md", "text", "txt", "wiki", "htm", "mark down"}
)
_PUNCT_ONLY_RE: Final = re.compile(r"[\W_]+", re.UNICODE)
_CONTEXT_PREFIXES: Final = ("$course$", "$system$", "$module$", "$coursecategory$")
_ID_OPEN_RE: Final = re.compile(r"\[(id|tag):")
_TAG_RE: Final = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f]|)+)\]")
_ID_RE: Final = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_BAD_ESCAPE_RE: Final = re.compile(r"(?<!\\)(?:\\\\)*\\%")
_ORDER_BAD_OPTIONS: Final = ("LONGEST_ORDERED_SUBSET", "_OR_NOTHING")
_WS: Final = " \t\n\r\x0b\x0c"
_TRIM: Final = " \t\n\r\x00\x0b"


def nearest_grade(fraction: float) -> float:
    return min(GRADES, key=lambda g: abs(g - fraction))


_EXACT_GRADES: Final = frozenset(GRADES) | {0.5, 1, 0, -1}


def grade_ok(fraction: float) -> bool:
    """Moodle's ``match_grade_options(..., 'error')``: within 0.00001 of an allowed grade."""
    if fraction in _EXACT_GRADES:
        return True
    return any(abs(fraction - g) < 0.00001 for g in GRADES)


def percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")


# (code, line, column, message, hint or "", block index or -1): what a diagnostic becomes
_Item = tuple[str, int, int, str, str, int]
# what the in-order pass needs from a block: (block index, event, payload...)
_Event = tuple[int, str, str, int, int, int]


class _Collector:
    """Diagnostics of one file as plain tuples, with the block they come from (for
    disable comments); :class:`Diagnostic` objects are made for the ones that are kept."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.items: list[_Item] = []
        self.block = -1

    def add(self, code: str, pos: Position | tuple[int, int], message: str, hint: str = "") -> None:
        if isinstance(pos, Position):
            self.items.append((code, pos.line, pos.column, message, hint, self.block))
        else:
            self.items.append((code, pos[0], pos[1], message, hint, self.block))

    def diagnostics(self, items: Iterable[_Item]) -> list[Diagnostic]:
        display = self.display
        out = []
        for code, line, col, message, hint, _ in items:
            rule = RULES_BY_CODE[code]
            out.append(
                Diagnostic(display, line, col, rule.severity, code, message, hint or rule.hint)
            )
        return out

    def made(self, items: Iterable[_Item]) -> list[Diagnostic]:
        """:meth:`diagnostics`, with the fields set directly where :data:`_PLAIN_DIAGNOSTIC`
        allows (what the frozen dataclass's ``__init__`` does, through ``object.__setattr__``,
        without a call and its global look-ups per field: an equal object in about 5/6 of
        the time and the same memory; giving each object a whole ``__dict__`` would be
        faster still but twice the size, as such dicts do not share their keys)."""
        if not _PLAIN_DIAGNOSTIC:
            return self.diagnostics(items)
        display = self.display
        rules = RULES_BY_CODE
        new = object.__new__
        setattr_ = object.__setattr__
        out = []
        for code, line, col, message, hint, _ in items:
            rule = rules[code]
            d = new(Diagnostic)
            setattr_(d, "path", display)
            setattr_(d, "line", line)
            setattr_(d, "column", col)
            setattr_(d, "severity", rule.severity)
            setattr_(d, "code", code)
            setattr_(d, "message", message)
            setattr_(d, "hint", hint or rule.hint)
            out.append(d)
        return out

    def sorted_diagnostics(
        self, items: list[_Item], made: list[Diagnostic], keep: list[int] | None = None
    ) -> list[Diagnostic]:
        """The diagnostics of ``items`` (or of those at the indexes ``keep``) in
        :meth:`Diagnostic.sort_key` order; ``made`` holds the objects of the first items
        already (made while the lint worker was still busy).

        The items share one path, so they are sorted as tuples (cheap, and the collected
        order is nearly sorted already) with the same stable order as sorting the objects.
        """
        objs = made + self.made(items[len(made) :])
        rank = _SEVERITY_RANK
        if keep is None:
            keyed = [(it[1], it[2], rank[it[0]], it[0], it[3], k) for k, it in enumerate(items)]
        else:
            keyed = [
                (it[1], it[2], rank[it[0]], it[0], it[3], k) for k in keep for it in (items[k],)
            ]
        keyed.sort()
        return [objs[t[5]] for t in keyed]


#: The position of each rule's severity in :meth:`Diagnostic.sort_key`.
_SEVERITY_RANK: Final = {
    code: Diagnostic("", 0, 0, rule.severity, code, "").sort_key()[3]
    for code, rule in RULES_BY_CODE.items()
}

#: :class:`Diagnostic` is a plain (``__dict__``) dataclass with these fields and nothing
#: else run on construction, so an object can be made by setting its fields directly.
_PLAIN_DIAGNOSTIC: Final = (
    tuple(f.name for f in fields(Diagnostic))
    == ("path", "line", "column", "severity", "code", "message", "hint")
    and not hasattr(Diagnostic, "__slots__")
    and not hasattr(Diagnostic, "__post_init__")
)


def _codes(spec: str) -> set[str]:
    out: set[str] = set()
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        if part.upper() in RULES_BY_CODE:
            out.add(part.upper())
        elif part.lower() in RULES_BY_NAME:
            out.add(RULES_BY_NAME[part.lower()].code)
        elif part.lower() == "all":
            out.update(RULES_BY_CODE)
    return out


#: Files with at least this many blocks are linted by two processes (see :func:`_scan_forked`).
PARALLEL_MIN_BLOCKS: Final = 2000


def lint_document(
    doc: GiftDocument,
    display: str,
    config: LintConfig | None = None,
    data: bytes | None = None,
    jobs: int | None = None,
) -> list[Diagnostic]:
    """Every diagnostic for a parsed document, sorted, disable comments applied.

    ``jobs``: 1 lints in this process; 2 splits the blocks with a forked worker process
    (Linux, no other threads running; the result is the same); ``None`` (default) uses
    2 for files of :data:`PARALLEL_MIN_BLOCKS` blocks or more on a machine with 2+ CPUs.
    """
    workers: list[int] = []  # forked workers that sent their result, reaped at the end
    try:
        with gc_paused():
            return _lint(doc, display, config or LintConfig(), jobs, workers)
    finally:
        for pid in workers:
            with suppress(ChildProcessError):  # reaped elsewhere (SIGCHLD ignored)
                os.waitpid(pid, 0)


def _lint(
    doc: GiftDocument, display: str, cfg: LintConfig, jobs: int | None, workers: list[int]
) -> list[Diagnostic]:
    out = _Collector(display)
    if doc.read_error is not None:
        out.add("GIFT002", (0, 0), f"cannot read the file: {doc.read_error}")
        return out.diagnostics(out.items)
    if doc.decode_error is not None:
        e = doc.decode_error
        out.add(
            "GIFT001",
            (e.line, e.column),
            f"the file is not UTF-8: {e.reason}; Moodle refuses the whole file",
        )
        return out.diagnostics(out.items)
    src = doc.source
    assert src is not None
    n = len(doc.raw_blocks)
    if jobs is None:
        jobs = 2 if n >= PARALLEL_MIN_BLOCKS and (os.cpu_count() or 1) >= 2 else 1
    # the file-wide checks run while the worker scans (or first, without a worker); with a
    # worker, the objects of the diagnostics found here are made while it finishes
    made: list[Diagnostic] = []
    scanned = (
        _scan_forked(
            doc,
            cfg,
            n,
            lambda: _file_checks(src, out),
            workers,
            lambda first: made.extend(out.made(out.items + first)),
        )
        if jobs >= 2 and n >= 2
        else None
    )
    if scanned is None:
        _file_checks(src, out)
        scanned = _scan_blocks(doc, cfg, 0, n)
    items, kinds, events = scanned
    out.items.extend(items)
    # the in-order part: categories, duplicate ids, disable comments
    directives = _Directives()
    category = ""
    ids: dict[tuple[str, str], int] = {}
    for i, what, a, line, col, extra in events:
        if what == "category":
            category = a
        elif what == "id":
            key = (category, a)
            if key in ids:
                out.block = i
                out.add(
                    "GIFT019",
                    (line, col),
                    f"id {a!r} is already used on line {ids[key]} in this category; "
                    "Moodle drops the second one",
                )
            else:
                ids[key] = extra
        elif what == "disable-file":
            directives.file_off |= _codes(a)
        elif what == "disable-next-line":
            directives.line_off.setdefault(line, set()).update(_codes(a))
        elif kinds[i] == "skipped":  # disable on comments alone: the next question
            j = i + 1
            while j < n and kinds[j] == "skipped":
                j += 1
            if j < n:
                directives.block_off.setdefault(j, set()).update(_codes(a))
        else:
            directives.block_off.setdefault(i, set()).update(_codes(a))
    disabled = _codes(" ".join(cfg.disabled)) | directives.file_off
    block_off, line_off = directives.block_off, directives.line_off
    keep = None
    if disabled or block_off or line_off:
        keep = [
            k
            for k, it in enumerate(out.items)
            if it[0] not in disabled
            and not (it[5] >= 0 and it[0] in block_off.get(it[5], ()))
            and it[0] not in line_off.get(it[1], ())
        ]
    return out.sorted_diagnostics(out.items, made, keep)


def _scan_blocks(
    doc: GiftDocument, cfg: LintConfig, lo: int, hi: int
) -> tuple[list[_Item], list[str], list[_Event]]:
    """Read and check blocks ``lo`` to ``hi``: their diagnostics, their kinds and the events
    the in-order pass needs (categories, ids, disable comments)."""
    out = _Collector("")
    kinds: list[str] = []
    events: list[_Event] = []
    blocks: Iterable[GiftBlock]
    if doc._blocks is not None:
        blocks = doc._blocks[lo:hi]
    else:
        from lemma_pkg.gift.reader import read_block

        blocks = map(read_block, doc.raw_blocks[lo:hi])
    for i, gb in enumerate(blocks, lo):
        out.block = i
        kind = gb.kind
        kinds.append(kind)
        if gb.comments:
            _directive_events(gb, i, events)
        if kind == "skipped":
            continue
        if kind == "category":
            events.append((i, "category", gb.category or "", 0, 0, 0))
            _check_category(gb, out)
            continue
        _check_block(gb, out, cfg)
        if gb.idnumber and kind == "question":
            p = _comment_pos(gb, "[id:")
            events.append((i, "id", gb.idnumber, p.line, p.column, gb.first_line))
        if gb.comments:
            _check_comments(gb, out)
    return out.items, kinds, events


def _scan_forked(
    doc: GiftDocument,
    cfg: LintConfig,
    n: int,
    also: Callable[[], None] | None = None,
    reap: list[int] | None = None,
    after: Callable[[list[_Item]], object] | None = None,
) -> tuple[list[_Item], list[str], list[_Event]] | None:
    """:func:`_scan_blocks` over all blocks, the second half in a forked child process;
    ``also`` runs here while the child works.

    Only where ``fork`` is safe (Linux, this thread alone); None otherwise (then nothing
    ran, ``also`` included). The child sends its result back through a pipe (``marshal``:
    lists and tuples of str and int); if it fails for any reason its half is scanned
    here, so the result never depends on the child. With ``reap``, a child whose whole
    result arrived is not waited for (its exit takes a few milliseconds): its pid is put
    in ``reap`` for the caller to ``waitpid`` once the result is used. ``after`` gets the
    items found here as soon as this half is done (before the child's result is read).
    """
    if sys.platform != "linux" or threading.active_count() != 1:
        return None
    mid = n // 2
    try:
        rfd, wfd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(rfd)
        os.close(wfd)
        return None
    if pid == 0:  # the child: scan, send, exit without running any cleanup of the parent
        code = 1
        try:
            os.close(rfd)
            payload = marshal.dumps(_scan_blocks(doc, cfg, mid, n))
            with os.fdopen(wfd, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    reaped = False
    try:
        if also is not None:
            also()
        first = _scan_blocks(doc, cfg, 0, mid)
        if after is not None:
            after(first[0])
        with os.fdopen(rfd, "rb") as pipe:
            payload = pipe.read()
        second: tuple[list[_Item], list[str], list[_Event]] | None = None
        if payload:  # a cut payload does not load (marshal data too short)
            try:
                second = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                second = None
        if second is not None and reap is not None:
            reap.append(pid)
            reaped = True
        else:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:  # reaped elsewhere (SIGCHLD ignored): trust the payload
                status = 0
            reaped = True
            if status != 0:
                second = None
        if second is None:
            second = _scan_blocks(doc, cfg, mid, n)
    finally:
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
    return first[0] + second[0], first[1] + second[1], first[2] + second[2]


class _Directives:
    """``// lemma: disable…`` comments of the file."""

    def __init__(self) -> None:
        self.file_off: set[str] = set()
        self.block_off: dict[int, set[str]] = {}
        self.line_off: dict[int, set[str]] = {}


def _directive_events(gb: GiftBlock, i: int, events: list[_Event]) -> None:
    for k, c in gb.comments:
        if "lemma:" not in c:
            continue
        m = _DIRECTIVE_RE.match(c)
        if m is None:
            continue
        which = m.group(1)
        nxt = 0
        if which == "disable-next-line":
            line = gb.block.line_indexes[k] + 1
            nxt = gb.block.line_indexes[k + 1] + 1 if k + 1 < len(gb.block.lines) else line + 1
        events.append((i, which, m.group(2), nxt, 0, 0))


# --------------------------------------------------------------------------- the file


def _file_pos(src: Source, offset: int) -> tuple[int, int]:
    """(line, column) of a character offset in ``src.text``."""
    offs = src.line_offsets
    k = bisect_right(offs, offset) - 1
    return k + 1, offset - offs[k] + 1


def _file_checks(src: Source, out: _Collector) -> None:
    text = src.text
    if "\ufeff" in text:
        i = text.find("\ufeff")
        while i != -1:
            out.add(
                "GIFT043",
                _file_pos(src, i),
                "byte-order mark (U+FEFF) inside the file; Moodle keeps it as text",
            )
            i = text.find("\ufeff", i + 1)
    if src.newline == "\r":
        out.add(
            "GIFT044",
            (1, 0),
            "CR-only (old Mac) line endings; Moodle reads them only when the file has no LF at all",
        )
    elif "\r" in text:
        m = _BARE_CR_RE.search(text)
        if m is not None:
            n = len(_BARE_CR_RE.findall(text))
            out.add(
                "GIFT044",
                _file_pos(src, m.start()),
                f"bare CR (carriage return without LF){f' ({n} in the file)' if n > 1 else ''}: "
                "Moodle does not treat it as a line break",
            )
    if any(c in text for c in _CONTROL_CHARS) and _CONTROL_RE.search(text):
        seen: set[int] = set()
        for m in _CONTROL_RE.finditer(text):
            line, col = _file_pos(src, m.start())
            if line in seen:
                continue
            seen.add(line)
            out.add(
                "GIFT045",
                (line, col),
                f"control character U+{ord(m.group()):04X} in the text",
            )
    zeros = src.zero_lines
    if zeros is None:
        zeros = [i for i, raw in enumerate(src.lines) if raw.strip(_TRIM) == "0"]
    for i in zeros:
        raw = src.lines[i]
        out.add(
            "GIFT032",
            (i + 1, len(raw) - len(raw.lstrip(_TRIM)) + 1),
            "a line that is just '0' is a blank line for Moodle (PHP empty('0')): it splits "
            "the question here",
        )


# --------------------------------------------------------------------------- blocks


def _comment_pos(gb: GiftBlock, needle: str) -> Position:
    for k, c in gb.comments:
        i = c.find(needle)
        if i != -1:
            p = gb.line_pos(k)
            return Position(p.line, p.column + i, p.offset + i)
    return gb.line_pos(0)


def _check_comments(gb: GiftBlock, out: _Collector) -> None:
    for k, c in gb.comments:
        if "[" not in c:
            continue
        opens = [m.start() for m in _ID_OPEN_RE.finditer(c)]
        if not opens:
            continue
        tags = list(_TAG_RE.finditer(c))
        matched = {m.start() for m in tags} | {m.start() for m in _ID_RE.finditer(c)}
        p: Position | None = None
        for o in opens:
            if o not in matched:
                p = p or gb.line_pos(k)
                out.add(
                    "GIFT039",
                    (p.line, p.column + o),
                    f"Moodle does not read {c[o : o + 30]!r}: a closing ']' is missing or it holds "
                    "'<', '>', a backtick or a control character",
                )
        for m in tags:
            tag = m.group(1).strip(" \t\n\r\x00\x0b").replace("\\]", "]")
            problem = ""
            if not tag:
                problem = "an empty tag"
            elif "," in tag:
                problem = f"tag {tag!r} holds a comma (Moodle tags cannot)"
            elif len(tag) > 50:
                problem = f"tag {tag[:20]!r}… is longer than 50 characters"
            if problem:
                p = p or gb.line_pos(k)
                out.add("GIFT039", (p.line, p.column + m.start()), problem)


def _check_category(gb: GiftBlock, out: _Collector) -> None:
    lines = [ln for ln in gb.block.lines if ln[:2] != "//"]
    if len(lines) > 1:
        k = next(i for i, ln in enumerate(gb.block.lines) if ln[:2] != "//" and ln is not lines[0])
        out.add(
            "GIFT028",
            gb.line_pos(k),
            "this line is part of the category path: $CATEGORY: takes the whole block, so the "
            "question here is swallowed into the category name",
            "put a blank line after the $CATEGORY: line",
        )
        return
    path = gb.category or ""
    pos = gb.line_pos(next(i for i, ln in enumerate(gb.block.lines) if ln[:2] != "//"))
    if "&&" in path:
        out.add("GIFT038", pos, "escapes are not decoded in category paths: Moodle keeps '&&0..;'")
    if path.startswith("$") and not path.startswith(_CONTEXT_PREFIXES):
        out.add(
            "GIFT038",
            pos,
            f"unknown context prefix in {path!r}: Moodle knows $course$, $system$, $module$ and "
            "$coursecategory$",
        )
    parts = re.split(r"(?<!/)/(?!/)", path)
    if path and any(not p.strip() for p in parts):
        out.add("GIFT038", pos, f"empty part in category path {path!r}")
    if not path:
        out.add("GIFT038", pos, "empty category path")


def _merge_line(gb: GiftBlock) -> int | None:
    """Index of the block line where a second question starts (missing blank line)."""
    lines = gb.block.lines
    if len(lines) < 2:
        return None
    joined = gb.joined
    if "\n::" not in joined:
        tail = joined[gb.brace_close :] if gb.brace_close is not None else ""
        if "{" not in tail and "\n$CATEGORY:" not in tail:
            return None
    open_line = close_line = None
    if gb.brace_open is not None:
        open_line = joined.count("\n", 0, gb.brace_open)
    if gb.brace_close is not None:
        close_line = joined.count("\n", 0, gb.brace_close)
    first = next((k for k, ln in enumerate(lines) if ln[:2] != "//"), 0)
    for k in range(first + 1, len(lines)):
        ln = lines[k]
        if ln[:2] == "//":
            continue
        inside = open_line is not None and close_line is not None and open_line < k <= close_line
        if ln[:2] == "::" and not inside:
            return k
        if close_line is not None and k > close_line and ("{" in ln or ln.startswith("$CATEGORY:")):
            return k
    return None


def _text_parts(gb: GiftBlock) -> Iterable[TextPart]:
    if gb.text is not None:
        yield gb.text
    if gb.general_feedback is not None:
        yield gb.general_feedback
    for a in gb.answers:
        for t in (a.text, a.feedback, a.feedback2):
            if t is not None:
                yield t


def _check_block(gb: GiftBlock, out: _Collector, cfg: LintConfig) -> None:
    merged = _merge_line(gb)
    if merged is not None:
        out.add(
            "GIFT027",
            gb.line_pos(merged),
            "a new question starts here without a blank line before it; Moodle merges it into "
            "the question above",
        )
        if gb.problem is not None and not gb.problem.crash:
            return
    if gb.problem is not None:
        p = gb.problem
        if p.code == "GIFT003":
            src = gb.block.source
            before = gb.block.line_indexes[0] - 1
            after = gb.block.line_indexes[-1] + 1
            if before >= 0 and src.lines[before].strip(_TRIM) == "0" and "}" in gb.joined:
                return  # the rest of a question split by a '0' line: GIFT032 says it
            if after < len(src.lines) and src.lines[after].strip(_TRIM) == "0":
                out.add(
                    p.code,
                    gb.line_col(p.offset),
                    f"{p.message}; the '0' line below (line {after + 1}) splits this question",
                )
                return
        out.add(p.code, gb.line_col(p.offset), p.message)
        return
    if not gb.accepted:
        return
    if gb.braces_reversed:
        out.add(
            "GIFT035",
            gb.line_col(gb.brace_close or 0),
            "'}' comes before '{': Moodle pairs the first '{' with this '}' and the question "
            "comes out garbled",
        )
        return
    # title
    if gb.title is not None:
        if not gb.title_closed:
            out.add(
                "GIFT029",
                gb.line_col(gb.title.span[0]),
                "the title has no closing '::'; Moodle drops the '::' and names the question "
                "from its text",
            )
        elif gb.title.raw.strip(_WS) == "":
            out.add(
                "GIFT030", gb.line_col(gb.title.span[0]), "empty title: the question has no name"
            )
        elif len(gb.title.raw) > 255:
            out.add(
                "GIFT018",
                gb.line_col(gb.title.span[0]),
                f"the title has {len(gb.title.raw)} characters; Moodle cuts names to 255",
            )
    # formats (a format tag, a misplaced one or a non-Moodle format all need a '[')
    if "[" in gb.joined:
        for part in _text_parts(gb):
            _check_format(gb, part, out)
    # escapes that are not escapes
    if "\\%" in gb.joined:
        m = _BAD_ESCAPE_RE.search(gb.joined)
        if m is not None:
            out.add(
                "GIFT037",
                gb.line_col(m.end() - 2),
                "'\\%' is not a GIFT escape: the backslash stays in the text",
            )
    if merged is None:
        _check_answer_block_shape(gb, out)
    qtype = gb.qtype
    if gb.dropped_zero is not None:
        out.add(
            "GIFT034",
            gb.line_col(gb.dropped_zero),
            "Moodle drops this '0' answer (PHP treats '0' as empty)",
            "write it as '=0'",
        )
    if qtype == "multichoice":
        _check_multichoice(gb, out)
    elif qtype == "shortanswer":
        _check_shortanswer(gb, out)
    elif qtype == "numerical":
        _check_numerical(gb, out)
    elif qtype == "match":
        _check_match(gb, out)
    elif qtype == "ordering":
        _check_ordering(gb, out)
    if qtype in ("multichoice", "shortanswer", "numerical", "match") and merged is None:
        _check_separators(gb, out)
    if cfg.require_feedback and qtype in ("multichoice", "shortanswer", "numerical", "truefalse"):
        _check_feedback(gb, out)


def _check_format(gb: GiftBlock, part: TextPart, out: _Collector) -> None:
    tag = part.tag
    if tag is not None and not tag.known:
        name = tag.name.strip().lower()
        if name in _NEAR_FORMATS:
            out.add(
                "GIFT031",
                gb.line_col(tag.span[0]),
                f"unknown format [{tag.name}]: Moodle keeps it as text (formats are [html], "
                "[moodle], [plain], [markdown], lower case)",
            )
    raw = gb.joined[part.span[0] : part.span[1]]
    if "[" in raw:
        lead = len(raw) - len(raw.lstrip(_WS))
        m = _FORMAT_ANYWHERE_RE.search(raw, lead + 1)
        if m is not None:
            out.add(
                "GIFT031",
                gb.line_col(part.span[0] + m.start() - lead),
                f"[{m.group(1)}] only sets the format at the very start of a text; here it "
                "stays in the text",
            )
    if part.format == FORMAT_HTML and "<" in part.text:
        msg = _html_problem(part.text)
        if msg:
            out.add("GIFT040", gb.line_col(part.span[0]), f"[html] text: {msg}")
    elif part.format == FORMAT_MARKDOWN and part.text.count("```") % 2 == 1:
        out.add("GIFT041", gb.line_col(part.span[0]), "[markdown] text: unclosed ``` code fence")


def _html_problem(text: str) -> str:
    from lxml import etree

    parser = etree.HTMLParser(recover=True)
    try:
        etree.fromstring("<div>" + text + "</div>", parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return str(exc)
    for err in parser.error_log:
        msg = str(err.message).strip()
        if "Tag" in msg and "invalid" in msg:
            continue  # unknown tags (e.g. <tex>) are fine
        return msg.replace(": div and", ":").replace("div and ", "")
    return ""


def _check_answer_block_shape(gb: GiftBlock, out: _Collector) -> None:
    if gb.brace_close is None or not gb.work:
        return
    base = gb.text_start
    work = gb.work
    close = gb.brace_close - base
    rest = work[close + 1 :]
    i = rest.find("{")
    if i != -1 and gb.exact_positions:
        out.add(
            "GIFT025",
            gb.line_col(gb.brace_close + 1 + i),
            "second '{' in the question: Moodle only reads the first answer block and keeps this "
            "one as literal text",
        )
        return
    trailing = rest.strip(_WS)
    if trailing:
        first = len(rest) - len(rest.lstrip(_WS))
        if trailing.startswith("//"):
            out.add(
                "GIFT026",
                gb.line_col(gb.brace_close + 1 + first),
                "'//' after '}' is not a comment: it becomes question text and makes this a "
                "missing-word question",
            )
        elif (
            _PUNCT_ONLY_RE.fullmatch(trailing)
            and SENT not in trailing
            and work[: gb.brace_open - base if gb.brace_open is not None else 0].rstrip(_WS)[-1:]
            in ("?", ":", "")
        ):
            out.add(
                "GIFT026",
                gb.line_col(gb.brace_close + 1 + first),
                f"text {trailing!r} after '}}' makes this a missing-word question "
                f"(Moodle shows '…_____{trailing}')",
                "put the punctuation before the '{'",
            )


def _check_weights(gb: GiftBlock, out: _Collector) -> None:
    for a in gb.answers:
        if a.weight is None or a.fraction is None:
            continue
        f = float(a.fraction)
        if not grade_ok(f):
            near = nearest_grade(f)
            span = a.weight_span or a.span
            out.add(
                "GIFT012",
                gb.line_col(span[0]),
                f"weight %{a.weight}% is not in Moodle's grade list; Moodle skips the question "
                f"(nearest allowed: %{percent(near)}%)",
                f"write %{percent(near)}%",
            )


def _check_multichoice(gb: GiftBlock, out: _Collector) -> None:
    _check_weights(gb, out)
    fractions = [float(a.fraction or 0) for a in gb.answers]
    if not any(f > 0 for f in fractions):
        out.add(
            "GIFT020",
            gb.line_col(gb.answer_span[0] if gb.answer_span else 0),
            "no choice is right (no '=' and no positive weight): no student can get this "
            "question right",
        )
    elif gb.single == 0:
        total = round(sum(f for f in fractions if f > 0), 2)
        if abs(total - 1) > 1e-9 and all(grade_ok(f) for f in fractions):
            out.add(
                "GIFT014",
                gb.line_col(gb.answer_span[0] if gb.answer_span else 0),
                f"the positive weights add up to {percent(total)}%, not 100%",
            )
    for a in gb.answers:
        if a.text is not None and a.text.text == "":
            out.add("GIFT036", gb.line_col(a.span[0]), "empty choice: Moodle drops it")


def _check_shortanswer(gb: GiftBlock, out: _Collector) -> None:
    _check_weights(gb, out)
    answers = gb.answers
    if len(answers) == 1 and answers[0].text is not None:
        t = answers[0].text.text
        if t.upper() in TF_ANSWERS and t not in TF_ANSWERS:
            out.add(
                "GIFT021",
                gb.line_col(answers[0].span[0]),
                f"{{{t}}} is a short-answer question whose answer is the word {t!r}; "
                "true/false needs upper case",
                f"write {{{t.upper()}}}",
            )
            return
    if not any(a.fraction is not None and abs(float(a.fraction) - 1) < 1e-9 for a in answers):
        out.add(
            "GIFT013",
            gb.line_col(gb.answer_span[0] if gb.answer_span else 0),
            "no answer is worth 100%: Moodle's save step fails and the import stops here",
        )


def _check_numerical(gb: GiftBlock, out: _Collector) -> None:
    _check_weights(gb, out)
    for a in gb.answers:
        if a.text is None:
            continue
        t = a.text.text
        if a.value == "*" and t.strip(_WS) != "*":
            hint = "write a number (PHP syntax: 1.5, 1e3, .5)"
            if re.fullmatch(r"\s*[+-]?\d+,\d+\s*(:.*)?", t):
                hint = f"use a dot as decimal separator: {t.replace(',', '.')}"
            out.add(
                "GIFT022",
                gb.line_col(a.text.span[0]),
                f"{t!r} is not a number: Moodle turns it into '*', so any answer is right",
                hint,
            )
        elif isinstance(a.tolerance, (int, float)) and a.tolerance < 0:
            out.add(
                "GIFT023",
                gb.line_col(a.text.span[0]),
                f"reversed range {t!r}: the tolerance is negative, so no answer can be right",
                "write the smaller number first",
            )


def _check_match(gb: GiftBlock, out: _Collector) -> None:
    questions = 0
    answers = 0
    for a in gb.answers:
        left = a.text.text if a.text is not None else ""
        right = (a.subanswer or "").strip(" \t\n\r\x00\x0b")
        if left and not right:
            out.add(
                "GIFT015",
                gb.line_col(a.arrow if a.arrow is not None else a.span[0]),
                f"pair {left!r} has no answer after '->': Moodle's save step stops the import",
            )
        if left:
            questions += 1
        if right:
            answers += 1
    if questions < 2 or answers < 3:
        out.add(
            "GIFT016",
            gb.line_col(gb.answer_span[0] if gb.answer_span else 0),
            f"{questions} question(s) and {answers} answer(s): Moodle's editing form needs at "
            "least 2 questions and 3 answers",
        )


def _check_ordering(gb: GiftBlock, out: _Collector) -> None:
    at = gb.answer_span[0] if gb.answer_span else 0
    items = gb.ordering_items
    if len(items) < 2:
        out.add("GIFT017", gb.line_col(at), f"{len(items)} item(s) to order")
    span = gb.answer_span
    if span is None:
        return
    inner = gb.joined[span[0] : gb.gf_marker if gb.gf_marker is not None else span[1]]
    lines = [ln.strip(_WS) for ln in inner.split("\n")]
    expected = [moodle_pre(ln) for ln in lines[1:] if ln and ln != "0"]
    if items and items[0].startswith(_ORDER_BAD_OPTIONS):
        out.add(
            "GIFT033",
            gb.line_col(at),
            f"Moodle reads {items[0]!r} as the first item (its ordering import does not know "
            "this option here)",
            "leave the grading option out (or set it in Moodle after import)",
        )
    elif expected and items != expected:
        shown = ", ".join(repr(i) for i in items[:4])
        out.add(
            "GIFT033",
            gb.line_col(at),
            f"Moodle reads the items as {shown}{', …' if len(items) > 4 else ''} "
            f"instead of {', '.join(repr(i) for i in expected[:4])}",
            "put each item on its own line, and avoid a first item starting with H, V, 0 or 1 "
            "right after the options",
        )
    if any("&&0" in i or "&&1" in i for i in items):
        out.add(
            "GIFT033",
            gb.line_col(at),
            "escapes are not decoded in ordering items: Moodle shows placeholders like '&&061;'",
            "avoid escaped characters in ordering items",
        )


def _check_separators(gb: GiftBlock, out: _Collector) -> None:
    """Unescaped ``=``/``~`` inside text or feedback (the answer list is split there)."""
    span = gb.answer_span
    if span is None:
        return
    joined = gb.joined
    a0 = span[0]
    numerical = gb.qtype == "numerical"
    line_initial = -1  # answers whose separator starts a line (counted when first needed)
    prev: Answer | None = None
    for a in gb.answers:
        s = a.sep
        if s is not None and s > 0 and s > a0:
            before = joined[s - 1]
            ch = joined[s]
            mid_word = before not in _WS and before not in "}{" and ch in "=~"
            if numerical and (ch == "~" or s == a0 + 1):
                mid_word = False  # {#=1..5} and the {#5~} catch-all are fine
            after_feedback = False
            if (
                prev is not None
                and prev.feedback is not None
                and prev.feedback.text != ""
                and before != "\n"
            ):
                if line_initial < 0:
                    line_initial = 0
                    for b in gb.answers:
                        sp = b.sep
                        if sp is not None and (sp == 0 or joined[sp - 1] == "\n"):
                            line_initial += 1
                after_feedback = line_initial >= 2 and "\n" not in joined[prev.span[0] : s]
            if mid_word or after_feedback:
                what = (
                    "feedback"
                    if (prev is not None and prev.feedback and prev.feedback.text)
                    else "text"
                )
                out.add(
                    "GIFT024",
                    gb.line_col(s),
                    f"unescaped '{ch}' inside the {what} starts a new answer here",
                    f"write \\{ch} if you meant the character",
                )
        prev = a


def _check_feedback(gb: GiftBlock, out: _Collector) -> None:
    if gb.qtype == "truefalse":
        a = gb.answers[0] if gb.answers else None
        if a is not None and (
            a.feedback is None
            or a.feedback.text == ""
            or a.feedback2 is None
            or a.feedback2.text == ""
        ):
            out.add(
                "GIFT042",
                gb.line_col(a.span[0]),
                "true/false without both feedbacks ({T#shown if wrong#shown if right})",
            )
        return
    for a in gb.answers:
        if a.feedback is None or a.feedback.text == "":
            label = a.text.text if a.text is not None else "*"
            at = a.sep if a.sep is not None else a.span[0]
            out.add("GIFT042", gb.line_col(at), f"answer {label[:40]!r} has no feedback")
