"""The pre-commit hooks, the GitHub Action and the GitLab CI example, run for real.

- `.pre-commit-hooks.yaml` is checked with pre-commit's own schema, and (slow)
  `pre-commit try-repo` installs lemma from this repository into a fresh environment and
  runs every hook on a git repository holding a course.
- `action.yml`: the steps' shell scripts are run as GitHub runs them (bash, inputs through
  `env:`, `$GITHUB_OUTPUT`, `$RUNNER_TEMP`) on a clean and on a broken course.
- docs/ci.md: the GitLab job's script is run and its code quality report read back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.gift.fmt import format_text

from .conftest import FIXTURES, REPO

MODULE = "content_src/modules/01-basics/module.yaml"
BROKEN_GIFT = "::Q1::  Is it?   {TRUE#Yes.#No.}\n\n::Q2::Pick {~a#x ~b#y}\n"  # GIFT020
BIN = str(Path(sys.executable).parent)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(FIXTURES / "course_small", dest)
    gifts = sorted(str(p) for p in (dest / "gift_quizzes").glob("*.gift"))
    assert CliRunner().invoke(main, ["gift", "fmt", *gifts]).exit_code == 0
    return dest


def break_course(course: Path) -> None:
    """An unknown key in module.yaml, a GIFT error, and a file out of canonical form."""
    module = course / MODULE
    module.write_text(module.read_text().replace("items:", "itemz:"), encoding="utf-8")
    (course / "gift_quizzes" / "basics.gift").write_text(BROKEN_GIFT, encoding="utf-8")


# ------------------------------------------------------------------------------ pre-commit


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib", reason="pre-commit (dev extra)")
    load_manifest = clientlib.load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {
        "lemma-validate",
        "lemma-gift-lint",
        "lemma-gift-fmt",
        "lemma-gift-fmt-check",
    }
    for hook in hooks.values():
        assert hook["language"] == "python"
        args = hook["entry"].split()
        assert args[0] == "lemma"
        # the entry is a command lemma has
        assert CliRunner().invoke(main, [*args[1:], "--help"]).exit_code == 0
    assert hooks["lemma-validate"]["pass_filenames"] is False
    assert re.search(hooks["lemma-validate"]["files"], "content_src/modules/m/module.yaml")
    assert re.search(hooks["lemma-validate"]["files"], "gift_quizzes/q.gift")
    assert not re.search(hooks["lemma-validate"]["files"], "README.md")
    assert hooks["lemma-gift-fmt-check"]["entry"] == "lemma gift fmt --check"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def _try_repo(repo: Path, home: Path, *hook: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), *hook, "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_pre_commit_try_repo_runs_every_hook(course: Path, tmp_path: Path) -> None:
    # try-repo installs lemma from this repository into a new environment on every run
    # (about 10 s each), so two runs: the checking hook alone, then every hook.
    pytest.importorskip("pre_commit", reason="pre-commit is in the dev extra")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path / "pre-commit-home"
    break_course(course)
    _git(course, "init", "-q")
    _git(course, "add", "-A")
    _git(course, "commit", "-qm", "a course with problems")
    check = _try_repo(course, home, "lemma-gift-fmt-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert re.search(r"^lemma gift fmt --check\.+Failed$", check.stdout, re.M)
    assert "would reformat gift_quizzes/basics.gift" in check.stdout
    assert (course / "gift_quizzes" / "basics.gift").read_text(encoding="utf-8") == BROKEN_GIFT

    every = _try_repo(course, home)
    assert every.returncode == 1
    out = every.stdout
    assert re.search(r"^lemma validate\.+Failed$", out, re.M)
    assert f'{MODULE}:7:1: error[LEM004]: module.yaml: unknown key "itemz"' in out
    assert re.search(r"^lemma gift lint\.+Failed$", out, re.M)
    assert re.search(r"^gift_quizzes/basics\.gift:\d+:\d+: error\[GIFT020\]", out, re.M)
    assert re.search(r"^lemma gift fmt\.+Failed$", out, re.M)
    assert "- files were modified by this hook" in out
    text = (course / "gift_quizzes" / "basics.gift").read_text(encoding="utf-8")
    assert text == format_text(BROKEN_GIFT) != BROKEN_GIFT  # fixed in place
    # the checking hook runs after the fixing one, on the fixed file
    assert re.search(r"^lemma gift fmt --check\.+Passed$", out, re.M)


# ------------------------------------------------------------------------------ GitHub Action


def action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    return doc


def step(step_id: str) -> dict[str, Any]:
    [found] = [s for s in action()["runs"]["steps"] if s.get("id") == step_id]
    return found


def run_step(
    step_id: str, course: Path, tmp: Path, **inputs: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run a `run:` step as GitHub does: bash -e, inputs through its env, $GITHUB_OUTPUT."""
    values = {name: spec.get("default", "") for name, spec in action()["inputs"].items()}
    values.update(inputs)
    s = step(step_id)
    assert s["shell"] == "bash"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for key, value in s.get("env", {}).items():
        env[key] = re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], value)
    output = tmp / "github-output"
    output.write_text("")
    env.update(GITHUB_OUTPUT=str(output), RUNNER_TEMP=str(tmp), GITHUB_ACTION_PATH=str(REPO))
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]],
        cwd=course.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return proc, outputs


def test_action_interface() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert set(doc["inputs"]) == {"path", "strict", "format", "sarif", "backup", "python-version"}
    install = step("install")["run"]
    assert install.startswith("python -m pip install") and '"$GITHUB_ACTION_PATH"' in install
    uses = {s["id"]: s.get("uses", "") for s in doc["runs"]["steps"] if "id" in s}
    assert uses["upload-sarif"].startswith("github/codeql-action/upload-sarif@")
    assert step("upload-sarif")["with"]["sarif_file"] == "${{ steps.sarif.outputs.file }}"
    assert uses["upload-backup"].startswith("actions/upload-artifact@")
    assert step("upload-backup")["with"]["path"] == "${{ steps.build.outputs.backup }}"
    assert doc["outputs"]["backup"]["value"] == "${{ steps.build.outputs.backup }}"


def test_action_validate_step(course: Path, tmp_path: Path) -> None:
    ok, _ = run_step("validate", course, tmp_path, path="course")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == ""
    break_course(course)
    bad, _ = run_step("validate", course, tmp_path, path="course")
    assert bad.returncode == 1
    assert f"::error file=course/{MODULE},line=7,col=1,title=LEM004::" in bad.stdout
    text, _ = run_step("validate", course, tmp_path, path="course", format="text")
    assert f"course/{MODULE}:7:1: error[LEM004]" in text.stdout


def test_action_strict_fails_on_warnings(course: Path, tmp_path: Path) -> None:
    (course / "content_src" / "notes.txt").write_text("unused\n")  # LEM040, a warning
    assert run_step("validate", course, tmp_path, path="course")[0].returncode == 0
    strict, _ = run_step("validate", course, tmp_path, path="course", strict="true")
    assert strict.returncode == 1
    assert "title=LEM040::file is not used by the course" in strict.stdout


def test_action_sarif_step(course: Path, tmp_path: Path) -> None:
    break_course(course)
    proc, outputs = run_step("sarif", course, tmp_path, path="course", sarif="true")
    assert proc.returncode == 0  # the report is written whatever it finds
    doc = json.loads(Path(outputs["file"]).read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0"
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} >= {"LEM004"}


def test_action_build_step(course: Path, tmp_path: Path) -> None:
    proc, outputs = run_step("build", course, tmp_path, path="course", backup="true")
    assert proc.returncode == 0, proc.stderr
    backup = Path(outputs["backup"])
    assert backup.resolve() == (course / "backups" / "SMALL101.mbz").resolve()
    assert backup.stat().st_size > 0
    break_course(course)
    failed, outputs = run_step("build", course, tmp_path, path="course", backup="true")
    assert failed.returncode == 1 and "backup" not in outputs


# ------------------------------------------------------------------------------ GitLab CI


def gitlab_job() -> dict[str, Any]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    block = text.split("<!-- gitlab-ci -->\n```yaml\n", 1)[1].split("```", 1)[0]
    job: dict[str, Any] = yaml.safe_load(block)["lemma"]
    return job


def test_gitlab_job_writes_a_code_quality_report(course: Path) -> None:
    job = gitlab_job()
    report = job["artifacts"]["reports"]["codequality"]
    assert job["artifacts"]["when"] == "always"
    script = [line for line in job["script"] if not line.startswith("pip install")]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

    def run_script() -> subprocess.CompletedProcess[str]:
        # GitLab stops at the first failing line, as `bash -e` does.
        return subprocess.run(
            ["bash", "-e", "-c", "\n".join(script)],
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
        )

    assert run_script().returncode == 0
    assert json.loads((course / report).read_text(encoding="utf-8")) == []
    break_course(course)
    failed = run_script()
    assert failed.returncode == 1
    assert f"{MODULE}:7:1: error[LEM004]" in failed.stdout
    issues = json.loads((course / report).read_text(encoding="utf-8"))
    lem004 = next(i for i in issues if i["check_name"] == "LEM004")
    assert lem004["severity"] == "major"
    assert lem004["location"] == {"path": MODULE, "lines": {"begin": 7}}
    assert lem004["description"].startswith('LEM004: module.yaml: unknown key "itemz"')
    assert re.fullmatch(r"[0-9a-f]{64}", lem004["fingerprint"])
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} <= {"major", "minor", "info"}
