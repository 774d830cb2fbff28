"""Request-body decoding the way PHP fills ``$_POST`` and ``$_FILES``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes
    #: PHP's $_FILES[...]['error']: 4 (UPLOAD_ERR_NO_FILE) for a part with an empty filename.
    error: int = 0

    @property
    def size(self) -> int:
        return len(self.data)


def parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    text = body.decode("utf-8", errors="replace")
    return parse_qsl(text, keep_blank_values=True)


def parse_multipart(
    body: bytes, content_type: str
) -> tuple[list[tuple[str, str]], list[UploadedFile]]:
    """Split a multipart/form-data body into form fields and files."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        return [], []
    boundary = b"--" + m.group(1).encode("latin-1")
    fields: list[tuple[str, str]] = []
    files: list[UploadedFile] = []
    parts = body.split(boundary)
    for part in parts[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        disp = headers.get("content-disposition", "")
        name_m = re.search(r'(?:^|;)\s*name="([^"]*)"', disp)
        if not name_m:
            continue
        name = name_m.group(1)
        file_m = re.search(r'filename="([^"]*)"', disp)
        if file_m is not None:
            filename = file_m.group(1)
            files.append(
                UploadedFile(
                    name,
                    filename,
                    headers.get("content-type", "application/octet-stream"),
                    data,
                    error=4 if filename == "" else 0,  # PHP: UPLOAD_ERR_NO_FILE
                )
            )
        else:
            fields.append((name, data.decode("utf-8", errors="replace")))
    return fields, files


def decode_chunked(read_line: object, read: object) -> bytes:
    """Read a chunked transfer-encoded body using the handler's rfile methods."""
    assert callable(read_line) and callable(read)
    out = bytearray()
    while True:
        line = read_line()
        if not line:
            break
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            # trailers until an empty line
            while True:
                trailer = read_line()
                if trailer in (b"\r\n", b"\n", b""):
                    break
            break
        out += read(size)
        read_line()  # CRLF after the chunk
    return bytes(out)
