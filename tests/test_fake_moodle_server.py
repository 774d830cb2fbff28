"""Unit tests of the fake Moodle server itself: transport, errors, tokens, faults, uploads,
capabilities, seeding and fixtures (real HTTP on 127.0.0.1 through requests)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.fake_moodle import FakeMoodle, seed
from tests.fake_moodle.flatten import flatten
from tests.fake_moodle.registry import REGISTRY
from tests.fake_moodle.state import CONTEXT_COURSE


def _post(
    fake: FakeMoodle, fields: list[tuple[str, str]] | dict[str, str], **kw: Any
) -> requests.Response:
    return requests.post(fake.rest_url, data=fields, timeout=10, **kw)


def _ws(fake: FakeMoodle, token: str, function: str, **params: Any) -> requests.Response:
    pairs = [
        ("wstoken", token),
        ("wsfunction", function),
        ("moodlewsrestformat", "json"),
        *flatten(params),
    ]
    return _post(fake, pairs)


# ------------------------------------------------------------------------------ transport


def test_site_info_over_real_http(fake_moodle: FakeMoodle) -> None:
    resp = _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert body["username"] == "admin"
    assert body["siteurl"] == fake_moodle.url
    assert body["release"] == "4.5.6 (Build: 20250811)"
    assert len(body["functions"]) == 38
    assert '"siteurl":"http:\\/\\/127.0.0.1' in resp.text  # PHP escapes slashes


def test_error_json_is_http_200(fake_moodle: FakeMoodle) -> None:
    resp = _ws(fake_moodle, "nope", "core_webservice_get_site_info")
    assert resp.status_code == 200
    assert resp.json() == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": "invalidtoken",
        "message": "Invalid token - token not found",
    }


def test_without_restformat_the_answer_is_xml(fake_moodle: FakeMoodle) -> None:
    resp = _post(
        fake_moodle,
        {"wstoken": fake_moodle.admin_token, "wsfunction": "core_course_get_categories"},
    )
    assert resp.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert resp.text.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n<MULTIPLE>')
    assert '<KEY name="name"><VALUE>Category 1</VALUE>' in resp.text


def test_token_in_the_query_string_works_and_is_logged(fake_moodle: FakeMoodle) -> None:
    """PHP merges $_GET into the parameters; the log keeps the full target so client tests can
    assert that the token never travels in a URL."""
    url = f"{fake_moodle.rest_url}?wstoken={fake_moodle.admin_token}"
    resp = requests.post(
        url,
        data={"wsfunction": "core_webservice_get_site_info", "moodlewsrestformat": "json"},
        timeout=10,
    )
    assert resp.json()["username"] == "admin"
    logged = fake_moodle.requests[-1]
    assert fake_moodle.admin_token in logged.path
    assert logged.query == [("wstoken", fake_moodle.admin_token)]
    assert "wstoken" not in logged.form


def test_requests_are_logged(fake_moodle: FakeMoodle) -> None:
    _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    logged = fake_moodle.requests[-1]
    assert logged.method == "POST"
    assert logged.path == "/webservice/rest/server.php"
    assert logged.form["wstoken"] == fake_moodle.admin_token
    assert logged.wsfunction == "core_webservice_get_site_info"
    assert logged.status == 200


def test_missing_function_name_with_debug(fake_moodle: FakeMoodle) -> None:
    fake_moodle.set_debug(True)
    resp = _post(fake_moodle, {"wstoken": fake_moodle.admin_token, "moodlewsrestformat": "json"})
    assert resp.json()["debuginfo"] == "Missing function name"


def test_unknown_and_unlisted_functions(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("admin", ["core_webservice_get_site_info"])
    assert _ws(fake_moodle, token, "local_nope_x").json()["errorcode"] == "invalidrecord"
    body = _ws(fake_moodle, token, "core_course_get_categories").json()
    assert body["errorcode"] == "accessexception"
    info = _ws(fake_moodle, token, "core_webservice_get_site_info").json()
    assert [f["name"] for f in info["functions"]] == ["core_webservice_get_site_info"]


def test_expired_token_then_deleted(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("student1")
    fake_moodle.expire_token(token)
    fake_moodle.set_debug(True)
    first = _ws(fake_moodle, token, "core_webservice_get_site_info").json()
    assert first["errorcode"] == "accessexception"
    assert (
        first["debuginfo"] == "Invalid token - token expired - check validuntil time for the token"
    )
    assert _ws(fake_moodle, token, "core_webservice_get_site_info").json()["errorcode"] == (
        "invalidtoken"
    )


# --------------------------------------------------------------------------------- faults


def test_http_error_burst_then_normal(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.http_error(502, count=2)
    statuses = [
        _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info").status_code
        for _ in range(3)
    ]
    assert statuses == [502, 502, 200]
    assert fake_moodle.faults.fired == ["http_error", "http_error"]


def test_http_error_can_target_one_function(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.http_error(504, count=None, function="core_course_get_categories")
    assert (
        _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info").status_code
        == 200
    )
    assert (
        _ws(fake_moodle, fake_moodle.admin_token, "core_course_get_categories").status_code == 504
    )


def test_connection_reset(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.reset_connection(count=1)
    with pytest.raises(requests.ConnectionError):
        _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert (
        _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info").status_code
        == 200
    )


def test_cli_maintenance_page(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.maintenance(retry_after=120, count=1)
    resp = _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "120"
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "undergoing maintenance" in resp.text


@pytest.mark.parametrize(
    ("switch", "errorcode"),
    [("unable_to_lock", "ex_unabletolock"), ("site_maintenance", "sitemaintenance")],
)
def test_moodle_side_transient_errors(fake_moodle: FakeMoodle, switch: str, errorcode: str) -> None:
    getattr(fake_moodle.faults, switch)(count=1)
    resp = _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert resp.status_code == 200
    assert resp.json()["errorcode"] == errorcode
    assert (
        "username"
        in _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info").json()
    )


def test_latency_is_applied(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.latency(0.01)
    _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert fake_moodle.faults.fired == ["latency"]


def test_proxy_limits(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.body_too_large(max_bytes=200)
    big = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_user_get_users_by_field",
        field="username",
        values=["x" * 300],
    )
    assert big.status_code == 413
    fake_moodle.faults.body_too_large(None)
    fake_moodle.faults.uri_too_long(max_length=100)
    resp = requests.get(fake_moodle.rest_url + "?wsfunction=" + "x" * 200, timeout=10)
    assert resp.status_code == 414


def test_webservices_disabled_is_403_empty(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.webservices_disabled()
    resp = _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert resp.status_code == 403
    assert resp.content == b""


def test_truncated_response_is_not_json(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.truncated_response(count=1)
    resp = _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)


def _user_rows(n: int, prefix: str) -> list[dict[str, str]]:
    return [
        {
            "username": f"{prefix}{i}",
            "password": "Lemma#2026pw",
            "firstname": "F",
            "lastname": "L",
            "email": f"{prefix}{i}@example.com",
        }
        for i in range(n)
    ]


def test_max_input_vars_cut_between_rows_loses_rows_silently(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.max_input_vars(12)  # 3 header fields + 2 whole rows of 5 = 13 kept
    body = _ws(
        fake_moodle, fake_moodle.admin_token, "core_user_create_users", users=_user_rows(3, "cut")
    ).json()
    assert [u["username"] for u in body] == ["cut0", "cut1"]


def test_max_input_vars_cut_inside_a_row_fails_the_call(fake_moodle: FakeMoodle) -> None:
    fake_moodle.faults.max_input_vars(10)
    fake_moodle.set_debug(True)
    body = _ws(
        fake_moodle, fake_moodle.admin_token, "core_user_create_users", users=_user_rows(3, "mid")
    ).json()
    assert body["errorcode"] == "invalidparameter"
    assert body["debuginfo"] == (
        "users => Invalid parameter value detected: Missing required "
        "key in single structure: lastname"
    )
    assert fake_moodle.state.user_by_username("mid0") is None


# ------------------------------------------------------------------------ write semantics


def test_create_users_is_all_or_nothing(fake_moodle: FakeMoodle) -> None:
    rows = [*_user_rows(2, "ok"), _user_rows(1, "student")[0] | {"username": "student1"}]
    body = _ws(fake_moodle, fake_moodle.admin_token, "core_user_create_users", users=rows).json()
    assert body["errorcode"] == "invalidparameter"
    assert fake_moodle.state.user_by_username("ok0") is None


def test_update_users_reports_per_row(fake_moodle: FakeMoodle) -> None:
    alice = fake_moodle.add_user("alice")
    bob = fake_moodle.add_user("bob")
    body = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_user_update_users",
        users=[
            {"id": alice["id"], "city": "Bath"},
            {"id": bob["id"], "email": "alice@example.com"},
        ],
    ).json()
    assert body == {
        "warnings": [
            {
                "item": "user",
                "itemid": bob["id"],
                "warningcode": "useremailduplicate",
                "message": "Duplicate address",
            }
        ]
    }
    assert fake_moodle.state.users[alice["id"]]["city"] == "Bath"


def test_a_custom_role_grants_capabilities(fake_moodle: FakeMoodle) -> None:
    user = fake_moodle.add_user("wsbot")
    token = fake_moodle.issue_token("wsbot")
    denied = _ws(fake_moodle, token, "core_user_create_users", users=_user_rows(1, "r")).json()
    assert denied["errorcode"] == "nopermissions"
    role = seed.add_role(fake_moodle.state, "lemmaws", {"moodle/user:create"})
    seed.assign_role(fake_moodle.state, role["id"], user["id"])
    created = _ws(fake_moodle, token, "core_user_create_users", users=_user_rows(1, "r")).json()
    assert created[0]["username"] == "r0"


# ---------------------------------------------------------------------------------- upload


def test_upload_and_list_and_download(fake_moodle: FakeMoodle) -> None:
    resp = requests.post(
        fake_moodle.upload_url,
        data={"token": fake_moodle.admin_token, "filepath": "/d/"},
        files={"file_1": ("a.txt", b"hello", "text/plain")},
        timeout=10,
    )
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    (entry,) = resp.json()
    assert entry["userid"] == "2" and entry["filesize"] == 5 and entry["filepath"] == "/d/"
    listing = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_files_get_files",
        contextid=5,
        component="user",
        filearea="draft",
        itemid=entry["itemid"],
        filepath="/",
        filename="",
    ).json()
    assert [(f["filename"], f["isdir"]) for f in listing["files"]] == [("d", True)]
    inner = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_files_get_files",
        contextid=5,
        component="user",
        filearea="draft",
        itemid=entry["itemid"],
        filepath="/d/",
        filename="",
    ).json()
    url = inner["files"][0]["url"]
    assert requests.get(url, timeout=10).content == b"hello"


def test_upload_without_upload_permission(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token("admin", uploadfiles=False)
    resp = requests.post(
        fake_moodle.upload_url,
        data={"token": token},
        files={"file_1": ("a.txt", b"x", "text/plain")},
        timeout=10,
    )
    assert resp.json() == {
        "error": "Access control exception",
        "errorcode": "accessexception",
        "stacktrace": None,
        "debuginfo": None,
        "reproductionlink": None,
    }


def test_upload_body_over_post_max_size_loses_the_token(fake_moodle: FakeMoodle) -> None:
    fake_moodle.state.config.post_max_size = 1000
    resp = requests.post(
        fake_moodle.upload_url,
        data={"token": fake_moodle.admin_token},
        files={"file_1": ("big.bin", b"x" * 2000, "application/octet-stream")},
        timeout=10,
    )
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.json()["errorcode"] == "missingparam"


def test_upload_per_file_oversize_against_site_maxbytes(fake_moodle: FakeMoodle) -> None:
    fake_moodle.state.config.maxbytes = 10
    resp = requests.post(
        fake_moodle.upload_url,
        data={"token": fake_moodle.admin_token},
        files=[
            ("f1", ("big.bin", b"x" * 11, "text/plain")),
            ("f2", ("ok.txt", b"x", "text/plain")),
        ],
        timeout=10,
    )
    big, ok = resp.json()
    assert big == {"filename": "big.bin", "errortype": "fileoversized", "error": "[[maxbytes]]"}
    assert ok["filename"] == "ok.txt"


def test_chunked_upload_body_is_accepted(fake_moodle: FakeMoodle) -> None:
    """A client streaming with a progress callback may send a chunked body."""
    boundary = "xYz"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\n'
        f"{fake_moodle.admin_token}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="file_1"; filename="c.txt"\r\nContent-Type: text/plain\r\n\r\nchunky\r\n'
        f"--{boundary}--\r\n"
    ).encode()

    def gen() -> Any:
        for i in range(0, len(body), 7):
            yield body[i : i + 7]

    resp = requests.post(
        fake_moodle.upload_url,
        data=gen(),
        timeout=10,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert resp.json()[0]["filesize"] == 6


# ------------------------------------------------------------------------ seeding, fixture


def test_seed_cohort_is_deterministic_and_visible_over_ws(fake_moodle: FakeMoodle) -> None:
    learners = seed.seed_cohort(fake_moodle.state, 2, n=20, seed=7)
    other = FakeMoodle(seed_reference=True)
    again = seed.seed_cohort(other.state, 2, n=20, seed=7)
    assert [u["username"] for u in learners] == [u["username"] for u in again]
    assert fake_moodle.state.completion.keys() == other.state.completion.keys()
    assert [a["sumgrades"] for a in fake_moodle.state.quiz_attempts.values()] == [
        a["sumgrades"] for a in other.state.quiz_attempts.values()
    ]
    grades = _ws(
        fake_moodle, fake_moodle.admin_token, "gradereport_user_get_grade_items", courseid=2
    ).json()
    assert len(grades["usergrades"]) == 20
    participants = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_enrol_get_enrolled_users",
        courseid=2,
        options=[{"name": "userfields", "value": "id,customfields"}],
    ).json()
    assert all(any(cf["shortname"] == "sector" for cf in p["customfields"]) for p in participants)
    attempts = [a for a in fake_moodle.state.quiz_attempts.values()]
    assert attempts, "some learners attempted the quiz"
    first = attempts[0]
    body = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "mod_quiz_get_user_attempts",
        quizid=1,
        userid=first["userid"],
        status="all",
    ).json()
    assert any(a["id"] == first["id"] for a in body["attempts"])


def test_fixture_gives_fresh_state(fake_moodle_reset: FakeMoodle) -> None:
    fake_moodle_reset.add_user("zed")
    assert fake_moodle_reset.state.user_by_username("zed") is not None


def test_fixture_reset_really_resets(fake_moodle_reset: FakeMoodle) -> None:
    assert fake_moodle_reset.state.user_by_username("zed") is None
    ctx = fake_moodle_reset.state.context_id(CONTEXT_COURSE, 2)
    assert ctx == 12


def test_every_registered_function_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "fake-moodle.md").read_text(encoding="utf-8")
    missing = [name for name in REGISTRY if f"`{name}`" not in doc]
    assert not missing


# ------------------------------------------------------------------ batching, student views


def test_call_external_functions_stops_at_the_first_error(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token(
        "admin", [*seed.SERVICE_FUNCTIONS, "tool_mobile_call_external_functions"]
    )
    body = _ws(
        fake_moodle,
        token,
        "tool_mobile_call_external_functions",
        requests=[
            {
                "function": "mod_quiz_get_user_attempts",
                "arguments": json.dumps({"quizid": 1, "userid": 3, "status": "all"}),
            },
            {"function": "core_course_update_courses", "arguments": "{}"},
            {"function": "core_webservice_get_site_info"},
        ],
    ).json()
    first, second = body["responses"]
    assert first == {"error": False, "data": '{"attempts":[],"warnings":[]}'}
    assert second["error"] is True
    assert json.loads(second["exception"]) == {
        "errorcode": "accessexception",
        "module": "webservice",
    }


def test_inner_call_errors_are_json_strings(fake_moodle: FakeMoodle) -> None:
    token = fake_moodle.issue_token(
        "admin", [*seed.SERVICE_FUNCTIONS, "tool_mobile_call_external_functions"]
    )
    body = _ws(
        fake_moodle,
        token,
        "tool_mobile_call_external_functions",
        requests=[
            {"function": "mod_quiz_get_user_attempts", "arguments": json.dumps({"quizid": 99})},
        ],
    ).json()
    exc = json.loads(body["responses"][0]["exception"])
    assert exc["errorcode"] == "invalidrecord"
    assert exc["message"] == "Can't find data record in database table quiz."


def test_student_sees_the_restricted_section_open_after_passing(fake_moodle: FakeMoodle) -> None:
    seed.enrol(fake_moodle.state, 3, 2)
    token = fake_moodle.issue_token("student1")

    def section3() -> dict[str, Any]:
        sections = _ws(fake_moodle, token, "core_course_get_contents", courseid=2).json()
        return next(s for s in sections if s["section"] == 3)

    before = section3()
    assert before["uservisible"] is False
    assert before["availabilityinfo"].startswith("Not available unless")
    assert before["modules"][0]["uservisible"] is False
    assert "availability" not in before["modules"][0]
    seed.record_quiz_attempt(fake_moodle.state, 1, 3, 10.0)
    after = section3()
    assert after["uservisible"] is True
    assert "availabilityinfo" not in after


def test_seeded_activity_moves_last_access(fake_moodle: FakeMoodle) -> None:
    user = fake_moodle.add_user("lena")
    seed.enrol(fake_moodle.state, user["id"], 2)
    seed.record_view(fake_moodle.state, 2, user["id"], when=1_700_000_000)
    body = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_enrol_get_enrolled_users",
        courseid=2,
        options=[{"name": "userfields", "value": "id,lastaccess,lastcourseaccess"}],
    ).json()
    (row,) = [r for r in body if r["id"] == user["id"]]
    assert row["lastaccess"] == 1_700_000_000
    assert row["lastcourseaccess"] == 1_700_000_000


def test_a_json_body_is_not_read_as_form_fields(fake_moodle: FakeMoodle) -> None:
    resp = requests.post(
        fake_moodle.rest_url,
        timeout=10,
        json={
            "wstoken": fake_moodle.admin_token,
            "wsfunction": "core_webservice_get_site_info",
            "moodlewsrestformat": "json",
        },
    )
    assert "<ERRORCODE>invalidtoken</ERRORCODE>" in resp.text


def test_seed_cohort_groups(fake_moodle: FakeMoodle) -> None:
    learners = seed.seed_cohort(fake_moodle.state, 2, n=6, seed=2, group_sizes=(2, 3))
    groups = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_enrol_get_enrolled_users",
        courseid=2,
        options=[{"name": "userfields", "value": "id,groups"}],
    ).json()
    names = {row["id"]: [g["name"] for g in row.get("groups", [])] for row in groups}
    assert [names[u["id"]] for u in learners] == [
        ["Group A"],
        ["Group A"],
        ["Group B"],
        ["Group B"],
        ["Group B"],
        [],
    ]


def test_plugin_functions_listed_with_their_version(fake_moodle: FakeMoodle) -> None:
    """For `lemma doctor`: a companion plugin shows up in the service's function list."""
    fake_moodle.state.component_versions["local_lemma"] = "2026112600"
    token = fake_moodle.issue_token(
        "admin", ["core_webservice_get_site_info", "local_lemma_restore_draft"]
    )
    info = _ws(fake_moodle, token, "core_webservice_get_site_info").json()
    assert info["functions"] == [
        {"name": "core_webservice_get_site_info", "version": "2024100706"},
        {"name": "local_lemma_restore_draft", "version": "2026112600"},
    ]


def test_import_course_with_deletecontent_wipes_learner_data(fake_moodle: FakeMoodle) -> None:
    state = fake_moodle.state
    target = seed.add_course(state, "LIVE", categoryid=1, numsections=1)
    seed.add_page(state, target["id"], 1, "Old page")
    learner = fake_moodle.add_user("liv")
    seed.enrol(state, learner["id"], target["id"])
    body = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_course_import_course",
        importfrom=2,
        importto=target["id"],
        deletecontent=1,
    )
    assert body.json() is None
    contents = _ws(
        fake_moodle, fake_moodle.admin_token, "core_course_get_contents", courseid=target["id"]
    ).json()
    names = [m["name"] for s in contents for m in s["modules"]]
    assert "Old page" not in names
    assert "Placement quiz" in names and "Page with figure and formula" in names
    assert all(m["id"] > 7 for s in contents for m in s["modules"])  # new cmids
    assert not state.is_enrolled(target["id"], learner["id"])
    assert state.manual_instance(target["id"], enabled_only=False) is None
    bad = _ws(
        fake_moodle,
        fake_moodle.admin_token,
        "core_course_import_course",
        importfrom=2,
        importto=9999,
    ).json()
    assert bad["errorcode"] == "invalidcourseid"


def test_php_drops_files_past_max_file_uploads(fake_moodle: FakeMoodle) -> None:
    fake_moodle.state.config.max_file_uploads = 2
    files = [(f"f{i}", (f"{i}.txt", b"x", "text/plain")) for i in range(3)]
    resp = requests.post(
        fake_moodle.upload_url, data={"token": fake_moodle.admin_token}, files=files, timeout=10
    )
    assert [f["filename"] for f in resp.json()] == ["0.txt", "1.txt"]


def test_requests_with_token_in_url(fake_moodle: FakeMoodle) -> None:
    _ws(fake_moodle, fake_moodle.admin_token, "core_webservice_get_site_info")
    assert fake_moodle.requests_with_token_in_url() == []
    fake_moodle.revoke_token(fake_moodle.admin_token)
    requests.get(f"{fake_moodle.rest_url}?wstoken={fake_moodle.admin_token}", timeout=10)
    (bad,) = fake_moodle.requests_with_token_in_url()
    assert bad.method == "GET"


def test_private_profile_fields_need_viewalldetails(fake_moodle: FakeMoodle) -> None:
    state = fake_moodle.state
    seed.add_profile_field(state, "cohortcode", "Cohort code", "text", visible=1)
    seed.add_profile_field(state, "born", "Born", "datetime", visible=2)
    ana = fake_moodle.add_user("ana", customfields={"cohortcode": "X7", "born": "946684800"})
    seed.enrol(state, ana["id"], 2)
    seed.enrol(state, 3, 2)
    student = fake_moodle.issue_token("student1")

    def fields(token: str) -> dict[str, str]:
        rows = _ws(
            fake_moodle, token, "core_user_get_users_by_field", field="id", values=[ana["id"]]
        ).json()
        return {cf["shortname"]: cf["displayvalue"] for cf in rows[0]["customfields"]}

    assert fields(fake_moodle.admin_token)["cohortcode"] == "X7"
    assert "cohortcode" not in fields(student)
    assert fields(student)["born"] == "1 January 2000"


def test_draft_files_become_private_files(fake_moodle: FakeMoodle) -> None:
    resp = requests.post(
        fake_moodle.upload_url,
        data={"token": fake_moodle.admin_token},
        files={"file_1": ("keep.txt", b"k", "text/plain")},
        timeout=10,
    )
    itemid = resp.json()[0]["itemid"]
    body = _ws(
        fake_moodle, fake_moodle.admin_token, "core_user_add_user_private_files", draftid=itemid
    )
    assert body.json() is None
    private = [f["filename"] for f in fake_moodle.state.files if f["filearea"] == "private"]
    assert private == ["keep.txt"]
