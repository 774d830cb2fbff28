"""`lemma doctor` against the fake Moodle, through click's CliRunner."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.config import resolve_site
from lemma_pkg.doctor import Status, run_doctor
from lemma_pkg.moodle.functions import required_functions
from tests.fake_moodle import FakeMoodle


def doctor(
    fake: FakeMoodle | None,
    tmp_path: Path,
    *args: str,
    token: str | None = None,
    url: str | None = None,
) -> Result:
    env = {
        "LEMMA_CONFIG": str(tmp_path / "absent.toml"),
        "LEMMA_URL": url or (fake.url if fake else None),
        "LEMMA_TOKEN": token or (fake.admin_token if fake else None),
        "LEMMA_PROFILE": None,
    }
    runner = CliRunner(env=env)
    with contextlib.chdir(tmp_path):
        result = runner.invoke(main, ["doctor", *args])
    for secret in ([fake.admin_token] if fake else []) + ([token] if token else []):
        assert secret not in result.output
    return result


def line(result: Result, name: str) -> str:
    for ln in result.stdout.splitlines():
        parts = ln.split(None, 2)
        if len(parts) >= 2 and ln[6:].startswith(name + " "):
            return ln
    raise AssertionError(f"no {name!r} line in:\n{result.stdout}")


def test_reference_site_is_ready(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--course", "REF1")
    assert result.exit_code == 0, result.output
    assert line(result, "version").startswith("ok    version")
    assert "Moodle 4.5.6 (Build: 20250811)" in line(result, "version")
    n = len(required_functions())
    assert f"all {n} functions lemma needs are in the service" in line(result, "functions")
    assert line(result, "manual enrolment").endswith(
        "course 'REF1' has an enabled manual enrolment method"
    )
    assert line(result, "completion").startswith("ok ")
    assert line(result, "companion plugin").startswith("skip")
    assert result.stderr.strip().endswith("ready")


def test_missing_functions_fail_with_what_to_do(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    token = fake_moodle.issue_token(
        "admin", ["core_webservice_get_site_info", "core_course_get_courses_by_field"]
    )
    result = doctor(fake_moodle, tmp_path, "--insecure-http", token=token)
    assert result.exit_code == 3
    functions = line(result, "functions")
    assert functions.startswith("FAIL  functions")
    assert "core_user_create_users" in functions and "gradereport_user_get_grade_items" in functions
    assert "fix: add them in Site administration > Server > Web services > External services" in (
        result.stdout
    )


def test_upload_not_allowed(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    token = fake_moodle.issue_token("admin", uploadfiles=False)
    result = doctor(fake_moodle, tmp_path, "--insecure-http", token=token)
    assert result.exit_code == 3
    assert line(result, "upload").startswith("FAIL  upload")
    assert "tick 'Can upload files'" in result.stdout


def test_old_site(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    fake_moodle.state.config.version = 2022041900
    fake_moodle.state.config.release = "4.0 (Build: 20220419)"
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert result.exit_code == 3
    assert "Moodle 4.0 (Build: 20220419) is older than 4.5 LTS" in line(result, "version")
    assert "upgrade the site to 4.5 LTS or newer" in result.stdout


def test_completion_disabled(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    cfg = fake_moodle.state.config
    cfg.enablecompletion = False
    cfg.advancedfeatures = [
        (k, 0 if k == "enablecompletion" else v) for k, v in cfg.advancedfeatures
    ]
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert result.exit_code == 3
    assert line(result, "completion").startswith("FAIL  completion")
    assert "Enable completion tracking" in result.stdout


def test_course_without_manual_enrolment(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    for inst in fake_moodle.state.enrol.values():
        if inst["courseid"] == 2 and inst["enrol"] == "manual":
            inst["status"] = 1
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--course", "REF1")
    assert result.exit_code == 3
    assert "course 'REF1' has no enabled manual enrolment method" in line(
        result, "manual enrolment"
    )


def test_bad_token_is_exit_3(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    result = doctor(fake_moodle, tmp_path, "--insecure-http", token="f" * 32)
    assert result.exit_code == 3
    assert line(result, "reachable").startswith("ok ")
    assert line(result, "token").startswith("FAIL  token")
    assert "Manage tokens" in result.stdout


def test_unreachable_site_is_exit_4(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    url = fake_moodle.url
    fake_moodle.stop()
    result = doctor(None, tmp_path, "--insecure-http", url=url, token="a" * 32)
    assert result.exit_code == 4
    assert line(result, "reachable").startswith("FAIL  reachable")
    assert "cannot reach" in result.stdout


def test_maintenance_is_exit_4(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    fake_moodle.faults.maintenance(retry_after=600)
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert result.exit_code == 4
    assert "maintenance" in line(result, "reachable")


def test_nothing_configured_is_exit_3(tmp_path: Path) -> None:
    result = doctor(None, tmp_path)
    assert result.exit_code == 3
    assert line(result, "config") == "FAIL  config  no URL and no token configured"


def test_plain_http_without_the_flag(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    result = doctor(fake_moodle, tmp_path)
    assert result.exit_code == 3
    assert "is plain HTTP" in line(result, "config")
    assert "--insecure-http" in result.stdout


def test_insecure_http_is_refused_for_other_hosts(tmp_path: Path) -> None:
    result = doctor(
        None, tmp_path, "--insecure-http", url="http://moodle.example.edu", token="a" * 32
    )
    assert result.exit_code == 2
    assert "--insecure-http is refused for moodle.example.edu" in result.stderr


def test_json_format(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["exit_code"] == 0
    names = [c["name"] for c in data["checks"]]
    assert names[:3] == ["config", "reachable", "token user"]
    assert {c["status"] for c in data["checks"]} <= {"ok", "warn", "skip"}


def test_library_api_returns_check_values(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    cfg = resolve_site(
        env={
            "LEMMA_CONFIG": str(tmp_path / "x.toml"),
            "LEMMA_URL": fake_moodle.url,
            "LEMMA_TOKEN": fake_moodle.admin_token,
        },
        cwd=tmp_path,
    )
    report = run_doctor(cfg, allow_insecure_http=True)
    assert report.exit_code == 0
    by_name = {c.name: c for c in report.checks}
    assert by_name["upload"].status is Status.OK
    assert by_name["manual enrolment"].status is Status.SKIP
    assert not by_name["manual enrolment"].required


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_help_and_formats_exist(fmt: str) -> None:
    result = CliRunner().invoke(main, ["doctor", "--help"])
    assert result.exit_code == 0
    assert fmt in result.output and "--insecure-http" in result.output


def test_low_max_input_vars_is_found(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    fake_moodle.faults.max_input_vars(1000)
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert result.exit_code == 3
    assert line(result, "max_input_vars").split(None, 2)[::2] == [
        "FAIL",
        line(result, "max_input_vars").split(None, 2)[2],
    ]
    assert "the site silently drops form fields" in line(result, "max_input_vars")
    assert "set max_input_vars = 5000" in result.stdout


def test_max_input_vars_probe_sends_exactly_the_batch_size(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert "the site accepts requests of 4000 form fields" in line(result, "max_input_vars")
    probe = [
        r
        for r in fake_moodle.requests
        if ("wsfunction", "core_user_get_users_by_field") in r.fields
    ]
    assert len(probe) == 1 and len(probe[0].fields) == 4000


def test_very_verbose_traces_mask_the_token(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    runner = CliRunner(
        env={
            "LEMMA_CONFIG": str(tmp_path / "absent.toml"),
            "LEMMA_URL": fake_moodle.url,
            "LEMMA_TOKEN": fake_moodle.admin_token,
            "LEMMA_PROFILE": None,
        }
    )
    with contextlib.chdir(tmp_path):
        result = runner.invoke(main, ["-vv", "doctor", "--insecure-http"])
    assert result.exit_code == 0
    assert "POST http://127.0.0.1" in result.stderr
    assert "wstoken='****" in result.stderr
    assert fake_moodle.admin_token not in result.output


def test_web_services_off(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    fake_moodle.faults.webservices_disabled()
    result = doctor(fake_moodle, tmp_path, "--insecure-http")
    assert result.exit_code == 3
    assert line(result, "web services").startswith("FAIL  web services")
    assert "Manage protocols" in result.stdout


def test_backup_larger_than_the_upload_limit(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    token = fake_moodle.issue_token("student1")  # students have a limit (admins have none)
    mbz = tmp_path / "course.mbz"
    with mbz.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB, larger than the 128 MB limit
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--backup", str(mbz), token=token)
    assert result.exit_code == 3
    assert (
        "the backup course.mbz (200.0 MB) is larger than the user's upload limit (128.0 MB)"
        in line(result, "max upload")
    )


def test_backup_within_the_upload_limit_is_named(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    token = fake_moodle.issue_token("student1")
    mbz = tmp_path / "course.mbz"
    mbz.write_bytes(b"x" * 2048)
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--backup", str(mbz), token=token)
    assert line(result, "max upload").endswith(
        "the backup course.mbz (2.0 KB) fits the user's upload limit (128.0 MB)"
    )


def test_backup_without_an_upload_limit_is_named(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    # A site administrator has no Moodle upload limit (usermaxuploadfilesize -1, as on the
    # real 4.5.6 site): the line must still name the file and say that it fits.
    mbz = tmp_path / "course.mbz"
    mbz.write_bytes(b"x" * 2048)
    result = doctor(fake_moodle, tmp_path, "--insecure-http", "--backup", str(mbz))
    assert result.exit_code == 0, result.output
    upload = line(result, "max upload")
    assert upload.startswith("ok    max upload ")
    assert upload.endswith(
        "  no upload size limit for this user: the backup course.mbz (2.0 KB) fits "
        "(the web server's PHP post_max_size still applies)"
    )


def test_https_to_a_plain_http_site_is_unreachable(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    url = fake_moodle.url.replace("http://", "https://")
    result = doctor(fake_moodle, tmp_path, url=url)
    assert result.exit_code == 4
    assert line(result, "reachable").startswith("FAIL  reachable")
    assert "TLS handshake" in line(result, "reachable")
