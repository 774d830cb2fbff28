"""`lemma deploy` on the command line against the fake Moodle: a course folder built and
deployed, dry run, --replace needs --yes, --status, JSON, --via cli, and a real kill -9 of
the process while the restore runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.deploy.deploylog import DeployLog
from tests.fake_moodle import FakeMoodle, seed

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    res = CliRunner().invoke(main, ["init", str(tmp_path / "course")])
    assert res.exit_code == 0, res.output
    return tmp_path / "course"


def lemma(fake: FakeMoodle, token: str, *args: str, env: dict[str, str] | None = None) -> Result:
    runner = CliRunner()
    return runner.invoke(
        main,
        ["deploy", "--insecure-http", *args],
        env={
            "LEMMA_URL": fake.url,
            "LEMMA_TOKEN": token,
            "LEMMA_CONFIG": "/nonexistent",
            **(env or {}),
        },
        catch_exceptions=False,
    )


@pytest.fixture
def site(fake_moodle: FakeMoodle) -> tuple[FakeMoodle, str]:
    seed.add_category(fake_moodle.state, "Miscellaneous")
    return fake_moodle, fake_moodle.issue_lemma_token()


def test_deploy_a_course_folder(site: tuple[FakeMoodle, str], course: Path) -> None:
    fake, token = site
    res = lemma(fake, token, str(course))
    assert res.exit_code == 0, res.output
    [created] = [c for c in fake.state.courses.values() if c["shortname"] == "course-v1"]
    assert res.stdout.strip() == f"{fake.url}/course/view.php?id={created['id']}"
    assert "deployed" in res.stderr and "items" in res.stderr
    assert (course / "backups").is_dir()  # built first
    entries = DeployLog(course / "deployments.jsonl").read()
    assert [e.event for e in entries] == ["planned", "restoring", "done"]
    # again: nothing to do, and it says so
    again = lemma(fake, token, str(course))
    assert again.exit_code == 0
    assert "unchanged" in again.stderr
    assert again.stdout.strip() == res.stdout.strip()


def test_dry_run_prints_the_plan_and_the_checks(site: tuple[FakeMoodle, str], course: Path) -> None:
    fake, token = site
    res = lemma(fake, token, "--dry-run", str(course))
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("create course-v1 (idnumber ") and "'Miscellaneous'" in lines[0]
    assert any(ln.startswith("ok    companion plugin  local_lemma") for ln in lines)
    assert "nothing was sent" in res.stderr
    assert not (course / "deployments.jsonl").exists()
    assert not fake.state.lemma_restores


def test_dry_run_shows_failed_checks_with_exit_3(fake_moodle: FakeMoodle, course: Path) -> None:
    seed.add_category(fake_moodle.state, "Miscellaneous")
    res = lemma(fake_moodle, fake_moodle.admin_token, "--dry-run", str(course))
    assert res.exit_code == 3
    assert res.stdout.startswith("nothing can be planned: the site is not ready")
    assert "FAIL  companion plugin  not in the token's service" in res.stdout
    real = lemma(fake_moodle, fake_moodle.admin_token, str(course))
    assert real.exit_code == 3
    assert "the site is not ready for this deploy" in real.stderr


def test_replace_needs_yes(site: tuple[FakeMoodle, str], course: Path) -> None:
    fake, token = site
    res = lemma(fake, token, "--replace", "X", str(course))
    assert res.exit_code == 2
    assert "add --yes" in res.stderr
    missing = lemma(fake, token, "--replace", "NOPE", "--yes", str(course))
    assert missing.exit_code == 2 and "no course with that short name" in missing.stderr


def test_status_checks_the_log_against_the_site(site: tuple[FakeMoodle, str], course: Path) -> None:
    fake, token = site
    assert lemma(fake, token, str(course)).exit_code == 0
    log = str(course / "deployments.jsonl")
    res = lemma(fake, token, "--status", "--log", log)
    assert res.exit_code == 0
    assert "course-v1" in res.stdout and "done (ok)  site: ok" in res.stdout
    courseid = next(c["id"] for c in fake.state.courses.values() if c["shortname"] == "course-v1")
    fake.state.courses[courseid]["visible"] = 0
    res = lemma(fake, token, "--status", "--log", log, "--format", "json")
    doc = json.loads(res.stdout)
    assert [d["site_state"] for d in doc["deployments"]] == ["hidden"]
    from tests.fake_moodle.functions.course import remove_course

    remove_course(fake.state, courseid)
    res = lemma(fake, token, "--status", "--log", log)
    assert "site: missing" in res.stdout


def test_json_output(site: tuple[FakeMoodle, str], course: Path) -> None:
    fake, token = site
    res = lemma(fake, token, "--format", "json", str(course))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["plan"]["action"] == "create" and doc["outcome"] == "ok"
    assert doc["verify"]["ok"] is True
    assert set(doc["timings"]) >= {"build", "upload", "restore_wait", "checks"}


def test_via_cli_restores_with_moodles_script_then_names_the_course(
    site: tuple[FakeMoodle, str], course: Path, tmp_path: Path
) -> None:
    fake, token = site
    moodle = tmp_path / "moodle"
    (moodle / "admin" / "cli").mkdir(parents=True)
    (moodle / "admin" / "cli" / "restore_backup.php").write_text("<?php // stand-in\n")
    env = {
        "LEMMA_PHP": f"{sys.executable} {FIXTURES / 'fake_restore_backup.py'}",
        "FAKE_MOODLE_URL": fake.url,
        "FAKE_MOODLE_TOKEN": token,
    }
    res = lemma(fake, token, "--via", "cli", "--moodle-dir", str(moodle), str(course), env=env)
    assert res.exit_code == 0, res.output
    created = [c for c in fake.state.courses.values() if c["shortname"] == "course-v1"]
    assert len(created) == 1 and created[0]["idnumber"].endswith("-v1")
    entries = DeployLog(course / "deployments.jsonl").read()
    assert [(e.event, e.mode) for e in entries][-1] == ("done", "cli")
    other = tmp_path / "other.jsonl"
    # changed sources (the site records what course-v1 holds: the same ones are unchanged)
    lesson = sorted((course / "content_src").rglob("*.md"))[0]
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    bad = lemma(
        fake,
        token,
        "--via",
        "cli",
        "--moodle-dir",
        str(moodle),
        "--log",
        str(other),
        str(course),
        env={**env, "FAKE_RESTORE_FAIL": "1"},
    )
    assert bad.exit_code == 4
    assert "restore_backup.php failed (exit 1)" in bad.stderr
    assert "Invalid category ID" in bad.stderr
    assert DeployLog(other).read()[-1].event == "failed"


def test_via_cli_cannot_replace(site: tuple[FakeMoodle, str], course: Path, tmp_path: Path) -> None:
    fake, token = site
    res = lemma(
        fake,
        token,
        "--via",
        "cli",
        "--moodle-dir",
        str(tmp_path),
        "--replace",
        "X",
        "--yes",
        str(course),
    )
    assert res.exit_code == 2


def test_kill_9_while_the_restore_runs_then_rerun(
    site: tuple[FakeMoodle, str], course: Path
) -> None:
    fake, token = site
    fake.state.restore_hold = True  # cron holds the restore: the client keeps polling
    env = dict(
        os.environ,
        LEMMA_URL=fake.url,
        LEMMA_TOKEN=token,
        LEMMA_CONFIG="/nonexistent",
        NO_COLOR="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "lemma_pkg", "deploy", "--insecure-http", str(course)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    log = DeployLog(course / "deployments.jsonl")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(e.event == "restoring" for e in log.read()):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the deploy never started the restore")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert log.read()[-1].event == "restoring"
    fake.state.restore_hold = False
    res = lemma(fake, token, str(course))
    assert res.exit_code == 0, res.output
    assert "finishing the interrupted deploy of course-v1" in res.stderr
    assert [c["shortname"] for c in fake.state.courses.values()].count("course-v1") == 1
    assert len(fake.state.lemma_restores) == 1
    assert log.current()[-1].event == "done"


def test_precheck_asks_moodle_and_changes_nothing(
    site: tuple[FakeMoodle, str], course: Path
) -> None:
    fake, token = site
    fake.state.restore_precheck_warnings = ["The backup was made with a newer Moodle"]
    before = set(fake.state.courses)
    res = lemma(fake, token, "--precheck", str(course))
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines() == [
        "warning  The backup was made with a newer Moodle",
        "precheck: ok (0 errors, 1 warnings); nothing was restored",
    ]
    assert set(fake.state.courses) == before and not fake.state.lemma_restores
    assert not (course / "deployments.jsonl").exists()
    calls = [r.wsfunction for r in fake.requests if r.wsfunction == "local_lemma_restore_course"]
    assert calls == ["local_lemma_restore_course"]
    assert fake.requests[-1].fields and ("precheckonly", "1") in fake.requests[-1].fields
