"""`lemma build`: sources -> backups/<shortname>.mbz, reproducible, nothing written on errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.build import build_course, safe_filename, source_epoch
from lemma_pkg.cli import main
from lemma_pkg.content.validate import validate_project
from lemma_pkg.errors import ContentError, UsageError
from lemma_pkg.mbz import DEFAULT_EPOCH
from lemma_pkg.mbz.inspect import inspect_file

SMALL = Path(__file__).resolve().parent / "fixtures" / "course_small"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    dest = tmp_path / "proj"
    shutil.copytree(SMALL, dest)
    return dest


def _wsz(project: Path) -> None:
    """Turn the CSV data set into an MLwiN worksheet (an extension Moodle does not know)."""
    data = project / "content_src/modules/01-basics/data"
    (data / "tutorial.csv").rename(data / "tutorial.wsz")
    yaml = project / "content_src/modules/01-basics/module.yaml"
    text = yaml.read_text(encoding="utf-8").replace("data/tutorial.csv", "data/tutorial.wsz")
    yaml.write_text(text, encoding="utf-8")
    concepts = project / "content_src/modules/01-basics/concepts.md"
    concepts.write_text(
        concepts.read_text(encoding="utf-8").replace("tutorial.csv", "tutorial.wsz"),
        encoding="utf-8",
    )


def _break(project: Path) -> None:
    yaml = project / "content_src/modules/01-basics/module.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace("basics.gift", "nothere.gift"), encoding="utf-8"
    )


def test_build_writes_the_default_path(project: Path) -> None:
    result = build_course(project)
    out = project / "backups" / "SMALL101.mbz"
    assert result.backup.path == out
    assert out.is_file()
    assert result.epoch == DEFAULT_EPOCH and result.epoch_source == "fixed"
    assert result.backup.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    report = inspect_file(out)
    # Only the note that a hand restore leaves the glossary entries without an author.
    assert [(p.code, p.severity.value) for p in report.problems] == [("MBZ116", "info")]
    assert report.summary["activities"] == {
        "glossary": 1,
        "label": 2,
        "page": 4,
        "quiz": 2,
        "resource": 1,
        "url": 1,
    }
    assert [f.name for f in out.parent.iterdir()] == ["SMALL101.mbz"]


def test_same_sources_same_bytes_from_fresh_checkouts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    digests = []
    for name in ("a", "deeper/path/b"):
        dest = tmp_path / name
        shutil.copytree(SMALL, dest)
        result = build_course(dest, tmp_path / f"{name.replace('/', '_')}.mbz")
        assert result.epoch == 1767225600 and result.epoch_source == "SOURCE_DATE_EPOCH"
        digests.append(result.backup.sha256)
    again = build_course(tmp_path / "a", tmp_path / "again.mbz")
    assert digests[0] == digests[1] == again.backup.sha256


def _git(cwd: Path, *args: str, date: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_epoch_is_the_newest_source_commit(project: Path) -> None:
    _git(project, "init", "-q", date="2025-03-01T00:00:00Z")
    _git(project, "add", ".", date="2025-03-01T00:00:00Z")
    _git(project, "commit", "-q", "-m", "sources", date="2025-03-01T00:00:00Z")
    (project / "README.txt").write_text("not a source\n")
    _git(project, "add", "README.txt", date="2025-06-01T00:00:00Z")
    _git(project, "commit", "-q", "-m", "docs", date="2025-06-01T00:00:00Z")
    assert source_epoch(project) == (1740787200, "git")


def test_bad_source_date_epoch_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH"):
        build_course(project)
    assert not (project / "backups").exists()


def test_errors_write_nothing(project: Path) -> None:
    _break(project)
    with pytest.raises(ContentError) as info:
        build_course(project)
    assert any(d.code == "LEM002" and "nothere.gift" in d.message for d in info.value.diagnostics)
    assert "nothing was written" in info.value.message
    assert not (project / "backups").exists()


def test_warnings_build_unless_strict(project: Path) -> None:
    _wsz(project)
    result = build_course(project)
    assert [d.code for d in result.diagnostics] == ["MBZ001"]
    out = project / "backups" / "SMALL101.mbz"
    out.unlink()
    with pytest.raises(ContentError):
        build_course(project, strict=True)
    assert not out.exists()


@pytest.mark.parametrize(
    ("shortname", "filename"),
    [("SMALL101", "SMALL101.mbz"), ("A/B c", "A_B_c.mbz"), ("..", "course.mbz")],
)
def test_safe_filename(shortname: str, filename: str) -> None:
    assert safe_filename(shortname) == filename


# --------------------------------------------------------------------------- CLI


def test_cli_build_prints_the_path(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "c.mbz"
    result = CliRunner().invoke(main, ["build", "--out", str(out), str(project)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{out}\n"
    assert "wrote " in result.stderr and "2 quiz" in result.stderr
    assert out.is_file()


def test_cli_build_json(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.mbz"
    result = CliRunner().invoke(
        main, ["build", "--format", "json", "--out", str(out), str(project)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["backup"]["path"] == str(out)
    assert doc["backup"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert doc["backup"]["questions"] == 3
    assert doc["diagnostics"] == [] and doc["summary"] == {"errors": 0, "warnings": 0}


def test_cli_build_errors_exit_1_and_list_every_problem(project: Path) -> None:
    _break(project)
    result = CliRunner().invoke(main, ["build", "--format", "github", str(project)])
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=")
    assert "nothere.gift" in result.stdout
    assert "nothing was written" in result.stderr
    assert not (project / "backups").exists()


def test_build_honours_disabled_backup_warnings(project: Path) -> None:
    """`lint: disable` in course.yaml silences a backup check in build as in validate."""
    _wsz(project)
    course_yaml = project / "content_src" / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    assert "\nlint:\n" in text
    course_yaml.write_text(text.replace("\nlint:\n", "\nlint:\n  disable: [MBZ001]\n"), encoding="utf-8")
    result = build_course(project, strict=True)
    assert result.diagnostics == []
    assert validate_project(project) == []


def test_cli_build_strict_fails_on_warnings(project: Path) -> None:
    _wsz(project)
    result = CliRunner().invoke(main, ["build", "--strict", str(project)])
    assert result.exit_code == 1
    assert "warning[MBZ001]" in result.stdout
    assert not (project / "backups").exists()
    result = CliRunner().invoke(main, ["build", str(project)])
    assert result.exit_code == 0
    assert "warning[MBZ001]" in result.stdout


def test_cli_build_unwritable_out(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["build", "--out", str(blocker / "c.mbz"), str(project)])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr


# --------------------------------------------------------------------------- the bundled course

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(
    not (REPO / "content_src" / "course.yaml").is_file(), reason="no bundled course"
)
def test_bundled_course_builds_reproducibly_and_inspects_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = build_course(REPO, tmp_path / "a.mbz")
    copy = tmp_path / "clone"
    shutil.copytree(REPO / "content_src", copy / "content_src")
    shutil.copytree(REPO / "gift_quizzes", copy / "gift_quizzes")
    second = build_course(copy, tmp_path / "b.mbz")
    assert first.backup.sha256 == second.backup.sha256
    report = inspect_file(tmp_path / "a.mbz")
    assert [p for p in report.problems if p.severity.value != "info"] == []
    assert report.summary["activities"].get("quiz", 0) >= 1
    # Every quiz has its own bank in its module context.
    assert "MBZ120" not in {p.code for p in report.problems}


def test_cli_build_sarif_keeps_stdout_one_document(project: Path, tmp_path: Path) -> None:
    _wsz(project)
    out = tmp_path / "c.mbz"
    result = CliRunner().invoke(
        main, ["build", "--format", "sarif", "--out", str(out), str(project)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["MBZ001"]
    assert out.is_file()


@pytest.mark.parametrize("value", ["-5", "99999999999999", "8589934592"])
def test_source_date_epoch_out_of_range_is_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """Before: a value too large for the tar header crashed with an internal error."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = CliRunner().invoke(main, ["--no-color", "build", str(project)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: SOURCE_DATE_EPOCH={value} is out of range: it must be between 0 and "
        "8589934591 (the largest time a tar header holds)\n"
        "  hint: set it to a Unix time in seconds, e.g. $(git log -1 --format=%ct)\n"
    )
    assert not (project / "backups").exists()


def test_largest_source_date_epoch_builds(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "8589934591")
    result = build_course(project)
    assert result.epoch == 8589934591
    assert not inspect_file(result.backup.path).failed
