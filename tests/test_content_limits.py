"""Values Moodle cannot store are caught by `lemma validate`, with a hint, and `lemma build`
writes nothing for them (before: 10^26 attempts reached the archive and Moodle's restore
died with a database error; `pass: .nan` wrote gradepass NaN and crashed the restore)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M1_YAML = "content_src/modules/01-basics/module.yaml"
COURSE = "content_src/course.yaml"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    monkeypatch.chdir(root)
    return root


def _edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            "attempts: 99999999999999999999999999",
            f'{M1_YAML}:20:15: error[LEM006]: item: "attempts" must be >= 0 and <= 999999, '
            "not 99999999999999999999999999\n"
            "  hint: write 0 for unlimited attempts, or a number up to 999999\n",
        ),
        (
            "attempts: -3",
            f'{M1_YAML}:20:15: error[LEM006]: item: "attempts" must be >= 0 and <= 999999, '
            "not -3\n"
            "  hint: write 0 for unlimited attempts, or a number up to 999999\n",
        ),
        (
            "per_page: 51",
            f'{M1_YAML}:20:15: error[LEM006]: item: "per_page" must be >= 0 and <= 50, not 51\n'
            "  hint: write 0 for all questions on one page, or 1 to 50\n",
        ),
        (
            "grade: 100000",
            f'{M1_YAML}:20:12: error[LEM006]: item: "grade" must be >= 0 and <= 99999\n'
            "  hint: write a number >= 0 and <= 99999\n",
        ),
        (
            "grade: .inf",
            f'{M1_YAML}:20:12: error[LEM006]: item: "grade" must be a finite number, not .inf\n'
            "  hint: write a number >= 0 and <= 99999\n",
        ),
        (
            "shuffle: maybe",
            f'{M1_YAML}:20:14: error[LEM005]: item: "shuffle" must be true or false, '
            "not a string\n"
            "  hint: write shuffle: true or shuffle: false\n",
        ),
    ],
)
def test_quiz_setting_out_of_moodle_range(course: Path, setting: str, expected: str) -> None:
    _edit(course, M1_YAML, "    pass: 50\n", f"    pass: 50\n    {setting}\n")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert expected in result.stdout
    build = CliRunner().invoke(main, ["--no-color", "build", "--out", "out.mbz", "."])
    assert build.exit_code == 1
    assert not (course / "out.mbz").exists()


def test_nan_pass_grade(course: Path) -> None:
    _edit(course, M1_YAML, "    pass: 50\n", "    pass: .nan\n")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert (
        f'{M1_YAML}:19:11: error[LEM006]: item: "pass" must be a finite number, not .nan\n'
        "  hint: write a number >= 0 and <= 100\n"
    ) in result.stdout
    build = CliRunner().invoke(main, ["--no-color", "build", "--out", "out.mbz", "."])
    assert build.exit_code == 1
    assert not (course / "out.mbz").exists()


def test_wrong_types_and_dates_come_with_a_hint(course: Path) -> None:
    _edit(course, COURSE, "completion: true", "completion: maybe")
    _edit(course, COURSE, "startdate: 2026-01-05", "startdate: 2026-13-45")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert (
        f'{COURSE}:7:12: error[LEM005]: course.yaml: "startdate": month must be in 1..12\n'
        "  hint: write a real calendar date as YYYY-MM-DD, or put the text in quotes\n"
    ) in result.stdout
    assert (
        f'{COURSE}:15:13: error[LEM005]: course.yaml: "completion" must be true or false, '
        "not a string\n"
        "  hint: write completion: true or completion: false\n"
    ) in result.stdout


def test_yaml_tags_are_reported_in_one_line(course: Path) -> None:
    _edit(course, M1_YAML, 'title: "Module 1: Basics"', "title: !!python/object:os.system x")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert (
        f'{M1_YAML}:1:8: error[LEM005]: module.yaml: "title": could not determine a '
        "constructor for the tag 'tag:yaml.org,2002:python/object:os.system'\n"
        "  hint: remove the YAML tag (the word starting with '!'); write a plain value\n"
    ) in result.stdout
