"""Reading a GIFT file the way Moodle does: bytes → lines → blocks.

Moodle (``qformat_default::readdata``/``readquestions``) reads the file with PHP
``file()`` (split after each LF), removes a UTF-8 BOM from the first line, switches to
CR-splitting when the first line holds a CR and no LF (old Mac files), trims every line
with PHP ``trim()`` and cuts the file into blocks at lines that are empty after trimming
or are exactly ``0``. This module does the same and remembers where every line came from
so that the AST can carry source positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lemma_pkg.gift.php import TRIM_CHARS

BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class DecodeError:
    """The file is not UTF-8: Moodle refuses it before parsing."""

    byte_offset: int
    line: int
    column: int
    reason: str


@dataclass(slots=True)
class Source:
    """A decoded GIFT file split into physical lines (as Moodle splits them)."""

    text: str
    lines: list[str]
    newline: str  # "\n" or "\r" (old Mac file)
    bom: bool
    _line_offsets: list[int] | None = field(default=None, repr=False)
    #: indexes of the lines that are just ``0`` after trimming (set by :func:`split_blocks`)
    zero_lines: list[int] | None = field(default=None, repr=False)

    @property
    def line_offsets(self) -> list[int]:
        """Character offset (in :attr:`text`, BOM excluded) where each line starts."""
        if self._line_offsets is None:
            offs = []
            pos = 0
            for ln in self.lines:
                offs.append(pos)
                pos += len(ln) + 1
            self._line_offsets = offs
        return self._line_offsets

    def position(self, line_index: int, column: int) -> tuple[int, int, int]:
        """(line, column, offset), 1-based line and column, for a 0-based line index/column."""
        offset = self.line_offsets[line_index] + column + (1 if self.bom else 0)
        return line_index + 1, column + 1, offset


@dataclass(slots=True)
class Block:
    """A run of non-separator lines: what Moodle hands to ``readquestion``."""

    source: Source
    line_indexes: list[int]  # 0-based indexes into source.lines
    lines: list[str]  # the trimmed lines

    @property
    def first_line(self) -> int:
        return self.line_indexes[0] + 1

    def line_column(self, k: int) -> int:
        """0-based column where trimmed line ``k`` of the block starts in its source line."""
        raw = self.source.lines[self.line_indexes[k]]
        return len(raw) - len(raw.lstrip(TRIM_CHARS))


def decode(data: bytes) -> tuple[str | None, DecodeError | None]:
    """Strict UTF-8 decoding (as PHP ``mb_check_encoding``); the error carries the byte offset."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        start = exc.start
        before = data[:start]
        line = before.count(b"\n") + 1
        if b"\n" not in data and b"\r" in data:
            line = before.count(b"\r") + 1
            line_start = before.rfind(b"\r") + 1
        else:
            line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        bad = data[start : min(exc.end, start + 4)].hex(" ")
        return None, DecodeError(start, line, column, f"byte(s) {bad} at byte offset {start}")


def split_lines(text: str) -> Source:
    """Moodle's ``readdata``: BOM off line 1, CR-only files split on CR, else on LF."""
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    if "\n" not in text and "\r" in text:
        return Source(text, text.split("\r"), "\r", bom)
    return Source(text, text.split("\n"), "\n", bom)


def split_blocks(source: Source) -> list[Block]:
    """Moodle's ``readquestions``: trimmed lines, blank or ``0`` lines separate blocks."""
    blocks: list[Block] = []
    idx: list[int] = []
    cur: list[str] = []
    zeros: list[int] = []
    # trimming every line first (one list comprehension) is cheaper than inside the loop
    trimmed = [raw.strip(TRIM_CHARS) for raw in source.lines]
    for i, t in enumerate(trimmed):
        if t and t != "0":
            cur.append(t)
            idx.append(i)
        else:
            if t:
                zeros.append(i)
            if cur:
                blocks.append(Block(source, idx, cur))
                idx = []
                cur = []
    if cur:
        blocks.append(Block(source, idx, cur))
    source.zero_lines = zeros
    return blocks


def read_path(path: Path) -> tuple[bytes | None, str | None]:
    """The file's bytes, or an error message when it cannot be read."""
    try:
        return path.read_bytes(), None
    except OSError as exc:
        return None, exc.strerror or str(exc)
