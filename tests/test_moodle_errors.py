"""Every error the real Moodle recorded maps to a typed exception with an actionable hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lemma_pkg.errors import EXIT_CONFIG, EXIT_REMOTE, AuthError, ConfigError, RemoteError
from lemma_pkg.moodle import errors as E
from lemma_pkg.moodle.client import MoodleClient
from tests.fake_moodle import FakeMoodle

TRANSCRIPTS = Path(__file__).parent / "fixtures" / "ws-transcripts"


def _load(prefix: str) -> dict[str, object]:
    (path,) = TRANSCRIPTS.glob(f"{prefix}-*.json")
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _error(prefix: str) -> E.MoodleError:
    d = _load(prefix)
    uploading = str(d["function"]).startswith("webservice/upload")
    body = d["response"]
    assert isinstance(body, dict)
    return E.error_from_envelope(
        body, None if uploading else str(d["function"]), uploading=uploading
    )


EXPECTED = {
    "004": (E.InvalidTokenError, EXIT_CONFIG),
    "005": (E.InvalidTokenError, EXIT_CONFIG),
    "008": (E.AccessControlError, EXIT_CONFIG),
    "009": (E.FunctionNotFoundError, EXIT_CONFIG),
    "010": (E.MissingCapabilityError, EXIT_CONFIG),
    "012": (E.RequireLoginError, EXIT_CONFIG),
    "015": (E.AlreadyExistsError, EXIT_REMOTE),
    "016": (E.RecordNotFoundError, EXIT_REMOTE),
    "021": (E.AlreadyExistsError, EXIT_REMOTE),
    "026": (E.InvalidParameterError, EXIT_REMOTE),
    "035": (E.RecordNotFoundError, EXIT_REMOTE),
    "045": (E.InvalidTokenError, EXIT_CONFIG),
    "048": (E.RequestTooLargeError, EXIT_REMOTE),
    "061": (E.PasswordPolicyError, EXIT_REMOTE),
    "084": (E.EnrolmentSetupError, EXIT_CONFIG),
    "086": (E.RecordNotFoundError, EXIT_REMOTE),
    "088": (E.MoodleRemoteError, EXIT_REMOTE),
    "091": (E.EnrolmentSetupError, EXIT_CONFIG),
    "106": (E.AlreadyExistsError, EXIT_REMOTE),
    "180": (E.InvalidParameterError, EXIT_REMOTE),
    "181": (E.AccessControlError, EXIT_CONFIG),
    "186": (E.InvalidTokenError, EXIT_CONFIG),
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_recorded_errors_map_to_typed_exceptions(prefix: str) -> None:
    cls, code = EXPECTED[prefix]
    err = _error(prefix)
    assert type(err) is cls
    assert err.exit_code == code
    assert err.hint, "every Moodle error says what to do"
    assert isinstance(err, AuthError | ConfigError if code == EXIT_CONFIG else RemoteError)


def test_every_recorded_error_maps_without_crashing() -> None:
    n = 0
    for path in sorted(TRANSCRIPTS.glob("[0-9]*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        body = d["response"]
        if isinstance(body, dict) and "errorcode" in body:
            err = _error(path.name[:3])
            assert err.message and err.exit_code in (EXIT_CONFIG, EXIT_REMOTE)
            n += 1
    assert n > 60


def test_function_not_in_service_says_where_to_add_it() -> None:
    err = _error("008")
    assert err.hint is not None
    assert "the function core_course_update_courses is not in the token's service" in err.hint
    assert "Site administration > Server > Web services > External services" in err.hint
    assert "enable debugging" in err.message.lower() or "debugging" in err.message


def test_hidden_reason_says_enable_debugging() -> None:
    err = _error("056")  # duplicate username, debugging off
    assert err.debuginfo is None
    assert err.hint is not None and "enable debugging to see why" in err.hint


def test_debuginfo_is_shown_when_the_site_gives_it() -> None:
    err = _error("180")
    assert err.debuginfo == "Username already exists: alice"
    assert "Username already exists: alice" in err.message


def test_password_policy_message_is_plain_text() -> None:
    err = _error("061")
    assert "<div>" not in err.message
    assert "Passwords must be at least 8 characters long." in err.message


def test_missing_language_string_shows_the_code() -> None:
    err = _error("088")
    assert err.message == "enrol_manual_enrol_users: userdeleted"
    assert err.hint == "the user has been deleted on the site; skip them"


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("sitemaintenance", E.SiteMaintenanceError),
        ("ex_unabletolock", E.LockTimeoutError),
        ("dmlwriteexception", E.DatabaseError),
        ("upgraderunning", E.SiteMaintenanceError),
    ],
)
def test_transient_errorcodes(code: str, cls: type[E.MoodleError]) -> None:
    err = E.error_from_envelope(
        {"exception": "moodle_exception", "errorcode": code, "message": "x"}, "f"
    )
    assert type(err) is cls and err.transient


@pytest.mark.parametrize(
    ("status", "cls", "transient"),
    [
        (403, E.WebServicesDisabledError, False),
        (413, E.RequestTooLargeError, False),
        (414, E.URITooLongError, False),
        (502, E.ServerError, True),
        (504, E.ServerError, True),
        (500, E.ServerError, True),
        (301, E.RedirectError, False),
        (429, E.ServerError, True),
    ],
)
def test_http_statuses(status: int, cls: type[E.MoodleError], transient: bool) -> None:
    err = E.error_from_http(status, "<html>nginx</html>", wsfunction="f", url="https://x/y")
    assert type(err) is cls
    assert err.transient is transient
    assert err.hint


def test_maintenance_page_with_retry_after() -> None:
    err = E.error_from_http(
        503,
        "<html>This site is undergoing maintenance</html>",
        wsfunction="f",
        url="https://x",
        retry_after=300,
    )
    assert isinstance(err, E.SiteMaintenanceError)
    assert err.retry_after == 300 and err.executed is False
    assert "retry after 300 s" in err.message


def test_html_instead_of_json() -> None:
    err = E.error_from_http(
        200, "<html><body>Fatal error</body></html>", wsfunction="f", url="https://x"
    )
    assert isinstance(err, E.UnexpectedResponseError)
    assert "Fatal error" in err.message


def test_retry_after_forms() -> None:
    assert E.parse_retry_after("300") == 300.0
    assert E.parse_retry_after(None) is None
    assert E.parse_retry_after("soon") is None
    assert E.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("wscannotenrol", "Enrolment methods"),
        ("wscannotunenrol", "enrol/manual:unenrol"),
        ("cannotviewreport", "report/completion:view"),
        ("invaliduserfield", "lemma bug"),
        ("usernamelowercase", "lower case"),
        ("invalidusername", "lower-case letters"),
        ("enddatebeforestartdate", "end date after its start date"),
        ("nostartdatenoenddate", "start date"),
        ("formatnotsupported", "text formats"),
        ("codingerror", "lemma bug"),
    ],
)
def test_errors_whose_message_says_why_get_a_hint_not_enable_debugging(
    code: str, words: str
) -> None:
    # Moodle's message already names the problem for these (e.g. 096 "Invalid user field:
    # shoesize"); telling the user that Moodle hides the reason would be wrong.
    err = E.error_from_envelope(
        {"exception": "core\\exception\\moodle_exception", "errorcode": code, "message": "m"},
        "core_enrol_get_enrolled_users",
    )
    assert "hides the reason" not in (err.hint or "")
    assert words in (err.hint or "")


def test_unknown_function_message_names_the_function_once(fake_moodle: FakeMoodle) -> None:
    # Replayed against the fake over HTTP, as in transcript 009.
    client = MoodleClient(fake_moodle.url, fake_moodle.admin_token, allow_insecure_http=True)
    with client, pytest.raises(E.FunctionNotFoundError) as info:
        client.call("local_lemma_nonexistent")
    assert info.value.message == (
        "local_lemma_nonexistent: this site has no such web-service function"
    )


def test_php_error_without_errorcode_is_an_error(fake_moodle: FakeMoodle) -> None:
    # Seen on the lab 4.5.6 site from a plugin function that hit a PHP Error (not a Moodle
    # exception): HTTP 200, {"exception": "Error", "message": ...} and no errorcode.
    fake_moodle.faults.http_error(
        status=200, body='{"exception":"Error","message":"Interface \\"checksumable\\" not found"}'
    )
    client = MoodleClient(fake_moodle.url, fake_moodle.admin_token, allow_insecure_http=True)
    with client, pytest.raises(E.MoodleRemoteError) as info:
        client.call("core_webservice_get_site_info")
    assert 'Interface "checksumable" not found' in info.value.message
    assert "PHP Error on the site" in (info.value.hint or "")
    assert info.value.exit_code == 4
