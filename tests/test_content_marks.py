"""`marks:` on a quiz item: per-question marks by GIFT `[id:...]`, and the warning for an
essay worth marks in a quiz that learners complete by its grade (Moodle gives such an
attempt no grade until a teacher grades the essay)."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from lemma_pkg.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M1_YAML = "content_src/modules/01-basics/module.yaml"
QUIZ = "  - quiz: basics.gift\n    title: Module 1 quiz\n"
REFLECTION = (
    "\n// [id:think]\n::Reflect::Where have you met clustered data in your own work? {}\n"
    "\n::Note::Read the module summary before you start.\n"
)


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    monkeypatch.chdir(root)
    with (root / "gift_quizzes" / "basics.gift").open("a", encoding="utf-8") as fh:
        fh.write(REFLECTION)
    return root


def _quiz_keys(root: Path, keys: str) -> None:
    path = root / M1_YAML
    text = path.read_text(encoding="utf-8")
    assert QUIZ in text
    path.write_text(text.replace(QUIZ, QUIZ + keys, 1), encoding="utf-8")


def _validate() -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    return result.exit_code, result.stdout


def _slot_marks(mbz: Path) -> list[tuple[str, str]]:
    """(slot maxmark, quiz sumgrades) of the quiz named 'Module 1 quiz'."""
    with tarfile.open(mbz) as tar:
        for member in tar.getmembers():
            if not member.name.endswith("/quiz.xml"):
                continue
            data = tar.extractfile(member)
            assert data is not None
            quiz = etree.parse(data).getroot().find("quiz")
            assert quiz is not None
            if quiz.findtext("name") == "Module 1 quiz":
                sumgrades = quiz.findtext("sumgrades") or ""
                return [
                    (slot.findtext("maxmark") or "", sumgrades)
                    for slot in quiz.iterfind("question_instances/question_instance")
                ]
    raise AssertionError("no Module 1 quiz in the backup")


def test_marks_set_the_slot_marks_and_the_sum_of_grades(course: Path) -> None:
    _quiz_keys(course, "    marks: {think: 0}\n")
    assert _validate() == (0, "")
    result = CliRunner().invoke(main, ["--no-color", "build", "--out", "out.mbz", "."])
    assert result.exit_code == 0, result.output
    # clustered (T/F), the essay at 0, the description at 0; sumgrades 1.
    assert _slot_marks(course / "out.mbz") == [
        ("1.0000000", "1.00000"),
        ("0.0000000", "1.00000"),
        ("0.0000000", "1.00000"),
    ]
    inspect = CliRunner().invoke(main, ["--no-color", "inspect", "out.mbz"])
    assert inspect.exit_code == 0, inspect.output


def test_a_quiz_without_completion_by_grade_may_hold_a_marked_essay(course: Path) -> None:
    _quiz_keys(course, "    completion: manual\n    marks: {think: 2}\n")
    assert _validate() == (0, "")


def test_unknown_ids_descriptions_and_bad_marks_are_errors(course: Path) -> None:
    basics = course / "gift_quizzes" / "basics.gift"
    basics.write_text(
        basics.read_text(encoding="utf-8").replace("::Note::", "// [id:note]\n::Note::"),
        encoding="utf-8",
    )
    _quiz_keys(course, "    marks: {thinks: 0, note: 1, think: -1}\n")
    code, out = _validate()
    assert code == 1
    assert out == (
        f"{M1_YAML}:17:11: warning[LEM053]: essay \"Reflect\" is worth 1: Moodle gives an "
        "attempt no grade until a teacher grades it, so learners cannot complete this quiz "
        "by its grade\n"
        "  hint: make it a reflection with `marks: {think: 0}`\n"
        f"{M1_YAML}:19:13: error[LEM052]: marks: no question in gift_quizzes/basics.gift "
        'has the id "thinks"\n'
        '  hint: did you mean "think"?\n'
        f'{M1_YAML}:19:24: error[LEM052]: marks: "note" is a description, which carries '
        "no mark\n"
        '  hint: remove "note" from marks\n'
        f'{M1_YAML}:19:40: error[LEM006]: marks: "think" must be >= 0 and <= 99999\n'
        "  hint: write a number >= 0 and <= 99999\n"
    )
