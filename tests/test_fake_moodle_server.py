"""Unit tests of the fake Moodle server itself (transport, errors, faults, fixtures)."""

from __future__ import annotations

import requests

from tests.fake_moodle import FakeMoodle


def _post(fake: FakeMoodle, **fields: str) -> requests.Response:
    return requests.post(fake.rest_url, data=fields, timeout=10)


def test_site_info_over_real_http(fake_moodle: FakeMoodle) -> None:
    resp = _post(
        fake_moodle,
        wstoken=fake_moodle.admin_token,
        wsfunction="core_webservice_get_site_info",
        moodlewsrestformat="json",
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    body = resp.json()
    assert body["username"] == "admin"
    assert body["siteurl"] == fake_moodle.url
    assert body["release"] == "4.5.6 (Build: 20250811)"
    assert len(body["functions"]) == 38


def test_error_json_is_http_200(fake_moodle: FakeMoodle) -> None:
    resp = _post(
        fake_moodle,
        wstoken="nope",
        wsfunction="core_webservice_get_site_info",
        moodlewsrestformat="json",
    )
    assert resp.status_code == 200
    assert resp.json() == {
        "exception": "core\\exception\\moodle_exception",
        "errorcode": "invalidtoken",
        "message": "Invalid token - token not found",
    }


def test_requests_are_logged(fake_moodle: FakeMoodle) -> None:
    _post(
        fake_moodle,
        wstoken=fake_moodle.admin_token,
        wsfunction="core_webservice_get_site_info",
        moodlewsrestformat="json",
    )
    logged = fake_moodle.requests[-1]
    assert logged.method == "POST"
    assert logged.path == "/webservice/rest/server.php"
    assert logged.form["wstoken"] == fake_moodle.admin_token
    assert logged.wsfunction == "core_webservice_get_site_info"
