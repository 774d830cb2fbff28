"""The client against the fake Moodle over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lemma_pkg.errors import ConfigError
from lemma_pkg.moodle import errors as E
from lemma_pkg.moodle.client import MoodleClient, normalise_site_url
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.moodle.site import get_site_info
from tests.fake_moodle import FakeMoodle

FAST = RetryPolicy(attempts=4, backoff=0.001, max_backoff=0.005, max_retry_after=0.5)


def client_for(fake: FakeMoodle, token: str | None = None, **kw: object) -> MoodleClient:
    kw.setdefault("retry", FAST)
    return MoodleClient(
        fake.url,
        token or fake.admin_token,
        allow_insecure_http=True,
        **kw,  # type: ignore[arg-type]
    )


# --- URL rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://moodle.example.edu/", "https://moodle.example.edu"),
        ("https://example.edu/moodle/webservice/rest/server.php", "https://example.edu/moodle"),
        ("  https://example.edu/moodle/login/index.php ", "https://example.edu/moodle"),
        ("http://127.0.0.1:8088", "http://127.0.0.1:8088"),
        ("http://[::1]:8088/", "http://[::1]:8088"),
        ("http://localhost", "http://localhost"),
    ],
)
def test_url_normalisation(url: str, expected: str) -> None:
    assert normalise_site_url(url, allow_insecure_http=True) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://moodle.example.edu",
        "http://10.0.0.5",
        "ftp://x",
        "moodle.example.edu",
        "https://user:pw@example.edu",
        "https://example.edu/?wstoken=abc",
    ],
)
def test_insecure_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_site_url(url, allow_insecure_http=True)
    assert info.value.exit_code == 3
    assert info.value.hint


def test_plain_http_to_loopback_needs_the_flag() -> None:
    with pytest.raises(E.InsecureURLError) as info:
        normalise_site_url("http://127.0.0.1:8088")
    assert "--insecure-http" in (info.value.hint or "")


# --- requests on the wire ---------------------------------------------------------------------


def test_site_info_over_http_with_token_in_body_only(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle) as client:
        info = get_site_info(client)
    assert info.release.startswith("4.5")
    assert info.version >= 2024100700
    assert info.uploadfiles and info.completion_enabled
    assert "core_user_create_users" in info.functions
    req = fake_moodle.requests[-1]
    assert req.method == "POST"
    assert req.path == "/webservice/rest/server.php"  # no query string: no token in the URL
    assert fake_moodle.admin_token not in req.path
    assert req.fields[:3] == [
        ("wstoken", fake_moodle.admin_token),
        ("wsfunction", "core_webservice_get_site_info"),
        ("moodlewsrestformat", "json"),
    ]


def test_nested_params_and_booleans_reach_moodle(fake_moodle: FakeMoodle) -> None:
    with client_for(fake_moodle) as client:
        data = client.call(
            "core_course_get_contents",
            {"courseid": 2, "options": [{"name": "excludemodules", "value": True}]},
        )
    assert all(section.get("modules", []) == [] for section in data)
    assert ("options[0][value]", "1") in fake_moodle.requests[-1].fields


def test_http_trace_masks_the_token(
    fake_moodle: FakeMoodle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lemma")
    with client_for(fake_moodle) as client:
        client.call("core_webservice_get_site_info")
        with pytest.raises(E.InvalidParameterError):
            client.call("core_course_get_contents", {"courseid": "007"})
    trace = caplog.text
    assert "POST http://127.0.0.1" in trace and "wsfunction='core_course_get_contents'" in trace
    assert "wstoken='****" in trace
    assert fake_moodle.admin_token not in trace


# --- errors -----------------------------------------------------------------------------------


def test_invalid_token(fake_moodle: FakeMoodle) -> None:
    client = client_for(fake_moodle, "0123456789abcdef0123456789abcdef")
    with client, pytest.raises(E.InvalidTokenError) as info:
        client.call("core_webservice_get_site_info")
    assert info.value.exit_code == 3
    assert "Manage tokens" in (info.value.hint or "")


def test_function_not_in_service(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("admin", ["core_webservice_get_site_info"])
    with client_for(fake_moodle, token) as client, pytest.raises(E.AccessControlError) as info:
        client.call("core_course_get_contents", {"courseid": 2})
    assert "the function core_course_get_contents is not in the token's service" in (
        info.value.hint or ""
    )


def test_expired_token_then_invalid(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("admin")
    fake_moodle.expire_token(token)
    with client_for(fake_moodle, token) as client:
        with pytest.raises(E.AccessControlError):
            client.call("core_webservice_get_site_info")
        with pytest.raises(E.InvalidTokenError):
            client.call("core_webservice_get_site_info")


def test_debuginfo_when_debugging_is_on(fake_moodle: FakeMoodle) -> None:
    fake_moodle.set_debug(True)
    with client_for(fake_moodle) as client, pytest.raises(E.RecordNotFoundError) as info:
        client.call("core_course_get_contents", {"courseid": 999})
    assert info.value.debuginfo


def test_webservices_disabled_is_403(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.webservices_disabled()
    with client_for(fake_moodle) as client, pytest.raises(E.WebServicesDisabledError) as info:
        client.call("core_webservice_get_site_info")
    assert info.value.exit_code == 3 and "Manage protocols" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("setup", "cls"),
    [
        (lambda f: f.faults.body_too_large(max_bytes=100), E.RequestTooLargeError),
        (lambda f: f.faults.uri_too_long(max_length=5), E.URITooLongError),
    ],
)
def test_proxy_limits(fake_moodle: FakeMoodle, setup: object, cls: type[E.MoodleError]) -> None:
    setup(fake_moodle)  # type: ignore[operator]
    with client_for(fake_moodle) as client, pytest.raises(cls):
        client.call("core_course_get_contents", {"courseid": 2, "x" * 0: None})


# --- retries ----------------------------------------------------------------------------------


def test_read_retries_through_a_5xx_burst(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.http_error(502, count=2)
    with client_for(fake_moodle) as client:
        assert get_site_info(client).version
        assert client.requests_sent == 3


def test_read_gives_up_after_the_attempts(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.http_error(503, count=None)
    with client_for(fake_moodle) as client:
        with pytest.raises(E.ServerError):
            client.call("core_webservice_get_site_info")
        assert client.requests_sent == FAST.attempts


def test_lock_contention_is_retried(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.unable_to_lock(count=1)
    with client_for(fake_moodle) as client:
        client.call("core_webservice_get_site_info")
        assert client.requests_sent == 2


def test_connection_reset_on_a_read_is_retried(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.reset_connection(count=1)
    with client_for(fake_moodle) as client:
        client.call("core_webservice_get_site_info")
        assert client.requests_sent == 2


def test_maintenance_retry_after_is_honoured(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.maintenance(retry_after=0, count=1)
    with client_for(fake_moodle) as client:
        client.call("core_webservice_get_site_info")
        assert client.requests_sent == 2


def test_maintenance_longer_than_we_wait_stops_at_once(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.maintenance(retry_after=300)
    with client_for(fake_moodle) as client:
        with pytest.raises(E.SiteMaintenanceError) as info:
            client.call("core_webservice_get_site_info")
        assert client.requests_sent == 1
    assert (info.value.hint or "").startswith(
        "the site asks to come back in 300 s: try again when the site is back;"
    )
    assert info.value.exit_code == 4


def test_maintenance_is_retried_even_for_writes(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.maintenance(retry_after=0, count=1)
    with client_for(fake_moodle) as client:
        out = client.call(
            "core_course_create_categories", {"categories": [{"name": "X", "idnumber": "X1"}]}
        )
    assert out[0]["name"] == "X"


def test_write_reset_without_reconcile_is_not_resent(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.reset_connection(count=1)
    with client_for(fake_moodle) as client:
        with pytest.raises(E.OutcomeUnknownError) as info:
            client.call(
                "core_course_create_categories", {"categories": [{"name": "X", "idnumber": "X"}]}
            )
        assert client.requests_sent == 1
    assert "may or may not have been applied" in info.value.message


def test_write_reset_is_reread_then_resent(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.reset_connection(count=1)
    looked: list[int] = []

    def reconcile() -> object:
        looked.append(1)
        found = client.call(
            "core_course_get_categories", {"criteria": [{"key": "idnumber", "value": "R1"}]}
        )
        return [{"id": c["id"], "name": c["name"]} for c in found] or None

    with client_for(fake_moodle) as client:
        out = client.call(
            "core_course_create_categories",
            {"categories": [{"name": "R", "idnumber": "R1"}]},
            reconcile=reconcile,
        )
    assert looked == [1]
    assert out[0]["name"] == "R"


def test_write_that_timed_out_but_went_through_is_not_resent(fake_moodle: FakeMoodle) -> None:
    # The answer is lost (read timeout) but Moodle applies the write: the re-read finds it.
    fake_moodle.faults.latency(0.3)

    def reconcile() -> object:
        fake_moodle.faults.latency(0)
        for _ in range(500):  # let the fake finish the write it is sleeping on
            if any(c.get("idnumber") == "LATE" for c in fake_moodle.state.categories.values()):
                break
            time.sleep(0.01)
        found = client.call(
            "core_course_get_categories", {"criteria": [{"key": "idnumber", "value": "LATE"}]}
        )
        return [{"id": c["id"], "name": c["name"]} for c in found] or None

    client = client_for(fake_moodle, timeout=(2.0, 0.1))
    with client:
        out = client.call(
            "core_course_create_categories",
            {"categories": [{"name": "Late", "idnumber": "LATE"}]},
            reconcile=reconcile,
        )
    assert out[0]["name"] == "Late"
    creates = [r for r in fake_moodle.requests if r.wsfunction == "core_course_create_categories"]
    assert len(creates) == 1


def test_timeout_on_every_call(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.latency(0.5)
    client = client_for(fake_moodle, timeout=(2.0, 0.2), retry=RetryPolicy(attempts=1))
    with client, pytest.raises(E.RequestTimeoutError) as info:
        client.call("core_webservice_get_site_info")
    assert "did not answer within 0.2 s" in info.value.message


def test_truncated_json_is_a_clear_error(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.truncated_response(count=1)
    with client_for(fake_moodle) as client, pytest.raises(E.UnexpectedResponseError) as info:
        client.call("core_webservice_get_site_info")
    assert "not Moodle's JSON" in info.value.message


def test_refused_connection(fake_moodle: FakeMoodle) -> None:
    url = fake_moodle.url
    fake_moodle.stop()
    client = MoodleClient(url, "a" * 32, allow_insecure_http=True, retry=FAST)
    with pytest.raises(E.ConnectionFailedError) as info:
        client.call("core_course_create_categories", {"categories": [{"name": "x"}]})
    assert info.value.executed is False  # refused: a write may be resent
    assert client.requests_sent == FAST.attempts


# --- batching and concurrency -----------------------------------------------------------------


def _users(n: int, prefix: str = "u") -> list[dict[str, object]]:
    return [
        {
            "username": f"{prefix}{i:04d}",
            "password": "Lemma#2026pw",
            "firstname": "F",
            "lastname": "L",
            "email": f"{prefix}{i:04d}@example.com",
        }
        for i in range(n)
    ]


def test_batches_stay_under_max_fields() -> None:
    client = MoodleClient("https://moodle.example.edu", "t" * 32, max_fields=53)
    chunks = client.batches("users", _users(25))
    assert [len(c) for c in chunks] == [10, 10, 5]  # 3 + 10 rows x 5 fields = 53
    with pytest.raises(ConfigError):
        client.batches("users", [{"x": list(range(60))}])


def test_batches_respect_max_rows() -> None:
    client = MoodleClient("https://moodle.example.edu", "t" * 32)
    assert [len(c) for c in client.batches("users", _users(7), max_rows=3)] == [3, 3, 1]


def test_call_refuses_more_fields_than_the_limit() -> None:
    client = MoodleClient("https://moodle.example.edu", "t" * 32, max_fields=20)
    with pytest.raises(ConfigError) as info:
        client.call("core_user_create_users", {"users": _users(5)})
    assert "max_input_vars" in info.value.message


def _categories(n: int) -> list[dict[str, object]]:
    return [{"name": f"Cat {i}", "idnumber": f"CAT-{i:03d}"} for i in range(n)]


def test_batched_create_under_a_low_max_input_vars(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.max_input_vars(50)
    with client_for(fake_moodle, max_fields=50) as client:
        answers = client.call_batched(
            "core_course_create_categories",
            "categories",
            _categories(50),
            one_result_per_row=True,
        )
    assert [len(a) for a in answers] == [23, 23, 4]  # (50 - 3) // 2 rows of 2 fields
    assert [r["name"] for a in answers for r in a] == [f"Cat {i}" for i in range(50)]


def test_silent_truncation_is_detected(fake_moodle: FakeMoodle) -> None:
    # The site keeps 51 fields; lemma believes 4000 are fine: rows past the cut vanish.
    fake_moodle.faults.max_input_vars(50)
    with client_for(fake_moodle) as client, pytest.raises(E.TruncatedRequestError) as info:
        client.call_batched(
            "core_course_create_categories",
            "categories",
            _categories(30),
            one_result_per_row=True,
        )
    assert "sent 30 rows, Moodle processed 24" in info.value.message
    assert "max_input_vars" in (info.value.hint or "")


def test_map_runs_reads_with_bounded_concurrency(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.latency(0.05)
    seen: set[str] = set()
    active = 0
    peak = 0
    lock = threading.Lock()

    with client_for(fake_moodle, max_concurrency=3) as client:

        def one(courseid: int) -> int:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                seen.add(threading.current_thread().name)
            try:
                return len(client.call("core_course_get_contents", {"courseid": courseid}))
            finally:
                with lock:
                    active -= 1

        out = client.map(one, [2] * 9)
    assert out == [out[0]] * 9 and out[0] > 0
    assert peak <= 3 and len(seen) <= 3


def test_map_raises_the_first_failure(fake_moodle: FakeMoodle) -> None:
    client = client_for(fake_moodle, max_concurrency=2)
    with client, pytest.raises(E.RecordNotFoundError):
        client.map(
            lambda cid: client.call("core_course_get_contents", {"courseid": cid}),
            [2, 999, 2],
        )


def test_redirects_are_not_followed(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.http_error(302, count=1)
    client = client_for(fake_moodle)
    with client, pytest.raises(E.RedirectError) as info:
        client.call("core_webservice_get_site_info")
    assert client.requests_sent == 1
    assert "use the final address of the site" in (info.value.hint or "")


def test_retry_log_names_the_function_once(caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = MoodleClient(
        f"http://127.0.0.1:{port}",
        "0123456789abcdef0123456789abcdef",
        allow_insecure_http=True,
        retry=RetryPolicy(attempts=2, backoff=0.001, max_backoff=0.002),
    )
    with caplog.at_level(logging.WARNING, logger="lemma"), pytest.raises(E.MoodleError):
        get_site_info(client)
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert retries, "the unreachable site was not retried"
    for message in retries:
        assert message.startswith("core_webservice_get_site_info: cannot reach")
        assert message.count("core_webservice_get_site_info") == 1


def test_database_error_on_a_write_keeps_moodles_hint(fake_moodle: FakeMoodle) -> None:
    # A value longer than its column: Moodle 4.5.6 answers dmlwriteexception with the reason
    # only in debuginfo. The user must still be told how to see it.
    with client_for(fake_moodle) as client:
        with pytest.raises(E.OutcomeUnknownError) as info:
            client.call(
                "core_course_create_courses",
                {"courses": [{"fullname": "F", "shortname": "S" * 300, "categoryid": 1}]},
            )
        assert client.requests_sent == 1
    assert info.value.errorcode == "dmlwriteexception"
    assert "enable debugging to see why" in (info.value.hint or "")


def test_https_to_a_plain_http_port_is_a_tls_error_not_retried(fake_moodle: FakeMoodle) -> None:
    https_url = fake_moodle.url.replace("http://", "https://")
    with MoodleClient(https_url, fake_moodle.admin_token, retry=FAST) as client:
        with pytest.raises(E.TLSError) as info:
            client.call("core_webservice_get_site_info")
        assert client.requests_sent == 1
    assert info.value.exit_code == 3
    assert "TLS handshake" in info.value.message
    assert "really serves https" in (info.value.hint or "")


@pytest.fixture
def self_signed_site(tmp_path: Path) -> Iterator[str]:
    """An https server on 127.0.0.1 with a self-signed certificate (made by openssl)."""
    import http.server
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_untrusted_certificate_says_how_to_trust_it(self_signed_site: str) -> None:
    with MoodleClient(self_signed_site, "0123456789abcdef0123456789abcdef", retry=FAST) as client:
        with pytest.raises(E.TLSError) as info:
            client.call("core_webservice_get_site_info")
        assert client.requests_sent == 1
    assert "certificate" in info.value.message and "not trusted" in info.value.message
    assert "REQUESTS_CA_BUNDLE" in (info.value.hint or "")


def test_very_verbose_trace_masks_user_passwords(
    fake_moodle: FakeMoodle, caplog: pytest.LogCaptureFixture
) -> None:
    row = {
        "username": "pw1",
        "password": "Sekrit-Passw0rd!",
        "firstname": "P",
        "lastname": "W",
        "email": "pw1@example.org",
    }
    with caplog.at_level(logging.DEBUG, logger="lemma"), client_for(fake_moodle) as client:
        client.call("core_user_create_users", {"users": [row]})
    traces = [r.getMessage() for r in caplog.records if r.name == "lemma.moodle.http"]
    assert any("users[0][password]='****'" in t for t in traces)
    assert not any("Sekrit-Passw0rd!" in t for t in traces)
    assert any("users[0][username]='pw1'" in t for t in traces)


@pytest.mark.parametrize("fault", ["timeout", "504"])
def test_write_still_running_on_the_site_is_not_resent(fake_moodle: FakeMoodle, fault: str) -> None:
    # After a read timeout (or a proxy's 504) PHP may still be running the call: an immediate
    # re-read that finds nothing must not lead to a second create.
    if fault == "timeout":
        fake_moodle.faults.latency(0.3)
    else:
        fake_moodle.faults.http_error(504, count=1)
    looked: list[int] = []

    def reconcile() -> object:
        looked.append(1)
        return None  # nothing visible yet

    client = client_for(fake_moodle, timeout=(2.0, 0.1))
    with client, pytest.raises(E.OutcomeUnknownError) as info:
        client.call(
            "core_course_create_categories",
            {"categories": [{"name": "Slow", "idnumber": "SLOW"}]},
            reconcile=reconcile,
        )
    fake_moodle.faults.latency(0)
    assert looked == [1]
    creates = [r for r in fake_moodle.requests if r.wsfunction == "core_course_create_categories"]
    assert len(creates) == 1
    assert "may still be applying the change" in info.value.message
    assert "wait a few minutes" in (info.value.hint or "")
