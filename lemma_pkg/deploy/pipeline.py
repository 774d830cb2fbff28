"""``lemma deploy``: a built course onto a live site, in importable steps.

:func:`deploy` runs: read the backup, finish or clean up interrupted deploys of the same
course (:func:`finish_interrupted`), plan, check, then (unless a dry run) log, register file
types, save the learner data (replace only), upload, start the restore, wait for it, hide
the previous version, verify, log. Every step that changes the site is recorded in the
deployment log first, so a run interrupted anywhere (network, Ctrl-C, kill -9) is found by the
next one: the restore request carries the deployment's id, the plugin answers a repeated id
with the first restore, and the site is asked what became of it.
"""

from __future__ import annotations

import logging
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lemma_pkg.deploy.deploylog import (
    ABANDONED,
    DONE,
    FAILED,
    PLANNED,
    RESTORING,
    DeployLog,
    Deployment,
)
from lemma_pkg.deploy.manifest import BackupManifest, read_manifest
from lemma_pkg.deploy.plan import DeployOptions, DeployPlan, make_plan
from lemma_pkg.deploy.steps import (
    DeployError,
    Polling,
    Progress,
    RestoreFailed,
    RestoreRefused,
    VerifyReport,
    hide_course,
    register_unknown_filetypes,
    start,
    upload_backup,
    verify,
    wait_for_restore,
)
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import MoodleError
from lemma_pkg.moodle.restore import RestoreStart, cleanup_restore, restore_status
from lemma_pkg.moodle.site import SiteInfo, get_site_info

log = logging.getLogger("lemma.deploy")

#: ``checkpoint(name)`` is called after each step (tests interrupt a deploy there).
Checkpoint = Callable[[str], None]


class LearnerDataExporter(Protocol):
    """Saves a course's learner data to disk before its content is replaced; returns the
    file (or folder) written. Must raise on any failure: the replace then does not start."""

    def __call__(self, client: MoodleClient, courseid: int, out_dir: Path) -> Path: ...


@dataclass(frozen=True)
class DeploySource:
    """The backup to deploy and where it came from."""

    mbz: Path
    project: Path | None = None  # the course folder it was built from
    source_commit: str | None = None
    default_category: str = ""  # course.yaml's category


@dataclass
class DeployResult:
    plan: DeployPlan
    dry_run: bool = False
    deployment: Deployment | None = None  # the last log record of this deploy
    courseid: int | None = None
    url: str | None = None
    verify: VerifyReport | None = None
    export: Path | None = None
    warnings: list[str] = field(default_factory=list)
    resumed: list[Deployment] = field(default_factory=list)  # interrupted ones dealt with
    timings: dict[str, float] = field(default_factory=dict)
    precheck: RestoreStart | None = None  # --precheck: Moodle's answer

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "dry_run": self.dry_run,
            "courseid": self.courseid,
            "url": self.url,
            "deploy": self.deployment.deploy if self.deployment else None,
            "outcome": self.deployment.outcome if self.deployment else None,
            "verify": self.verify.to_dict() if self.verify else None,
            "export": str(self.export) if self.export else None,
            "warnings": list(self.warnings),
            "resumed": [
                {"deploy": d.deploy, "shortname": d.shortname, "event": d.event}
                for d in self.resumed
            ],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "precheck": (
                {"errors": self.precheck.errors, "warnings": self.precheck.warnings}
                if self.precheck
                else None
            ),
        }


def git_commit(project: Path) -> str | None:
    """The commit of the course sources (``+dirty`` when they have uncommitted changes), or
    ``None`` outside git."""

    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", "-C", str(project), *args],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    if not head:
        return None
    dirty = git("status", "--porcelain", "--", "content_src", "gift_quizzes")
    return head + ("+dirty" if dirty else "")


def planned(plan: DeployPlan, mode: str) -> Deployment:
    """The first log record of a new deployment of ``plan``."""
    return Deployment(
        deploy=uuid.uuid4().hex,
        event=PLANNED,
        time="",
        site=plan.site,
        course=plan.course,
        mode=mode,
        shortname=plan.shortname,
        idnumber=plan.idnumber,
        fullname=plan.fullname,
        version=plan.version,
        sha256=plan.sha256,
        source_commit=plan.source_commit,
        categoryid=plan.category.id if plan.category else 0,
        courseid=plan.courseid if plan.action == "replace" else None,
        previous_courseid=plan.previous.id if plan.previous else None,
        hide_previous=plan.hide_previous,
    ).at(PLANNED)


def course_url(site: str, courseid: int) -> str:
    return f"{site}/course/view.php?id={courseid}"


def complete(
    client: MoodleClient,
    deploylog: DeployLog,
    d: Deployment,
    manifest: BackupManifest | None,
    *,
    progress: Progress | None = None,
    polling: Polling | None = None,
    checkpoint: Checkpoint | None = None,
    timings: dict[str, float] | None = None,
    project: Path | None = None,
) -> tuple[Deployment, VerifyReport | None]:
    """From a started restore to the end: wait for it, hide the previous version, verify
    (against ``manifest`` when it is the archive that was restored), log the outcome, and
    record what ``lemma deploy --update`` compares with later (from the sources in
    ``project`` when they are what was restored)."""
    assert d.restoreid is not None
    cp = checkpoint or (lambda name: None)
    t = timings if timings is not None else {}
    began = time.monotonic()
    try:
        status = wait_for_restore(client, d.restoreid, progress, polling)
    except RestoreFailed as exc:
        # a restore whose cron process died is never run again by Moodle: give it up here,
        # so that its half-restored new course does not stay behind
        try:
            outcome = cleanup_restore(client, d.restoreid).message or exc.reason
        except MoodleError as cexc:
            outcome = f"{exc.reason} (not cleaned up: {cexc.message})"
        deploylog.append(d.at(FAILED, outcome=outcome))
        raise RestoreFailed(
            f"the restore failed on the site: {outcome}", exc.hint, reason=outcome
        ) from exc
    except KeyboardInterrupt:
        log.warning(
            "stopped waiting: the restore goes on in Moodle's cron; run the same command "
            "again to finish the deploy"
        )
        raise
    t["restore_wait"] = time.monotonic() - began
    cp("restored")
    courseid = status.courseid
    if d.hide_previous and d.previous_courseid:
        hide_course(client, d.previous_courseid)
        cp("previous-hidden")
    began = time.monotonic()
    report: VerifyReport | None = None
    if manifest is not None and manifest.sha256 == d.sha256:
        report = verify(
            client,
            courseid,
            manifest,
            shortname=d.shortname,
            idnumber=d.idnumber if d.mode == "new" else None,
        )
    t["checks"] = time.monotonic() - began
    cp("verified")
    if report is None:
        outcome = "ok (restored; not verified: the backup is not at hand)"
    elif report.ok:
        outcome = "ok" + (f" ({len(report.warnings)} warnings)" if report.warnings else "")
    else:
        outcome = "restored with problems: " + "; ".join(report.problems)
    done = deploylog.append(
        d.at(DONE, courseid=courseid, outcome=outcome, url=course_url(d.site, courseid))
    )
    if "local_lemma_record_applied" in get_site_info(client).functions:
        from lemma_pkg.update.run import record_deploy_baseline

        same = manifest is not None and manifest.sha256 == d.sha256
        for warning in record_deploy_baseline(
            client, project if same else None, courseid, d.sha256
        ):
            log.warning("%s", warning)
    return done, report


def finish_interrupted(
    client: MoodleClient,
    deploylog: DeployLog,
    site: str,
    course: str,
    manifest: BackupManifest | None,
    *,
    progress: Progress | None = None,
    polling: Polling | None = None,
    project: Path | None = None,
) -> list[Deployment]:
    """Find deploys of ``course`` on ``site`` that a crash left unfinished, ask the site what
    became of each (by its request id), and finish it (restore started) or record it
    abandoned (nothing reached the site, or the restore failed: the plugin deleted the half-
    restored new course). Returns their final records."""
    out: list[Deployment] = []
    for d in deploylog.of_course(site, course):
        if d.final or d.mode == "cli":  # --via cli deploys are cleaned up by that path
            continue
        found = restore_status(client, requestid=d.deploy)
        if not found:
            out.append(
                deploylog.append(
                    d.at(
                        ABANDONED,
                        outcome="interrupted before the restore started; nothing reached the site",
                    )
                )
            )
            log.info("interrupted deploy of %s: nothing reached the site", d.shortname)
            continue
        st = found[0]
        if d.event == PLANNED or d.restoreid != st.restoreid:
            d = deploylog.append(d.at(RESTORING, restoreid=st.restoreid, courseid=st.courseid))
        log.info(
            "finishing the interrupted deploy of %s (course %d, restore %s)",
            d.shortname,
            st.courseid,
            st.state,
        )
        try:
            done, report = complete(
                client, deploylog, d, manifest, progress=progress, polling=polling, project=project
            )
        except RestoreFailed as exc:
            log.warning("the interrupted deploy of %s had failed: %s", d.shortname, exc.message)
            out.append(deploylog.last(d.deploy) or d)
            continue
        if report is not None and not report.ok:
            log.warning("%s: %s", done.shortname, done.outcome)
        out.append(done)
    return out


def deploy(
    client: MoodleClient,
    source: DeploySource,
    options: DeployOptions,
    deploylog: DeployLog,
    *,
    dry_run: bool = False,
    precheck_only: bool = False,
    progress: Progress | None = None,
    polling: Polling | None = None,
    exporter: LearnerDataExporter | None = None,
    export_dir: Path | None = None,
    checkpoint: Checkpoint | None = None,
    timings: dict[str, float] | None = None,
) -> DeployResult:
    """Deploy ``source`` to the client's site (see the module docstring). ``precheck_only``:
    plan, upload and ask Moodle's restore precheck (:attr:`DeployResult.precheck`), nothing
    more: no course, no log entry."""
    cp = checkpoint or (lambda name: None)
    t = timings if timings is not None else {}
    began = time.monotonic()
    manifest = read_manifest(source.mbz)
    info = get_site_info(client)
    site = client.url
    resumed: list[Deployment] = []
    if not dry_run and _has_plugin(info):
        resumed = finish_interrupted(
            client,
            deploylog,
            site,
            manifest.shortname,
            manifest,
            progress=progress,
            polling=polling,
            project=source.project,
        )
    history = deploylog.of_course(site, manifest.shortname)
    plan = make_plan(
        client,
        info,
        manifest,
        options,
        history,
        site=site,
        source_commit=source.source_commit,
        default_category=source.default_category,
    )
    t["plan"] = time.monotonic() - began
    result = DeployResult(plan, dry_run=dry_run, resumed=resumed, timings=t)
    pending = [d for d in history if not d.final]
    if dry_run:
        result.warnings += [
            f"an interrupted deploy of {d.shortname} would be finished or cleaned up first"
            for d in pending
        ]
        return result
    plan.require_ready()
    if plan.action == "unchanged":
        result.courseid = plan.courseid
        result.url = course_url(site, plan.courseid) if plan.courseid else None
        return result
    if precheck_only:
        draft = upload_backup(client, source.mbz, progress)
        result.precheck = start(client, plan, uuid.uuid4().hex, draft, precheck_only=True)
        return result
    if plan.action == "replace" and exporter is None:
        raise DeployError("no learner-data export is set up; the replace did not start")
    d = deploylog.append(planned(plan, "replace" if plan.action == "replace" else "new"))
    cp("planned")
    result.warnings += register_unknown_filetypes(client, plan)
    if plan.action == "replace":
        assert plan.courseid is not None and exporter is not None
        try:
            result.export = exporter(client, plan.courseid, export_dir or Path("."))
        except Exception as exc:
            deploylog.append(d.at(FAILED, outcome=f"learner data export failed: {exc}"))
            raise DeployError(
                f"saving the learner data of {plan.shortname} failed, so its content was not "
                f"replaced: {exc}",
                "fix the cause (the report functions in the token's service, disk space), "
                "then run the same command again",
            ) from exc
        d = deploylog.append(d.at(PLANNED, export=str(result.export)))
        cp("exported")
    began = time.monotonic()
    draft = upload_backup(client, source.mbz, progress)
    t["upload"] = time.monotonic() - began
    cp("uploaded")
    began = time.monotonic()
    try:
        started = start(client, plan, d.deploy, draft)
    except RestoreRefused as exc:
        deploylog.append(d.at(FAILED, outcome=exc.message))
        raise
    t["start"] = time.monotonic() - began
    d = deploylog.append(d.at(RESTORING, restoreid=started.restoreid, courseid=started.courseid))
    cp("restore-started")
    done, report = complete(
        client,
        deploylog,
        d,
        manifest,
        progress=progress,
        polling=polling,
        checkpoint=cp,
        timings=t,
        project=source.project,
    )
    result.deployment = done
    result.courseid = done.courseid
    result.url = done.url
    result.verify = report
    if report is not None:
        result.warnings += report.warnings
    return result


def _has_plugin(info: SiteInfo) -> bool:
    return "local_lemma_restore_status" in info.functions


def prepare_source(path: Path, *, strict: bool = False) -> tuple[DeploySource, float]:
    """A course folder is built first (``lemma build``); a .mbz is used as it is. Returns the
    source and the build time in seconds."""
    from lemma_pkg.build import build_course

    if path.is_dir():
        began = time.monotonic()
        built = build_course(path, strict=strict)
        took = time.monotonic() - began
        assert built.backup.path is not None
        project = Path(path)
        return (
            DeploySource(
                mbz=built.backup.path,
                project=project,
                source_commit=git_commit(project),
                default_category=built.category,
            ),
            took,
        )
    return DeploySource(mbz=Path(path)), 0.0
