"""Typed exceptions for everything Moodle (or the way to it) can answer.

Moodle answers HTTP 200 with ``{exception, errorcode, message[, debuginfo]}`` when a web-service
function fails; :func:`error_from_envelope` maps that on ``errorcode``. Proxies and PHP answer
with HTTP statuses and HTML pages; :func:`error_from_http` maps those. Every exception carries
a message that says what happened and a hint that says what to do.

The classes also subclass the project's exit-code classes: credentials and site set-up are
:class:`~lemma_pkg.errors.AuthError`/:class:`~lemma_pkg.errors.ConfigError` (exit 3), everything
else is :class:`~lemma_pkg.errors.RemoteError` (exit 4). ``transient`` marks failures worth a
retry; ``executed`` says whether Moodle may have run the function (``False``: it certainly
did not, so even a write may be resent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from lemma_pkg.errors import (
    EXIT_CONFIG,
    EXIT_REMOTE,
    AuthError,
    ConfigError,
    LemmaError,
    RemoteError,
)

SERVICES_PATH = "Site administration > Server > Web services > External services"
TOKENS_PATH = "Site administration > Server > Web services > Manage tokens"
DEBUG_HINT = (
    "Moodle hides the reason unless debugging is on: enable debugging to see why "
    "(Site administration > Development > Debugging: 'Debug messages' = DEVELOPER), "
    "run the command again, then turn it back off"
)


class MoodleError(LemmaError):
    """Base of every error from Moodle or the way to it."""

    exit_code: int = EXIT_REMOTE
    transient: ClassVar[bool] = False
    #: ``None``: unknown; ``False``: Moodle certainly did not run the function.
    executed: bool | None = None

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        wsfunction: str | None = None,
        errorcode: str | None = None,
        exception: str | None = None,
        debuginfo: str | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.wsfunction = wsfunction
        self.errorcode = errorcode
        self.exception = exception
        self.debuginfo = debuginfo
        self.http_status = http_status
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, wsfunction={self.wsfunction!r}, "
            f"errorcode={self.errorcode!r})"
        )


# --- credentials and site set-up (exit 3) ---------------------------------------------------


class MoodleConfigError(MoodleError, ConfigError):
    """The site or the token's service is not set up for what lemma needs (exit 3)."""

    exit_code = EXIT_CONFIG


class MoodleAuthError(MoodleConfigError, AuthError):
    """The site refused the token or its user (exit 3)."""


class InvalidTokenError(MoodleAuthError):
    """``invalidtoken``: no such token (or an expired one that Moodle has deleted)."""


class AccessControlError(MoodleAuthError):
    """``accessexception``: the function is not in the token's service, or the token, service,
    IP range or user is restricted. Moodle gives the reason only in debuginfo."""


class MissingCapabilityError(MoodleAuthError):
    """``nopermissions``: the token's user lacks a capability (named in the message)."""


class RequireLoginError(MoodleAuthError):
    """``requireloginerror`` / context not valid: the token's user cannot enter that course or
    category."""


class FunctionNotFoundError(MoodleConfigError):
    """The site has no such function (``invalidrecord`` on ``external_functions``): a plugin
    is missing or too old."""


class WebServicesDisabledError(MoodleConfigError):
    """HTTP 403 from ``server.php``: web services or the REST protocol are off."""


class EnrolmentSetupError(MoodleConfigError):
    """``wsnoinstance``, ``wsusercannotassign``, ``wscannotenrol``, ``wscannotunenrol``."""


class TLSError(MoodleConfigError):
    """The TLS handshake failed: an untrusted certificate, or no https on that address. Never
    retried; nothing was sent."""

    executed = False


class InsecureURLError(ConfigError):
    """A URL that is not HTTPS (allowed only for loopback addresses, on request)."""


# --- remote failures (exit 4) ---------------------------------------------------------------


class MoodleRemoteError(MoodleError, RemoteError):
    """Moodle rejected the call, or answered something lemma cannot use (exit 4)."""


class InvalidParameterError(MoodleRemoteError):
    """``invalidparameter``: a value failed Moodle's validation; the detail is in debuginfo."""


class RecordNotFoundError(MoodleRemoteError):
    """``invalidrecord``, ``invaliduser``, ``invalidcourseid``, ...: an id that does not exist."""


class AlreadyExistsError(MoodleRemoteError):
    """``shortnametaken``, ``courseidnumbertaken``, ``categoryidnumbertaken``, ``idnumbertaken``."""


class PasswordPolicyError(MoodleRemoteError):
    """The password failed the site's policy (the errorcode is the policy text itself)."""


class InvalidResponseError(MoodleRemoteError):
    """``invalidresponse``: the function's own answer failed Moodle's return validation."""


class UnexpectedResponseError(MoodleRemoteError):
    """An answer that is not Moodle's JSON: HTML, XML, an empty or truncated body."""


class RequestTooLargeError(MoodleRemoteError):
    """HTTP 413, or PHP dropped the whole body (``post_max_size``)."""

    executed = False


class URITooLongError(MoodleRemoteError):
    """HTTP 414."""

    executed = False


class RedirectError(MoodleRemoteError):
    """The site answered with a redirect; lemma never follows one with the token."""

    executed = False


class TruncatedRequestError(MoodleRemoteError):
    """Moodle processed fewer rows than were sent: PHP's ``max_input_vars`` cut the request."""


class OutcomeUnknownError(MoodleRemoteError):
    """A write timed out or the connection broke after it was sent: it may or may not have
    been applied, so lemma did not resend it."""


class UploadError(MoodleRemoteError):
    """``webservice/upload.php`` refused one or more files."""


# --- transient failures (exit 4, retried where safe) ----------------------------------------


class TransientError(MoodleRemoteError):
    """A failure that may go away: retried with backoff where that is safe."""

    transient = True


class SiteMaintenanceError(TransientError):
    """Maintenance mode or an upgrade (``sitemaintenance``, ``upgraderunning``, HTTP 503 page)."""

    executed = False


class LockTimeoutError(TransientError):
    """``ex_unabletolock``: Moodle could not get a cache/session lock in time."""


class DatabaseError(TransientError):
    """``dmlreadexception`` / ``dmlwriteexception``: a database error (deadlock, lost
    connection, or a real data problem)."""


class ServerError(TransientError):
    """HTTP 500/502/503/504 from Moodle or a proxy."""


class ConnectionFailedError(TransientError):
    """The connection could not be made or broke."""


class RequestTimeoutError(TransientError):
    """No answer within the timeout."""


# --- mapping --------------------------------------------------------------------------------

_BY_CODE: dict[str, type[MoodleError]] = {
    "invalidtoken": InvalidTokenError,
    "accessexception": AccessControlError,
    "servicerequireslogin": MoodleAuthError,
    "servicenotavailable": MoodleAuthError,
    "nopermissions": MissingCapabilityError,
    "requireloginerror": RequireLoginError,
    "errorcoursecontextnotvalid": RequireLoginError,
    "errorcatcontextnotvalid": RequireLoginError,
    "invalidparameter": InvalidParameterError,
    "invalidresponse": InvalidResponseError,
    "invalidrecord": RecordNotFoundError,
    "invalidrecordunknown": RecordNotFoundError,
    "invalidcourseid": RecordNotFoundError,
    "invaliduser": RecordNotFoundError,
    "unknowcategory": RecordNotFoundError,
    "shortnametaken": AlreadyExistsError,
    "courseidnumbertaken": AlreadyExistsError,
    "categoryidnumbertaken": AlreadyExistsError,
    "idnumbertaken": AlreadyExistsError,
    "wsnoinstance": EnrolmentSetupError,
    "wsusercannotassign": EnrolmentSetupError,
    "wscannotenrol": EnrolmentSetupError,
    "wscannotunenrol": EnrolmentSetupError,
    "manualpluginnotinstalled": EnrolmentSetupError,
    "sitemaintenance": SiteMaintenanceError,
    "upgraderunning": SiteMaintenanceError,
    "ex_unabletolock": LockTimeoutError,
    "dmlreadexception": DatabaseError,
    "dmlwriteexception": DatabaseError,
}

_HINTS: dict[str, str] = {
    "invalidtoken": (
        "the token does not exist on this site (or it expired and Moodle deleted it): create a "
        f"new one in {TOKENS_PATH} and set LEMMA_TOKEN or your profile's token "
        "(`lemma config show` says where it comes from)"
    ),
    "servicerequireslogin": "use a token for a web service, not a session",
    "servicenotavailable": f"enable the token's service in {SERVICES_PATH}",
    "requireloginerror": (
        "the token's user cannot enter that course: enrol it, or give its role "
        "moodle/course:view (and moodle/course:viewhiddencourses) in the system context"
    ),
    "invalidrecord": "the id does not exist on this site (was it deleted?)",
    "unknowcategory": "the category id does not exist on this site",
    "invaliduser": "the user does not exist on this site (was it deleted?)",
    "shortnametaken": "look the existing one up instead of creating it again, or pick another name",
    "courseidnumbertaken": "look the existing course up by idnumber instead of creating it again",
    "categoryidnumbertaken": "look the existing category up by idnumber instead of creating it again",
    "idnumbertaken": "look the existing record up by idnumber instead of creating it again",
    "wsnoinstance": (
        "the course has no enabled manual enrolment method: add one in the course "
        "(Participants > Enrolment methods > Add method > Manual enrolments) and make sure "
        "Manual enrolments is enabled in Site administration > Plugins > Enrolments"
    ),
    "wsusercannotassign": (
        "the token's role may not assign that role: allow it in Site administration > Users > "
        "Permissions > Define roles > Allow role assignments (and check the role id exists)"
    ),
    "manualpluginnotinstalled": "enable Manual enrolments in Site administration > Plugins > Enrolments",
    "invalidresponse": (
        "Moodle's own answer failed its validation: a bug or bad data on the site; "
        f"report it to the site admin. {DEBUG_HINT}"
    ),
    "sitemaintenance": "the site is in maintenance mode: try again when it is back",
    "upgraderunning": "the site is being upgraded: try again when it is done",
    "ex_unabletolock": "the site is busy (lock contention): try again in a moment",
    "userdeleted": "the user has been deleted on the site; skip them",
    "usernotconfirmed": "the user has not confirmed their account yet",
    "usernotenroled": "the user is not enrolled in the course",
    "nocriteriaset": "the course has no completion criteria: set them in Course completion settings",
    "wscannotenrol": (
        "the course's manual enrolment method refuses new enrolments: check that it is enabled "
        "in the course (Participants > Enrolment methods) and that Manual enrolments is enabled "
        "in Site administration > Plugins > Enrolments"
    ),
    "wscannotunenrol": (
        "the course's manual enrolment method refuses unenrolments: check it in the course "
        "(Participants > Enrolment methods) and that the token's role has enrol/manual:unenrol"
    ),
    "cannotviewreport": (
        "the token's user may not view that user's completion: give its role "
        "report/completion:view and report/progress:view in the course or system context"
    ),
    "invaliduserfield": (
        "the site does not know that user field: a lemma bug or a newer field name; "
        "report it with the command you ran"
    ),
    "usernamelowercase": "usernames must be lower case: change it in the source data",
    "invalidusername": (
        "usernames may contain only lower-case letters, digits and - _ . @ "
        "(unless the site allows extended characters): change it in the source data"
    ),
    "enddatebeforestartdate": "set the course end date after its start date",
    "nostartdatenoenddate": "give the course a start date, or no end date",
    "formatnotsupported": (
        "text formats are 0 (Moodle), 1 (HTML), 2 (plain) or 4 (Markdown): a lemma bug; "
        "report it with the command you ran"
    ),
    "codingerror": (
        "Moodle rejected how lemma called the function (a lemma bug or a site too old or too "
        "new): report it with the command you ran"
    ),
}


def _clean(text: str) -> str:
    """Moodle messages may contain HTML (the password policy): keep the words."""
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def error_from_envelope(
    body: Mapping[str, Any], wsfunction: str | None, *, uploading: bool = False
) -> MoodleError:
    """The exception for Moodle's error JSON (REST ``{exception, errorcode, message,
    debuginfo?}`` or upload.php's ``{error, errorcode, stacktrace, debuginfo, ...}``)."""
    errorcode = str(body.get("errorcode") or "")
    exception = str(body.get("exception") or "") or None
    raw_message = str(body.get("message") if "message" in body else body.get("error") or "")
    debuginfo_raw = body.get("debuginfo")
    debuginfo = _clean(str(debuginfo_raw)) if debuginfo_raw else None
    what = f"{wsfunction}: " if wsfunction else ""
    cls: type[MoodleError] = _BY_CODE.get(errorcode, MoodleRemoteError)
    shown = _clean(raw_message)
    if shown.startswith("error/") and errorcode and " " not in errorcode:
        shown = errorcode  # a language string the site lacks: "error/userdeleted"
    message = f"{what}{shown or errorcode}"
    hint = _HINTS.get(errorcode)

    if errorcode == "accessexception":
        if uploading:
            hint = (
                "the token's service may not upload files: tick 'Can upload files' for it in "
                f"{SERVICES_PATH} (Edit), or the token is restricted (IP, expiry): "
                f"{TOKENS_PATH}"
            )
        else:
            hint = (
                f"the function {wsfunction} is not in the token's service — add it in "
                f"{SERVICES_PATH} > (the service) > Functions; or the token or service is "
                f"restricted (IP range, valid until, authorised users: {TOKENS_PATH}), or the "
                "user lacks the service's required capability. Run `lemma doctor` to check"
            )
    elif errorcode == "nopermissions":
        hint = (
            "give the token user's role the capability named above (Site administration > "
            "Users > Permissions > Define roles), or use a token of a user who has it"
        )
    elif errorcode == "invalidrecord" and "external_functions" in raw_message:
        cls = FunctionNotFoundError
        message = f"{what}this site has no such web-service function"
        hint = (
            "the plugin that provides it is not installed or too old; "
            "run `lemma doctor` to see what is missing"
        )
    elif errorcode in ("errorcoursecontextnotvalid", "errorcatcontextnotvalid"):
        hint = (
            "the course or category does not exist, or the token's user cannot see it "
            "(enrol the user or give it moodle/course:view)"
        )
    elif errorcode == "missingparam" and uploading:
        cls = RequestTooLargeError
        hint = (
            "when the upload is larger than PHP's post_max_size, PHP drops the whole request, "
            "token included: raise post_max_size and upload_max_filesize on the server, or "
            "upload a smaller file"
        )
    elif errorcode == "invalidparameter":
        if debuginfo:
            hint = (
                "fix the value named in the detail above; Moodle rejects values whose cleaned "
                "form differs (upper-case usernames, '007' for a number, unknown keys)"
            )
        else:
            hint = (
                "a value failed Moodle's validation (a duplicate username or email, an "
                "upper-case username, a missing or unexpected key, a user not enrolled…). "
                + DEBUG_HINT
            )
    elif (
        exception
        and exception.endswith("moodle_exception")
        and (errorcode.lstrip().startswith("<") or " " in errorcode.strip())
    ):
        cls = PasswordPolicyError
        message = f"{what}the password does not meet the site's policy: {_clean(errorcode)}"
        hint = (
            "choose a password that meets the policy, or create users with "
            "createpassword=1 so Moodle mails them one"
        )
        errorcode = "passwordpolicy"

    if not hint and not errorcode and exception:
        hint = (
            f"a PHP {exception} on the site, not a Moodle error: a bug in Moodle or a plugin "
            "(or a plugin older than lemma); see the site's PHP error log"
        )
    if not hint:
        if issubclass(cls, RecordNotFoundError):
            hint = "the id does not exist on this site (was it deleted?)"
        elif issubclass(cls, AlreadyExistsError):
            hint = "look the existing record up instead of creating it again"
        else:
            hint = DEBUG_HINT if not debuginfo else "fix what the detail above names"

    if debuginfo:
        message = f"{message} ({debuginfo})"
    elif errorcode == "accessexception":
        message = f"{message} (Moodle gives the reason only when debugging is on)"

    return cls(
        message,
        hint,
        wsfunction=wsfunction,
        errorcode=errorcode or None,
        exception=exception,
        debuginfo=debuginfo,
    )


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def looks_like_maintenance(text: str) -> bool:
    lowered = text.lower()
    return "maintenance" in lowered or "upgrad" in lowered


def error_from_http(
    status: int,
    body_text: str,
    *,
    wsfunction: str | None,
    url: str,
    retry_after: float | None = None,
    uploading: bool = False,
    location: str | None = None,
) -> MoodleError:
    """The exception for a non-200 answer (or a 200 that is not JSON)."""
    what = f"{wsfunction}: " if wsfunction else ""
    kw: dict[str, Any] = {
        "wsfunction": wsfunction,
        "http_status": status,
        "retry_after": retry_after,
    }
    if status == 403:
        if uploading:
            return MoodleConfigError(
                f"{what}{url} answered 403 Forbidden",
                "the web server or a proxy refuses uploads; ask the site admin",
                **kw,
            )
        return WebServicesDisabledError(
            f"{what}{url} answered 403 Forbidden: web services or the REST protocol are off",
            "enable them in Site administration > Advanced features (Enable web services) and "
            "Site administration > Server > Web services > Manage protocols (REST)",
            **kw,
        )
    if status == 404:
        return MoodleConfigError(
            f"{what}{url} answered 404 Not Found",
            "check the site URL: it is the address of the Moodle front page, without "
            "/webservice/... or /login/...",
            **kw,
        )
    if status == 413:
        return RequestTooLargeError(
            f"{what}{url} answered 413: the request is too large for the web server or a proxy",
            "raise the body limit (nginx client_max_body_size, Apache LimitRequestBody) or "
            "send less at once",
            **kw,
        )
    if status == 414:
        return URITooLongError(
            f"{what}{url} answered 414: URI too long",
            "a proxy rewrote the request into a GET; lemma always POSTs — check the proxy",
            **kw,
        )
    if status == 429:
        err: MoodleError = ServerError(
            f"{what}{url} answered 429 Too Many Requests (a proxy or firewall rate limit)",
            "lemma waits and retries; lower --concurrency if it keeps happening",
            **kw,
        )
        err.executed = False
        return err
    if status == 503 and (retry_after is not None or looks_like_maintenance(body_text)):
        return SiteMaintenanceError(
            f"{what}the site is in maintenance (HTTP 503"
            + (f", retry after {retry_after:.0f} s)" if retry_after is not None else ")"),
            "try again when the site is back; the site admin ends maintenance in Site "
            "administration > Server > Maintenance mode (or admin/cli/maintenance.php --disable)",
            **kw,
        )
    if status in (500, 502, 503, 504):
        names = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return ServerError(
            f"{what}{url} answered {status} {names.get(status, 'Gateway Timeout')}",
            "the site or a proxy in front of it failed; lemma retries what is safe to retry — "
            "if it persists, ask the site admin to look at the web server log",
            **kw,
        )
    if 300 <= status < 400:
        return RedirectError(
            f"{what}{url} answered a redirect ({status})" + (f" to {location}" if location else ""),
            "use the final address of the site as the URL (often https:// or with/without www)",
            **kw,
        )
    if status == 200 and looks_like_maintenance(body_text) and "<html" in body_text.lower():
        return SiteMaintenanceError(
            f"{what}the site answered with its maintenance page",
            "try again when the site is back",
            **kw,
        )
    if status == 200:
        snippet = _clean(body_text)[:200] or "an empty body"
        return UnexpectedResponseError(
            f"{what}the site answered something that is not Moodle's JSON: {snippet}",
            "a PHP error or a proxy page: check the URL; the site admin can find the cause in "
            "the web server's error log. " + DEBUG_HINT,
            **kw,
        )
    return MoodleRemoteError(
        f"{what}{url} answered HTTP {status}",
        "check the URL and whether a proxy is in the way",
        **kw,
    )
