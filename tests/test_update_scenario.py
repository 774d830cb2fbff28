"""``lemma deploy --update`` on a running course keeps every learner's data (fake Moodle).

The bundled course is restored into the fake (what ``lemma deploy`` does) with its baseline
recorded; two learners view pages and attempt quizzes through the web services; the sources
are edited (tests/update_scenario.py: a lesson's text, a question's answer, a page added, a
label removed, a module reordered) and the update runs. The learner data export
(:func:`lemma_pkg.report.pull_course_data`) is identical before and after; the old attempt's
review shows the old question, a new attempt gets the new one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import Course
from lemma_pkg.mbz import backup_bytes
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import ServerError
from lemma_pkg.moodle.retry import RetryPolicy
from lemma_pkg.report import CourseData, pull_course_data
from lemma_pkg.update.apply import UpdateRefused, apply_plan, baseline_entries, record_baseline
from lemma_pkg.update.live import read_live
from lemma_pkg.update.plan import Plan, make_plan
from lemma_pkg.update.spec import course_spec
from tests import update_scenario as sc
from tests.fake_moodle import FakeMoodle, mbz_course, seed
from tests.learners import Learner, review_texts

EPOCH = 1_790_000_000
NOW = 1_800_000_000
LEARNER_FUNCTIONS = [
    "mod_page_view_page",
    "mod_quiz_start_attempt",
    "mod_quiz_get_attempt_data",
    "mod_quiz_process_attempt",
    "mod_quiz_get_attempt_review",
]


@dataclass
class Site:
    fake: FakeMoodle
    client: MoodleClient
    courseid: int
    course: Course
    learners: dict[str, Learner]
    attempts: dict[str, int]


def deploy(fake: FakeMoodle, client: MoodleClient, course: Course) -> int:
    """What ``lemma deploy`` does: restore the build into a new course, record the baseline."""
    data = backup_bytes(course, EPOCH)
    with fake.state.lock:
        courseid = int(seed.add_course(fake.state, course.shortname, numsections=0)["id"])
        mbz_course.restore(fake.state, courseid, data)
    record_baseline(client, courseid, course_spec(course), hashlib.sha256(data).hexdigest())
    return courseid


def live_ids(fake: FakeMoodle, courseid: int) -> dict[str, Any]:
    return {
        cm["idnumber"]: cm for cm in fake.state.modules_in_course(courseid) if cm.get("idnumber")
    }


@pytest.fixture
def site(fake_moodle: FakeMoodle, tmp_path: Path) -> Iterator[Site]:
    fake = fake_moodle
    fake.state.clock = NOW
    token = fake.issue_lemma_token("admin")
    client = MoodleClient(
        fake.url, token, allow_insecure_http=True, retry=RetryPolicy(attempts=2, backoff=0.01)
    )
    course = load_course(sc.copy_course(tmp_path / "v1")).course
    assert course is not None
    courseid = deploy(fake, client, course)
    learners: dict[str, Learner] = {}
    for name in ("learner1", "learner2"):
        with fake.state.lock:
            user = seed.add_user(fake.state, name)
            seed.enrol(fake.state, user["id"], courseid)
        learners[name] = Learner(
            fake.url, fake.issue_token(name, LEARNER_FUNCTIONS), int(user["id"])
        )
    cms = live_ids(fake, courseid)
    instances = {idnumber: cm["instance"] for idnumber, cm in cms.items()}

    def tick() -> None:
        fake.state.clock = (fake.state.clock or NOW) + 60

    attempts = sc.learn(learners["learner1"], learners["learner2"], instances, course, tick)
    yield Site(fake, client, courseid, course, learners, attempts)
    for learner in learners.values():
        learner.client.close()
    client.close()


def learner_data(data: CourseData) -> dict[str, Any]:
    """What must not change: attempts (with marks per question), grades, completion states and
    times, course completions."""
    return {
        "learners": [
            dataclasses.replace(lr, lastaccess=0, lastcourseaccess=0) for lr in data.learners
        ],
        "completions": data.completions,
        "attempts": data.attempts,
        "grades": data.grades,
        "course_completions": data.course_completions,
    }


def plan_for(site: Site, root: Path, **kw: Any) -> tuple[Course, Plan]:
    course = load_course(root).course
    assert course is not None
    return course, make_plan(course_spec(course), read_live(site.client, site.courseid), **kw)


def run_update(site: Site, root: Path, **kw: Any) -> Plan:
    course, plan = plan_for(site, root, **kw)
    force = bool(kw.get("force_quiz_structure"))
    data = backup_bytes(course, EPOCH)
    apply_plan(
        site.client,
        course,
        course_spec(course),
        plan,
        epoch=EPOCH,
        archive_sha256=hashlib.sha256(data).hexdigest(),
        force_quiz_structure=force,
    )
    return plan


def edited(tmp_path: Path) -> Path:
    root = sc.copy_course(tmp_path / "v2")
    sc.edit_course(root)
    return root


def test_a_second_run_with_the_same_sources_changes_nothing(site: Site, tmp_path: Path) -> None:
    _, plan = plan_for(site, tmp_path / "v1")
    assert plan.empty, plan.to_dict()


def test_a_big_baseline_goes_in_several_requests(site: Site, tmp_path: Path) -> None:
    small = MoodleClient(site.fake.url, site.client.token, allow_insecure_http=True, max_fields=80)
    data = backup_bytes(site.course, EPOCH)
    site.fake.requests.clear()
    record_baseline(
        small, site.courseid, course_spec(site.course), hashlib.sha256(data).hexdigest()
    )
    calls = [r for r in site.fake.requests if r.wsfunction == "local_lemma_record_applied"]
    assert len(calls) >= 2
    # only the first batch replaced what was stored: every entry is there
    stored = site.fake.state.lemma_applied[site.courseid]
    assert len(stored) == len(baseline_entries(course_spec(site.course), "x"))
    _, plan = plan_for(site, tmp_path / "v1")
    assert plan.empty, plan.to_dict()


def test_the_plan_names_every_change(site: Site, tmp_path: Path) -> None:
    _, plan = plan_for(site, edited(tmp_path))
    assert [c.idnumber for c in plan.added] == [sc.NEW_PAGE]
    changed = {c.idnumber: c for c in plan.changed}
    assert set(changed) == {sc.LESSON, sc.QUIZ}
    assert changed[sc.LESSON].aspects == ("text",)
    assert changed[sc.QUIZ].aspects == ("questions",)
    assert [(q.idnumber, q.change) for q in changed[sc.QUIZ].questions] == [
        (sc.QUESTION, "changed")
    ]
    assert not changed[sc.QUIZ].structure
    assert [m.idnumber for m in plan.moved] == ["05-multilevel-modelling/overview"]
    assert [c.idnumber for c in plan.removed] == [sc.LABEL]
    assert not plan.refusals and not plan.sections and plan.criteria is None


def test_update_keeps_every_learners_data(site: Site, tmp_path: Path) -> None:
    before = pull_course_data(site.client, site.courseid, path="bulk")
    old_review = review_texts(site.learners["learner1"].review(site.attempts["l1-quiz1"]))
    root = edited(tmp_path)
    site.fake.state.clock += 3600
    run_update(site, root)

    after = pull_course_data(site.client, site.courseid, path="bulk")
    assert learner_data(after) == learner_data(before)
    assert len(before.attempts) == 4 and before.grades and before.completions

    # the old attempt still reviews the question it was answered with
    l1 = site.learners["learner1"]
    review = review_texts(l1.review(site.attempts["l1-quiz1"]))
    assert review == old_review
    assert review[3] == sc.OLD_QUESTION_TEXT
    # a new attempt gets the new version, marked with the fixed answer
    cms = live_ids(site.fake, site.courseid)
    new_course = load_course(root).course
    assert new_course is not None
    attempt = l1.attempt(cms[sc.QUIZ]["instance"], sc.questions(new_course, sc.QUIZ), right={3})
    new_review = l1.review(attempt)
    assert review_texts(new_review)[3] == sc.NEW_QUESTION_TEXT
    assert [q["mark"] for q in new_review["questions"]][2] == "1.00"
    # the attempt left in progress keeps its version
    pinned = site.fake.state.quiz_attempts[site.attempts["l2-open"]]["questions"]["3"]
    assert site.fake.state.questions[pinned]["text"] == sc.OLD_QUESTION_TEXT

    # the new page, with its completion rule; the label hidden; module 5 reordered
    page = cms[sc.NEW_PAGE]
    assert page["sectionnum"] == 1 and page["completion"] == 2
    assert [r["rulename"] for r in page["rules"]] == ["completionview"]
    section1 = [
        m["idnumber"]
        for m in site.fake.state.modules_in_course(site.courseid)
        if m["sectionnum"] == 1
    ]
    assert section1 == [sc.LESSON, sc.NEW_PAGE, sc.QUIZ]
    assert cms[sc.LABEL]["visible"] == 0
    section5 = [
        m["idnumber"]
        for m in site.fake.state.modules_in_course(site.courseid)
        if m["sectionnum"] == 5
    ]
    assert section5[:2] == ["05-multilevel-modelling/concepts", "05-multilevel-modelling/overview"]

    # and again: nothing left to do
    _, plan = plan_for(site, root)
    assert plan.empty, plan.to_dict()


def test_an_interrupted_update_converges_when_run_again(site: Site, tmp_path: Path) -> None:
    root = edited(tmp_path)
    site.fake.faults.http_error(status=500, count=None, function="local_lemma_update_sections")
    with pytest.raises(ServerError):
        run_update(site, root)
    site.fake.faults.clear()
    # the page and the question are done; the order, the removal and the log are not
    _, plan = plan_for(site, root)
    assert not plan.added and not plan.changed
    assert plan.moved and plan.removed
    run_update(site, root)
    _, plan = plan_for(site, root)
    assert plan.empty, plan.to_dict()
    assert (
        sum(1 for cm in site.fake.state.modules.values() if cm.get("idnumber") == sc.NEW_PAGE) == 1
    )


def test_quiz_structure_after_attempts_is_refused_unless_forced(site: Site, tmp_path: Path) -> None:
    root = sc.copy_course(tmp_path / "v3")
    gift = root / "gift_quizzes" / "module1.gift"
    gift.write_text(
        gift.read_text(encoding="utf-8")
        + "\n// [id:m1-06]\n::Extra::\nA sample is part of a population.{T}\n",
        encoding="utf-8",
    )
    before = pull_course_data(site.client, site.courseid, path="bulk")
    _, plan = plan_for(site, root)
    assert plan.refusals and "Module 1 quiz" in plan.refusals[0]
    with pytest.raises(UpdateRefused):
        run_update(site, root)
    assert learner_data(pull_course_data(site.client, site.courseid, path="bulk")) == learner_data(
        before
    )

    plan = run_update(site, root, force_quiz_structure=True)
    assert any("--force-quiz-structure" in n for n in plan.notes)
    quiz = site.fake.state.quizzes[live_ids(site.fake, site.courseid)[sc.QUIZ]["instance"]]
    assert len(quiz["slotrefs"]) == 6 and quiz["sumgrades"] == 6
    after = pull_course_data(site.client, site.courseid, path="bulk")
    # finished attempts keep their marks; the quiz grade is recomputed out of 6 marks
    assert [a.sumgrades for a in after.attempts] == [a.sumgrades for a in before.attempts]
    l1 = site.learners["learner1"].userid
    grades = {(g.itemid, g.userid): g.grade for g in after.grades}
    old = {(g.itemid, g.userid): g.grade for g in before.grades}
    changed = [k for k in grades if k[1] == l1 and grades[k] != old.get(k)]
    assert changed  # learner1's 5/5 is now 5/6 of the maximum grade
