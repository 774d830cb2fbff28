"""The quiz bank writer: Moodle's GIFT question objects -> the records Moodle stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from lemma_pkg.content.model import Quiz, SourceSpan
from lemma_pkg.errors import BuildError
from lemma_pkg.mbz.ids import Ids, IdSpace
from lemma_pkg.mbz.questions import QuestionDataError, build_bank, category_path, numeric_answer
from lemma_pkg.mbz.xmlwriter import dec, php_float
from tests.fixtures.mbz.course_factory import full_course, moodle_questions


def quiz(questions: list[dict[str, Any]], **kw: Any) -> Quiz:
    return Quiz(
        idnumber="m/q",
        title="Quiz",
        span=SourceSpan(Path("m/module.yaml"), 1, 1),
        questions=tuple(questions),
        **kw,
    )


def bank_xml(q: Quiz) -> tuple[Any, etree._Element]:
    bank = build_bank(q, Ids(), 1234567, 7654321, 0)
    root = etree.Element("question_categories")
    for cat in bank.categories:
        root.append(cat)
    return bank, root


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.005, "0.005"),
        (2.0, "2"),
        (0.00001, "1.0E-5"),
        (1e25, "1.0E+25"),
        (-0.5, "-0.5"),
        (1e-4, "0.0001"),
    ],
)
def test_php_float(value: float, text: str) -> None:
    assert php_float(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (1, 7, "1.0000000"),
        (0.3333333, 7, "0.3333333"),
        (-1, 7, "-1.0000000"),
        (10, 5, "10.00000"),
        (-0.0, 5, "0.00000"),
    ],
)
def test_dec(value: float, places: int, text: str) -> None:
    assert dec(value, places) == text


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("3.14", "3.14"),
        ("3", "3"),
        (3, "3"),
        ("1e3", "1000"),
        ("0.00001", "1.0E-5"),
        ("1,5", "1.5"),
        ("2,456,789", "2456789"),
        ("abc", None),
    ],
)
def test_numeric_answer_like_apply_unit(raw: Any, stored: str | None) -> None:
    assert numeric_answer(raw) == stored


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("$course$/top/REF1 Placement", ["REF1 Placement"]),
        ("$module$/a//b/c", ["a/b", "c"]),
        ("Geography", ["Geography"]),
        ("$course$/top", []),
        ("top/<em>Bold<em>/x", ["Bold", "x"]),
    ],
)
def test_category_path(raw: str, path: list[str]) -> None:
    assert category_path(raw) == path


def test_questions_before_any_category_go_to_the_default_category() -> None:
    qs = moodle_questions("gen_ord_01_basic")
    bank, root = bank_xml(quiz(qs))
    names = [c.findtext("name") for c in root.iterfind("question_category")]
    assert names == ["top", "Default for Quiz"]
    assert len(bank.slots) == 2
    assert all(c.findtext("contextlevel") == "70" for c in root.iterfind("question_category"))


def test_ordering_with_comment_lines_keeps_item_order() -> None:
    qs = moodle_questions("gen_ord_05_escapes_and_comments")
    dict_answer = next(q for q in qs if isinstance(q["answer"], dict))
    _, root = bank_xml(quiz([dict_answer]))
    answers = [a.findtext("answertext") for a in root.iterfind(".//answers/answer")]
    assert answers == [v for v in dict_answer["answer"].values() if str(v).strip()]
    fractions = [a.findtext("fraction") for a in root.iterfind(".//answers/answer")]
    assert fractions == [dec(i, 7) for i in range(1, len(answers) + 1)]


def test_blank_answers_are_dropped_like_save_question_options() -> None:
    base = moodle_questions("ref1")
    sa = dict(next(q for q in base if q.get("name") == "SA1 Hamlet"))
    sa["answer"] = [*sa["answer"], "  "]
    sa["fraction"] = [*sa["fraction"], 0]
    sa["feedback"] = [*sa["feedback"], {"text": "", "format": "0", "files": []}]
    _, root = bank_xml(quiz([sa]))
    assert len(root.findall(".//answers/answer")) == 3


def test_duplicate_question_idnumbers_in_a_category_are_dropped() -> None:
    base = moodle_questions("ref1")
    mc = next(q for q in base if q.get("name") == "MC1 Capital of France")
    _, root = bank_xml(quiz([mc, dict(mc, name="again")]))
    idnumbers = [e.findtext("idnumber") for e in root.iterfind(".//question_bank_entry")]
    assert idnumbers == ["REF1-MC1", "$@NULL@$"]


def test_maxmarks_override_defaultmark() -> None:
    qs = [q for q in moodle_questions("ref1") if q["qtype"] != "category"][:3]
    bank, _ = bank_xml(quiz(qs, maxmarks=(2.0, 0.5)))
    assert [s.maxmark for s in bank.slots] == [2.0, 0.5, 1.0]


def test_unsupported_question_type_is_a_build_error() -> None:
    from dataclasses import replace

    from lemma_pkg.mbz import backup_bytes

    course = full_course()
    section = course.sections[1]
    bad = next(i for i in section.items if isinstance(i, Quiz))
    cloze = {"qtype": "multianswer", "name": "Cloze", "questiontext": "x"}
    items = tuple(
        replace(i, questions=(*i.questions, cloze)) if i is bad else i for i in section.items
    )
    course = replace(
        course, sections=(course.sections[0], replace(section, items=items), *course.sections[2:])
    )
    with pytest.raises(BuildError, match="multianswer"):
        backup_bytes(course)


def test_question_data_error_names_the_question() -> None:
    with pytest.raises(QuestionDataError, match="'Odd'"):
        build_bank(quiz([{"qtype": "calculated", "name": "Odd"}]), Ids(), 1, 2, 0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40, unique=True))
def test_id_space_is_injective_and_stable(keys: list[str]) -> None:
    a, b = IdSpace("k"), IdSpace("k")
    ids = [a(k) for k in keys]
    assert len(set(ids)) == len(ids)
    assert [b(k) for k in keys] == ids
    assert all(1_000_000 <= i < 10_000_000 for i in ids)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=40))
def test_any_question_text_is_written_as_well_formed_xml(text: str) -> None:
    q = dict(next(q for q in moodle_questions("ref1") if q.get("name") == "TF1 Sun"))
    q["questiontext"] = text
    q["name"] = text or "x"
    _, root = bank_xml(quiz([q]))
    from lemma_pkg.mbz.xmlwriter import clean_text, to_bytes

    parsed = etree.fromstring(to_bytes(root))
    assert parsed.findtext(".//question/questiontext") == clean_text(text)
