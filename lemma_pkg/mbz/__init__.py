"""Moodle backup (.mbz) writing and reading.

- :func:`write_backup` compiles a :class:`~lemma_pkg.content.model.Course` into a Moodle 4.5
  course backup, atomically and deterministically.
- :func:`backup_bytes` gives the same archive in memory.
- :func:`preflight` lists what the writer can see wrong in a course before writing
  (rules in :mod:`lemma_pkg.mbz.checks`; the module is not named ``preflight`` so that
  importing it never shadows the function).
- :mod:`lemma_pkg.mbz.inspect` reads any .mbz and checks it against Moodle's restore rules.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lemma_pkg.content.model import Course, DataFile, Label, Page, Quiz
from lemma_pkg.diagnostics import Diagnostic
from lemma_pkg.errors import BuildError

DEFAULT_EPOCH = 1704067200  # 2024-01-01T00:00:00Z: used when no better time is known


@dataclass(frozen=True)
class BackupSummary:
    """What was written: where, its hash and size, and what it holds."""

    path: Path | None
    sha256: str
    size: int
    sections: int
    activities: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    files: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path) if self.path is not None else None,
            "sha256": self.sha256,
            "size": self.size,
            "sections": self.sections,
            "activities": dict(self.activities),
            "questions": self.questions,
            "files": self.files,
        }


def preflight(course: Course) -> list[Diagnostic]:
    """Problems the backup writer can see in a loaded course before writing anything
    (e.g. data-set extensions Moodle 4.5 does not know). ``lemma validate`` reports these."""
    from lemma_pkg.mbz.checks import check_course

    return check_course(course)


def backup_bytes(course: Course, epoch: int = DEFAULT_EPOCH) -> bytes:
    """The .mbz for ``course`` as bytes (same bytes for the same course and epoch)."""
    from lemma_pkg.mbz.archive import write_mbz
    from lemma_pkg.mbz.writer import course_members

    members = course_members(course, epoch)
    buf = io.BytesIO()
    write_mbz(members, buf, epoch)
    return buf.getvalue()


def _summary(course: Course, data: bytes, path: Path | None) -> BackupSummary:
    from lemma_pkg.mbz.writer import MODNAMES

    kinds: Counter[str] = Counter()
    questions = files = 0
    for item in course.items():
        kinds[MODNAMES.get(type(item), type(item).__name__)] += 1
        if isinstance(item, Quiz):
            questions += sum(1 for q in item.questions if q.get("qtype") != "category")
        elif isinstance(item, Page | Label):
            files += len({a.name for a in item.assets})
        elif isinstance(item, DataFile):
            files += 1
    sections = len(course.sections)
    if not course.sections or course.sections[0].number != 0:
        sections += 1  # the general section the writer adds
    return BackupSummary(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        sections=sections,
        activities=dict(sorted(kinds.items())),
        questions=questions,
        files=files,
    )


def write_backup(course: Course, out: Path, epoch: int = DEFAULT_EPOCH) -> BackupSummary:
    """Write the .mbz for ``course`` to ``out`` atomically (temp file + rename).

    Nothing is left behind on failure: the temporary file is removed and ``out`` is
    untouched.
    """
    data = backup_bytes(course, epoch)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise BuildError(
            f"cannot write {out}: {exc.strerror or exc}",
            hint="check that the folder exists and is writable, or pass --out",
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(
            f"cannot write {out}: {exc.strerror or exc}",
            hint="check that the folder is writable and the disk is not full",
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _summary(course, data, out)


__all__ = ["DEFAULT_EPOCH", "BackupSummary", "backup_bytes", "preflight", "write_backup"]
