"""Reading text sources as UTF-8, with diagnostics for encoding problems.

A UTF-8 byte-order mark at the start of a file is accepted and dropped (editors on Windows
write one); one anywhere else (usually from concatenating files) is an error. Bytes that are
not UTF-8 are an error at the line and column of the first bad byte. Control characters in
lessons are a warning (Moodle's XML cannot hold them).
"""

from __future__ import annotations

import re
from pathlib import Path

from lemma_pkg.content import codes
from lemma_pkg.diagnostics import Diagnostics

BOM = "\ufeff"


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_text(
    path: Path, display: str, diags: Diagnostics, controls: bool = False, data: bytes | None = None
) -> str | None:
    """The text of ``path``, or None (with a diagnostic) when it cannot be used.

    With ``controls``, control characters (which Moodle's XML cannot hold, so the backup
    drops them) are warned about, once per line. ``data``, when given, is used instead of
    the file's bytes (an editor's unsaved buffer).
    """
    try:
        if data is None:
            data = path.read_bytes()
    except FileNotFoundError:
        diags.error(
            display, 0, 0, codes.MISSING_FILE, "file does not exist", "create it, or fix the path"
        )
        return None
    except OSError as exc:
        diags.error(
            display,
            0,
            0,
            codes.MISSING_FILE,
            f"cannot read file: {exc.strerror}",
            "make it a readable file (not a folder), or fix the path",
        )
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
    if controls and CONTROL.search(text):
        for lineno, line_text in enumerate(text.split("\n"), start=1):
            found = CONTROL.search(line_text)
            if found:
                diags.warning(
                    display,
                    lineno,
                    found.start() + 1,
                    codes.CONTROL_CHARACTER,
                    f"control character U+{ord(found.group()):04X} in the text; Moodle cannot "
                    "store it, so the backup drops or replaces it",
                    "delete the invisible character (it usually comes from copy and paste)",
                )
    return text
