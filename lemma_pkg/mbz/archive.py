"""The .mbz container: a gzip'd ustar archive Moodle's ``tgz_extractor`` can read.

Notes §1.1: Moodle's extractor only understands plain ustar headers (no PAX, no GNU long
names), takes ``prefix/name`` as the path and treats unknown type flags as files. This
writer therefore emits ``USTAR_FORMAT`` only, ASCII paths, integer mtimes, uid/gid 0 and
empty owner names. Output is deterministic: ``.ARCHIVE_INDEX`` first (as Moodle writes it),
then directories and files sorted by path, every mtime fixed, gzip header mtime 0 and no
file name in the gzip header.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from lemma_pkg.errors import BuildError

INDEX_NAME = ".ARCHIVE_INDEX"
INDEX_HEADER = "Moodle archive file index. Count: "
# tgz_packer::DEFAULT_TIMESTAMP: Moodle's mtime for directories and the index.
MOODLE_DEFAULT_TIMESTAMP = 1356998400


@dataclass(frozen=True)
class Member:
    """One file of the backup: its path inside the archive and its bytes."""

    path: str
    data: bytes


def _check_path(path: str) -> None:
    if not path or path.startswith("/") or ".." in PurePosixPath(path).parts:
        raise BuildError(f"invalid archive path {path!r}")
    if not path.isascii():
        raise BuildError(f"non-ASCII archive path {path!r}")
    encoded = path.encode()
    if len(encoded) > 100:
        prefix, _, name = path.rpartition("/")
        if len(name.encode()) > 100 or len(prefix.encode()) > 155:
            raise BuildError(f"archive path too long for a ustar header: {path!r}")


def _directories(paths: Iterable[str]) -> list[str]:
    dirs: set[str] = set()
    for path in paths:
        parent = PurePosixPath(path).parent
        while str(parent) not in (".", ""):
            dirs.add(str(parent))
            parent = parent.parent
    return sorted(dirs)


def archive_index(members: list[Member], directories: list[str], mtime: int) -> bytes:
    """``.ARCHIVE_INDEX`` for ``members``: ``path\\tf|d\\tsize\\tmtime|?`` per entry."""
    rows: list[tuple[str, str]] = [(d + "/", f"{d}/\td\t0\t?") for d in directories]
    rows += [(m.path, f"{m.path}\tf\t{len(m.data)}\t{mtime}") for m in members]
    rows.sort()
    lines = [f"{INDEX_HEADER}{len(rows)}"] + [line for _, line in rows]
    return ("\n".join(lines) + "\n").encode()


def _tarinfo(name: str, size: int, mtime: int, directory: bool) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 0 if directory else size
    info.mtime = int(mtime)
    info.mode = 0o755 if directory else 0o644
    info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def write_mbz(members: list[Member], out: BinaryIO, mtime: int, compresslevel: int = 6) -> None:
    """Write ``members`` as a deterministic .mbz (gzip'd ustar) to ``out``."""
    seen: set[str] = set()
    for m in members:
        _check_path(m.path)
        if m.path in seen:
            raise BuildError(f"duplicate archive member {m.path!r}")
        seen.add(m.path)
    ordered = sorted(members, key=lambda m: m.path)
    directories = _directories(m.path for m in ordered)
    index = archive_index(ordered, directories, mtime)
    entries: list[tuple[str, bytes | None]] = [(d, None) for d in directories]
    entries += [(m.path, m.data) for m in ordered]
    entries.sort(key=lambda e: e[0])
    with (
        gzip.GzipFile(
            filename="", mode="wb", fileobj=out, mtime=0, compresslevel=compresslevel
        ) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        tar.addfile(
            _tarinfo(INDEX_NAME, len(index), MOODLE_DEFAULT_TIMESTAMP, False), io.BytesIO(index)
        )
        for name, data in entries:
            if data is None:
                tar.addfile(_tarinfo(name, 0, MOODLE_DEFAULT_TIMESTAMP, True))
            else:
                tar.addfile(_tarinfo(name, len(data), mtime, False), io.BytesIO(data))
