"""A course's registration background: read from course.yaml, turned into Moodle profile
field definitions, compared with and made into the site's fields (`lemma background`), and
checked by `lemma doctor`."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.content import codes
from lemma_pkg.content.background import load_background
from lemma_pkg.enrol.fields import definition
from tests.enrol_support import COURSE_YAML
from tests.fake_moodle import FakeMoodle, seed

REPO = Path(__file__).resolve().parent.parent


def _project(tmp_path: Path, text: str = COURSE_YAML) -> Path:
    (tmp_path / "content_src").mkdir(parents=True, exist_ok=True)
    (tmp_path / "content_src" / "course.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _cli(fake: FakeMoodle, token: str, cwd: Path, *args: str) -> Result:
    env = {
        "LEMMA_CONFIG": str(cwd / "absent.toml"),
        "LEMMA_URL": fake.url,
        "LEMMA_TOKEN": token,
        "LEMMA_PROFILE": None,
    }
    with contextlib.chdir(cwd):
        result = CliRunner(env=env).invoke(main, [*args, "--insecure-http"])
    assert token not in result.output
    return result


def test_the_bundled_course_declares_its_background() -> None:
    bg = load_background(REPO).background
    assert bg is not None
    assert [f.shortname for f in bg.fields] == [
        "lemma_study",
        "lemma_sector",
        "lemma_residence",
        "lemma_birth_band",
        "lemma_research_consent",
    ]
    assert all(f.required for f in bg.fields)
    assert bg.fields[3].options[-1] == "Prefer not to say"


def test_definitions_follow_moodles_columns(tmp_path: Path) -> None:
    bg = load_background(_project(tmp_path)).background
    assert bg is not None
    defs = {f.shortname: definition(f) for f in bg.fields}
    assert defs["lemma_sector"] == {
        "shortname": "lemma_sector",
        "name": "Work sector",
        "datatype": "menu",
        "description": "",
        "required": False,  # lemma's "required" never becomes Moodle's
        "locked": False,
        "forceunique": False,
        "signup": False,
        "visible": 1,
        "defaultdata": "",
        "param1": "Academia\nIndustry\nOther",
        "param2": "",
        "param3": "",
    }
    assert (defs["lemma_consent"]["datatype"], defs["lemma_consent"]["defaultdata"]) == (
        "checkbox",
        "0",
    )
    assert (
        defs["lemma_since"]["datatype"],
        defs["lemma_since"]["param1"],
        defs["lemma_since"]["param2"],
    ) == (
        "datetime",
        "1950",
        "2030",
    )
    assert (
        defs["lemma_notes"]["param1"],
        defs["lemma_notes"]["param2"],
        defs["lemma_notes"]["param3"],
    ) == (
        "30",
        "20",
        "0",
    )


@pytest.mark.parametrize(
    ("block", "code", "message"),
    [
        (
            "    - {shortname: s, name: S, type: menu, options: [Only]}\n",
            codes.BAD_MENU_OPTIONS,
            'background field "s": a menu needs at least two options',
        ),
        (
            "    - {shortname: s, name: S, type: menu, options: [A, B, A]}\n",
            codes.BAD_MENU_OPTIONS,
            "background field \"s\": option 'A' is listed twice",
        ),
        (
            "    - {shortname: s, name: S, type: text, options: [A, B]}\n",
            codes.BAD_VALUE,
            'background field "s": "options" applies to menu fields, not to text',
        ),
        (
            "    - {shortname: s, name: S, type: date, start_year: 2000, end_year: 1990}\n",
            codes.BAD_VALUE,
            'background field "s": start_year 2000 is after end_year 1990',
        ),
        (
            "    - {shortname: s, name: S, type: menu, options: [A, B], visible: all}\n",
            codes.BAD_VALUE,
            'background field "s": "visible" must be one of private, teachers, everyone, '
            "nobody, not 'all'",
        ),
        (
            "    - {shortname: s, name: S, type: number}\n",
            codes.BAD_VALUE,
            'background field "s": "type" must be one of menu, text, checkbox, date, not '
            "'number'",
        ),
        (
            "    - {shortname: s, name: S}\n",
            codes.MISSING_KEY,
            'background field "s": required key "type" is missing',
        ),
        (
            "    - {shortname: s, name: S, type: checkbox, requried: true}\n",
            codes.UNKNOWN_KEY,
            'background field "s": unknown key "requried"',
        ),
    ],
)
def test_bad_background_fields(tmp_path: Path, block: str, code: str, message: str) -> None:
    result = load_background(_project(tmp_path, "background:\n  fields:\n" + block))
    assert result.background is None
    assert [(d.code, d.message) for d in result.diagnostics] == [(code, message)]
    assert result.diagnostics[0].line == 3


def test_sync_creates_then_finds_everything_as_declared(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    token = fake_moodle.issue_lemma_token("admin")
    check = _cli(fake_moodle, token, project, "background", "check")
    assert check.exit_code == 3
    assert check.stdout.splitlines() == [
        "missing    lemma_sector",
        "missing    lemma_consent",
        "missing    lemma_since",
        "missing    lemma_notes",
    ]
    sync = _cli(fake_moodle, token, project, "background", "sync")
    assert sync.exit_code == 0, sync.output
    assert [ln.split()[0] for ln in sync.stdout.splitlines()] == ["created"] * 4
    field = fake_moodle.state.profile_field_by_shortname("lemma_sector")
    assert field is not None and field["param1"] == "Academia\nIndustry\nOther"
    assert fake_moodle.state.profile_categories[field["categoryid"]]["name"] == "Test background"
    again = _cli(fake_moodle, token, project, "background", "sync", "--format", "json")
    assert [f["status"] for f in json.loads(again.stdout)["fields"]] == ["ok"] * 4

    # the course changes a field: check says what differs, sync updates it
    _project(project, COURSE_YAML.replace("name: Work sector", "name: Sector of work"))
    check = _cli(fake_moodle, token, project, "background", "check")
    assert "different  lemma_sector  (name)" in check.stdout
    assert _cli(fake_moodle, token, project, "background", "sync").exit_code == 0
    assert fake_moodle.state.profile_field_by_shortname("lemma_sector")["name"] == "Sector of work"  # type: ignore[index]


def test_a_field_of_another_type_is_never_changed(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    project = _project(tmp_path)
    token = fake_moodle.issue_lemma_token("admin")
    with fake_moodle.state.lock:
        seed.add_profile_field(fake_moodle.state, "lemma_sector", "Sector", "text")
    result = _cli(fake_moodle, token, project, "background", "sync")
    assert result.exit_code == 3
    assert "conflict   lemma_sector  (datatype, name, visible, param1, category)" in result.stdout
    assert fake_moodle.state.profile_field_by_shortname("lemma_sector")["datatype"] == "text"  # type: ignore[index]


def test_doctor_reports_missing_and_different_fields(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    token = fake_moodle.issue_lemma_token("admin")
    result = _cli(fake_moodle, token, project, "doctor")
    line = next(ln for ln in result.stdout.splitlines() if "background fields" in ln)
    assert line.startswith(
        "FAIL  background fields  4 of 4 background fields are not as the course declares them"
    )
    assert "run `lemma background sync`" in result.stdout
    assert result.exit_code == 3
    _cli(fake_moodle, token, project, "background", "sync")
    # someone ticks Moodle's own "required": every account without a value is locked out
    fake_moodle.state.profile_field_by_shortname("lemma_notes")["required"] = 1  # type: ignore[index]
    result = _cli(fake_moodle, token, project, "doctor")
    line = next(ln for ln in result.stdout.splitlines() if "background fields" in ln)
    assert "lemma_notes: differs in required" in line
    _cli(fake_moodle, token, project, "background", "sync")
    result = _cli(fake_moodle, token, project, "doctor", "--format", "json")
    check = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "background fields")
    assert check["status"] == "ok"
    assert check["summary"] == "4 fields as the course declares them (category 'Test background')"


def test_doctor_skips_outside_a_course(fake_moodle: FakeMoodle, tmp_path: Path) -> None:
    token = fake_moodle.issue_lemma_token("admin")
    result = _cli(fake_moodle, token, tmp_path, "doctor", "--format", "json")
    check = next(c for c in json.loads(result.stdout)["checks"] if c["name"] == "background fields")
    assert (check["status"], check["summary"], check["required"]) == (
        "skip",
        "no course project here",
        False,
    )
