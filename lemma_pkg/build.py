"""``lemma build``: course sources -> ``backups/<shortname>.mbz``.

The pipeline: load the course (:func:`lemma_pkg.content.loader.load_course`), add the
backup writer's own checks (:func:`lemma_pkg.mbz.preflight`), stop with every diagnostic if
any is an error (nothing is written), else write the backup atomically.

Builds are reproducible: every timestamp in the archive is one epoch, taken from
``SOURCE_DATE_EPOCH`` when set, else from the newest git commit touching the sources, else
a fixed date. The same sources give the same bytes, wherever the project is checked out.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from lemma_pkg.content.loader import load_course
from lemma_pkg.diagnostics import Diagnostic, failed, summary_line
from lemma_pkg.errors import ContentError, UsageError
from lemma_pkg.mbz import DEFAULT_EPOCH, BackupSummary, preflight, write_backup

# The mtime field of a ustar header is 11 octal digits (the year 2242).
MAX_EPOCH = 8**11 - 1

log = logging.getLogger("lemma.build")

BACKUPS_DIR = "backups"


@dataclass(frozen=True)
class BuildResult:
    """A written backup and the warnings found on the way."""

    backup: BackupSummary
    epoch: int
    epoch_source: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: course.yaml's ``category`` (name or idnumber), where deploy puts a new course
    category: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "backup": self.backup.to_dict(),
            "epoch": self.epoch,
            "epoch_source": self.epoch_source,
        }


def safe_filename(shortname: str) -> str:
    """A file name for ``<shortname>.mbz``: letters, digits, ``.``, ``_`` and ``-`` only."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", shortname).strip("._") or "course"
    return f"{name}.mbz"


def source_epoch(root: Path) -> tuple[int, str]:
    """The build's timestamp and where it came from.

    ``SOURCE_DATE_EPOCH`` (reproducible-builds.org) wins; else the commit time of the newest
    commit touching ``content_src/`` or ``gift_quizzes/``; else a fixed date.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is not None and env.strip():
        try:
            value = int(env.strip())
        except ValueError as exc:
            raise UsageError(
                f"SOURCE_DATE_EPOCH={env!r} is not an integer",
                hint="set it to a Unix time in seconds, e.g. $(git log -1 --format=%ct)",
            ) from exc
        if not 0 <= value <= MAX_EPOCH:
            raise UsageError(
                f"SOURCE_DATE_EPOCH={value} is out of range: it must be between 0 and "
                f"{MAX_EPOCH} (the largest time a tar header holds)",
                hint="set it to a Unix time in seconds, e.g. $(git log -1 --format=%ct)",
            )
        return value, "SOURCE_DATE_EPOCH"
    try:
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "log",
                "-1",
                "--format=%ct",
                "--",
                "content_src",
                "gift_quizzes",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_EPOCH, "fixed"
    text = proc.stdout.strip()
    if proc.returncode == 0 and text.isdigit():
        return int(text), "git"
    return DEFAULT_EPOCH, "fixed"


def build_course(root: Path, out: Path | None = None, strict: bool = False) -> BuildResult:
    """Build the course project at ``root`` into a .mbz.

    ``out`` defaults to ``<root>/backups/<shortname>.mbz``. Raises
    :class:`~lemma_pkg.errors.ContentError` carrying every diagnostic when the sources have
    errors (or warnings, with ``strict``); nothing is written then.
    """
    result = load_course(root)
    diags = list(result.diagnostics)
    course = result.course
    if course is not None and not failed(diags):
        diags.extend(preflight(course))
    diags.sort(key=Diagnostic.sort_key)
    if course is None or failed(diags, strict):
        raise ContentError(
            f"the course has problems ({summary_line(diags)}); nothing was written",
            diags,
            hint="fix the problems listed above, then build again",
        )
    project = result.root or Path(root)
    epoch, origin = source_epoch(project)
    target = out if out is not None else project / BACKUPS_DIR / safe_filename(course.shortname)
    log.debug("building %s with epoch %d (%s)", target, epoch, origin)
    summary = write_backup(course, target, epoch)
    return BuildResult(summary, epoch, origin, diags, course.category or "")
