"""What a deploy will do, worked out from the backup, the site and the deployment log; and the
site checks a deploy needs. Nothing here writes to the site.

Versioned by default: each deploy of changed sources is a new course whose short name and
idnumber carry a version (``LEMMA-v3``, ``lemma-v3``); the version after the highest one on
the site or in the log. Deploying the archive the newest version already holds (same sha256)
is ``unchanged``. ``--replace SHORTNAME`` replaces an existing course's content instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from lemma_pkg.deploy.deploylog import DONE, Deployment
from lemma_pkg.deploy.manifest import BackupManifest
from lemma_pkg.doctor import Check, Status, check_upload, check_version
from lemma_pkg.errors import ConfigError, UsageError
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import Category, Course, get_categories, get_course_by_field
from lemma_pkg.moodle.errors import SERVICES_PATH
from lemma_pkg.moodle.restore import FileType, restore_status
from lemma_pkg.moodle.site import SiteInfo

Action = Literal["create", "replace", "unchanged"]
Via = Literal["ws", "cli"]

#: Plugin functions every deploy through the plugin calls.
PLUGIN_FUNCTIONS = (
    "local_lemma_restore_course",
    "local_lemma_restore_status",
    "local_lemma_course_map",
)
#: Core functions every deploy calls.
CORE_FUNCTIONS = (
    "core_course_get_courses_by_field",
    "core_course_get_categories",
    "core_course_get_contents",
)
#: What a data file with an extension Moodle does not know is registered as.
DATA_MIMETYPE = "application/octet-stream"


class DeployCheckError(ConfigError):
    """The site is not ready for this deploy (exit 3)."""


@dataclass(frozen=True)
class DeployOptions:
    """What the user asked for."""

    category: str | None = None  # name, idnumber or id; default: course.yaml, else previous
    replace: str | None = None  # short name of the course whose content is replaced
    hide_previous: bool = False


@dataclass(frozen=True)
class DeployPlan:
    action: Action
    site: str
    course: str  # the course's own short name, shared by its versions
    fullname: str
    shortname: str  # the short name the course will have
    idnumber: str
    version: int | None
    sha256: str
    source_commit: str | None
    category: Category | None = None
    courseid: int | None = None  # replace: the course; unchanged: the course holding it
    previous: Course | None = None  # the newest earlier version (create)
    hide_previous: bool = False
    register: tuple[FileType, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def failed_checks(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAIL and c.required]

    def require_ready(self) -> None:
        """Raise :class:`DeployCheckError` when a required site check failed."""
        failed = self.failed_checks
        if failed:
            raise DeployCheckError(
                "the site is not ready for this deploy: "
                + "; ".join(f"{c.name}: {c.summary}" for c in failed),
                " / ".join(c.fix for c in failed if c.fix) or None,
            )

    def describe(self) -> list[str]:
        """The plan in words, one line each."""
        if self.failed_checks:
            return ["nothing can be planned: the site is not ready (see the checks below)"]
        where = (
            f"in category {self.category.name!r} (id {self.category.id})" if self.category else ""
        )
        if self.action == "unchanged":
            lines = [
                f"unchanged: {self.shortname} (course {self.courseid}) already holds this backup "
                f"(sha256 {self.sha256[:12]})"
            ]
        elif self.action == "create":
            lines = [f"create {self.shortname} (idnumber {self.idnumber}) {where}".rstrip()]
            if self.previous is not None:
                verb = "hide" if self.hide_previous else "leave as it is"
                lines.append(
                    f"previous version {self.previous.shortname} (course "
                    f"{self.previous.id}): {verb}"
                )
        else:
            lines = [
                f"replace the content of {self.shortname} (course {self.courseid}); "
                "first save its learner data (completion, quiz attempts, grades) to disk; "
                "enrolments, roles and groups are kept"
            ]
        if self.register:
            lines.append(
                "register file types on the site: "
                + ", ".join(f".{t.extension} ({t.mimetype})" for t in self.register)
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "site": self.site,
            "course": self.course,
            "fullname": self.fullname,
            "shortname": self.shortname,
            "idnumber": self.idnumber,
            "version": self.version,
            "sha256": self.sha256,
            "source_commit": self.source_commit,
            "category": (
                {"id": self.category.id, "name": self.category.name} if self.category else None
            ),
            "courseid": self.courseid,
            "previous": (
                {"id": self.previous.id, "shortname": self.previous.shortname}
                if self.previous
                else None
            ),
            "hide_previous": self.hide_previous,
            "register": [t.extension for t in self.register],
            "checks": [c.to_dict() for c in self.checks],
        }


def versioned(name: str, version: int) -> str:
    return f"{name}-v{version}"


def version_of(shortname: str, course: str) -> int | None:
    m = re.fullmatch(re.escape(course) + r"-v(\d+)", shortname)
    return int(m.group(1)) if m else None


def deploy_checks(
    info: SiteInfo, manifest: BackupManifest, *, hide_previous: bool = False, via: Via = "ws"
) -> list[Check]:
    """The doctor's checks that a deploy needs (through the plugin, or ``--via cli``: Moodle's
    restore script, then web services to name and check the course)."""
    if via == "cli":
        checks = [check_version(info)]
        needed = [
            "core_course_get_courses_by_field",
            "core_course_get_categories",
            "core_course_update_courses",
            "core_course_get_contents",
        ]
        if "local_lemma_course_map" not in info.functions:
            needed.append("core_course_get_course_module")
        return [*checks, _functions_check(info, needed, "lemma names and checks the course")]
    checks = [check_version(info), *check_upload(info, manifest.size, manifest.path.name)]
    missing_plugin = [f for f in PLUGIN_FUNCTIONS if f not in info.functions]
    if missing_plugin:
        checks.append(
            Check(
                "companion plugin",
                Status.FAIL,
                f"not in the token's service: {', '.join(missing_plugin)}",
                "install the companion plugin local_lemma (`lemma plugin zip`, "
                "docs/companion-plugin.md) and use a token for its service 'lemma'; or, with "
                "shell access to the server, deploy with --via cli",
            )
        )
    else:
        version = info.functions.get(PLUGIN_FUNCTIONS[0], "")
        checks.append(Check("companion plugin", Status.OK, f"local_lemma {version}"))
    needed = list(CORE_FUNCTIONS) + (["core_course_update_courses"] if hide_previous else [])
    checks.append(_functions_check(info, needed, "or use a token for the plugin's service 'lemma'"))
    if manifest.unknown_extensions and "local_lemma_register_filetypes" not in info.functions:
        checks.append(
            Check(
                "file types",
                Status.WARN,
                "cannot register "
                + ", ".join(f".{e}" for e in manifest.unknown_extensions)
                + " (local_lemma_register_filetypes is not in the service)",
                "such files are stored as text/plain and open as text from direct links; "
                "register them in Site administration > Server > File types",
                required=False,
            )
        )
    if not info.completion_enabled:
        checks.append(
            Check(
                "completion",
                Status.WARN,
                "completion tracking is disabled on the site: the course's completion rules "
                "and restrictions will not work",
                "Site administration > Advanced features > Enable completion tracking",
                required=False,
            )
        )
    return checks


def _functions_check(info: SiteInfo, needed: list[str], why: str) -> Check:
    missing = [f for f in needed if f not in info.functions]
    if not missing:
        return Check("functions", Status.OK, "every function deploy calls is in the service")
    return Check(
        "functions",
        Status.FAIL,
        f"not in the token's service: {', '.join(missing)}",
        f"add them in {SERVICES_PATH} ({why})",
    )


def resolve_category(client: MoodleClient, spec: str) -> Category:
    """A category by id (digits), idnumber, or name (which must be unique)."""
    spec = spec.strip()
    found: list[Category] = []
    if spec.isdigit():
        found = get_categories(client, id=int(spec))
    if not found:
        found = get_categories(client, idnumber=spec)
    if not found:
        found = get_categories(client, name=spec)
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(
            f"no course category {spec!r} on the site (by id, idnumber or name)",
            "create it in Site administration > Courses > Manage courses and categories, or "
            "pass --category with an existing one",
        )
    raise UsageError(
        f"{len(found)} categories are named {spec!r}: " + ", ".join(f"id {c.id}" for c in found),
        "pass --category with the id or idnumber of the one you mean",
    )


def finished_sha(
    client: MoodleClient | None,
    course: Course,
    log: list[Deployment],
    *,
    updates: MoodleClient | None = None,
) -> str:
    """The sha256 of the archive a course was last restored from: the plugin's record on the
    site, else the deployment log; an update in place (``--update``) since counts: the
    archive the plugin recorded for the course's last deploy or update (``updates``, when the
    site has ``local_lemma_update_state``), else an update in the log."""
    if updates is not None:
        from lemma_pkg.update.live import recorded_archive

        recorded = recorded_archive(updates, course.id)
        if recorded:
            return recorded
    for d in reversed(log):
        if d.courseid == course.id and d.event == DONE:
            if d.mode == "update":
                return d.sha256
            break
    if client is not None:
        for r in restore_status(client, courseid=course.id):
            if r.state == "finished" and r.sha256:
                return r.sha256
    for d in reversed(log):
        if d.courseid == course.id and d.event == DONE:
            return d.sha256
    return ""


def newest_version(
    client: MoodleClient, course: str, log: list[Deployment]
) -> tuple[int, Course | None]:
    """The highest version number used (on the site or in the log) and the newest version's
    course on the site, probing short names ``course-vN`` (a few calls)."""
    # versions that were deployed (a failed or abandoned one left no course: reused)
    logged = [d.version for d in log if d.version is not None and d.event == DONE]
    hint = max(logged, default=0)
    newest: Course | None = None
    n = hint
    while True:  # upwards: versions deployed from elsewhere
        found = get_course_by_field(client, "shortname", versioned(course, n + 1))
        if found is None:
            break
        n, newest = n + 1, found
    if newest is None:  # downwards: the logged ones may have been deleted
        for k in range(hint, 0, -1):
            newest = get_course_by_field(client, "shortname", versioned(course, k))
            if newest is not None:
                break
    return max(n, hint), newest


def make_plan(
    client: MoodleClient,
    info: SiteInfo,
    manifest: BackupManifest,
    options: DeployOptions,
    log: list[Deployment],
    *,
    site: str,
    source_commit: str | None,
    default_category: str = "",
    via: Via = "ws",
) -> DeployPlan:
    """Work out the deploy (reads only). ``log`` is this course's deployments on this site."""
    course = manifest.shortname
    base_idnumber = manifest.idnumber or course.lower()
    checks = tuple(deploy_checks(info, manifest, hide_previous=options.hide_previous, via=via))
    register = tuple(
        FileType(ext, DATA_MIMETYPE, f"Data file (.{ext})")
        for ext in manifest.unknown_extensions
        if "local_lemma_register_filetypes" in info.functions and via == "ws"
    )
    # the archive each course was restored from: the plugin's records, else the log
    shas: MoodleClient | None = client if "local_lemma_restore_status" in info.functions else None
    updates: MoodleClient | None = client if "local_lemma_update_state" in info.functions else None
    common: dict[str, Any] = {
        "site": site,
        "course": course,
        "fullname": manifest.fullname,
        "sha256": manifest.sha256,
        "source_commit": source_commit,
        "checks": checks,
        "register": register,
    }
    if any(c.status is Status.FAIL and c.required for c in checks):
        return DeployPlan(action="create", shortname=course, idnumber="", version=None, **common)
    if options.replace:
        target = get_course_by_field(client, "shortname", options.replace)
        if target is None:
            raise UsageError(
                f"--replace {options.replace}: no course with that short name on {site}",
                "give the short name of an existing course (or deploy a new version without "
                "--replace)",
            )
        action: Action = "replace"
        if finished_sha(shas, target, log, updates=updates) == manifest.sha256:
            action = "unchanged"
        return DeployPlan(
            action=action,
            shortname=target.shortname,
            idnumber=target.idnumber,
            version=version_of(target.shortname, course),
            courseid=target.id,
            **{**common, "fullname": target.fullname},
        )
    used, newest = newest_version(client, course, log)
    if newest is not None and finished_sha(shas, newest, log, updates=updates) == manifest.sha256:
        return DeployPlan(
            action="unchanged",
            shortname=newest.shortname,
            idnumber=newest.idnumber,
            version=version_of(newest.shortname, course),
            courseid=newest.id,
            previous=newest,
            **common,
        )
    spec = options.category or default_category or ""
    if spec:
        category = resolve_category(client, spec)
    elif newest is not None:
        category = resolve_category(client, str(newest.categoryid))
    else:
        raise UsageError(
            "where should the course go? the backup names no category",
            "pass --category NAME (or set `category:` in course.yaml)",
        )
    version = used + 1
    while (
        get_course_by_field(client, "shortname", versioned(course, version)) is not None
        or get_course_by_field(client, "idnumber", versioned(base_idnumber, version)) is not None
    ):
        version += 1
    return DeployPlan(
        action="create",
        shortname=versioned(course, version),
        idnumber=versioned(base_idnumber, version),
        version=version,
        category=category,
        previous=newest,
        hide_previous=options.hide_previous and newest is not None,
        **common,
    )
