"""`--format` and `-q` on every command that prints data or problems (review of issues 2/4):
`-q` drops the summary line unless the run failed."""

from __future__ import annotations

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
