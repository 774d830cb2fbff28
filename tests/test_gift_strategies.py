"""Hypothesis strategies that write GIFT: realistic questions with every tricky piece."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

SPECIAL = ["{", "}", "~", "=", "#", "->", ":", "::", "\\", "\\:", "\\=", "\\#", "\\{", "\\}",
           "\\~", "\\n", "\\\\", "[html]", "[HTML]", "[markdown]", "..", "%50%", "//", "0", "\n",
           " ", "\t", "é", "日本", "<b>x</b>", "&&061;", "$CATEGORY:", "_____"]  # fmt: skip
WORDS = ["apple", "Paris", "x", "1", "2.5", "1e3", "T", "true", "Hydrogen", "a b", "0"]

word = st.sampled_from(WORDS)
piece = st.one_of(word, st.sampled_from(SPECIAL), st.text(min_size=1, max_size=6))
phrase = st.lists(piece, max_size=5).map(" ".join)
weight = st.sampled_from(["", "", "%50%", "%100%", "%-100%", "%33.33333%", "%33%", "%--5%", "%0%"])
feedback = st.one_of(st.just(""), phrase.map(lambda s: "#" + s))
number = st.sampled_from(["1", "2.5", "1e3", ".5", "-3", "1,5", "eight", "1e999", "", "0", "+2"])


@st.composite
def answer_block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["mc", "sa", "num", "match", "tf", "ord", "essay", "raw"]))
    sep = draw(st.sampled_from([" ", "\n"]))
    if kind == "mc":
        parts = [draw(st.sampled_from(["~", "=", "~"])) + draw(weight) + draw(phrase) + draw(feedback)
                 for _ in range(draw(st.integers(1, 4)))]  # fmt: skip
        body = sep.join(parts)
    elif kind == "sa":
        parts = [
            "=" + draw(weight) + draw(phrase) + draw(feedback)
            for _ in range(draw(st.integers(1, 3)))
        ]
        body = sep.join(parts)
    elif kind == "num":
        forms = [draw(st.sampled_from(["{a}", "{a}:{b}", "{a}..{b}"])).format(a=draw(number), b=draw(number))
                 for _ in range(draw(st.integers(1, 3)))]  # fmt: skip
        body = "#" + sep.join("=" + draw(weight) + f + draw(feedback) for f in forms)
        if draw(st.booleans()):
            body += " ~" + draw(feedback)
    elif kind == "match":
        body = sep.join("=" + draw(phrase) + draw(st.sampled_from(["->", " -> ", ""])) + draw(phrase)
                        for _ in range(draw(st.integers(1, 4))))  # fmt: skip
    elif kind == "tf":
        body = (
            draw(st.sampled_from(["T", "TRUE", "F", "FALSE", "true"]))
            + draw(feedback)
            + draw(feedback)
        )
    elif kind == "ord":
        opts = draw(
            st.lists(
                st.sampled_from(["ALL", "H", "V", "REL", "ALL_OR_NOTHING", "SHOW", "abc"]),
                max_size=3,
            )
        )
        items = draw(st.lists(word, max_size=4))
        body = (
            ">"
            + draw(st.sampled_from(["2", "3", "9"]))
            + " "
            + " ".join(opts)
            + "\n"
            + "\n".join(items)
            + "\n"
        )
    elif kind == "essay":
        body = ""
    else:
        body = draw(phrase)
    if draw(st.booleans()):
        body += "####" + draw(phrase)
    return "{" + body + "}"


@st.composite
def question(draw: st.DrawFn) -> str:
    title = draw(st.sampled_from(["", "::T::", "::", "::::"])) + draw(
        st.sampled_from(["", "Title", "a\\:b"])
    )
    if title.startswith("::") and title not in ("::", "::::") and draw(st.booleans()):
        title += "::"
    text = draw(phrase)
    q = (
        title
        + text
        + " "
        + draw(answer_block())
        + draw(st.sampled_from(["", "", ".", " tail", " // c"]))
    )
    if draw(st.integers(0, 9)) == 0:
        q = title + text + " Q"  # never blank (a blank or "0" description is no block)
    if draw(st.integers(0, 9)) == 0:
        q = "$CATEGORY: " + draw(phrase)
    if draw(st.booleans()):
        q = draw(st.sampled_from(["// [id:A1]", "// [tag:t]", "// note"])) + "\n" + q
    return q


@st.composite
def gift_file(draw: st.DrawFn) -> str:
    qs = draw(st.lists(question(), min_size=1, max_size=4))
    return draw(st.sampled_from(["\n\n", "\n \n", "\r\n\r\n"])).join(qs) + "\n"


@settings(max_examples=30, deadline=None)
@given(gift_file())
def test_strategy_writes_files_with_questions(text: str) -> None:
    from lemma_pkg.gift import parse_text

    doc = parse_text(text)
    assert doc.blocks  # every generated file has at least one block
