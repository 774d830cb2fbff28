"""The companion plugin's restore: ``local_lemma_restore_course``, ``local_lemma_restore_status``
and ``local_lemma_register_filetypes`` (contract: ``lemma_pkg/plugin/contract.yaml``).

A restore is asked for with a caller-chosen ``requestid``: the plugin answers a request it has
seen with the first answer, so sending it again after a timeout never starts a second restore.
The restore itself runs in Moodle's cron (an adhoc task); :func:`restore_status` reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lemma_pkg.moodle.client import MoodleClient

Target = Literal["new", "replace"]

#: States of a restore on the site. ``prechecked`` and ``refused`` come only from
#: :func:`start_restore` (nothing was started).
PENDING_STATES = ("queued", "running", "restored")
FINAL_STATES = ("finished", "failed")


@dataclass(frozen=True)
class RestoreStart:
    """The answer of ``local_lemma_restore_course``."""

    restoreid: str
    requestid: str
    courseid: int
    state: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return bool(self.restoreid)


@dataclass(frozen=True)
class RestoreStatus:
    """One restore as ``local_lemma_restore_status`` reports it."""

    restoreid: str
    requestid: str
    courseid: int
    categoryid: int
    target: str
    state: str
    progress: float
    fullname: str
    shortname: str
    idnumber: str
    visible: bool
    sha256: str
    message: str
    warnings: list[str]
    timecreated: int
    timemodified: int

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES


def start_restore(
    client: MoodleClient,
    *,
    requestid: str,
    draftitemid: int,
    filename: str,
    target: Target,
    fullname: str,
    shortname: str,
    categoryid: int = 0,
    courseid: int = 0,
    idnumber: str = "",
    visible: bool = True,
    sha256: str = "",
    precheckonly: bool = False,
) -> RestoreStart:
    """``local_lemma_restore_course``: run Moodle's precheck, then queue the restore (or, with
    ``precheckonly`` or precheck errors, change nothing). Safe to resend: the plugin answers
    a known ``requestid`` with the restore it started for it."""
    data = client.call(
        "local_lemma_restore_course",
        {
            "requestid": requestid,
            "draftitemid": draftitemid,
            "filename": filename,
            "target": target,
            "fullname": fullname,
            "shortname": shortname,
            "categoryid": categoryid,
            "courseid": courseid,
            "idnumber": idnumber,
            "visible": 1 if visible else 0,
            "sha256": sha256,
            "precheckonly": precheckonly,
        },
        idempotent=True,
    )
    return RestoreStart(
        restoreid=str(data.get("restoreid") or ""),
        requestid=str(data.get("requestid") or requestid),
        courseid=int(data.get("courseid") or 0),
        state=str(data.get("state") or ""),
        errors=[str(e) for e in data.get("errors") or []],
        warnings=[str(w) for w in data.get("warnings") or []],
    )


def _status(d: dict[str, Any]) -> RestoreStatus:
    return RestoreStatus(
        restoreid=str(d.get("restoreid") or ""),
        requestid=str(d.get("requestid") or ""),
        courseid=int(d.get("courseid") or 0),
        categoryid=int(d.get("categoryid") or 0),
        target=str(d.get("target") or ""),
        state=str(d.get("state") or ""),
        progress=float(d.get("progress") or 0.0),
        fullname=str(d.get("fullname") or ""),
        shortname=str(d.get("shortname") or ""),
        idnumber=str(d.get("idnumber") or ""),
        visible=bool(d.get("visible", 1)),
        sha256=str(d.get("sha256") or ""),
        message=str(d.get("message") or ""),
        warnings=[str(w) for w in d.get("warnings") or []],
        timecreated=int(d.get("timecreated") or 0),
        timemodified=int(d.get("timemodified") or 0),
    )


def restore_status(
    client: MoodleClient,
    *,
    restoreid: str = "",
    requestid: str = "",
    courseid: int = 0,
) -> list[RestoreStatus]:
    """``local_lemma_restore_status``: the restores matching one key, newest first (an empty
    list when none does)."""
    data = client.call(
        "local_lemma_restore_status",
        {"restoreid": restoreid, "requestid": requestid, "courseid": courseid},
        idempotent=True,
    )
    return [_status(d) for d in (data or {}).get("restores") or []]


def cleanup_restore(client: MoodleClient, restoreid: str) -> RestoreStatus:
    """``local_lemma_restore_cleanup``: give up a restore whose cron process died or whose task
    is gone (the plugin deletes the new course it was restoring into). A finished restore is
    left alone; a live one is refused (``errorrestorerunning``). Safe to resend."""
    data = client.call("local_lemma_restore_cleanup", {"restoreid": restoreid}, idempotent=True)
    return _status(data)


@dataclass(frozen=True)
class FileType:
    extension: str
    mimetype: str
    description: str = ""


@dataclass(frozen=True)
class FileTypeResult:
    extension: str
    mimetype: str
    status: str  # "added" or "exists"


def register_filetypes(client: MoodleClient, types: Sequence[FileType]) -> list[FileTypeResult]:
    """``local_lemma_register_filetypes``: add the extensions the site does not know; known ones
    are left alone (``exists``), so resending is harmless."""
    if not types:
        return []
    data = client.call(
        "local_lemma_register_filetypes",
        {
            "types": [
                {"extension": t.extension, "mimetype": t.mimetype, "description": t.description}
                for t in types
            ]
        },
        idempotent=True,
    )
    return [
        FileTypeResult(str(d["extension"]), str(d["mimetype"]), str(d["status"]))
        for d in data or []
    ]
