"""The reader, linter and formatter never raise, whatever the input (bounded examples)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lemma_pkg.gift import lint_file, lint_text, moodle_json, parse_bytes, parse_text
from lemma_pkg.gift.fmt import format_bytes, format_text
from tests.test_gift_strategies import SPECIAL, gift_file

gifty_text = st.lists(
    st.one_of(
        st.sampled_from(SPECIAL), st.text(max_size=8), st.sampled_from(["\r", "\ufeff", "\x00"])
    ),
    max_size=40,
).map("".join)

FAST = settings(
    max_examples=int(os.environ.get("LEMMA_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _exercise_text(text: str) -> None:
    doc = parse_text(text)
    moodle_json(doc)
    for d in lint_text(text, "x.gift"):
        assert d.line >= 0 and d.column >= 0 and d.code.startswith("GIFT")
    out = format_text(text)
    assert isinstance(out, str)


@FAST
@given(gifty_text)
def test_arbitrary_text_never_raises(text: str) -> None:
    _exercise_text(text)


@FAST
@given(gift_file())
def test_generated_gift_never_raises(text: str) -> None:
    _exercise_text(text)


@FAST
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    doc = parse_bytes(data)
    moodle_json(doc)
    format_bytes(data)


def test_bytes_on_disk_never_raise(tmp_path: Path) -> None:
    samples = [b"", b"\xef\xbb\xbf", b"\xff\xfe{\x00", b"\r\r\r", b"0\n0\n", b"{", b"}", b"\\"]
    for i, data in enumerate(samples):
        p = tmp_path / f"s{i}.gift"
        p.write_bytes(data)
        diags = lint_file(p)
        assert all(d.code.startswith("GIFT") for d in diags)


def test_pathological_inputs_parse() -> None:
    """Inputs that make naive regexes quadratic (PHP's own are) still parse and lint."""
    texts = [
        ">" + "<" * 5000 + " {T}",
        "<" * 5000 + " {T}",
        "// [tag:" + "a" * 5000 + "\nQ {T}",
        "Q {" + "~a" * 2000 + "}",
        "Q {>3 " + " " * 5000 + "x}",
        "Q {T" + "#" * 5000 + "}",
    ]
    for text in texts:
        doc = parse_text(text)
        assert len(doc.blocks) == 1
        assert doc.blocks[0].moodle is not None or doc.blocks[0].problem is not None
        lint_text(text, "x.gift")
        assert format_text(format_text(text)) == format_text(text)


@FAST
@given(gift_file())
def test_diagnostics_point_inside_the_file(text: str) -> None:
    lines = text.split("\n") if "\n" in text or "\r" not in text else text.split("\r")
    for d in lint_text(text, "x.gift"):
        assert 1 <= d.line <= len(lines), d
        raw = lines[d.line - 1].removeprefix("\ufeff") if d.line == 1 else lines[d.line - 1]
        assert 0 <= d.column <= len(raw) + 1, (d, raw)
