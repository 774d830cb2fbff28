"""Preflight checks against a Moodle site (``lemma doctor``).

Each check is a function returning :class:`Check` values: what was found and, for a
failure, what to do about it. :func:`run_doctor` runs them in order and skips what cannot be
checked after an earlier failure (no site, no token).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from lemma_pkg.config import SiteConfig
from lemma_pkg.errors import EXIT_CONFIG, EXIT_OK, EXIT_REMOTE, ConfigError
from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient
from lemma_pkg.moodle.errors import (
    SERVICES_PATH,
    MoodleAuthError,
    MoodleConfigError,
    MoodleError,
    TLSError,
)
from lemma_pkg.moodle.functions import (
    COMPANION_PREFIX,
    FUNCTIONS,
    MIN_RELEASE,
    MIN_VERSION,
)
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.moodle.site import SiteInfo, get_site_info

#: doctor reports the site as it is now: one quick retry, no long waits.
DOCTOR_RETRY = RetryPolicy(attempts=2, backoff=0.2, max_backoff=0.2, max_retry_after=5.0)

#: Below this, warn that a compiled course with media may not fit.
SMALL_UPLOAD_LIMIT = 50 * 1024 * 1024


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    name: str
    status: Status
    summary: str
    fix: str = ""
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        return d


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)
    #: The site could not be reached at all (network, 5xx).
    unreachable: bool = False

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAIL and c.required]

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return EXIT_REMOTE
        return EXIT_CONFIG if self.failed else EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.exit_code == EXIT_OK,
            "exit_code": self.exit_code,
            "checks": [c.to_dict() for c in self.checks],
        }


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def check_config(cfg: SiteConfig) -> Check:
    missing = [n for n, v in (("URL", cfg.url), ("token", cfg.token)) if v is None]
    if missing:
        from lemma_pkg.config import missing_hint

        return Check(
            "config", Status.FAIL, f"no {' and no '.join(missing)} configured", missing_hint(cfg)
        )
    assert cfg.token is not None
    return Check(
        "config",
        Status.OK,
        f"{cfg.url} (url from {cfg.url_origin}; token {cfg.token.masked} from {cfg.token_origin})",
    )


def check_version(info: SiteInfo) -> Check:
    if info.version >= MIN_VERSION:
        return Check("version", Status.OK, f"Moodle {info.release} (version {info.version})")
    return Check(
        "version",
        Status.FAIL,
        f"Moodle {info.release or info.version} is older than {MIN_RELEASE} LTS",
        f"lemma builds Moodle {MIN_RELEASE} backups, which older sites cannot restore, and "
        f"uses web-service functions as of {MIN_RELEASE}: upgrade the site to {MIN_RELEASE} LTS "
        "or newer",
    )


def check_token_user(info: SiteInfo) -> Check:
    who = f"user {info.username!r} (id {info.userid})"
    if info.userissiteadmin:
        return Check(
            "token user",
            Status.WARN,
            f"{who} is a site administrator",
            "works, but a dedicated web-service user with only the capabilities lemma needs is "
            "safer (see docs/moodle-client.md)",
            required=False,
        )
    return Check("token user", Status.OK, who, required=False)


def check_functions(info: SiteInfo) -> list[Check]:
    present = set(info.functions)
    missing_req = [f.name for f in FUNCTIONS.values() if f.required and f.name not in present]
    missing_opt = [f.name for f in FUNCTIONS.values() if not f.required and f.name not in present]
    checks: list[Check] = []
    n_req = sum(1 for f in FUNCTIONS.values() if f.required)
    if missing_req:
        by_feature: dict[str, list[str]] = {}
        for name in missing_req:
            for feat in FUNCTIONS[name].features:
                by_feature.setdefault(feat, []).append(name)
        checks.append(
            Check(
                "functions",
                Status.FAIL,
                f"{len(missing_req)} of {n_req} functions lemma needs are not in the token's "
                f"service: {', '.join(missing_req)}",
                f"add them in {SERVICES_PATH} > (the token's service) > Functions > Add "
                "functions (needed for: "
                + "; ".join(f"{k}: {len(v)}" for k, v in sorted(by_feature.items()))
                + ")",
            )
        )
    else:
        checks.append(
            Check("functions", Status.OK, f"all {n_req} functions lemma needs are in the service")
        )
    if missing_opt:
        checks.append(
            Check(
                "optional functions",
                Status.WARN,
                f"not in the service: {', '.join(missing_opt)}",
                f"add them in {SERVICES_PATH} to use the features that need them",
                required=False,
            )
        )
    return checks


def check_upload(
    info: SiteInfo, mbz_bytes: int | None = None, mbz_name: str | None = None
) -> list[Check]:
    """Upload allowed, and the user's size limit (against the backup, when one is given)."""
    checks: list[Check] = []
    backup = f"the backup {mbz_name} " if mbz_name else "the backup "
    if mbz_bytes is not None:
        backup += f"({human_size(mbz_bytes)})"
    if info.uploadfiles:
        checks.append(Check("upload", Status.OK, "the service may upload files"))
    else:
        checks.append(
            Check(
                "upload",
                Status.FAIL,
                "the token's service may not upload files (needed to deploy a backup)",
                f"tick 'Can upload files' for the service in {SERVICES_PATH} > Edit",
            )
        )
    limit = info.usermaxuploadfilesize
    if limit < 0:
        summary = "no upload size limit for this user"
        if mbz_bytes is not None:
            summary += f": {backup} fits (the web server's PHP post_max_size still applies)"
        checks.append(Check("max upload", Status.OK, summary, required=False))
    elif mbz_bytes is not None and mbz_bytes > limit:
        checks.append(
            Check(
                "max upload",
                Status.FAIL,
                f"{backup} is larger than the user's upload limit ({human_size(limit)})",
                "raise 'Maximum uploaded file size' (Site administration > Security > Site "
                "security settings) and PHP's upload_max_filesize and post_max_size",
            )
        )
    elif mbz_bytes is not None:
        checks.append(
            Check(
                "max upload",
                Status.OK,
                f"{backup} fits the user's upload limit ({human_size(limit)})",
                required=False,
            )
        )
    else:
        small = limit < SMALL_UPLOAD_LIMIT
        checks.append(
            Check(
                "max upload",
                Status.WARN if small else Status.OK,
                f"uploads up to {human_size(limit)}",
                "a course with media may not fit: raise 'Maximum uploaded file size' and PHP's "
                "upload_max_filesize/post_max_size"
                if small
                else "",
                required=False,
            )
        )
    if info.userquota > 0:
        checks.append(
            Check(
                "quota", Status.OK, f"user file quota {human_size(info.userquota)}", required=False
            )
        )
    return checks


def check_completion(info: SiteInfo) -> Check:
    if info.completion_enabled:
        return Check("completion", Status.OK, "completion tracking is enabled")
    return Check(
        "completion",
        Status.FAIL,
        "completion tracking is disabled on the site",
        "enable it: Site administration > Advanced features > Enable completion tracking",
    )


def check_manual_enrolment(client: MoodleClient, info: SiteInfo, course: str | None) -> Check:
    name = "manual enrolment"
    if "enrol_manual_enrol_users" not in info.functions:
        return Check(
            name,
            Status.FAIL,
            "enrol_manual_enrol_users is not in the service",
            f"add it in {SERVICES_PATH}",
        )
    if course is None:
        return Check(
            name,
            Status.SKIP,
            "not checked: Moodle shows enabled enrolment methods per course only",
            "run `lemma doctor --course SHORTNAME` to check a course",
            required=False,
        )
    from lemma_pkg.moodle.courses import get_course_by_field

    found = get_course_by_field(client, "shortname", course)
    if found is None:
        return Check(
            name,
            Status.FAIL,
            f"no course with shortname {course!r} (or not visible)",
            "check the shortname, or that the token's user can see the course",
        )
    if "manual" in found.enrollmentmethods:
        return Check(name, Status.OK, f"course {course!r} has an enabled manual enrolment method")
    return Check(
        name,
        Status.FAIL,
        f"course {course!r} has no enabled manual enrolment method "
        f"(enabled: {', '.join(found.enrollmentmethods) or 'none'})",
        "enable Manual enrolments in Site administration > Plugins > Enrolments > Manage "
        "enrol plugins, and add the method to the course (Participants > Enrolment methods)",
    )


def check_max_input_vars(client: MoodleClient, info: SiteInfo) -> Check:
    """Send one harmless read with as many form fields as lemma's batches use, its own user id
    last: PHP's ``max_input_vars`` drops fields past its limit without a word, so if the last
    value is lost the user is missing from the answer."""
    name = "max_input_vars"
    if "core_user_get_users_by_field" not in info.functions:
        return Check(
            name, Status.SKIP, "not checked (core_user_get_users_by_field missing)", required=False
        )
    n = client.max_fields
    values = ["0"] * (n - BASE_FIELDS - 2) + [str(info.userid)]  # + "field" = n fields
    found = client.call("core_user_get_users_by_field", {"field": "id", "values": values})
    if any(isinstance(u, dict) and u.get("id") == info.userid for u in found or []):
        return Check(name, Status.OK, f"the site accepts requests of {n} form fields")
    return Check(
        name,
        Status.FAIL,
        f"the site silently drops form fields of a {n}-field request: PHP's max_input_vars "
        "is lower than lemma's batches, so rows would be lost without an error",
        "set max_input_vars = 5000 (Moodle's requirement) or more in the web server's php.ini "
        "and restart PHP",
    )


def check_companion(info: SiteInfo) -> Check:
    """The companion plugin's functions in the token's service, against its contract."""
    from lemma_pkg.plugin.contract import load_contract

    mine = {n: v for n, v in info.functions.items() if n.startswith(COMPANION_PREFIX)}
    missing = [name for name in load_contract() if name not in mine]
    if mine and not missing:
        versions = sorted(set(mine.values()))
        return Check(
            "companion plugin",
            Status.OK,
            f"local_lemma {', '.join(versions)} ({len(mine)} functions in the service)",
            required=False,
        )
    if mine:
        return Check(
            "companion plugin",
            Status.WARN,
            f"local_lemma {', '.join(sorted(set(mine.values())))} lacks {', '.join(missing)}",
            "the plugin is older than this lemma, or the token's service is not the plugin's "
            "'lemma' service: upgrade the plugin (`lemma plugin zip`) and use a token for "
            "the service 'lemma'",
            required=False,
        )
    return Check(
        "companion plugin",
        Status.SKIP,
        "local_lemma is not installed or not in the service (`lemma deploy` needs it)",
        "install it (`lemma plugin zip`, docs/companion-plugin.md) and use a token for its "
        "service 'lemma'",
        required=False,
    )


def run_doctor(
    cfg: SiteConfig,
    *,
    allow_insecure_http: bool = False,
    course: str | None = None,
    mbz_bytes: int | None = None,
    mbz_name: str | None = None,
    client_kwargs: dict[str, Any] | None = None,
) -> DoctorReport:
    """Run every check against the site ``cfg`` resolves to."""
    report = DoctorReport()
    first = check_config(cfg)
    report.checks.append(first)
    if first.status is Status.FAIL:
        return report
    url, token = cfg.require()
    try:
        kwargs: dict[str, Any] = {"retry": DOCTOR_RETRY, **(client_kwargs or {})}
        client = MoodleClient(url, token, allow_insecure_http=allow_insecure_http, **kwargs)
    except ConfigError as exc:
        report.checks[0] = Check("config", Status.FAIL, exc.message, exc.hint or "")
        return report
    with client:
        try:
            info = get_site_info(client)
        except TLSError as exc:  # no secure connection: the site was not reached
            report.unreachable = True
            report.checks.append(Check("reachable", Status.FAIL, exc.message, exc.hint or ""))
            return report
        except MoodleConfigError as exc:  # bad token, WS disabled, wrong path, ...
            report.checks.append(Check("reachable", Status.OK, f"{client.url} answers"))
            name = "token" if isinstance(exc, MoodleAuthError) else "web services"
            report.checks.append(Check(name, Status.FAIL, exc.message, exc.hint or ""))
            return report
        except MoodleError as exc:
            report.unreachable = True
            report.checks.append(Check("reachable", Status.FAIL, exc.message, exc.hint or ""))
            return report
        report.checks.append(
            Check("reachable", Status.OK, f"{info.siteurl or client.url} ({info.sitename})")
        )
        report.checks.append(check_token_user(info))
        report.checks.append(check_version(info))
        report.checks.extend(check_functions(info))
        report.checks.extend(check_upload(info, mbz_bytes, mbz_name))
        report.checks.append(check_completion(info))
        try:
            report.checks.append(check_manual_enrolment(client, info, course))
        except MoodleError as exc:
            report.checks.append(
                Check("manual enrolment", Status.FAIL, exc.message, exc.hint or "")
            )
        try:
            report.checks.append(check_max_input_vars(client, info))
        except MoodleError as exc:
            report.checks.append(Check("max_input_vars", Status.FAIL, exc.message, exc.hint or ""))
        report.checks.append(check_companion(info))
    return report


_MARK = {Status.OK: "ok", Status.WARN: "warn", Status.FAIL: "FAIL", Status.SKIP: "skip"}


def format_report(report: DoctorReport) -> str:
    """The checklist: one line per check, and a ``fix:`` line under each one that is not ok."""
    width = max((len(c.name) for c in report.checks), default=0)
    lines: list[str] = []
    for c in report.checks:
        lines.append(f"{_MARK[c.status]:<4}  {c.name:<{width}}  {c.summary}")
        if c.fix and c.status is not Status.OK:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {c.fix}")
    return "\n".join(lines) + "\n"
