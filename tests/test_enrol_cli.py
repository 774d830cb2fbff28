"""`lemma enrol` through click: data on stdout, progress and logs on stderr, --format json,
exit codes, and no password anywhere (output, -vv traces, ledger)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from tests.enrol_support import Site
from tests.fake_moodle import FakeMoodle

PASSWORD = "Zq7!mKp2#r"


@pytest.fixture
def site(fake_moodle: FakeMoodle, tmp_path: Path) -> Site:
    return Site(fake_moodle, tmp_path)


def enrol(site: Site, *args: str, top: tuple[str, ...] = ()) -> Result:
    env = {
        "LEMMA_CONFIG": str(site.tmp / "absent.toml"),
        "LEMMA_URL": site.fake.url,
        "LEMMA_TOKEN": site.token,
        "LEMMA_PROFILE": None,
    }
    with contextlib.chdir(site.project):
        result = CliRunner(env=env).invoke(main, [*top, "enrol", *args, "--insecure-http"])
    assert site.token not in result.output
    return result


def _roster(site: Site) -> Path:
    header = [
        "username",
        "firstname",
        "lastname",
        "email",
        "password",
        "profile_field_lemma_sector",
        "course1",
        "group1",
    ]
    return site.roster(
        [
            ["ann", "Ann", "Smith", "ann@example.org", PASSWORD, "Academia", "LEMMA", "Tuesday"],
            ["bob", "Bob", "Jones", "bob@example.org", "", "Industry", "LEMMA", "Tuesday"],
        ],
        header,
    )


def test_dry_run_prints_the_plan_and_writes_nothing(site: Site) -> None:
    roster = _roster(site)
    result = enrol(site, str(roster), "--dry-run", "--create-groups", top=("-q",))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "row  action          account  details",
        "2    create account  ann      new account",
        "3    create account  bob      new account (Moodle mails a password)",
        "2,3  create group    -        new group 'Tuesday' in LEMMA",
        "2    enrol           ann      LEMMA as student",
        "3    enrol           bob      LEMMA as student",
        "2    add to group    ann      group 'Tuesday' in LEMMA",
        "3    add to group    bob      group 'Tuesday' in LEMMA",
        "roster.csv (enrol, dry run: nothing was sent):",
        "  accounts created                  2",
        "  groups created                    1",
        "  enrolments made or changed        2",
        "  group memberships added           2",
        "  requests to Moodle: 6",
    ]
    assert site.writes() == []
    assert not roster.with_name("roster.csv.ledger.jsonl").exists()


def test_apply_then_again_with_json(site: Site) -> None:
    roster = _roster(site)
    result = enrol(site, str(roster), "--create-groups", top=("-vv",))
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # traces mask the password field
    assert "password='****'" in result.stderr or "password]='****'" in result.stderr
    assert "group members: done" in result.stderr  # progress: a line per step off a terminal
    assert "ledger:" in result.stdout
    ledger = roster.with_name("roster.csv.ledger.jsonl").read_text("utf-8")
    assert PASSWORD not in ledger
    again = enrol(site, str(roster), "--create-groups", "--format", "json")
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert (
        data["ok"]
        and data["plan"] == []
        and data["counts"]["unchanged"]
        == {
            "accounts": 2,
            "enrolments": 2,
            "group memberships": 2,
        }
    )
    assert data["problems"][0]["code"] == "password-ignored"
    assert PASSWORD not in again.output


def test_problems_go_to_stdout_with_row_and_column(site: Site) -> None:
    roster = site.roster([["Ann", "Ann", "S", "ann@", "", "", "", "", "LEMMA", "", ""]])
    result = enrol(site, str(roster))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"{roster}:2: row 2, column email: error[bad-email]: 'ann@' is not an email address "
        "Moodle accepts"
    )
    assert lines[1] == "  hint: write it as name@example.org (ASCII letters only; no spaces)"
    assert any("column username: error[bad-username]" in ln for ln in lines)
    assert "nothing was sent to the site" in result.stdout
    assert site.writes() == []


def test_usage_errors(site: Site) -> None:
    roster = _roster(site)
    assert enrol(site, str(roster), "--remove", "--update", "all").exit_code == 2
    assert enrol(site, str(roster), "--delimiter", "pipe").exit_code == 2
