"""`lemma init`: a new course that validates, previews and builds."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.content.loader import load_course
from lemma_pkg.scaffold import FILES

EXPECTED_FILES = [
    "my-course/README.md",
    "my-course/content_src/course.yaml",
    "my-course/content_src/modules/00-welcome/module.yaml",
    "my-course/content_src/modules/00-welcome/welcome.md",
    "my-course/content_src/modules/01-first-module/module.yaml",
    "my-course/content_src/modules/01-first-module/lesson.md",
    "my-course/gift_quizzes/first-module.gift",
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _init(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["init", *args])
    return result.exit_code, result.stdout, result.stderr


def test_init_prints_the_files_it_writes(workdir: Path) -> None:
    code, out, err = _init("my-course", "--start-date", "2026-09-01")
    assert code == 0, err
    assert out.splitlines() == EXPECTED_FILES
    assert err == "next: lemma validate my-course\n"
    assert sorted(
        str(p.relative_to(workdir / "my-course"))
        for p in (workdir / "my-course").rglob("*")
        if p.is_file()
    ) == sorted(FILES)


def test_names_and_start_date_are_filled_in(workdir: Path) -> None:
    code, _, _ = _init(
        "my-course",
        "--fullname",
        "Statistics for all",
        "--shortname",
        "STATS1",
        "--start-date",
        "2026-09-01",
    )
    assert code == 0
    course = load_course(workdir / "my-course").course
    assert course is not None
    assert (course.fullname, course.shortname) == ("Statistics for all", "STATS1")
    assert course.startdate == 1788220800  # 2026-09-01T00:00:00Z


def test_defaults_come_from_the_folder_name(workdir: Path) -> None:
    assert _init("my-course")[0] == 0
    course = load_course(workdir / "my-course").course
    assert course is not None
    assert (course.fullname, course.shortname) == ("My course", "my-course")


def test_scaffold_validates_cleanly_even_strict(workdir: Path) -> None:
    assert _init("my-course")[0] == 0
    result = CliRunner().invoke(main, ["validate", "--strict", "my-course"])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr == "no problems found\n"


def test_scaffold_previews(workdir: Path) -> None:
    assert _init("my-course")[0] == 0
    result = CliRunner().invoke(main, ["preview", "--out", "site", "my-course"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "site/index.html\n"
    assert (workdir / "site" / "01-first-module-first-module.html").is_file()


def test_scaffold_builds(workdir: Path) -> None:
    assert _init("my-course", "--shortname", "MYC")[0] == 0
    result = CliRunner().invoke(main, ["build", "my-course"])
    assert result.exit_code == 0, result.stderr
    mbz = workdir / "my-course" / "backups" / "MYC.mbz"
    assert mbz.is_file()
    with tarfile.open(mbz) as tar:
        assert "moodle_backup.xml" in tar.getnames()


def test_init_never_overwrites(workdir: Path) -> None:
    (workdir / "my-course" / "content_src").mkdir(parents=True)
    (workdir / "my-course" / "content_src" / "course.yaml").write_text("mine\n")
    code, out, err = _init("my-course")
    assert code == 1
    assert out == ""
    assert err == (
        "error: my-course already has content_src/course.yaml\n"
        "  hint: choose a new or empty folder; lemma init never overwrites files\n"
    )
    assert (workdir / "my-course" / "content_src" / "course.yaml").read_text() == "mine\n"
    assert not (workdir / "my-course" / "README.md").exists()


def test_init_into_existing_empty_folder(workdir: Path) -> None:
    (workdir / "my-course").mkdir()
    assert _init("my-course")[0] == 0


def test_bad_name_is_refused(workdir: Path) -> None:
    code, _, err = _init("x", "--fullname", 'a "quoted" name')
    assert code == 1
    assert err.startswith("error: invalid course fullname: 'a \"quoted\" name'\n")
    assert not (workdir / "x").exists()


def test_bad_start_date_is_a_usage_error(workdir: Path) -> None:
    code, _, err = _init("x", "--start-date", "1 Sept")
    assert code == 2
    assert "Invalid value for '--start-date'" in err


def test_a_shortname_moodle_cannot_store_is_refused(workdir: Path) -> None:
    """Before: the scaffold was written and then failed `lemma validate` (LEM008)."""
    code, out, err = _init("x", "--shortname", "s" * 101)
    assert (code, out) == (1, "")
    assert err == (
        "error: the course shortname is 101 characters long; Moodle allows 100\n"
        "  hint: pass a shorter --shortname\n"
    )
    assert not (workdir / "x").exists()
    code, _, err = _init("y", "--fullname", "f" * 255)
    assert code == 1
    assert err.startswith("error: the course fullname is 255 characters long; Moodle allows 254\n")


def test_a_write_error_is_reported_and_leaves_nothing_behind(workdir: Path) -> None:
    """Before: an OSError while writing was an "internal error" and left half a course."""
    blocker = workdir / "my-course" / "content_src" / "modules" / "01-first-module"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where a folder is needed\n")
    code, out, err = _init("my-course")
    assert (code, out) == (1, "")
    assert "internal error" not in err
    assert err.startswith("error: cannot create the course in my-course: ")
    assert err.endswith("  hint: choose a folder you can write to\n")
    left = sorted(str(p.relative_to(workdir)) for p in (workdir / "my-course").rglob("*"))
    assert left == [
        "my-course/content_src",
        "my-course/content_src/modules",
        "my-course/content_src/modules/01-first-module",
    ]
