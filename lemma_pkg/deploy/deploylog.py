"""The deployment log: one JSON line per step of every deploy, in the project folder.

``deployments.jsonl`` is append-only. Each line is the whole record of one deployment at one
step (``planned``, ``restoring``, then ``done``, ``failed``, ``abandoned`` or ``unchanged``),
so the last line of a deployment is its current state; a deployment whose last line is
``planned`` or ``restoring`` was interrupted, and the next ``lemma deploy`` finishes or cleans
it up. Lines are written with fsync, so a crash loses at most the line being written, and a
torn last line is ignored on reading. Users may commit the file: it holds no secret (site
URL, course ids and names, hashes, times, outcomes).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lemma_pkg.errors import LemmaError

LOG_NAME = "deployments.jsonl"

PLANNED = "planned"
RESTORING = "restoring"
DONE = "done"
FAILED = "failed"
ABANDONED = "abandoned"
UNCHANGED = "unchanged"
FINAL_EVENTS = (DONE, FAILED, ABANDONED, UNCHANGED)


class DeployLogError(LemmaError):
    """The deployment log cannot be read or written (exit 1)."""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Deployment:
    """One deployment at one step."""

    deploy: str  # id of the deployment (also the restore's requestid)
    event: str
    time: str
    site: str
    course: str  # the course's own short name (course.yaml), shared by its versions
    mode: str  # "new", "replace" or "cli"
    shortname: str
    idnumber: str = ""
    fullname: str = ""
    version: int | None = None
    sha256: str = ""
    source_commit: str | None = None
    categoryid: int = 0
    courseid: int | None = None
    restoreid: str | None = None
    previous_courseid: int | None = None
    hide_previous: bool = False
    export: str | None = None
    outcome: str = ""
    url: str | None = None
    #: mode "update" (lemma deploy --update): the archive the course matched before
    previous_sha256: str | None = None

    @property
    def final(self) -> bool:
        return self.event in FINAL_EVENTS

    def at(self, event: str, **changes: Any) -> Deployment:
        """The next line: this deployment at ``event`` (now), with ``changes``."""
        return replace(self, event=event, time=utc_now(), **changes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class DeployLog:
    """``deployments.jsonl`` at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> list[Deployment]:
        """Every line, in order (a missing file is an empty log)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise DeployLogError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        lines = text.split("\n")
        out: list[Deployment] = []
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not an object")
                out.append(Deployment.from_dict(data))
            except (ValueError, TypeError) as exc:
                if n == len(lines) or (n == len(lines) - 1 and not lines[-1]):
                    continue  # a line torn by a crash while it was written
                raise DeployLogError(
                    f"{self.path}:{n}: not a deployment record ({exc})",
                    "fix or remove that line (the file is plain JSON Lines)",
                ) from exc
        return out

    def current(self) -> list[Deployment]:
        """The last line of each deployment, in the order the deployments started."""
        last: dict[str, Deployment] = {}
        for d in self.read():
            last[d.deploy] = d
        return list(last.values())

    def last(self, deploy: str) -> Deployment | None:
        """The current record of one deployment."""
        found = [d for d in self.read() if d.deploy == deploy]
        return found[-1] if found else None

    def of_course(self, site: str, course: str) -> list[Deployment]:
        return [d for d in self.current() if d.site == site and d.course == course]

    def append(self, d: Deployment) -> Deployment:
        """Write one line durably; returns ``d``."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                if fh.tell() > 0 and not self._ends_with_newline():
                    fh.write("\n")  # after a torn line
                fh.write(d.to_json() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DeployLogError(
                f"cannot write {self.path}: {exc.strerror or exc}",
                "check that the project folder is writable (or pass --log FILE)",
            ) from exc
        return d

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
