"""Read a roster file the way Moodle's Upload users reads it (``csv_import_reader`` in
``lib/csvlib.class.php``): the encoding converted to UTF-8 and a UTF-8 byte-order mark
dropped, CR LF and lone CR made LF, the whole text trimmed, records split by PHP's
``fgetcsv`` rules (double quotes around cells that hold the delimiter, quotes or line
breaks), blank lines skipped. Every record must have as many cells as the header.

Records are numbered as Moodle numbers them in its report ("CSV line"): the header is 1,
the first data record 2, blank lines not counted; each record also keeps the line of the
file where it starts, since a quoted cell may span lines.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from lemma_pkg.enrol.problems import Problems
from lemma_pkg.errors import LemmaError, UsageError

#: Moodle's delimiter names (csv_import_reader::get_delimiter_list()).
DELIMITERS: dict[str, str] = {"comma": ",", "semicolon": ";", "colon": ":", "tab": "\t"}
#: PHP's trim(): the characters Moodle strips from the ends of the file and of every value.
PHP_WHITESPACE = " \t\n\r\0\x0b"


class RosterFileError(LemmaError):
    """The roster file cannot be read as a CSV file at all (exit 1)."""


@dataclass(frozen=True)
class Record:
    #: Moodle's CSV line number: header 1, first data record 2.
    row: int
    #: Line of the file where the record starts (1-based).
    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvFile:
    path: Path
    #: Delimiter name (comma, semicolon, colon, tab).
    delimiter: str
    header: Record
    records: tuple[Record, ...]
    sha256: str


def php_trim(value: str) -> str:
    return value.strip(PHP_WHITESPACE)


def decode(data: bytes, encoding: str, display: str) -> str:
    """The file's text; a UTF-8 byte-order mark is dropped (as Moodle does)."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(
            f"unknown encoding {encoding!r}", "use a Python codec name such as utf-8 or cp1252"
        ) from None
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig"):
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RosterFileError(
            f"{display}:{line}:{column}: the file is not {encoding.removesuffix('-sig')} "
            f"(byte 0x{data[exc.start]:02x})",
            "save it as UTF-8 (spreadsheets: 'CSV UTF-8'), or name its encoding with "
            "--encoding, e.g. --encoding cp1252",
        ) from None


def _split(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(start line, cells) of every non-blank record, PHP fgetcsv style."""
    reader = csv.reader(io.StringIO(text, newline="\n"), delimiter=delimiter, quotechar='"')
    out: list[tuple[int, list[str]]] = []
    consumed = 0
    for cells in reader:
        start = consumed + 1
        consumed = reader.line_num
        if not cells:  # a blank line: fgetcsv gives [null], which Moodle skips
            continue
        out.append((start, cells))
    return out


def detect_delimiter(text: str) -> str | None:
    """The delimiter name that splits the header into the most columns (at least two);
    None when no candidate does. Moodle's column names never contain a delimiter."""
    first = text.split("\n", 1)[0]
    best: tuple[int, str] | None = None
    for name, char in DELIMITERS.items():
        n = len(next(csv.reader([first], delimiter=char), []))
        if n >= 2 and (best is None or n > best[0]):
            best = (n, name)
    return best[1] if best else None


def read_csv(
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    problems: Problems,
    display: str | None = None,
) -> CsvFile:
    """Read ``path``; records whose cell count differs from the header's go to
    ``problems`` (Moodle refuses the whole file for them) and are left out."""
    disp = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterFileError(
            f"{disp}: cannot read the roster: {exc.strerror or exc}",
            "check the path and its permissions",
        ) from None
    text = decode(data, encoding, disp).replace("\r\n", "\n").replace("\r", "\n")
    # Moodle trims the whole text: count the lines dropped at the start.
    lead = len(text) - len(text.lstrip(PHP_WHITESPACE))
    offset = text[:lead].count("\n")
    text = php_trim(text)
    if not text:
        raise RosterFileError(f"{disp}: the file is empty", "give a header line and data lines")
    if delimiter is None:
        delimiter = detect_delimiter(text)
        if delimiter is None:
            raise RosterFileError(
                f"{disp}:{offset + 1}: cannot tell the delimiter: the header has one column",
                "Moodle needs at least two columns (username and more), separated by commas, "
                "semicolons, colons or tabs; or name the delimiter with --delimiter",
            )
    elif delimiter not in DELIMITERS:
        raise UsageError(f"unknown delimiter {delimiter!r}", f"use one of {', '.join(DELIMITERS)}")
    split = _split(text, DELIMITERS[delimiter])
    (hline, hcells), rest = split[0], split[1:]
    header = Record(1, hline + offset, tuple(hcells))
    records: list[Record] = []
    for row, (line, cells) in enumerate(rest, start=2):
        line += offset
        if len(cells) != len(hcells):
            problems.error(
                row,
                line,
                "",
                "cell-count",
                f"{len(cells)} cells, but the header has {len(hcells)}",
                f"a {delimiter} inside a value needs double quotes around the value; "
                "every row needs one cell per column (empty cells included)",
            )
            continue
        records.append(Record(row, line, tuple(cells)))
    return CsvFile(
        path=path,
        delimiter=delimiter,
        header=header,
        records=tuple(records),
        sha256=hashlib.sha256(data).hexdigest(),
    )
