"""`lemma validate` through the real CLI: exit codes, exact output in every format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M1 = "content_src/modules/01-basics"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    monkeypatch.chdir(root)
    return root


def _break_image(root: Path) -> None:
    lesson = root / M1 / "concepts.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("images/figure1.png", "images/figure2.png"), encoding="utf-8")


def _add_stray_file(root: Path) -> None:
    (root / M1 / "notes.txt").write_text("draft\n", encoding="utf-8")


def test_clean_course(course: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "no problems found\n"


def test_default_path_is_the_current_folder(course: Path) -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0
    assert result.stderr == "no problems found\n"


def test_accepts_content_src_folder(course: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "content_src"])
    assert result.exit_code == 0


def test_error_text_output(course: Path) -> None:
    _break_image(course)
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        f'{M1}/concepts.md:17:13: error[LEM030]: image target "images/figure2.png" does not exist\n'
        f"  hint: paths are relative to the Markdown file's folder ({M1})\n"
    )
    assert result.stderr == "1 error\n"


def test_warning_passes_unless_strict(course: Path) -> None:
    _add_stray_file(course)
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 0
    assert result.stdout == (
        f"{M1}/notes.txt: warning[LEM040]: file is not used by the course\n"
        "  hint: reference it from a module, lesson or quiz, or delete it\n"
    )
    assert result.stderr == "1 warning\n"
    strict = CliRunner().invoke(main, ["validate", "--strict", "."])
    assert strict.exit_code == 1
    assert strict.stdout == result.stdout


def test_json_format(course: Path) -> None:
    _break_image(course)
    _add_stray_file(course)
    result = CliRunner().invoke(main, ["validate", "--format", "json", "."])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"errors": 1, "warnings": 0}
    assert doc["diagnostics"] == [
        {
            "path": f"{M1}/concepts.md",
            "line": 17,
            "column": 13,
            "severity": "error",
            "code": "LEM030",
            "message": 'image target "images/figure2.png" does not exist',
            "hint": f"paths are relative to the Markdown file's folder ({M1})",
        }
    ]
    assert result.stderr == ""


def test_github_format(course: Path) -> None:
    _break_image(course)
    result = CliRunner().invoke(main, ["validate", "--format", "github", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        f"::error file={M1}/concepts.md,line=17,col=13,title=LEM030::"
        'image target "images/figure2.png" does not exist '
        f"(hint: paths are relative to the Markdown file's folder ({M1}))\n"
    )


def test_sarif_format_describes_the_rule(course: Path) -> None:
    _break_image(course)
    result = CliRunner().invoke(main, ["validate", "--format", "sarif", "."])
    assert result.exit_code == 1
    run = json.loads(result.stdout)["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "LEM030"
    assert run["tool"]["driver"]["rules"][0]["name"] == "broken-link"
    res = run["results"][0]
    assert res["ruleId"] == "LEM030"
    assert res["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 17,
        "startColumn": 13,
    }
    assert res["message"]["text"] == (
        'image target "images/figure2.png" does not exist. Hint: paths are relative to the '
        "Markdown file's folder (content_src/modules/01-basics)"
    )


def test_backup_preflight_checks_are_included(course: Path) -> None:
    (course / M1 / "data" / "model.wsz").write_bytes(b"\x00MLwiN")
    module = course / M1 / "module.yaml"
    module.write_text(
        module.read_text(encoding="utf-8")
        + "  - file: data/model.wsz\n    title: MLwiN worksheet\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 0, result.output
    assert "warning[MBZ001]" in result.stdout
    assert CliRunner().invoke(main, ["validate", "--strict", "."]).exit_code == 1


def test_lint_disable_silences_warnings(course: Path) -> None:
    _add_stray_file(course)
    (course / M1 / "data" / "model.wsz").write_bytes(b"\x00MLwiN")
    module = course / M1 / "module.yaml"
    module.write_text(
        module.read_text(encoding="utf-8")
        + "  - file: data/model.wsz\n    title: MLwiN worksheet\n",
        encoding="utf-8",
    )
    course_yaml = course / "content_src" / "course.yaml"
    course_yaml.write_text(
        course_yaml.read_text(encoding="utf-8").replace(
            "require_feedback: true", "require_feedback: true\n  disable: [LEM040, MBZ001]"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", "--strict", "."])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""


def test_gift_lint_problems_are_included(course: Path) -> None:
    (course / "gift_quizzes" / "basics.gift").write_text(
        "::clustered::Pupils in schools are clustered data. {T#No.#Yes.}\n\n"
        "::broken::Which level? {=school ~pupil\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", "--format", "json", "."])
    assert result.exit_code == 1
    found = [
        (d["path"], d["line"], d["severity"])
        for d in json.loads(result.stdout)["diagnostics"]
        if d["code"].startswith("GIFT")
    ]
    assert ("gift_quizzes/basics.gift", 3, "error") in found


def test_not_a_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        "content_src/course.yaml: error[LEM043]: no course here: . has no content_src/course.yaml\n"
        "  hint: pass the project folder (the one holding content_src/), or run `lemma init DIR`\n"
    )


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_validate_writes_nothing(course: Path) -> None:
    before = sorted(p.relative_to(course) for p in course.rglob("*"))
    CliRunner().invoke(main, ["validate", "."])
    assert sorted(p.relative_to(course) for p in course.rglob("*")) == before
