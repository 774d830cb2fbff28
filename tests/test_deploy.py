"""`lemma deploy` end to end against the fake Moodle (real HTTP): new course, unchanged
re-deploy, new version, replace with its learner-data export, the export failing, an
interruption at every step followed by a rerun, and 5xx / timeouts / lost answers during
upload, restore and polling."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lemma_pkg.deploy.deploylog import DONE, DeployLog
from lemma_pkg.deploy.export import save_learner_data
from lemma_pkg.deploy.manifest import read_manifest
from lemma_pkg.deploy.pipeline import DeployResult, DeploySource, deploy
from lemma_pkg.deploy.plan import DeployOptions
from lemma_pkg.deploy.steps import DeployError, Polling, RestoreFailed, RestoreStillRunning
from lemma_pkg.mbz import write_backup
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.functions import FUNCTIONS
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.plugin.contract import load_contract
from lemma_pkg.report.snapshot import read_snapshot
from tests.fake_moodle import FakeMoodle, seed
from tests.fake_moodle.functions.lemma_restore import kill_restore
from tests.fixtures.mbz.course_factory import full_course

FAST_RETRY = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.02)
FAST_POLL = Polling(first=0.0, factor=1.0, most=0.0, timeout=30.0, outage=0.5, cron_warning=30)


class Interrupted(BaseException):
    """Stands for Ctrl-C or kill -9 at a checkpoint (nothing after it runs)."""


@dataclasses.dataclass
class Env:
    fake: FakeMoodle
    token: str = dataclasses.field(repr=False)
    tmp: Path = Path()
    log: DeployLog = dataclasses.field(default_factory=lambda: DeployLog(Path("d.jsonl")))

    def source(self, edition: int = 1) -> DeploySource:
        """The test course; each edition differs (its full name), so its sha256 too."""
        course = full_course()
        if edition > 1:
            course = dataclasses.replace(course, fullname=f"{course.fullname} ({edition})")
        path = self.tmp / f"course-{edition}.mbz"
        if not path.exists():
            write_backup(course, path)
        return DeploySource(mbz=path, source_commit=f"c{edition}", default_category="Statistics")

    def deploy(self, edition: int = 1, *, token: str | None = None, **kw: Any) -> DeployResult:
        opts = {k: kw.pop(k) for k in ("replace", "hide_previous", "category") if k in kw}
        with MoodleClient(
            self.fake.url,
            token or self.token,
            allow_insecure_http=True,
            retry=FAST_RETRY,
            timeout=kw.pop("timeout", (5.0, 10.0)),
        ) as client:
            return deploy(
                client,
                self.source(edition),
                DeployOptions(**opts),
                self.log,
                polling=kw.pop("polling", FAST_POLL),
                exporter=save_learner_data,
                export_dir=self.tmp / "learner-data",
                **kw,
            )

    def courses(self, shortname_prefix: str = "LEMMA-TEST") -> list[dict[str, Any]]:
        return [
            c
            for c in self.fake.state.courses.values()
            if c["shortname"].startswith(shortname_prefix)
        ]

    def writes(self) -> list[str]:
        """Write calls (and uploads) the fake received, in order."""
        kinds = {n: f.kind for n, f in FUNCTIONS.items()}
        kinds.update({n: f.type for n, f in load_contract().items()})
        out = []
        for r in self.fake.requests:
            if r.path.endswith("/webservice/upload.php"):
                out.append("upload")
            elif r.wsfunction and kinds.get(r.wsfunction) != "read":
                out.append(r.wsfunction)
        return out


@pytest.fixture
def env(fake_moodle: FakeMoodle, tmp_path: Path) -> Iterator[Env]:
    seed.add_category(fake_moodle.state, "Statistics", idnumber="stats")
    yield Env(
        fake_moodle, fake_moodle.issue_lemma_token(), tmp_path, DeployLog(tmp_path / "d.jsonl")
    )


def test_new_course(env: Env) -> None:
    result = env.deploy()
    [course] = env.courses()
    assert (course["shortname"], course["idnumber"], course["visible"]) == (
        "LEMMA-TEST-v1",
        "lemma-test-v1",
        1,
    )
    assert env.fake.state.categories[course["category"]]["name"] == "Statistics"
    assert result.url == f"{env.fake.url}/course/view.php?id={course['id']}"
    assert result.verify is not None and result.verify.ok, result.verify
    manifest = read_manifest(env.source().mbz)
    assert result.verify.items == len(manifest.items)
    assert [d.filename for d in result.verify.datasets] == ["tutorial.wsz"]
    # the unknown extension was registered before the restore: stored as its own type
    assert env.fake.state.filetypes == {"wsz": "application/octet-stream"}
    assert result.warnings == []
    assert env.writes() == [
        "local_lemma_register_filetypes",
        "upload",
        "local_lemma_restore_course",
        "local_lemma_record_applied",  # the baseline of `lemma deploy --update`
    ]
    events = [(d.event, d.shortname) for d in env.log.read()]
    assert events == [
        ("planned", "LEMMA-TEST-v1"),
        ("restoring", "LEMMA-TEST-v1"),
        ("done", "LEMMA-TEST-v1"),
    ]
    done = env.log.read()[-1]
    assert (done.courseid, done.sha256, done.source_commit, done.outcome) == (
        course["id"],
        manifest.sha256,
        "c1",
        "ok",
    )


def test_unchanged_redeploy_changes_nothing(env: Env) -> None:
    first = env.deploy()
    env.fake.requests.clear()
    again = env.deploy()
    assert again.plan.action == "unchanged"
    assert again.courseid == first.courseid and again.url == first.url
    assert env.writes() == []
    assert len(env.courses()) == 1
    assert len(env.log.read()) == 3  # nothing logged for a no-op


def test_changed_sources_make_a_new_version_and_hide_the_previous(env: Env) -> None:
    v1 = env.deploy(1)
    v2 = env.deploy(2)
    assert v2.plan.shortname == "LEMMA-TEST-v2" and v2.plan.previous is not None
    by_name = {c["shortname"]: c for c in env.courses()}
    assert set(by_name) == {"LEMMA-TEST-v1", "LEMMA-TEST-v2"}
    assert by_name["LEMMA-TEST-v1"]["visible"] == 1  # left as it is by default
    v3 = env.deploy(3, hide_previous=True)
    by_name = {c["shortname"]: c for c in env.courses()}
    assert by_name["LEMMA-TEST-v2"]["visible"] == 0
    assert by_name["LEMMA-TEST-v3"]["visible"] == 1
    assert v3.deployment is not None and v3.deployment.previous_courseid == v2.courseid
    # going back to edition 1 is a change too: a new version, not v1 again
    back = env.deploy(1)
    assert back.plan.shortname == "LEMMA-TEST-v4" and back.courseid != v1.courseid


def test_versions_continue_from_the_site_without_a_log(env: Env) -> None:
    env.deploy(1)
    env.deploy(2)
    env.log.path.unlink()
    again = env.deploy(2)  # the site's restore record knows v2 holds this archive
    assert again.plan.action == "unchanged" and again.plan.shortname == "LEMMA-TEST-v2"
    nxt = env.deploy(3)
    assert nxt.plan.shortname == "LEMMA-TEST-v3"


def test_dry_run_sends_no_write(env: Env) -> None:
    env.deploy(1)
    env.fake.requests.clear()
    result = env.deploy(2, dry_run=True, hide_previous=True)
    assert result.dry_run and result.plan.action == "create"
    assert result.plan.describe()[0].startswith("create LEMMA-TEST-v2 (idnumber lemma-test-v2)")
    assert "previous version LEMMA-TEST-v1" in result.plan.describe()[1]
    assert "hide" in result.plan.describe()[1]
    assert env.writes() == []
    assert len(env.courses()) == 1
    assert [c.status.value for c in result.plan.checks] == ["ok"] * len(result.plan.checks)


def _learners(env: Env, courseid: int) -> None:
    state = env.fake.state
    with state.lock:
        seed.seed_cohort(state, courseid, n=6, seed=3)
        seed.add_group(state, courseid, "Group A")


def test_replace_saves_the_learner_data_then_keeps_enrolments(env: Env) -> None:
    v1 = env.deploy(1)
    assert v1.courseid is not None
    _learners(env, v1.courseid)
    state = env.fake.state
    enrolled = state.enrolled_userids(v1.courseid)
    attempts = [a for a in state.quiz_attempts.values()]
    assert enrolled and attempts
    result = env.deploy(2, replace="LEMMA-TEST-v1")
    assert result.plan.action == "replace" and result.courseid == v1.courseid
    assert result.export is not None and result.export.is_file()
    assert result.export.stat().st_mode & 0o777 == 0o600
    assert (env.tmp / "learner-data" / ".gitignore").read_text().endswith("*\n")
    saved = read_snapshot(result.export)
    assert {lr.userid for lr in saved.learners} == set(enrolled)
    assert len(saved.attempts) == len(attempts)
    assert saved.completions and saved.grades
    # Moodle deleted the learner data; enrolments and groups stay; names too
    assert not state.quiz_attempts
    assert state.enrolled_userids(v1.courseid) == enrolled
    assert any(g["courseid"] == v1.courseid for g in state.groups.values())
    course = state.courses[v1.courseid]
    assert (course["shortname"], course["idnumber"]) == ("LEMMA-TEST-v1", "lemma-test-v1")
    assert result.verify is not None and result.verify.ok
    done = env.log.read()[-1]
    assert (done.mode, done.event, done.export) == ("replace", DONE, str(result.export))
    # replacing with the same archive again is a no-op (and destroys nothing)
    again = env.deploy(2, replace="LEMMA-TEST-v1")
    assert again.plan.action == "unchanged"


def test_replace_refuses_when_the_export_fails(env: Env) -> None:
    v1 = env.deploy(1)
    assert v1.courseid is not None
    _learners(env, v1.courseid)
    # a token whose service lacks what the pull needs (no bulk read, no participants list)
    needed = set(FUNCTIONS) | set(load_contract())
    token = env.fake.issue_token(
        "admin",
        sorted(needed - {"local_lemma_course_learner_data", "core_enrol_get_enrolled_users"}),
    )
    env.fake.install_plugin()
    env.fake.requests.clear()
    with pytest.raises(DeployError, match="its content was not replaced"):
        env.deploy(2, replace="LEMMA-TEST-v1", token=token)
    assert "upload" not in env.writes()
    assert "local_lemma_restore_course" not in env.writes()
    assert env.fake.state.quiz_attempts  # nothing was deleted
    assert env.log.read()[-1].event == "failed"
    assert "learner data export failed" in env.log.read()[-1].outcome


CHECKPOINTS = ["planned", "uploaded", "restore-started", "restored", "verified"]


@pytest.mark.parametrize("point", [*CHECKPOINTS, "previous-hidden"])
def test_interrupted_anywhere_then_rerun_gives_one_course(env: Env, point: str) -> None:
    env.deploy(1)

    def stop(name: str) -> None:
        if name == point:
            raise Interrupted(name)

    with pytest.raises(Interrupted):
        env.deploy(2, hide_previous=True, checkpoint=stop)
    result = env.deploy(2, hide_previous=True)
    v2 = [c for c in env.courses() if c["shortname"] == "LEMMA-TEST-v2"]
    assert len(v2) == 1 and len(env.courses()) == 2
    assert [c["shortname"] for c in env.courses() if c["visible"]] == ["LEMMA-TEST-v2"]
    current = {d.shortname: d for d in env.log.current()}
    assert current["LEMMA-TEST-v2"].event in (DONE, "abandoned")
    finals = [d for d in env.log.current() if d.shortname == "LEMMA-TEST-v2" and d.event == DONE]
    assert len(finals) == 1
    if point in ("planned", "uploaded"):
        # nothing had reached the site: recorded as abandoned, then deployed afresh
        assert result.plan.action == "create"
        assert [d.event for d in result.resumed] == ["abandoned"]
    else:
        # the restore had started: the rerun finished that one; nothing more to do
        assert [d.event for d in result.resumed] == [DONE]
        assert result.plan.action == "unchanged"


@pytest.mark.parametrize("point", ["planned", "exported", "uploaded", "restore-started"])
def test_interrupted_replace_then_rerun(env: Env, point: str) -> None:
    v1 = env.deploy(1)
    assert v1.courseid is not None
    _learners(env, v1.courseid)

    def stop(name: str) -> None:
        if name == point:
            raise Interrupted(name)

    with pytest.raises(Interrupted):
        env.deploy(2, replace="LEMMA-TEST-v1", checkpoint=stop)
    env.deploy(2, replace="LEMMA-TEST-v1")
    assert len(env.courses()) == 1
    sha2 = read_manifest(env.source(2).mbz).sha256
    replaced = [d for d in env.log.current() if d.mode == "replace" and d.event == DONE]
    assert [d.sha256 for d in replaced] == [sha2]
    assert replaced[0].courseid == v1.courseid
    exports = sorted((env.tmp / "learner-data").glob("*/course-data.json"))
    assert exports  # the data was saved before anything was deleted
    assert any(read_snapshot(p).attempts for p in exports)


def test_restore_answer_lost_is_resent_and_finds_the_same_restore(env: Env) -> None:
    env.fake.faults.lost_response(function="local_lemma_restore_course", status=504)
    result = env.deploy()
    assert result.verify is not None and result.verify.ok
    assert len(env.courses()) == 1
    calls = [
        r.wsfunction for r in env.fake.requests if r.wsfunction == "local_lemma_restore_course"
    ]
    assert len(calls) == 2 and len(env.fake.state.lemma_restores) == 1


def test_restore_answer_lost_then_crash_then_rerun(env: Env) -> None:
    # the site started the restore, the answer never came, and lemma died before retrying
    env.fake.faults.lost_response(function="local_lemma_restore_course", count=None)
    with pytest.raises(Exception):  # noqa: B017 - the client gives up after its retries
        env.deploy(timeout=(5.0, 10.0))
    env.fake.faults.clear()
    assert env.log.read()[-1].event == "planned"
    result = env.deploy()
    assert [d.event for d in result.resumed] == [DONE]
    assert len(env.courses()) == 1 and len(env.fake.state.lemma_restores) == 1


def test_killed_mid_restore_as_a_process(env: Env) -> None:
    """The client stops while the restore runs in cron (kill -9); a rerun waits for it."""
    env.fake.state.restore_hold = True

    def stop(name: str) -> None:
        if name == "restore-started":
            raise Interrupted(name)

    with pytest.raises(Interrupted):
        env.deploy(checkpoint=stop)
    env.fake.state.restore_hold = False
    result = env.deploy()
    assert [d.event for d in result.resumed] == [DONE]
    assert len(env.courses()) == 1


def test_cron_killed_mid_restore_deletes_the_course_and_the_rerun_deploys(env: Env) -> None:
    def stop(name: str) -> None:
        if name == "restore-started":
            raise Interrupted(name)

    with pytest.raises(Interrupted):
        env.deploy(checkpoint=stop)
    [rec] = env.fake.state.lemma_restores.values()
    kill_restore(env.fake.state, rec["restoreid"])
    result = env.deploy()
    assert [d.event for d in result.resumed] == ["failed"]
    assert result.plan.shortname == "LEMMA-TEST-v1"  # the failed version's number is reused
    [course] = env.courses()
    assert course["id"] != rec["courseid"] and course["visible"] == 1


def test_failed_restore_is_reported_and_logged(env: Env) -> None:
    env.fake.state.restore_fail = "Error writing to database"
    with pytest.raises(RestoreFailed, match="Error writing to database"):
        env.deploy()
    assert env.courses() == []  # the plugin deleted the half-restored course
    assert env.log.read()[-1].event == "failed"


def test_5xx_and_resets_during_upload_are_retried(env: Env) -> None:
    env.fake.faults.http_error(502, count=2, endpoint="upload")
    env.fake.faults.reset_connection(count=1, endpoint="upload")
    result = env.deploy()
    assert result.verify is not None and result.verify.ok
    uploads = [r for r in env.fake.requests if r.path.endswith("/webservice/upload.php")]
    assert len(uploads) == 4


def test_5xx_and_timeouts_while_polling_are_waited_out(env: Env) -> None:
    env.fake.state.restore_steps = 4
    env.fake.faults.http_error(503, count=3, function="local_lemma_restore_status")
    env.fake.faults.slow(1.0, count=2, function="local_lemma_restore_status")
    result = env.deploy(timeout=(5.0, 0.3))
    assert result.verify is not None and result.verify.ok
    assert env.fake.faults.fired.count("slow") == 2


def test_a_long_outage_while_polling_stops_and_the_rerun_finishes(env: Env) -> None:
    env.fake.faults.http_error(503, count=None, function="local_lemma_restore_status")
    with pytest.raises(RestoreStillRunning, match="failing for") as info:
        env.deploy()
    assert "run the same command again" in (info.value.hint or "")
    env.fake.faults.clear()
    assert env.log.read()[-1].event == "restoring"
    result = env.deploy()
    assert [d.event for d in result.resumed] == [DONE]
    assert len(env.courses()) == 1


def test_restore_still_queued_after_the_timeout(env: Env) -> None:
    env.fake.state.restore_hold = True
    with pytest.raises(RestoreStillRunning, match="still queued"):
        env.deploy(polling=dataclasses.replace(FAST_POLL, timeout=0.05))
    env.fake.state.restore_hold = False
    assert env.deploy().resumed[0].event == DONE


def test_missing_items_and_damaged_data_sets_are_problems(env: Env) -> None:
    result = env.deploy()
    assert result.courseid is not None
    state = env.fake.state
    cm = next(m for m in state.modules.values() if m["idnumber"] == "01-basics/placement")
    cm["idnumber"] = ""
    f = next(f for f in state.files if f["filename"] == "tutorial.wsz")
    f["content"] = b"changed"
    from lemma_pkg.deploy.steps import verify

    with MoodleClient(env.fake.url, env.token, allow_insecure_http=True) as client:
        report = verify(
            client,
            result.courseid,
            read_manifest(env.source().mbz),
            shortname="LEMMA-TEST-v1",
            idnumber="lemma-test-v1",
        )
    assert not report.ok
    assert any("'01-basics/placement'" in p and "missing" in p for p in report.problems)
    assert any("tutorial.wsz" in p and "differ" in p for p in report.problems)
