"""Tokens are masked wherever they could be shown."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.redact import Token, mask, redact
from tests.token_guard import _files_with, find_leaks

SECRET = "5f2b9c0d7e1a4b3c8d9e0f1a2b3c4d5e"


def test_mask_keeps_the_last_four_only_for_long_secrets() -> None:
    assert mask(SECRET) == "****4d5e"
    assert mask("short") == "****"


def test_token_is_masked_in_str_repr_and_format() -> None:
    t = Token(SECRET)
    for shown in (str(t), repr(t), f"{t}", f"{t!r}", f"{t}", str([t]), str({"t": t})):
        assert SECRET not in shown
    assert t.reveal() == SECRET
    assert t == Token(SECRET) and t != Token(SECRET[::-1])


def test_token_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Token(SECRET))


def test_empty_token_is_refused() -> None:
    with pytest.raises(ValueError):
        Token("  ")


def test_redact_scrubs_text() -> None:
    text = f"POST body wstoken={SECRET}&x=1 and again {SECRET}"
    out = redact(text, [Token(SECRET)])
    assert SECRET not in out and out.count("****4d5e") == 2


def test_client_repr_masks_the_token() -> None:
    client = MoodleClient("https://moodle.example.edu", SECRET)
    assert SECRET not in repr(client)
    assert "****4d5e" in repr(client)


def test_guard_finds_leaks() -> None:
    sections = [("Captured log call", f"x {SECRET} y"), ("Captured stdout call", "clean")]
    assert find_leaks(sections, [SECRET]) == ["Captured log call"]
    assert find_leaks(sections, ["other-secret-value"]) == []


def test_guard_finds_tokens_in_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "report.csv").write_text(f"a,{SECRET}\n", encoding="utf-8")
    (tmp_path / "clean.txt").write_text("nothing here", encoding="utf-8")
    assert _files_with(tmp_path, {SECRET}) == ["file sub/report.csv"]
