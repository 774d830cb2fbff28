"""Moodle's value rules as lemma enrol applies them, against Moodle 4.5.6's own verdicts
(tests/fixtures/enrol/moodle_rules.json, made by moodle_rules.php on a real site)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lemma_pkg.enrol import rules
from lemma_pkg.moodle.siterules import PasswordPolicy

VERDICTS = json.loads(
    (Path(__file__).parent / "fixtures" / "enrol" / "moodle_rules.json").read_text("utf-8")
)


@pytest.mark.parametrize(("address", "valid"), VERDICTS["emails"])
def test_email_syntax_is_moodles(address: str, valid: bool) -> None:
    assert rules.valid_email(address) is valid


@pytest.mark.parametrize(("raw", "cleaned"), VERDICTS["usernames"])
def test_username_cleaning_is_moodles(raw: str, cleaned: str) -> None:
    assert rules.clean_username(raw) == cleaned


@pytest.mark.parametrize(("text", "changed"), VERDICTS["texts"])
def test_tags_are_found_as_strip_tags_finds_them(text: str, changed: bool) -> None:
    assert rules.has_tags(text) is changed


def test_extended_username_characters_keep_everything_but_case_and_ends() -> None:
    assert rules.clean_username(" Anné Smith ", extended=True) == "anné smith"


def test_the_verdicts_come_from_moodle_45() -> None:
    assert VERDICTS["release"].startswith("4.5")
    assert len(VERDICTS["emails"]) >= 50


def test_password_policy_counts_like_moodle() -> None:
    policy = PasswordPolicy()
    assert policy.problems("Abcdef1!") == []
    assert policy.problems("abc") == [
        "at least 8 characters",
        "at least 1 digit(s)",
        "at least 1 upper-case letter(s)",
        "at least 1 other character(s) such as *, - or #",
    ]
    # Unicode letters count as letters, as PCRE's [[:upper:]] under /u
    assert policy.problems("ÄBCdéf1!") == []
    strict = PasswordPolicy(maxconsecutiveidentchars=2)
    assert strict.problems("Aaaa1234!") == ["at most 2 identical characters in a row"]
    assert PasswordPolicy(enabled=False).problems("x") == []


def test_dates() -> None:
    assert rules.parse_date("2027-01-31").isoformat() == "2027-01-31"  # type: ignore[union-attr]
    assert rules.parse_date("2027-02-30") is None
    assert rules.parse_date("31/01/2027") is None
    london = rules.parse_datetime("2027-07-01", "Europe/London")
    assert london == 1814396400  # midnight BST = 23:00 UTC the day before
    assert rules.parse_datetime("2027-07-01 09:30", "UTC") == 1814434200
    assert rules.parse_datetime("next monday", "UTC") is None
    assert rules.midnight(rules.day_of(1814434200, "UTC"), "UTC") == 1814400000
    assert rules.zone("99").utcoffset(None) is not None  # unknown names fall back to UTC
