"""The ledger: one JSON object per line, appended and flushed to disk as each step is
applied, so a run killed at any point leaves a true record. Beside the roster
(``<roster>.ledger.jsonl``) unless ``--ledger FILE`` says otherwise.

Records (``type``): ``run`` (a run starts: roster hash, site, mode), ``intent`` (a batch of
creations is about to be sent: their keys), ``applied`` (steps Moodle accepted, with the
ids it gave), ``rejected`` (a step Moodle refused, with its reason), ``end`` (the run's
summary). Keys, ids and reasons only: never a password.

On the next run the ledger says what an interrupted run had done, and which batch was in
flight; what to do next is always worked out from the site itself, so nothing is created
twice even when the ledger is lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lemma_pkg.errors import LemmaError

SUFFIX = ".ledger.jsonl"


def default_path(roster: Path) -> Path:
    return roster.with_name(roster.name + SUFFIX)


@dataclass
class History:
    """What earlier runs recorded."""

    runs: int = 0
    #: key -> Moodle id of every applied step (the created record's, else the user's; 0:
    #: none).
    applied: dict[str, int] = field(default_factory=dict)
    #: Keys of creations that were sent but never recorded as applied or rejected.
    in_flight: list[str] = field(default_factory=list)
    #: The last run did not write its end record.
    interrupted: bool = False
    last_roster_sha256: str = ""


def read_history(path: Path) -> History:
    h = History()
    if not path.exists():
        return h
    pending: dict[str, None] = {}
    ended = True
    lines = path.read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            if n == len(lines):  # a torn last line: the run was killed while writing it
                break
            raise LemmaError(
                f"{path}:{n}: the ledger is damaged (not JSON)",
                "move it aside (lemma works from the site's state; the ledger is the "
                "record) and run again",
            ) from None
        kind = rec.get("type")
        if kind == "run":
            h.runs += 1
            h.last_roster_sha256 = str(rec.get("roster_sha256", ""))
            ended = False
        elif kind == "intent":
            for k in rec.get("keys", []):
                pending[k] = None
        elif kind == "applied":
            for item in rec.get("items", []):
                h.applied[item["key"]] = int(item.get("id") or item.get("userid") or 0)
                pending.pop(item["key"], None)
        elif kind == "rejected":
            pending.pop(rec.get("key", ""), None)
        elif kind == "end":
            ended = True
    h.in_flight = list(pending)
    h.interrupted = not ended and h.runs > 0
    return h


class Ledger:
    """Appends records to the ledger file; each one is on disk before the next call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run = uuid.uuid4().hex[:12]
        self.history = read_history(path)
        self._fh: IO[str] | None = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = self.path.open("a", encoding="utf-8")
            except OSError as exc:
                raise LemmaError(
                    f"cannot write the ledger {self.path}: {exc.strerror or exc}",
                    "give a writable place with --ledger FILE",
                ) from None
        record = {"type": record.pop("type"), "run": self.run, **record}
        self._fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def start(self, *, roster: Path, sha256: str, site: str, mode: str) -> None:
        self._write(
            {
                "type": "run",
                "at": _now(),
                "roster": roster.name,
                "roster_sha256": sha256,
                "site": site,
                "mode": mode,
            }
        )

    def intent(self, op: str, keys: Iterable[str]) -> None:
        self._write({"type": "intent", "op": op, "keys": list(keys)})

    def applied(
        self, op: str, items: Iterable[tuple[str, dict[str, int | str]]], note: str = ""
    ) -> None:
        """Steps Moodle accepted, each with Moodle's ids: ``id`` of what was created, and
        ``userid``, ``courseid``, ``roleid``, ``groupid`` ... of what was linked."""
        entries = [{"key": k, **ids} for k, ids in items]
        if entries:
            record: dict[str, Any] = {"type": "applied", "op": op, "at": _now(), "items": entries}
            if note:
                record["note"] = note
            self._write(record)

    def rejected(self, op: str, key: str, rows: list[int], reason: str) -> None:
        self._write({"type": "rejected", "op": op, "key": key, "rows": rows, "reason": reason})

    def end(self, summary: dict[str, Any]) -> None:
        self._write({"type": "end", "at": _now(), "summary": summary})


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
