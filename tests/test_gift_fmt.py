"""The formatter: canonical output that Moodle reads exactly as the input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from lemma_pkg.cli import main
from lemma_pkg.gift import parse_bytes, parse_text
from lemma_pkg.gift.fmt import format_document, format_text
from tests.test_gift_strategies import gift_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gift"
CORPUS = sorted((FIXTURES / "parity" / "cases").glob("*.gift")) + sorted(
    (FIXTURES / "oracle").glob("*.gift")
)


def accepted(text: str) -> str:
    doc = parse_text(text)
    return json.dumps([b.moodle for b in doc.blocks if b.moodle is not None], sort_keys=True)


def test_parse_of_fmt_equals_parse_on_the_whole_corpus() -> None:
    checked = 0
    for path in CORPUS:
        doc = parse_bytes(path.read_bytes())
        if doc.decode_error is not None:
            continue
        before = json.dumps([b.moodle for b in doc.blocks if b.moodle is not None], sort_keys=True)
        out, _ = format_document(doc)
        assert accepted(out) == before, path.name
        assert format_text(out) == out, f"not idempotent: {path.name}"
        checked += 1
    assert checked > 300


@settings(
    max_examples=int(os.environ.get("LEMMA_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(gift_file())
def test_parse_of_fmt_equals_parse_for_generated_questions(text: str) -> None:
    out = format_text(text)
    assert accepted(out) == accepted(text)
    assert format_text(out) == out


def test_canonical_layout_and_escaping() -> None:
    src = (
        "// [id:Q1]\n"
        "::Capital::   What is the capital of \\{France\\}\\? {~Lyon#No ~ Marseille "
        "=Paris#Yes\\, 2+2\\=4}\n"
    )
    assert format_text(src) == (
        "// [id:Q1]\n"
        "::Capital::\n"
        "What is the capital of \\{France\\}\\?\n"
        "{\n"
        "~Lyon#No\n"
        "~Marseille\n"
        "=Paris#Yes\\, 2+2\\=4\n"
        "}\n"
    )
    assert format_text("Q {T}\n0\nR {F}") == "Q\n{T}\n\nR\n{F}\n"
    assert format_text("Grant is {~buried =entombed} in Grant's tomb.\n") == (
        "Grant is {\n~buried\n=entombed\n} in Grant's tomb.\n"
    )
    assert format_text("::N:: Q {#1..5#ok ~#no}") == "::N::\nQ\n{\n#=1..5#ok\n~#no\n}\n"


def test_broken_questions_are_kept_as_written() -> None:
    src = "::A:: Q {~only}\n\n::B::    Q {=a"
    assert format_text(src) == "::A:: Q {~only}\n\n::B::    Q {=a\n"


def test_cli_fmt_check_and_write(tmp_path: Path) -> None:
    messy = tmp_path / "messy.gift"
    messy.write_text("::Q::   Sky? {   T   }\n\n\n", encoding="utf-8")
    clean = tmp_path / "clean.gift"
    clean.write_text("::Q::\nSky?\n{T}\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["gift", "fmt", "--check", str(messy), str(clean)])
    assert r.exit_code == 1
    assert r.stdout == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == "::Q::   Sky? {   T   }\n\n\n"
    r = runner.invoke(main, ["gift", "fmt", str(messy), str(clean)])
    assert r.exit_code == 0
    assert messy.read_text(encoding="utf-8") == "::Q::\nSky?\n{T}\n"
    r = runner.invoke(main, ["gift", "fmt", "--check", str(messy)])
    assert r.exit_code == 0 and r.stdout == ""


def test_cli_fmt_writes_nothing_when_a_file_is_not_utf8(tmp_path: Path) -> None:
    messy = tmp_path / "messy.gift"
    messy.write_text("::Q::   Sky? {T}\n", encoding="utf-8")
    bad = tmp_path / "bad.gift"
    bad.write_bytes(b"Caf\xe9 {T}\n")
    r = CliRunner().invoke(main, ["gift", "fmt", str(messy), str(bad)])
    assert r.exit_code == 1
    assert "not UTF-8" in r.stderr
    assert messy.read_text(encoding="utf-8") == "::Q::   Sky? {T}\n"


@pytest.mark.parametrize("name", ["sample_01_mc_basic", "sample_16_ordering_moodle45"])
def test_formatted_samples_read_back_the_same(name: str) -> None:
    text = (FIXTURES / "parity" / "cases" / f"{name}.gift").read_text(encoding="utf-8")
    assert accepted(format_text(text)) == accepted(text)
