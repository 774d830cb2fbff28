"""Read a .mbz the way Moodle's extractors read it.

``lib/filestorage/mbz_packer.php`` reads an archive whose first two bytes are the gzip
magic as tar.gz (``tgz_extractor``) and anything else as zip. The tar is read here from its
raw ustar headers, not through :mod:`tarfile`, so that headers Moodle cannot read
(``tgz_extractor::process_header()``: no ustar magic, PAX and GNU records) are seen as
Moodle sees them.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lemma_pkg.errors import LemmaError


class InspectError(LemmaError):
    """The file is not an archive at all."""


@dataclass
class Archive:
    """The members of a .mbz (path -> bytes) and what the container itself got wrong."""

    name: str
    members: dict[str, bytes] = field(default_factory=dict)
    container: str = "tar.gz"
    #: (member, message) for headers Moodle's extractor cannot read (MBZ101).
    faults: list[tuple[str, str]] = field(default_factory=list)
    #: The tar stops at a header Moodle cannot read: nothing after it is extracted.
    stopped: bool = False


def _octal(field_bytes: bytes) -> int:
    text = field_bytes.rstrip(b"\0 ").strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        return -1


def read_archive(data: bytes, name: str) -> Archive:
    """Members of a .mbz as Moodle's extractors see them.

    Raises :class:`InspectError` when the file is neither a readable gzip nor a zip.
    """
    arc = Archive(name)
    if data[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InspectError(
                f"{name}: not a readable gzip file: {exc}",
                hint="the file is truncated or damaged; copy or download it again",
            ) from exc
        _read_tar(raw, arc)
        return arc
    arc.container = "zip"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    arc.members[info.filename] = zf.read(info)
    except zipfile.BadZipFile as exc:
        raise InspectError(
            f"{name}: neither a gzip'd tar nor a zip archive",
            hint="a Moodle backup (.mbz) starts with the gzip magic bytes 1f 8b",
        ) from exc
    except (OSError, EOFError, zlib.error, NotImplementedError) as exc:
        raise InspectError(
            f"{name}: a damaged zip archive: {exc}",
            hint="the file is truncated or damaged; copy or download it again",
        ) from exc
    return arc


def _read_tar(raw: bytes, arc: Archive) -> None:
    pos = 0
    while pos + 512 <= len(raw):
        header = raw[pos : pos + 512]
        pos += 512
        if header == b"\0" * 512:
            continue
        magic = header[257:263]
        name = header[0:100].split(b"\0", 1)[0].decode("utf-8", "replace")
        prefix = header[345:500].split(b"\0", 1)[0].decode("utf-8", "replace")
        size = _octal(header[124:136])
        flag = header[156:157]
        if magic not in (b"ustar\x00", b"ustar "):
            arc.faults.append(
                (
                    "",
                    f"tar header of {name!r} has no ustar magic: Moodle stops with "
                    "'errorprocessingarchive'",
                )
            )
            arc.stopped = True
            return
        if size < 0:
            arc.faults.append(("", f"tar header of {name!r} has an unreadable size"))
            arc.stopped = True
            return
        path = f"{prefix}/{name}" if prefix else name
        body = raw[pos : pos + size]
        pos += (size + 511) // 512 * 512
        if flag in (b"x", b"g", b"L", b"K"):
            arc.faults.append(
                (
                    path,
                    f"tar member {path!r} is a PAX/GNU extension header (type "
                    f"{flag.decode()!r}): Moodle extracts it as a junk file and keeps the "
                    "truncated name",
                )
            )
        # Links, devices and FIFOs are skipped, directories need no entry (the extractor
        # makes folders as needed); every other flag is a file to tgz_extractor.
        if flag in (b"1", b"2", b"3", b"4", b"5", b"6", b"7"):
            continue
        arc.members[str(PurePosixPath(path))] = body
