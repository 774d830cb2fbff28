"""A lossless, identifiable copy of :class:`CourseData` on disk, for the administrator.

``write_snapshot(data, DIR)`` writes ``DIR/course-data.json`` (mode 0600, in a 0700 folder):
every record exactly as pulled, Moodle ids, names and emails included. It is the raw backup
that ``lemma deploy --replace`` keeps before a course is replaced and the input of "before /
after" comparisons; it is **not** a research output. ``read_snapshot(DIR)`` gives back an
equal :class:`CourseData`. The same encoding is used by the pull cache.
"""

from __future__ import annotations

import dataclasses
import json
import os
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from lemma_pkg.errors import LemmaError
from lemma_pkg.report import model
from lemma_pkg.report.model import CourseData

SNAPSHOT_FILE = "course-data.json"
FORMAT = "lemma-course-data"
FORMAT_VERSION = 1

T = TypeVar("T")


class SnapshotError(LemmaError):
    """A snapshot file is missing, damaged or of another format (exit 1)."""


def to_jsonable(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists (keys sorted on output)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _convert(tp: Any, raw: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if raw is None:
            return None
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(options[0], raw, where)
    if origin is typing.Literal:
        if raw not in typing.get_args(tp):
            raise SnapshotError(f"{where}: unexpected value {raw!r}")
        return raw
    if origin is tuple:
        if not isinstance(raw, list):
            raise SnapshotError(f"{where}: expected a list")
        inner = typing.get_args(tp)[0]
        return tuple(_convert(inner, v, f"{where}[{i}]") for i, v in enumerate(raw))
    if origin is dict:
        if not isinstance(raw, dict):
            raise SnapshotError(f"{where}: expected an object")
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_jsonable(tp, raw, where)
    if tp is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise SnapshotError(f"{where}: expected a number")
        return float(raw)
    if tp in (int, str, bool) and not isinstance(raw, tp):
        raise SnapshotError(f"{where}: expected {tp.__name__}, got {raw!r}")
    return raw


def from_jsonable(cls: type[T], raw: Any, where: str = "") -> T:
    """The inverse of :func:`to_jsonable` for the dataclasses of :mod:`model`."""
    if not isinstance(raw, dict):
        raise SnapshotError(f"{where or cls.__name__}: expected an object")
    hints = _hints(cast(type, cls))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in raw:
            kwargs[f.name] = _convert(hints[f.name], raw[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise SnapshotError(f"{where or cls.__name__}: missing {f.name!r}")
    return cls(**kwargs)


def encode(data: CourseData) -> str:
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "data": to_jsonable(data)}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def decode(text: str, where: str) -> CourseData:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise SnapshotError(f"{where}: not JSON ({exc})", "pull the course again") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SnapshotError(f"{where}: not a lemma course-data snapshot")
    if doc.get("version") != FORMAT_VERSION:
        raise SnapshotError(
            f"{where}: snapshot format version {doc.get('version')!r}, this lemma reads "
            f"{FORMAT_VERSION}",
            "use the lemma version that wrote it, or pull the course again",
        )
    return from_jsonable(CourseData, doc.get("data"), "data")


def private_dir(path: Path) -> None:
    """Create ``path`` and the missing folders above it, each 0700."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir(mode=0o700)
        os.chmod(p, 0o700)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), atomically."""
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_snapshot(data: CourseData, directory: Path | str) -> Path:
    """Write ``data`` to ``directory/course-data.json`` (0600); return the file's path."""
    path = Path(directory) / SNAPSHOT_FILE
    write_private(path, encode(data))
    return path


def read_snapshot(directory: Path | str) -> CourseData:
    """Read what :func:`write_snapshot` wrote (a folder, or the file itself)."""
    path = Path(directory)
    if path.is_dir():
        path = path / SNAPSHOT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read the snapshot ({exc.strerror})") from exc
    return decode(text, str(path))
