"""`lemma_pkg.mbz.preflight`: what the writer can see wrong before writing."""

from __future__ import annotations

from dataclasses import replace

from lemma_pkg.content.model import Course, DataFile, Label, Page, Quiz, Restriction
from lemma_pkg.diagnostics import RULES, Severity
from lemma_pkg.mbz import preflight
from tests.fixtures.mbz.course_factory import full_course


def _replace_item(course: Course, target: str, **changes: object) -> Course:
    sections = []
    for s in course.sections:
        items = tuple(replace(i, **changes) if i.idnumber == target else i for i in s.items)
        sections.append(replace(s, items=items))
    return replace(course, sections=tuple(sections))


def codes(course: Course) -> list[tuple[str, str]]:
    return [(d.code, d.severity.value) for d in preflight(course)]


def test_full_course_only_warns_about_the_worksheet_extension() -> None:
    diags = preflight(full_course())
    assert [(d.code, d.severity) for d in diags] == [("MBZ001", Severity.WARNING)]
    d = diags[0]
    assert ".wsz" in d.message and "tutorial.wsz" in d.message
    assert d.path.endswith("content_src/modules/01-basics/module.yaml") and d.line == 8
    assert "File types" in d.hint


def test_known_extension_is_fine() -> None:
    course = _replace_item(full_course(), "01-basics/tutorial", filename="tutorial.csv")
    assert codes(course) == []


def test_rules_are_registered() -> None:
    preflight(full_course())
    for code in ("MBZ001", "MBZ002", "MBZ003", "MBZ004", "MBZ005", "MBZ006", "MBZ007"):
        assert code in RULES


def test_completion_fallbacks_warn() -> None:
    course = full_course()
    course = _replace_item(course, "03-advanced/label", completion="view")
    course = _replace_item(course, "01-basics/video", completion="pass")
    course = _replace_item(course, "01-basics/placement", pass_percent=None)
    found = [(d.code, d.message) for d in preflight(course) if d.code == "MBZ002"]
    assert len(found) == 3
    assert any("label 03-advanced/label" in m for _, m in found)
    assert any("01-basics/video has no grade" in m for _, m in found)
    assert any("no pass grade" in m for _, m in found)


def test_too_long_values_are_errors() -> None:
    course = replace(full_course(), completion_requires=())
    course = _replace_item(course, "01-basics/concepts", idnumber="x" * 101)
    course = _replace_item(course, "01-basics/video", title="t" * 256)
    found = codes(course)
    assert found.count(("MBZ003", "error")) == 2


def test_bad_references_are_errors() -> None:
    course = full_course()
    gated = replace(course.sections[2], restriction=Restriction("grade", "01-basics/concepts"))
    missing = replace(course.sections[3], restriction=Restriction("completion", "nope/nope"))
    course = replace(
        course,
        sections=(*course.sections[:2], gated, missing, course.sections[4]),
        completion_requires=("gone/item",),
    )
    msgs = [d.message for d in preflight(course) if d.code == "MBZ005"]
    assert len(msgs) == 3
    assert any("not a quiz" in m for m in msgs)


def test_unreachable_completion_warns() -> None:
    course = replace(full_course(), completion_requires=("01-basics/video",))
    assert ("MBZ007", "warning") in codes(course)


def test_bad_file_names_and_question_types() -> None:
    course = _replace_item(full_course(), "01-basics/tutorial", filename="a:b.csv")
    quiz = next(i for i in course.items() if isinstance(i, Quiz))
    course = _replace_item(
        course, quiz.idnumber, questions=(*quiz.questions, {"qtype": "multianswer", "name": "C"})
    )
    found = codes(course)
    assert ("MBZ004", "error") in found and ("MBZ006", "error") in found


def test_item_types_have_checks() -> None:
    # Smoke: every kind goes through preflight without raising.
    kinds = {type(i) for i in full_course().items()}
    assert {Page, Label, DataFile, Quiz} <= kinds


def test_preflight_stays_a_function_after_the_checks_module_is_imported() -> None:
    import importlib

    import lemma_pkg.mbz as mbz

    importlib.import_module("lemma_pkg.mbz.checks")
    assert callable(mbz.preflight)
    assert mbz.preflight(full_course())[0].code == "MBZ001"
