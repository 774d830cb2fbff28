"""Gaps found by end-to-end review of `lemma validate` on broken copies of the golden course;
each case was accepted (or crashed, or was silent) before its fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M2_YAML = "content_src/modules/02-practice/module.yaml"


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


def test_practical_with_an_empty_variants_list_is_an_error(course: Path) -> None:
    _edit(
        course,
        M2_YAML,
        "    variants:\n"
        "      - {package: R, page: practicals/r.md}\n"
        "      - {package: Stata, page: practicals/stata.md}\n",
        "    variants: []\n",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{M2_YAML}:10:15: error[LEM020]: the practical's `variants:` list is empty\n"
        "  hint: list one variant per package, e.g. `- {package: R, page: practicals/r.md}`, "
        "or remove `variants:` to use every .md file of the practical's folder\n"
    )
    build = CliRunner().invoke(main, ["--no-color", "build", "--out", "out.mbz", "."])
    assert build.exit_code == 1
    assert not (course / "out.mbz").exists()


def test_completion_off_for_the_course_says_where_to_turn_it_on(course: Path) -> None:
    """Before: the hint asked for an item completion mode the item already had."""
    _edit(course, "content_src/course.yaml", "completion: true", "completion: false")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    hint = (
        "  hint: completion tracking is off for the whole course: set `completion: true` "
        "in course.yaml\n"
    )
    assert result.stdout == (
        'content_src/course.yaml:21:5: error[LEM022]: course_completion: "01-basics/basics" '
        "has no completion tracking\n"
        + hint
        + f'{M2_YAML}:5:14: error[LEM021]: restriction: "01-basics/what-is-mlm" has no '
        "completion tracking, so it can never be complete\n" + hint
    )


def test_misspelt_key_of_a_variant_without_package_gets_a_did_you_mean(course: Path) -> None:
    """Before: only "package is missing" was reported, not the misspelt key beside it."""
    _edit(
        course,
        M2_YAML,
        "{package: R, page: practicals/r.md}",
        "{packge: R, page: practicals/r.md}",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        f'{M2_YAML}:11:9: error[LEM003]: variant: required key "package" is missing\n'
        '  hint: add "package: ..."\n'
        f'{M2_YAML}:11:10: error[LEM004]: variant: unknown key "packge"\n'
        '  hint: did you mean "package"?\n'
    )


def test_paths_outside_the_project_come_with_a_hint(course: Path) -> None:
    """Before: LEM033 for module folders and item files had no hint."""
    _edit(
        course,
        "content_src/modules/01-basics/module.yaml",
        "  - file: data/tutorial.csv",
        "  - file: ../../../../outside.csv",
    )
    _edit(
        course,
        "content_src/course.yaml",
        "  - modules/02-practice\n",
        "  - modules/02-practice\n  - ../../elsewhere\n",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert (
        'content_src/course.yaml:20:5: error[LEM033]: module folder "../../elsewhere" is '
        "outside the project\n"
        "  hint: move the module into content_src/modules/ and list it as modules/NN-name\n"
    ) in result.stdout
    assert (
        "content_src/modules/01-basics/module.yaml:11:11: error[LEM033]: data file "
        '"../../../../outside.csv" is outside the project\n'
        "  hint: copy the file into the project; paths are relative to the module folder\n"
    ) in result.stdout


def test_remaining_messages_come_with_a_hint(course: Path) -> None:
    """Before: these diagnostics had an empty hint."""
    _edit(course, "content_src/course.yaml", "  - 01-basics/basics", "  - nope\n  - {a: 1}")
    _edit(course, "content_src/course.yaml", "shortname: SMALL101", 'shortname: ""')
    _edit(
        course,
        "content_src/modules/01-basics/module.yaml",
        "  mode: recommend",
        "  mode: always",
    )
    (course / "content_src/glossary.yaml").write_text(
        "entries:\n  - term: Level\n    definition: x\n  - term: level\n    definition: y\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "--format", "json", "."])
    assert result.exit_code == 1
    hints = {(d["code"], d["message"]): d["hint"] for d in json.loads(result.stdout)["diagnostics"]}
    assert hints[("LEM003", 'course.yaml: "shortname" is empty')] == (
        'write the value after "shortname:"'
    )
    assert hints[("LEM022", 'course_completion: no item has the idnumber "nope"')] == (
        "use the idnumber of an item of this course (e.g. 01-module/lesson)"
    )
    assert (
        hints[
            ("LEM005", 'course.yaml: entries of "course_completion" must be strings, not a mapping')
        ]
        == 'write each entry as plain text after "- ", quoted if it contains ": "'
    )
    assert hints[
        ("LEM006", "restriction: \"mode\" must be one of enforce, recommend, not 'always'")
    ] == ("write mode: enforce, or another value listed")
    assert hints[("LEM013", 'glossary term "level" is defined twice (first on line 2)')] == (
        "merge the two entries; list other spellings under `aliases:`"
    )


def test_an_empty_yaml_file_gets_a_hint(course: Path) -> None:
    (course / M2_YAML).write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{M2_YAML}:1:1: error[LEM005]: module.yaml must be a YAML mapping (key: value lines)\n"
        "  hint: write one `key: value` per line at the left margin, e.g. `title: ...` "
        "(the file is empty)\n"
    )


def test_a_single_allowed_value_is_named_alone(course: Path) -> None:
    _edit(course, "content_src/course.yaml", "startdate:", "format: weeks\nstartdate:")
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert result.stdout == (
        'content_src/course.yaml:7:9: error[LEM006]: course.yaml: "format" must be one of '
        "topics, not 'weeks'\n"
        "  hint: write format: topics\n"
    )


def test_a_quiz_outside_gift_quizzes_is_an_error(course: Path) -> None:
    """Before: `quiz: ../content_src/course.yaml` linted course.yaml as GIFT."""
    _edit(
        course,
        "content_src/modules/01-basics/module.yaml",
        "  - quiz: basics.gift",
        "  - quiz: ../content_src/modules/01-basics/concepts.md",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    assert (
        "content_src/modules/01-basics/module.yaml:17:11: error[LEM033]: GIFT file "
        '"../content_src/modules/01-basics/concepts.md" is outside gift_quizzes/\n'
        "  hint: move the quiz into gift_quizzes/ and name it relative to that folder\n"
    ) in result.stdout
    assert "GIFT0" not in result.stdout


def test_enforced_restrictions_that_wait_for_each_other_are_an_error(course: Path) -> None:
    """Before: Module 1 waiting for Module 2 and Module 2 for Module 1 validated cleanly."""
    _edit(
        course,
        "content_src/modules/01-basics/module.yaml",
        "  grade: {quiz: 00-welcome/prerequisites, min: 50}\n  mode: recommend",
        "  completed: 02-practice/practicals-r",
    )
    result = CliRunner().invoke(main, ["--no-color", "validate", "."])
    assert result.exit_code == 1
    hint = (
        "  hint: point one of them at an item of an earlier section, or make it `mode: recommend`\n"
    )
    assert result.stdout == (
        "content_src/modules/01-basics/module.yaml:5:14: error[LEM021]: restriction: enforced "
        "restrictions wait for each other (01-basics -> 02-practice -> 01-basics), so these "
        "sections stay locked for good\n"
        + hint
        + f"{M2_YAML}:5:14: error[LEM021]: restriction: enforced restrictions wait for each "
        "other (02-practice -> 01-basics -> 02-practice), so these sections stay locked for "
        "good\n" + hint
    )
    _edit(course, M2_YAML, "restriction:\n", "restriction:\n  mode: recommend\n")
    assert CliRunner().invoke(main, ["validate", "."]).exit_code == 0


def test_a_folder_inside_a_course_points_at_the_project(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the hint said to run `lemma init`, inside an existing course."""
    monkeypatch.chdir(course.parent)
    result = CliRunner().invoke(
        main, ["--no-color", "validate", "course/content_src/modules/01-basics"]
    )
    assert result.exit_code == 1
    assert result.stdout.endswith(
        "  hint: this folder is inside the course project course: pass that folder instead\n"
    )
