"""``webservice/upload.php``: multipart upload into the token user's draft area.

Not a web-service function, and it shows: the token goes in a ``token`` field (not ``wstoken``),
the answer is JSON sent as ``text/plain``, success is a *list* with one entry per file (with
``userid`` as a string), a problem with one file comes back inside that list as
``{filename, errortype, error}`` (``fileoversized``, ``filenameexist``) with HTTP 200, and a
fatal error uses the AJAX shape ``{error, errorcode, stacktrace, debuginfo,
reproductionlink}``. A body over PHP's ``post_max_size`` loses every field, token included, so
Moodle says ``missingparam`` (transcripts 039-048).

The body is streamed from disk in chunks, with a progress callback after each chunk.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lemma_pkg.moodle.errors import UnexpectedResponseError, UploadError
from lemma_pkg.moodle.redact import Token

if TYPE_CHECKING:
    from lemma_pkg.moodle.client import MoodleClient

#: ``progress(bytes_sent, bytes_total)``
ProgressCallback = Callable[[int, int], None]

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FilePart:
    """One file to upload: from a path, or from bytes in memory (``data``)."""

    filename: str
    path: Path | None = None
    data: bytes | None = None
    content_type: str = "application/octet-stream"

    @classmethod
    def from_path(cls, path: Path | str, filename: str | None = None) -> FilePart:
        p = Path(path)
        return cls(filename=filename or p.name, path=p)

    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        return self.path.stat().st_size


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


class MultipartBody:
    """A ``multipart/form-data`` body that requests can stream: it has ``read()`` and a length
    (so a ``Content-Length`` is sent; PHP's built-in server does not accept chunked bodies)."""

    def __init__(
        self,
        fields: Sequence[tuple[str, str | Token]],
        files: Sequence[FilePart],
        progress: ProgressCallback | None = None,
    ) -> None:
        self.boundary = "lemma-" + secrets.token_hex(12)
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self._progress = progress
        # The parts: bytes, or a FilePart streamed later.
        self._parts: list[bytes | FilePart] = []
        b = self.boundary.encode()
        for name, value in fields:
            self._parts.append(
                b"--"
                + b
                + b"\r\n"
                + f'Content-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
                + (value.reveal() if isinstance(value, Token) else value).encode("utf-8")
                + b"\r\n"
            )
        for i, part in enumerate(files, start=1):
            self._parts.append(
                b"--"
                + b
                + b"\r\n"
                + (
                    f'Content-Disposition: form-data; name="file_{i}"; '
                    f'filename="{_quote(part.filename)}"\r\n'
                    f"Content-Type: {part.content_type}\r\n\r\n"
                ).encode()
            )
            self._parts.append(part)
            self._parts.append(b"\r\n")
        self._parts.append(b"--" + b + b"--\r\n")
        self.total = sum(len(p) if isinstance(p, bytes) else p.size() for p in self._parts)
        self.sent = 0
        self._index = 0
        self._buffer = b""
        self._fh: Any = None

    def __len__(self) -> int:
        return self.total

    def _next_chunk(self) -> bytes:
        while self._index < len(self._parts):
            part = self._parts[self._index]
            if isinstance(part, bytes):
                self._index += 1
                return part
            if part.data is not None:
                self._index += 1
                return part.data
            if self._fh is None:
                assert part.path is not None
                self._fh = open(part.path, "rb")  # noqa: SIM115 - closed below
            chunk: bytes = self._fh.read(CHUNK)
            if chunk:
                return chunk
            self._fh.close()
            self._fh = None
            self._index += 1
        return b""

    def read(self, size: int = -1) -> bytes:
        want = self.total if size is None or size < 0 else size
        while len(self._buffer) < want:
            chunk = self._next_chunk()
            if not chunk:
                break
            self._buffer += chunk
        out, self._buffer = self._buffer[:want], self._buffer[want:]
        if out:
            self.sent += len(out)
            if self._progress is not None:
                self._progress(self.sent, self.total)
        return out

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass(frozen=True)
class DraftFile:
    """A file stored in the draft area."""

    filename: str
    filepath: str
    itemid: int
    contextid: int
    userid: int
    filesize: int
    component: str = "user"
    filearea: str = "draft"
    license: str = ""
    author: str = ""


@dataclass(frozen=True)
class RejectedFile:
    """A file upload.php refused (``errortype``: ``fileoversized`` or ``filenameexist``)."""

    filename: str
    errortype: str
    error: str


@dataclass(frozen=True)
class UploadResult:
    itemid: int | None
    files: list[DraftFile]
    rejected: list[RejectedFile]


_REJECT_HINTS = {
    "fileoversized": (
        "the file is larger than the site's maximum upload size: raise 'Maximum uploaded file "
        "size' (Site administration > Security > Site security settings) and PHP's "
        "upload_max_filesize/post_max_size, or the course's limit"
    ),
    "filenameexist": (
        "a file of that name is already in that draft area: upload into a new draft area "
        "(itemid 0) or use another name"
    ),
}


def parse_upload_response(data: Any) -> UploadResult:
    """Typed view of upload.php's success list (errors in the AJAX shape are raised by the
    client before this is called)."""
    if not isinstance(data, list):
        raise UnexpectedResponseError(
            f"webservice/upload.php answered {type(data).__name__}, not a list of files",
            "check the site URL",
        )
    files: list[DraftFile] = []
    rejected: list[RejectedFile] = []
    for entry in data:
        if not isinstance(entry, dict):
            raise UnexpectedResponseError("webservice/upload.php answered an unexpected entry")
        if entry.get("errortype"):
            rejected.append(
                RejectedFile(
                    filename=str(entry.get("filename", "")),
                    errortype=str(entry["errortype"]),
                    error=str(entry.get("error", "")),
                )
            )
            continue
        files.append(
            DraftFile(
                filename=str(entry["filename"]),
                filepath=str(entry.get("filepath", "/")),
                itemid=int(entry["itemid"]),
                contextid=int(entry.get("contextid", 0)),
                userid=int(entry.get("userid", 0)),  # a string on the wire
                filesize=int(entry.get("filesize", 0)),
                component=str(entry.get("component", "user")),
                filearea=str(entry.get("filearea", "draft")),
                license=str(entry.get("license") or ""),
                author=str(entry.get("author") or ""),
            )
        )
    itemid = files[0].itemid if files else None
    return UploadResult(itemid=itemid, files=files, rejected=rejected)


def raise_for_rejected(result: UploadResult) -> None:
    if not result.rejected:
        return
    names = ", ".join(f"{r.filename} ({r.errortype})" for r in result.rejected)
    first = result.rejected[0].errortype
    raise UploadError(
        f"webservice/upload.php refused {len(result.rejected)} file(s): {names}",
        _REJECT_HINTS.get(first, "see the site's upload settings"),
        errorcode=first,
    )


def upload_files(
    client: MoodleClient,
    files: Sequence[FilePart | Path | str],
    *,
    filepath: str = "/",
    itemid: int = 0,
    progress: ProgressCallback | None = None,
    strict: bool = True,
) -> UploadResult:
    """Upload ``files`` into the token user's draft area (``webservice/upload.php``).

    All files go into one draft area: a new one when ``itemid`` is 0. With ``strict`` (the
    default) a refused file raises :class:`UploadError`; otherwise refusals are in
    :attr:`UploadResult.rejected`.
    """
    parts = [f if isinstance(f, FilePart) else FilePart.from_path(f) for f in files]
    if not (filepath.startswith("/") and filepath.endswith("/")):
        # Moodle stores nothing and answers storedfileproblem "Invalid file path".
        raise UploadError(
            f"cannot upload into the draft folder {filepath!r}: it must start and end with '/'",
            "give a folder such as '/' or '/backups/'",
        )
    for part in parts:
        if not part.filename:
            # PHP treats a file part without a name as "no file" (upload_error_no_file).
            raise UploadError(
                "cannot upload a file without a name", "give every FilePart a filename"
            )
        if part.path is not None and not os.path.isfile(part.path):
            raise UploadError(f"cannot upload {part.path}: no such file")
    data = client.upload_raw(parts, filepath=filepath, itemid=itemid, progress=progress)
    result = parse_upload_response(data)
    if strict:
        raise_for_rejected(result)
    return result
