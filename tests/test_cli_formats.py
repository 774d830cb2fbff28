"""`--format` and `-q` on every command that prints data or problems (review of issues 2/4):
`lemma preview` and `lemma init` give JSON too, and `-q` drops the summary line unless the
run failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
LESSON = "content_src/modules/01-basics/concepts.md"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    monkeypatch.chdir(root)
    return root


def _stray(root: Path) -> None:
    (root / "content_src/modules/01-basics/notes.txt").write_text("draft\n", encoding="utf-8")


STRAY = {
    "path": "content_src/modules/01-basics/notes.txt",
    "line": 0,
    "column": 0,
    "severity": "warning",
    "code": "LEM040",
    "message": "file is not used by the course",
    "hint": "reference it from a module, lesson or quiz, or delete it",
}


def test_preview_json(course: Path) -> None:
    _stray(course)
    result = CliRunner().invoke(main, ["preview", "--format", "json", "--out", "site", "."])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == {
        "version": 1,
        "summary": {"errors": 0, "warnings": 1},
        "diagnostics": [STRAY],
        "preview": {"out": "site", "index": "site/index.html", "pages": 8, "files": 3},
    }
    assert (course / "site" / "index.html").is_file()


def test_preview_json_with_errors_writes_nothing(course: Path) -> None:
    lesson = course / LESSON
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("figure1", "figure9"))
    result = CliRunner().invoke(main, ["preview", "--format", "json", "--out", "site", "."])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"errors": 1, "warnings": 0}
    assert doc["diagnostics"][0]["code"] == "LEM030"
    assert doc["preview"] is None
    assert not (course / "site").exists()


def test_preview_github_and_sarif(course: Path) -> None:
    _stray(course)
    gh = CliRunner().invoke(main, ["preview", "--format", "github", "--out", "site", "."])
    assert gh.exit_code == 0
    assert gh.stdout == (
        "::warning file=content_src/modules/01-basics/notes.txt,title=LEM040::file is not "
        "used by the course (hint: reference it from a module, lesson or quiz, or delete it)\n"
        "site/index.html\n"
    )
    sarif = CliRunner().invoke(main, ["preview", "--format", "sarif", "--out", "site", "."])
    assert sarif.exit_code == 0
    doc = json.loads(sarif.stdout)
    assert doc["runs"][0]["results"][0]["ruleId"] == "LEM040"


def test_preview_text_keeps_problems_on_stderr(course: Path) -> None:
    _stray(course)
    result = CliRunner().invoke(main, ["preview", "--out", "site", "."])
    assert result.exit_code == 0
    assert result.stdout == "site/index.html\n"
    assert result.stderr == (
        "preview: 8 pages, 3 files in site\n"
        "content_src/modules/01-basics/notes.txt: warning[LEM040]: file is not used by the "
        "course\n"
        "  hint: reference it from a module, lesson or quiz, or delete it\n"
        "1 warning\n"
    )


def test_init_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["init", "--format", "json", "--start-date", "2027-01-11", "my-course"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == {
        "project": "my-course",
        "shortname": "my-course",
        "files": [
            "my-course/README.md",
            "my-course/content_src/course.yaml",
            "my-course/content_src/modules/00-welcome/module.yaml",
            "my-course/content_src/modules/00-welcome/welcome.md",
            "my-course/content_src/modules/01-first-module/module.yaml",
            "my-course/content_src/modules/01-first-module/lesson.md",
            "my-course/gift_quizzes/first-module.gift",
        ],
    }


@pytest.mark.parametrize("command", ["validate", "preview", "build"])
def test_quiet_drops_the_summary_of_a_run_that_passed(course: Path, command: str) -> None:
    _stray(course)
    args = {"validate": [], "preview": ["--out", "site"], "build": ["--out", "o.mbz"]}[command]
    result = CliRunner().invoke(main, ["--no-color", "-q", command, *args, "."])
    assert result.exit_code == 0
    assert "1 warning" not in result.stderr
    assert "LEM040" in result.output  # the problem itself is still reported


def test_quiet_keeps_the_summary_of_a_failed_run(course: Path) -> None:
    _stray(course)
    result = CliRunner().invoke(main, ["--no-color", "-q", "validate", "--strict", "."])
    assert result.exit_code == 1
    assert result.stderr == "1 warning\n"


def test_quiet_inspect(course: Path) -> None:
    assert CliRunner().invoke(main, ["build", "--out", "o.mbz", "."]).exit_code == 0
    result = CliRunner().invoke(main, ["-q", "inspect", "o.mbz"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "sections: 3" in result.stdout


def test_verbose_adds_detail(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: -v printed exactly what the default printed."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    plain = CliRunner().invoke(main, ["--no-color", "build", "--out", "o.mbz", "."])
    verbose = CliRunner().invoke(main, ["--no-color", "-v", "build", "--out", "o.mbz", "."])
    assert plain.exit_code == verbose.exit_code == 0
    detail = "building o.mbz with epoch 1767225600 (SOURCE_DATE_EPOCH)\n"
    assert detail not in plain.stderr
    assert verbose.stderr.startswith(detail)
    assert verbose.stderr[len(detail) :] == plain.stderr


def test_build_json_with_errors_has_a_null_backup(course: Path) -> None:
    """Before: the document had no "backup" key at all when nothing was written."""
    lesson = course / LESSON
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("figure1", "figure9"))
    result = CliRunner().invoke(main, ["build", "--format", "json", "--out", "o.mbz", "."])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"errors": 1, "warnings": 0}
    assert doc["diagnostics"][0]["code"] == "LEM030"
    assert doc["backup"] is None
    assert not (course / "o.mbz").exists()


def test_quiet_init_prints_only_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: -q init still printed "next: lemma validate ..." on stderr."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["-q", "init", "c"])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.splitlines()[0] == "c/README.md"
    loud = CliRunner().invoke(main, ["init", "d"])
    assert loud.stderr == "next: lemma validate d\n"
