"""The local cache of pulled learner data, keyed by site and course, and the journal that
makes an interrupted pull resumable.

Layout (identifiable data: folders 0700, files 0600)::

    CACHE/report/<sha256(site url)[:16]>/<courseid>/course-data.json   the last complete pull
    CACHE/report/<...>/<courseid>/journal-<run key>.jsonl               a pull under way

``CACHE`` is ``$LEMMA_CACHE_DIR``, else ``$XDG_CACHE_HOME/lemma``, else ``~/.cache/lemma``.
A journal holds one line per learner (core path) or per page (bulk path) already pulled; a
pull started again with the same settings within :data:`JOURNAL_MAX_AGE` seconds skips them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from lemma_pkg.errors import LemmaError
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.snapshot import SNAPSHOT_FILE, decode, encode, write_private

log = logging.getLogger("lemma.report")

#: A journal older than this (seconds) is not resumed: its rows may be stale.
JOURNAL_MAX_AGE = 12 * 3600


def default_cache_dir() -> Path:
    env = os.environ.get("LEMMA_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "lemma"


def site_key(site_url: str) -> str:
    return hashlib.sha256(site_url.rstrip("/").encode("utf-8")).hexdigest()[:16]


class Journal:
    """Append-only record of a pull under way (thread-safe appends)."""

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self._lock = threading.Lock()
        self.entries: list[dict[str, Any]] = []
        self.started_at: int = int(header["started_at"])

    def open(self, now: float | None = None) -> None:
        """Load a fresh enough journal with the same header, or start a new one."""
        now = time.time() if now is None else now
        if self.path.exists():
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
                head = json.loads(lines[0]) if lines else {}
                same = {k: v for k, v in head.items() if k != "started_at"} == {
                    k: v for k, v in self.header.items() if k != "started_at"
                }
                if same and now - int(head.get("started_at", 0)) < JOURNAL_MAX_AGE:
                    entries = []
                    for line in lines[1:]:
                        try:
                            entries.append(json.loads(line))
                        except ValueError:
                            break  # a line cut by the interruption: pull it again
                    self.entries = entries
                    self.started_at = int(head["started_at"])
                    self.header = head
                    log.info(
                        "resuming the pull started %s ago (%d parts already pulled)",
                        _ago(now - self.started_at),
                        len(entries),
                    )
                    return
            except (OSError, ValueError, IndexError, KeyError):
                pass
        write_private(self.path, json.dumps(self.header, sort_keys=True) + "\n")

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
        with self._lock:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
            self.entries.append(entry)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _ago(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


class PullCache:
    """What was pulled from one course of one site."""

    def __init__(self, site_url: str, courseid: int, root: Path | None = None) -> None:
        self.root = root or default_cache_dir()
        self.dir = self.root / "report" / site_key(site_url) / str(courseid)

    @property
    def data_path(self) -> Path:
        return self.dir / SNAPSHOT_FILE

    def load(self) -> CourseData | None:
        """The last complete pull, or None (missing or unreadable: a full pull follows)."""
        try:
            text = self.data_path.read_text(encoding="utf-8")
        except OSError:
            return None
        try:
            return decode(text, str(self.data_path))
        except LemmaError as exc:
            log.warning("ignoring the cache %s: %s", self.data_path, exc.message)
            return None

    def save(self, data: CourseData) -> None:
        write_private(self.data_path, encode(data))

    def journal(self, header: dict[str, Any]) -> Journal:
        key = hashlib.sha256(
            json.dumps(
                {k: v for k, v in header.items() if k != "started_at"}, sort_keys=True
            ).encode("utf-8")
        ).hexdigest()[:12]
        return Journal(self.dir / f"journal-{key}.jsonl", header)
