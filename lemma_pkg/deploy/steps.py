"""The steps of a deploy, each usable on its own (``lemma deploy`` runs them in
:mod:`lemma_pkg.deploy.pipeline`; ``lemma deploy --update`` can reuse them): register file
types, upload, start the restore, wait for it, hide the previous version, verify.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lemma_pkg.deploy.manifest import BackupManifest
from lemma_pkg.deploy.plan import DeployPlan
from lemma_pkg.errors import RemoteError
from lemma_pkg.mbz.mimetypes import is_known
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.coursemap import CourseMap, get_course_map, get_course_map_core
from lemma_pkg.moodle.courses import get_contents, get_course_by_field, update_courses
from lemma_pkg.moodle.errors import MoodleError
from lemma_pkg.moodle.restore import (
    RestoreStart,
    RestoreStatus,
    register_filetypes,
    restore_status,
    start_restore,
)
from lemma_pkg.moodle.upload import upload_files

log = logging.getLogger("lemma.deploy")

#: Moodle's resource display "force download" (RESOURCELIB_DISPLAY_DOWNLOAD).
DISPLAY_DOWNLOAD = 4


class DeployError(RemoteError):
    """The deploy failed on the site (exit 4)."""


class RestoreRefused(DeployError):
    """Moodle's restore precheck refused the backup; nothing was changed."""


class RestoreFailed(DeployError):
    """The restore ran and failed (a new course is deleted again by the plugin)."""

    def __init__(self, message: str, hint: str | None = None, *, reason: str = "") -> None:
        super().__init__(message, hint)
        self.reason = reason  # the site's own words


class RestoreStillRunning(DeployError):
    """lemma stopped waiting; the restore goes on and the next run picks it up."""


class Progress(Protocol):
    """Where a long step reports how far it is (the CLI draws a bar on stderr)."""

    def start(self, label: str, total: int) -> None: ...

    def update(self, done: int) -> None: ...

    def finish(self, summary: str = "") -> None: ...


class NoProgress:
    def start(self, label: str, total: int) -> None:
        pass

    def update(self, done: int) -> None:
        pass

    def finish(self, summary: str = "") -> None:
        pass


def register_unknown_filetypes(client: MoodleClient, plan: DeployPlan) -> list[str]:
    """Register the backup's unknown extensions so that the restore stores data sets with
    that type (not sniffed as text/plain). Returns warnings; never fails the deploy: without
    it data sets still download from their activity links."""
    if not plan.register:
        return []
    try:
        done = register_filetypes(client, plan.register)
    except MoodleError as exc:
        return [
            f"could not register file types ({exc.message}): files of type "
            + ", ".join(f".{t.extension}" for t in plan.register)
            + " open as text from direct links; register them in Site administration > "
            "Server > File types"
        ]
    for r in done:
        log.info("file type .%s: %s (%s)", r.extension, r.status, r.mimetype)
    return []


@dataclass(frozen=True)
class Draft:
    itemid: int
    filename: str


def upload_backup(client: MoodleClient, path: Path, progress: Progress | None = None) -> Draft:
    """Upload the .mbz into a new draft area of the token's user."""
    bar = progress or NoProgress()
    size = path.stat().st_size
    bar.start(f"upload {path.name}", size)
    result = upload_files(client, [path], progress=lambda sent, total: bar.update(sent))
    bar.finish()
    assert result.itemid is not None
    return Draft(result.itemid, result.files[0].filename)


def start(
    client: MoodleClient,
    plan: DeployPlan,
    requestid: str,
    draft: Draft,
    *,
    visible: bool = True,
    precheck_only: bool = False,
) -> RestoreStart:
    """Ask the plugin for the restore (precheck now, restore in Moodle's cron); with
    ``precheck_only``, only Moodle's precheck (nothing changes on the site)."""
    common: dict[str, Any] = {
        "requestid": requestid,
        "draftitemid": draft.itemid,
        "filename": draft.filename,
        "fullname": plan.fullname,
        "shortname": plan.shortname,
        "idnumber": plan.idnumber,
        "sha256": plan.sha256,
        "precheckonly": precheck_only,
    }
    if plan.action == "replace":
        assert plan.courseid is not None
        started = start_restore(client, target="replace", courseid=plan.courseid, **common)
    else:
        assert plan.category is not None
        started = start_restore(
            client, target="new", categoryid=plan.category.id, visible=visible, **common
        )
    if precheck_only:
        return started
    for w in started.warnings:
        log.warning("restore precheck: %s", w)
    if started.errors:
        raise RestoreRefused(
            "Moodle's restore precheck refused the backup: " + "; ".join(started.errors),
            "nothing was changed on the site; `lemma inspect` checks the backup",
        )
    return started


@dataclass(frozen=True)
class Polling:
    """How :func:`wait_for_restore` polls (tests pass zeros)."""

    first: float = 0.5
    factor: float = 1.5
    most: float = 5.0
    timeout: float = 3600.0  # stop waiting after this long (the restore goes on)
    outage: float = 300.0  # give up after the site failed this long in a row
    cron_warning: float = 60.0  # "is cron running?" after this long in the queue


def wait_for_restore(
    client: MoodleClient,
    restoreid: str,
    progress: Progress | None = None,
    polling: Polling | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> RestoreStatus:
    """Poll ``local_lemma_restore_status`` until the restore has finished (returned) or failed
    (:class:`RestoreFailed`). Transient site failures are waited out up to
    ``polling.outage``; after ``polling.timeout`` :class:`RestoreStillRunning` is raised."""
    p = polling or Polling()
    bar = progress or NoProgress()
    bar.start("restore", 1000)
    began = time.monotonic()
    failing_since: float | None = None
    warned = False
    delay = p.first
    while True:
        try:
            found = restore_status(client, restoreid=restoreid)
            failing_since = None
        except MoodleError as exc:
            if not exc.transient:
                raise
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > p.outage:
                raise RestoreStillRunning(
                    f"the site has been failing for {p.outage:.0f} s while the restore runs: "
                    f"{exc.message}",
                    "the restore goes on in Moodle's cron: run the same command again later "
                    "to pick it up",
                ) from exc
            log.warning("restore status: %s; trying again", exc.message)
            sleep(delay)
            continue
        if not found:
            raise DeployError(
                f"the site knows no restore {restoreid}",
                "was the plugin reinstalled (its records dropped)? check the site's courses",
            )
        status = found[0]
        bar.update(int(status.progress * 1000))
        if status.state == "finished":
            bar.finish("restored")
            return status
        if status.state == "failed":
            bar.finish("failed")
            raise RestoreFailed(
                f"the restore failed on the site: {status.message or 'no reason given'}",
                "see the restore log warnings above and the site's cron log; run the same "
                "command again to retry",
                reason=status.message,
            )
        waited = time.monotonic() - began
        if status.state == "queued" and waited > p.cron_warning and not warned:
            warned = True
            log.warning(
                "the restore still waits in Moodle's task queue after %.0f s: is cron "
                "running? (admin/cli/cron.php, Site administration > Server > Tasks)",
                waited,
            )
        if waited > p.timeout:
            bar.finish("still running")
            raise RestoreStillRunning(
                f"the restore is still {status.state} after {waited:.0f} s",
                "it goes on in Moodle's cron: run the same command again later to finish "
                "the deploy",
            )
        sleep(delay)
        delay = min(p.most, delay * p.factor)


def hide_course(client: MoodleClient, courseid: int) -> None:
    """Hide a course (the previous version, with --hide-previous)."""
    update_courses(client, [{"id": courseid, "visible": 0}])


@dataclass(frozen=True)
class DataSetCheck:
    filename: str
    idnumber: str
    problem: str = ""  # empty when it downloads intact and its link forces a download


@dataclass
class VerifyReport:
    """What :func:`verify` found on the site."""

    courseid: int
    problems: list[str] = field(default_factory=list)  # the deploy did not arrive as built
    warnings: list[str] = field(default_factory=list)  # it did, with a caveat
    items: int = 0
    datasets: list[DataSetCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "courseid": self.courseid,
            "ok": self.ok,
            "items": self.items,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "datasets": [
                {"filename": d.filename, "idnumber": d.idnumber, "problem": d.problem}
                for d in self.datasets
            ],
        }


def course_map(client: MoodleClient, courseid: int, *, plugin: bool = True) -> CourseMap:
    return get_course_map(client, courseid) if plugin else get_course_map_core(client, courseid)


def verify(
    client: MoodleClient,
    courseid: int,
    manifest: BackupManifest,
    *,
    shortname: str,
    idnumber: str | None,
    plugin: bool = True,
) -> VerifyReport:
    """Check the restored course against the backup: its names, every item by idnumber, and
    every data set (downloads with the archive's sha256; its activity forces a download)."""
    report = VerifyReport(courseid)
    course = get_course_by_field(client, "id", courseid)
    if course is None:
        report.problems.append(f"course {courseid} is not on the site")
        return report
    if course.shortname != shortname:
        report.problems.append(f"short name is {course.shortname!r}, not {shortname!r}")
    if idnumber is not None and course.idnumber != idnumber:
        report.problems.append(f"idnumber is {course.idnumber!r}, not {idnumber!r}")
    site = course_map(client, courseid, plugin=plugin)
    by_idnumber = site.by_idnumber()
    report.items = len(site.modules)
    for item in manifest.items:
        if not item.idnumber:
            continue
        found = by_idnumber.get(item.idnumber)
        if found is None:
            report.problems.append(f"{item.modname} {item.idnumber!r} ({item.title}) is missing")
        elif found.modname != item.modname:
            report.problems.append(f"{item.idnumber!r} is a {found.modname}, not a {item.modname}")
    if manifest.datasets:
        _verify_datasets(client, courseid, manifest, site, report)
    return report


def _verify_datasets(
    client: MoodleClient,
    courseid: int,
    manifest: BackupManifest,
    site: CourseMap,
    report: VerifyReport,
) -> None:
    cm_idnumber = {m.cmid: m.idnumber for m in site.modules}
    modules: dict[str, dict[str, Any]] = {}
    for sec in get_contents(client, courseid, excludecontents=False, modname="resource"):
        for entry in sec.get("modules", []):
            modules[cm_idnumber.get(int(entry["id"]), "")] = dict(entry)
    for ds in manifest.datasets:
        problem = ""
        mod = modules.get(ds.idnumber)
        contents: list[dict[str, Any]] = list((mod or {}).get("contents") or [])
        files = [c for c in contents if c.get("filename") == ds.filename]
        if mod is None or not files:
            problem = "not on the site"
        else:
            display = _display(mod)
            got = client.download_digest(str(files[0]["fileurl"]))
            if got.sha256 != ds.sha256:
                problem = f"downloads {got.size} bytes that differ from the backup's {ds.size}"
            elif display != DISPLAY_DOWNLOAD:
                problem = "its activity link opens the file instead of downloading it"
            mimetype = str(files[0].get("mimetype") or "")
            if not problem and not is_known(ds.filename) and mimetype.startswith("text/"):
                report.warnings.append(
                    f"{ds.filename} is stored as {mimetype}: direct links to it open as text "
                    "(register its extension: Site administration > Server > File types)"
                )
        if problem:
            report.problems.append(f"data set {ds.filename} ({ds.idnumber}): {problem}")
        report.datasets.append(DataSetCheck(ds.filename, ds.idnumber, problem))


def _display(module: dict[str, Any]) -> int | None:
    """A file activity's display setting, from get_contents' ``customdata``."""
    try:
        data = json.loads(str(module.get("customdata") or "{}"))
        return int(data["display"])
    except (ValueError, KeyError, TypeError):
        return None
