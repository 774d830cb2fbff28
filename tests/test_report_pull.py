"""pull_course_data against the fake Moodle: both paths, snapshots, cache, resume."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.report import CourseData, pull_course_data, read_snapshot, write_snapshot
from lemma_pkg.report.cache import PullCache
from lemma_pkg.report.model import COMPLETE_STATES
from lemma_pkg.report.pull import PullError
from lemma_pkg.report.snapshot import SnapshotError, to_jsonable
from tests.fake_moodle import FakeMoodle
from tests.report_course import NOW, SeededCourse, seed_course


@pytest.fixture
def course(fake_moodle: FakeMoodle) -> SeededCourse:
    return seed_course(fake_moodle, 40)


def client(fake: FakeMoodle, token: str) -> MoodleClient:
    return MoodleClient(fake.url, token, allow_insecure_http=True)


def pull(fake: FakeMoodle, token: str, courseid: int, **kw: object) -> CourseData:
    with client(fake, token) as c:
        return pull_course_data(c, courseid, **kw)  # type: ignore[arg-type]


def truth(fake: FakeMoodle, courseid: int) -> dict[str, object]:
    """What the fake's tables hold, counted directly."""
    st = fake.state
    learners = st.enrolled_userids(courseid)
    cms = {cm["id"] for cm in st.modules_in_course(courseid)}
    quizids = {q["id"] for q in st.quizzes.values() if q["course"] == courseid}
    return {
        "learners": len(learners),
        "completed": sorted(
            (u, cm)
            for (cm, u), r in st.completion.items()
            if cm in cms and r["completionstate"] in COMPLETE_STATES
        ),
        "attempts": sorted(a["id"] for a in st.quiz_attempts.values() if a["quiz"] in quizids),
        "sumgrades": sorted(
            (a["id"], a["sumgrades"]) for a in st.quiz_attempts.values() if a["quiz"] in quizids
        ),
    }


@pytest.mark.parametrize("path", ["core", "bulk"])
def test_pull_matches_the_sites_tables(
    fake_moodle: FakeMoodle, course: SeededCourse, path: str
) -> None:
    token = course.core_token if path == "core" else course.bulk_token
    data = pull(fake_moodle, token, course.courseid, path=path)
    t = truth(fake_moodle, course.courseid)
    assert data.pull.path == path
    assert len(data.learners) == t["learners"]
    assert (
        sorted((r.userid, r.cmid) for r in data.completions if r.state in COMPLETE_STATES)
        == (t["completed"])
    )
    assert sorted(a.id for a in data.attempts) == t["attempts"]
    assert sorted((a.id, a.sumgrades) for a in data.attempts) == t["sumgrades"]
    for a in data.attempts:
        assert a.questions is not None
        assert sum(q.mark or 0 for q in a.questions) == pytest.approx(a.sumgrades)
        assert a.grade == pytest.approx((a.sumgrades or 0) * 10 / 10)
    assert {lr.profile.get("sector") for lr in data.learners} <= {
        "Academia",
        "Government",
        "Industry",
        "Non-profit",
        "Other",
    }
    assert data.course.shortname == "LEMMA"
    assert {q.name for q in data.quizzes} == {"Quiz 1", "Quiz 2"}
    assert all(q.gradepass == 5.0 for q in data.quizzes)
    assert data.pull.calls > 0 and data.pull.functions


def test_core_and_bulk_paths_agree(fake_moodle: FakeMoodle, course: SeededCourse) -> None:
    core = pull(fake_moodle, course.core_token, course.courseid, path="core")
    bulk = pull(fake_moodle, course.bulk_token, course.courseid, path="bulk")

    def comparable(d: CourseData) -> dict[str, object]:
        learners = [dataclasses.replace(lr, timeenrolled=None, suspended=None) for lr in d.learners]
        acts = [dataclasses.replace(a, idnumber=None) for a in d.activities]
        out = to_jsonable(dataclasses.replace(d, learners=tuple(learners), activities=tuple(acts)))
        del out["pull"]
        return out  # type: ignore[no-any-return]

    assert comparable(core) == comparable(bulk)
    assert all(lr.timeenrolled for lr in bulk.learners)
    assert {a.idnumber for a in bulk.activities} >= {"m1/lesson", "m1/quiz"}
    assert bulk.pull.calls < 10 < core.pull.calls


def test_snapshot_round_trip_is_lossless(
    fake_moodle: FakeMoodle, course: SeededCourse, tmp_path: Path
) -> None:
    data = pull(fake_moodle, course.bulk_token, course.courseid)
    path = write_snapshot(data, tmp_path / "snap")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = read_snapshot(tmp_path / "snap")
    assert again == data
    assert write_snapshot(again, tmp_path / "snap2").read_bytes() == path.read_bytes()


def test_snapshot_errors_say_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "course-data.json").write_text('{"format": "other"}')
    with pytest.raises(SnapshotError, match="not a lemma course-data snapshot"):
        read_snapshot(tmp_path)
    with pytest.raises(SnapshotError, match="cannot read"):
        read_snapshot(tmp_path / "missing")


def test_bulk_path_without_the_plugin_is_refused(
    fake_moodle: FakeMoodle, course: SeededCourse
) -> None:
    with pytest.raises(PullError, match="local_lemma_course_learner_data"):
        pull(fake_moodle, course.core_token, course.courseid, path="bulk")
    assert pull(fake_moodle, course.core_token, course.courseid).pull.path == "core"
    assert pull(fake_moodle, course.bulk_token, course.courseid).pull.path == "bulk"


@pytest.mark.parametrize("path", ["core", "bulk"])
def test_incremental_pull_merges_new_rows_into_the_cache(
    fake_moodle: FakeMoodle, course: SeededCourse, tmp_path: Path, path: str
) -> None:
    from tests.fake_moodle import seed

    token = course.core_token if path == "core" else course.bulk_token
    cache = PullCache(fake_moodle.url, course.courseid, root=tmp_path)
    first = pull(fake_moodle, token, course.courseid, path=path, cache=cache)
    st = fake_moodle.state
    st.clock = NOW + 3600
    quiz = next(q for q in st.quizzes.values() if q["course"] == course.courseid)
    learner = first.learners[3]
    seed.record_quiz_attempt(st, quiz["id"], learner.userid, 9.0, timestart=NOW + 60)
    calls = len(fake_moodle.requests)
    second = pull(fake_moodle, token, course.courseid, path=path, since=NOW, cache=cache)
    incremental_calls = len(fake_moodle.requests) - calls
    assert len(second.attempts) == len(first.attempts) + 1
    assert second.pull.since == NOW
    full = pull(fake_moodle, token, course.courseid, path=path)
    assert to_jsonable(second)["attempts"] == to_jsonable(full)["attempts"]
    assert to_jsonable(second)["completions"] == to_jsonable(full)["completions"]
    assert cache.load() == second
    for folder in (cache.dir, cache.dir.parent, cache.dir.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    if path == "core":
        assert incremental_calls < first.pull.calls / 4


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("path", ["core", "bulk"])
def test_an_interrupted_pull_resumes(fake_moodle: FakeMoodle, tmp_path: Path, path: str) -> None:
    course = seed_course(fake_moodle, 40)
    token = course.core_token if path == "core" else course.bulk_token
    cache = PullCache(fake_moodle.url, course.courseid, root=tmp_path)

    def stop_midway(stage: str, done: int, total: int) -> None:
        if done >= total // 2:
            raise Interrupted

    with (
        client(fake_moodle, token) as c,
        pytest.raises(Interrupted),
    ):
        c.max_concurrency = 1
        c.requests_sent = 0
        import lemma_pkg.report.pull as pullmod
        from lemma_pkg.report.pull import BULK_PAGE

        pullmod.BULK_PAGE = 10
        try:
            pull_course_data(c, course.courseid, path=path, cache=cache, progress=stop_midway)
        finally:
            pullmod.BULK_PAGE = BULK_PAGE
    journals = list(cache.dir.glob("journal-*.jsonl"))
    assert len(journals) == 1
    assert len(journals[0].read_text().splitlines()) > 1
    calls = len(fake_moodle.requests)
    data = pull(fake_moodle, token, course.courseid, path=path, cache=cache)
    resumed = fake_moodle.requests[calls:]
    first = str(data.learners[0].userid)
    if path == "core":  # the first learner was pulled before the interruption
        assert not [r for r in resumed if r.form.get("userid") == first]
        assert [r for r in resumed if r.form.get("userid") == str(data.learners[-1].userid)]
    else:  # so were the first pages
        pages = [r.form for r in resumed if r.wsfunction == "local_lemma_course_learner_data"]
        assert pages and all(p["afteruserid"] != "0" for p in pages)
    full = pull(fake_moodle, token, course.courseid, path=path)
    assert not list(cache.dir.glob("journal-*.jsonl"))
    assert to_jsonable(data)["attempts"] == to_jsonable(full)["attempts"]
    assert to_jsonable(data)["learners"] == to_jsonable(full)["learners"]
