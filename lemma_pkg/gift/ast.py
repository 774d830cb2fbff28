"""The typed GIFT AST.

Every node carries spans as ``(start, end)`` character offsets into its block's *joined
text* (the block's trimmed lines joined with ``\\n``, comment lines blanked, exactly the
string Moodle parses). :meth:`GiftBlock.pos` turns an offset into a source position
(line, column, file offset). Moodle's question object (``moodle``) is a view computed
from the same parse.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.gift.php import TRIM_CHARS
from lemma_pkg.gift.source import Block, DecodeError, Source

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based
    offset: int  # 0-based character offset in the file


@dataclass(slots=True)
class FormatTag:
    """``[name]`` at the start of a text; ``known`` when Moodle recognises it."""

    name: str
    known: bool
    span: Span


@dataclass(slots=True)
class TextPart:
    """A piece of text as Moodle stores it (escapes decoded, trimmed) with its span."""

    text: str
    span: Span
    format: str  # FORMAT_* constant as a string
    tag: FormatTag | None = None
    raw: str = ""  # titles only: the source text (escapes not decoded)


@dataclass(slots=True)
class Answer:
    """One answer (choice, short answer, numerical answer, pair or ordering item)."""

    span: Span
    prefix: str  # "=", "~" or "" (part before the first separator)
    sep: int | None = None  # offset of the separator that starts this answer
    text: TextPart | None = None
    feedback: TextPart | None = None
    feedback2: TextPart | None = None  # true/false: feedback for a right answer
    weight: str | None = None  # the raw %weight% text, without the percent signs
    weight_span: Span | None = None
    fraction: float | int | None = None
    # numerical
    value: str | float | int | None = None
    tolerance: str | float | int | None = None
    # matching
    subanswer: str | None = None
    arrow: int | None = None  # offset of "->"


@dataclass(slots=True)
class Problem:
    """Where Moodle's importer rejects the block (``crash``: it dies with a PHP error)."""

    code: str  # the lint rule (GIFT0xx) that reports it
    message: str
    offset: int
    crash: bool
    moodle_message: str = ""


@dataclass(slots=True)
class GiftBlock:
    """One block of the file and what Moodle makes of it."""

    block: Block
    joined: str  # the joined text of the block (comment lines blanked)
    comments: list[tuple[int, str]]  # (block line index, comment text)
    kind: str = "question"  # "skipped" | "category" | "question" | "rejected"
    qtype: str | None = None
    spec: dict[str, Any] | None = None  # compact question values; `moodle` expands them
    _moodle: dict[str, Any] | None = None
    problem: Problem | None = None
    category: str | None = None
    title: TextPart | None = None
    title_closed: bool = True
    name: str | None = None
    text: TextPart | None = None
    text_start: int = 0  # offset of the question text (after the title)
    brace_open: int | None = None
    brace_close: int | None = None
    answer_span: Span | None = None  # the trimmed text inside the braces
    general_feedback: TextPart | None = None
    gf_marker: int | None = None
    answers: list[Answer] = field(default_factory=list)
    single: int | None = None
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    ordering_options: str = ""
    ordering_items: list[str] = field(default_factory=list)
    work: str = ""  # the text after the title, escapes as sentinels (offsets from text_start)
    dropped_zero: int | None = None  # offset of a leading "0" answer Moodle drops
    braces_reversed: bool = False
    exact_positions: bool = True

    @property
    def first_line(self) -> int:
        return self.block.first_line

    @property
    def accepted(self) -> bool:
        """Moodle builds a question (or category) object from this block."""
        return self.spec is not None

    @property
    def moodle(self) -> dict[str, Any] | None:
        """Moodle's question object for this block (None when Moodle rejects it).

        Built on first use from the parse (a view of the AST); treat it as read-only.
        """
        if self._moodle is None and self.spec is not None:
            from lemma_pkg.gift.moodle import build_question

            self._moodle = build_question(self)
        return self._moodle

    def pos(self, offset: int) -> Position:
        """Source position of ``offset`` in :attr:`joined`."""
        joined = self.joined
        o = offset if offset > 0 else 0
        start = joined.rfind("\n", 0, o) + 1
        k = joined.count("\n", 0, o) if start else 0
        block = self.block
        lines = block.lines
        if k >= len(lines):
            k = len(lines) - 1
        col = offset - start
        if col < 0:
            col = 0
        elif col > len(lines[k]):
            col = len(lines[k])
        li = block.line_indexes[k]
        src = block.source
        raw = src.lines[li]
        column = len(raw) - len(raw.lstrip(TRIM_CHARS)) + col
        off = src.line_offsets[li] + column + (1 if src.bom else 0)
        return Position(li + 1, column + 1, off)

    def line_col(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of :meth:`pos` (what diagnostics need), without the file offset."""
        joined = self.joined
        o = offset if offset > 0 else 0
        start = joined.rfind("\n", 0, o) + 1
        k = joined.count("\n", 0, o) if start else 0
        block = self.block
        lines = block.lines
        if k >= len(lines):
            k = len(lines) - 1
        col = offset - start
        if col < 0:
            col = 0
        elif col > len(lines[k]):
            col = len(lines[k])
        li = block.line_indexes[k]
        raw = block.source.lines[li]
        return li + 1, len(raw) - len(raw.lstrip(TRIM_CHARS)) + col + 1

    def line_pos(self, k: int) -> Position:
        """Position of the start of block line ``k``."""
        li = self.block.line_indexes[k]
        line, column, off = self.block.source.position(li, self.block.line_column(k))
        return Position(line, column, off)


@dataclass(slots=True)
class GiftDocument:
    """A parsed GIFT file.

    Blocks are read on demand: :attr:`blocks` reads (and keeps) them all;
    :meth:`iter_blocks` streams them without keeping them, which is what the linter, the
    formatter and :meth:`moodle_questions` use on large files.
    """

    source: Source | None
    raw_blocks: list[Block]
    decode_error: DecodeError | None = None
    read_error: str | None = None
    _blocks: list[GiftBlock] | None = None

    @property
    def blocks(self) -> list[GiftBlock]:
        if self._blocks is None:
            from lemma_pkg.gift.reader import gc_paused, read_block

            with gc_paused():
                self._blocks = [read_block(b) for b in self.raw_blocks]
        return self._blocks

    def iter_blocks(self) -> Iterator[GiftBlock]:
        """The blocks in file order, read one at a time (not kept)."""
        if self._blocks is not None:
            yield from self._blocks
            return
        from lemma_pkg.gift.reader import read_block

        for b in self.raw_blocks:
            yield read_block(b)

    def moodle_questions(self) -> list[dict[str, Any]]:
        """The question objects of every block Moodle accepts, in file order."""
        if self.decode_error is not None or self.read_error is not None:
            return []
        from lemma_pkg.gift.reader import gc_paused

        out = []
        with gc_paused():
            for b in self.iter_blocks():
                q = b.moodle
                if q is not None:
                    out.append(q)
        return out
