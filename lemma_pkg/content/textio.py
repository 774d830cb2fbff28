"""Reading text sources as UTF-8, with diagnostics for encoding problems.

A UTF-8 byte-order mark at the start of a file is accepted and dropped (editors on Windows
write one); one anywhere else (usually from concatenating files) is an error. Bytes that are
not UTF-8 are an error at the line and column of the first bad byte.
"""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.content import codes
from lemma_pkg.diagnostics import Diagnostics

BOM = "\ufeff"


def read_text(path: Path, display: str, diags: Diagnostics) -> str | None:
    """The text of ``path``, or None (with a diagnostic) when it cannot be used."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        diags.error(display, 0, 0, codes.MISSING_FILE, "file does not exist")
        return None
    except OSError as exc:
        diags.error(display, 0, 0, codes.MISSING_FILE, f"cannot read file: {exc.strerror}")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(
            display,
            line,
            col,
            codes.NOT_UTF8,
            f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8 (most editors: 'Save with encoding')",
        )
        return None
    if BOM in text:
        for lineno, line_text in enumerate(text.split("\n"), start=1):
            col = line_text.find(BOM)
            if col >= 0:
                diags.error(
                    display,
                    lineno,
                    col + 1,
                    codes.BOM_INSIDE,
                    "byte-order mark (U+FEFF) inside the file",
                    "delete the invisible character; it usually comes from joining files",
                )
        text = text.replace(BOM, "")
    return text
