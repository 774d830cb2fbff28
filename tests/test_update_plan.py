"""The update's pieces without a site: fingerprints, the plan, the partial backup, the order
of sections."""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from pathlib import Path

import pytest
from lxml import etree

from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import Course
from lemma_pkg.moodle.coursemap import MappedModule
from lemma_pkg.update.apply import baseline_entries, item_applied, section_sequences
from lemma_pkg.update.live import LiveCourse, LiveQuiz, LiveSection, LiveSlot
from lemma_pkg.update.partial import partial_backup
from lemma_pkg.update.plan import lcs, make_plan, plan_text
from lemma_pkg.update.spec import CourseSpec, course_spec
from tests import update_scenario as sc


@pytest.fixture(scope="module")
def v1(tmp_path_factory: pytest.TempPathFactory) -> Course:
    course = load_course(sc.copy_course(tmp_path_factory.mktemp("v1"))).course
    assert course is not None
    return course


@pytest.fixture(scope="module")
def v2(tmp_path_factory: pytest.TempPathFactory) -> Course:
    root = sc.copy_course(tmp_path_factory.mktemp("v2"))
    sc.edit_course(root)
    course = load_course(root).course
    assert course is not None
    return course


def live_of(spec: CourseSpec, *, recorded: bool = True, attempts: int = 0) -> LiveCourse:
    """The site after a fresh restore of ``spec`` (cmids by position), with its baseline."""
    modules, sections, quizzes = [], [], {}
    cmid = 100
    for section in spec.sections:
        cmids = []
        for idnumber in section.items:
            item = spec.items[idnumber]
            cmid += 1
            cmids.append(cmid)
            modules.append(
                MappedModule(
                    cmid,
                    item.modname,
                    cmid,
                    idnumber,
                    section.number,
                    item.title,
                    item.visible,
                    item.completion.completion,
                )
            )
            if item.modname == "quiz":
                quizzes[cmid] = LiveQuiz(
                    cmid,
                    cmid,
                    1000 + cmid,
                    attempts,
                    sum(q.maxmark for q in item.questions),
                    float(item.settings["grade"]),
                    tuple(
                        LiveSlot(n, n, q.maxmark, q.idnumber, 5000 + n, 1)
                        for n, q in enumerate(item.questions, start=1)
                    ),
                )
        sections.append(
            LiveSection(
                section.number,
                section.number,
                section.name,
                section.summary,
                True,
                "",
                tuple(cmids),
            )
        )
    applied = {}
    if recorded:
        for entry in baseline_entries(spec, "sha-v1"):
            applied[entry["key"]] = json.loads(entry["fingerprints"])
    by_idnumber = {m.idnumber: m.cmid for m in modules}
    criteria = tuple(by_idnumber[i] for i in spec.completion_requires)
    return LiveCourse(7, "LEMMA-v1", tuple(modules), tuple(sections), quizzes, criteria, applied)


def test_fingerprints_depend_on_the_sources_only(v1: Course, tmp_path: Path) -> None:
    a = course_spec(v1, epoch=1)
    elsewhere = load_course(sc.copy_course(tmp_path / "elsewhere")).course
    assert elsewhere is not None
    b = course_spec(elsewhere, epoch=2)
    assert {k: v.aspects for k, v in a.items.items()} == {k: v.aspects for k, v in b.items.items()}
    quiz = a.items[sc.QUIZ]
    assert [q.idnumber for q in quiz.questions] == ["m1-01", "m1-02", "m1-03", "m1-04", "m1-05"]
    assert quiz.questions[2].gift.startswith("// [id:m1-03]\n::Association and causation::")
    assert quiz.questions[2].line == 24


def test_a_question_without_an_idnumber_refuses_only_an_update_of_its_quiz(
    v1: Course, tmp_path: Path
) -> None:
    root = sc.copy_course(tmp_path / "c")
    gift = root / "gift_quizzes" / "module1.gift"
    gift.write_text(
        gift.read_text(encoding="utf-8").replace("// [id:m1-03]\n", ""), encoding="utf-8"
    )
    course = load_course(root).course
    assert course is not None
    spec = course_spec(course)
    [problem] = spec.items[sc.QUIZ].problems
    assert problem.startswith(f"{gift}:24:1: question 'Association and causation' has no idnumber")
    assert "// [id:" in problem
    # the quiz's questions are unchanged apart from the idnumber: still its questions change
    plan = make_plan(spec, live_of(course_spec(v1)))
    assert plan.refusals == [problem]
    # when that quiz's questions do not change, nothing is refused
    assert not make_plan(spec, live_of(spec)).refusals
    # a change of the question without idnumber is still seen (and refused)
    gift.write_text(
        gift.read_text(encoding="utf-8").replace("This shows that", "This proves that"),
        encoding="utf-8",
    )
    changed = load_course(root).course
    assert changed is not None
    assert make_plan(course_spec(changed), live_of(spec)).refusals


def test_same_sources_plan_nothing(v1: Course) -> None:
    spec = course_spec(v1)
    assert make_plan(spec, live_of(spec)).empty


def test_the_plan_of_the_scenario(v1: Course, v2: Course) -> None:
    plan = make_plan(course_spec(v2), live_of(course_spec(v1)))
    assert [c.idnumber for c in plan.added] == [sc.NEW_PAGE]
    assert {c.idnumber: c.aspects for c in plan.changed} == {
        sc.LESSON: ("text",),
        sc.QUIZ: ("questions",),
    }
    assert [m.idnumber for m in plan.moved] == ["05-multilevel-modelling/overview"]
    assert [c.idnumber for c in plan.removed] == [sc.LABEL]
    text = plan_text(plan)
    assert text.splitlines()[0] == (
        "update LEMMA-v1 (course 7): 1 added, 2 changed, 1 moved, 1 removed, 0 section(s) changed"
    )


def test_quiz_structure_with_attempts_is_refused_and_forcing_says_what_it_does(
    v1: Course, tmp_path: Path
) -> None:
    root = sc.copy_course(tmp_path / "c")
    gift = root / "gift_quizzes" / "module1.gift"
    text = gift.read_text(encoding="utf-8")
    head, sep, tail = text.partition("// [id:m1-02]")
    second, sep2, rest = tail.partition("// [id:m1-03]")
    gift.write_text(head + sep2 + rest + "\n" + sep + second, encoding="utf-8")  # m1-02 last
    course = load_course(root).course
    assert course is not None
    live = live_of(course_spec(v1), attempts=3)
    plan = make_plan(course_spec(course), live)
    assert len(plan.refusals) == 1 and "has 3 attempt(s)" in plan.refusals[0]
    forced = make_plan(course_spec(course), live, force_quiz_structure=True)
    assert not forced.refusals
    assert any("recomputed from their attempt marks" in n for n in forced.notes)
    # no attempts: the new order is simply applied
    assert not make_plan(course_spec(course), live_of(course_spec(v1))).refusals


def test_without_a_baseline_site_comparable_aspects_are_compared(v1: Course) -> None:
    spec = course_spec(v1)
    plan = make_plan(spec, live_of(spec, recorded=False))
    assert plan.notes and "no record" in plan.notes[0]
    page = next(c for c in plan.changed if c.idnumber == sc.LESSON)
    assert page.unrecorded and "completion" not in page.aspects and "name" not in page.aspects
    quiz = next(c for c in plan.changed if c.idnumber == sc.QUIZ)
    assert {q.change for q in quiz.questions} == {"changed"} and len(quiz.questions) == 5


def test_removed_items(v1: Course, v2: Course) -> None:
    live = live_of(course_spec(v1))
    # an item lemma never applied is not lemma's to hide
    stranger = MappedModule(999, "forum", 999, "discussion", 1, "Discussion", True, 0)
    live = dataclasses.replace(live, modules=(*live.modules, stranger))
    assert [c.idnumber for c in make_plan(course_spec(v2), live).removed] == [sc.LABEL]
    # hidden by an earlier update: only --prune touches it again
    applied = dict(live.applied)
    applied[f"item:{sc.LABEL}"] = {"removed": "hidden"}
    hidden = dataclasses.replace(live, applied=applied)
    assert not make_plan(course_spec(v2), hidden).removed
    pruned = make_plan(course_spec(v2), hidden, prune=True)
    assert [c.idnumber for c in pruned.removed] == [sc.LABEL] and pruned.prune


def test_applying_an_item_again_clears_its_removed_mark(v1: Course) -> None:
    [entry, *_] = item_applied(course_spec(v1).items[sc.LESSON], ["text"])
    assert json.loads(entry["fingerprints"])["removed"] == ""


def test_lcs_moves_the_fewest_items() -> None:
    assert lcs(list("abcd"), list("abcd")) == set("abcd")
    assert lcs(list("abcd"), list("bacd")) in ({"b", "c", "d"}, {"a", "c", "d"})
    assert lcs(list("abcd"), list("dabc")) == set("abc")


def test_section_sequences_keep_unmanaged_modules_where_they_were(v1: Course, v2: Course) -> None:
    live = live_of(course_spec(v1))
    forum = MappedModule(90, "forum", 90, "", 0, "Announcements", True, 0)
    s0 = live.sections[0]
    sections = (dataclasses.replace(s0, cmids=(90, *s0.cmids)), *live.sections[1:])
    live = dataclasses.replace(live, modules=(forum, *live.modules), sections=sections)
    seq = section_sequences(course_spec(v2), live)
    assert seq[0][0] == 90  # the forum stays first
    by = {m.idnumber: m.cmid for m in live.modules}
    assert seq[5][:2] == [
        by["05-multilevel-modelling/concepts"],
        by["05-multilevel-modelling/overview"],
    ]
    # the removed label is not lemma's any more: it stays after the item it followed
    label, data = by[sc.LABEL], by["03-multiple-regression/exam-scores"]
    assert seq[3][seq[3].index(data) + 1] == label


def test_the_partial_backup_holds_only_the_added_items(v2: Course) -> None:
    data = partial_backup(v2, {sc.NEW_PAGE}, 1_700_000_000)
    assert data == partial_backup(v2, {sc.NEW_PAGE}, 1_700_000_000)  # deterministic
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
        read = {m.name: tar.extractfile(m) for m in tar.getmembers() if m.isfile()}
        xml = {
            name: etree.fromstring(fh.read())
            for name, fh in read.items()
            if fh and name.endswith(".xml")
        }
    info, completion = xml["moodle_backup.xml"], xml["completion.xml"]
    activities = info.findall("information/contents/activities/activity")
    assert [a.findtext("title") for a in activities] == ["Module 1 further reading"]
    assert len(info.findall("information/contents/sections/section")) == len(v2.sections)
    assert not any(n.startswith("activities/quiz_") for n in names)
    assert len(completion) == 0
