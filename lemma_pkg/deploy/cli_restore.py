"""``lemma deploy --via cli``: restore with Moodle's own ``admin/cli/restore_backup.php``.

For administrators with shell access to the Moodle server and no companion plugin: new
courses only (that script cannot replace a course's content). The script names the course
as the backup does (Moodle adds ``_1`` to a taken short name); when a token is configured,
lemma then sets the versioned names through ``core_course_update_courses`` and verifies the
course like a plugin deploy (item idnumbers through ``core_course_get_course_module`` when the
plugin's course map is not available). Run lemma as the web server's user (e.g.
``sudo -u www-data lemma deploy --via cli …``) so that the files Moodle writes stay its own.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import time
from pathlib import Path

from lemma_pkg.deploy.deploylog import (
    ABANDONED,
    DONE,
    FAILED,
    RESTORING,
    DeployLog,
    Deployment,
)
from lemma_pkg.deploy.manifest import BackupManifest, read_manifest
from lemma_pkg.deploy.pipeline import DeployResult, DeploySource, course_url, planned
from lemma_pkg.deploy.plan import DeployOptions, DeployPlan, make_plan
from lemma_pkg.deploy.steps import DeployError, VerifyReport, hide_course, verify
from lemma_pkg.errors import UsageError
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import Category, get_course_by_field, update_courses
from lemma_pkg.moodle.site import get_site_info

log = logging.getLogger("lemma.deploy")

SCRIPT = "admin/cli/restore_backup.php"
#: What restore_backup.php prints at the end ($string['restoredcourseid']).
RESTORED = re.compile(r"Restored course ID: (\d+)")
#: The short name restore_backup.php gives the course while it restores
#: ($string['restoringcourseshortname']).
RESTORING_SHORTNAME = "restoring"


def php_command() -> list[str]:
    """The PHP to run (``$LEMMA_PHP``, e.g. ``sudo -u www-data php``; default ``php``)."""
    return (os.environ.get("LEMMA_PHP") or "php").split()


def run_restore_script(moodle_dir: Path, mbz: Path, categoryid: int, timeout: float) -> int:
    """Run ``admin/cli/restore_backup.php`` into a new course in ``categoryid``; its id."""
    script = Path(moodle_dir) / SCRIPT
    if not script.is_file():
        raise UsageError(
            f"--moodle-dir {moodle_dir}: no {SCRIPT} there",
            "give the folder that holds Moodle's config.php",
        )
    cmd = [
        *php_command(),
        str(script),
        f"--file={Path(mbz).resolve()}",
        f"--categoryid={categoryid}",
    ]
    log.info("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise UsageError(
            f"cannot run {cmd[0]}: {exc.strerror}", "install php-cli or set LEMMA_PHP"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise DeployError(
            f"{SCRIPT} did not finish within {timeout:.0f} s",
            "look at the course list for a course 'Course restoration in progress' and "
            "delete it, then run again with a larger --timeout",
        ) from exc
    out = proc.stdout + proc.stderr
    m = RESTORED.search(out)
    if proc.returncode != 0 or m is None:
        tail = "\n".join(out.strip().splitlines()[-8:])
        raise DeployError(
            f"{SCRIPT} failed (exit {proc.returncode}):\n{tail}",
            "a course 'Course restoration in progress' may be left on the site: delete it",
        )
    return int(m.group(1))


def deploy_via_cli(
    client: MoodleClient | None,
    source: DeploySource,
    options: DeployOptions,
    deploylog: DeployLog,
    moodle_dir: Path,
    *,
    dry_run: bool = False,
    timeout: float = 3600.0,
) -> DeployResult:
    """Deploy a new course with restore_backup.php; with a client, version, name and verify
    it. ``client`` None: no token configured (the course keeps the backup's names)."""
    if options.replace:
        raise UsageError(
            "--via cli cannot replace a course's content (restore_backup.php only adds)",
            "deploy a new version, or install the companion plugin for --replace",
        )
    manifest = read_manifest(source.mbz)
    site = client.url if client is not None else f"file://{Path(moodle_dir).resolve()}"
    history = deploylog.of_course(site, manifest.shortname)
    _clean_interrupted(client, deploylog, history)
    if client is not None:
        info = get_site_info(client)
        plan = make_plan(
            client,
            info,
            manifest,
            options,
            deploylog.of_course(site, manifest.shortname),
            site=site,
            source_commit=source.source_commit,
            default_category=source.default_category,
            via="cli",
        )
    else:
        spec = options.category or ""
        if not spec.isdigit():
            raise UsageError(
                "without a token, --via cli needs --category as a category id",
                "give the category's id (Site administration > Courses > Manage courses and "
                "categories), or configure a token so lemma can look the category up",
            )
        plan = DeployPlan(
            action="create",
            site=site,
            course=manifest.shortname,
            fullname=manifest.fullname,
            shortname=manifest.shortname,
            idnumber="",
            version=None,
            sha256=manifest.sha256,
            source_commit=source.source_commit,
            category=Category(int(spec), f"category {spec}", None, 0),
        )
    result = DeployResult(plan, dry_run=dry_run)
    if dry_run or plan.action == "unchanged":
        if plan.action == "unchanged" and plan.courseid:
            result.courseid, result.url = plan.courseid, course_url(site, plan.courseid)
        return result
    plan.require_ready()
    assert plan.category is not None
    d = deploylog.append(planned(plan, "cli"))
    began = time.monotonic()
    try:
        courseid = run_restore_script(moodle_dir, source.mbz, plan.category.id, timeout)
    except DeployError as exc:
        deploylog.append(d.at(FAILED, outcome=exc.message))
        raise
    result.timings["restore_wait"] = time.monotonic() - began
    d = deploylog.append(d.at(RESTORING, courseid=courseid))
    if client is None:
        result.deployment = deploylog.append(
            d.at(
                DONE,
                outcome="restored by restore_backup.php; names as in the backup (no token to "
                "set them)",
            )
        )
        result.courseid = courseid
        return result
    result.deployment, result.verify = _finish(client, deploylog, d, manifest, source.project)
    result.courseid, result.url = courseid, result.deployment.url
    return result


def _finish(
    client: MoodleClient,
    deploylog: DeployLog,
    d: Deployment,
    manifest: BackupManifest,
    project: Path | None = None,
) -> tuple[Deployment, VerifyReport]:
    """Names, previous version, verification and the log, once the course exists; and the
    baseline of a later ``lemma deploy --update``."""
    assert d.courseid is not None
    update_courses(
        client,
        [
            {
                "id": d.courseid,
                "fullname": d.fullname,
                "shortname": d.shortname,
                "idnumber": d.idnumber,
                "visible": 1,
            }
        ],
    )
    if d.hide_previous and d.previous_courseid:
        hide_course(client, d.previous_courseid)
    functions = get_site_info(client).functions
    plugin = "local_lemma_course_map" in functions
    report = verify(
        client, d.courseid, manifest, shortname=d.shortname, idnumber=d.idnumber, plugin=plugin
    )
    outcome = "ok" if report.ok else "restored with problems: " + "; ".join(report.problems)
    done = deploylog.append(d.at(DONE, outcome=outcome, url=course_url(d.site, d.courseid)))
    if "local_lemma_record_applied" in functions:
        from lemma_pkg.update.run import record_deploy_baseline

        for warning in record_deploy_baseline(client, project, d.courseid, d.sha256):
            log.warning("%s", warning)
    return done, report


def _clean_interrupted(
    client: MoodleClient | None, deploylog: DeployLog, history: list[Deployment]
) -> None:
    """A --via cli deploy interrupted while restore_backup.php ran cannot be resumed: the
    script keeps no record. Say what may be left and record it abandoned."""
    for d in history:
        if d.final or d.mode != "cli":
            continue
        left = ""
        if client is not None:
            found = get_course_by_field(client, "shortname", RESTORING_SHORTNAME)
            if found is not None:
                left = (
                    f"; course {found.id} '{found.fullname}' may be its half-restored course: "
                    "delete it"
                )
        if d.event == RESTORING and d.courseid:
            left = f"; course {d.courseid} was restored but not checked: check or delete it"
        deploylog.append(d.at(ABANDONED, outcome="interrupted during restore_backup.php" + left))
        log.warning("an interrupted --via cli deploy of %s%s", d.shortname, left)
