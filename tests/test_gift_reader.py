"""The reader's API: Moodle objects, the AST with source spans, PHP semantics."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.gift import moodle_questions, parse_text, php


def test_moodle_questions_in_file_order_with_categories(tmp_path: Path) -> None:
    p = tmp_path / "q.gift"
    p.write_text(
        "$CATEGORY: $course$/top/Geo\n\n"
        "// [id:G1] [tag:maps]\n::Capital::What is the capital of France? {=Paris ~Lyon}\n\n"
        "::Broken:: {~only}\n\n"
        "::Sky:: Blue? {T}\n",
        encoding="utf-8",
    )
    qs = moodle_questions(p)
    assert [q["qtype"] for q in qs] == ["category", "multichoice", "truefalse"]
    assert qs[0]["category"] == "$course$/top/Geo"
    mc = qs[1]
    assert (mc["name"], mc["idnumber"], mc["tags"], mc["single"]) == ("Capital", "G1", ["maps"], 1)
    assert mc["answer"] == [
        {"text": "Paris", "format": "0", "files": []},
        {"text": "Lyon", "format": "0", "files": []},
    ]
    assert mc["fraction"] == [1, 0]
    assert mc["questiontextformat"] == "0" and mc["penalty"] == 0.3333333


def test_not_utf8_gives_no_questions(tmp_path: Path) -> None:
    p = tmp_path / "latin1.gift"
    p.write_bytes(b"Caf\xe9 {T}\n")
    assert moodle_questions(p) == []


def test_every_part_has_a_source_span() -> None:
    doc = parse_text("// note\n::T:: Pick {\n  ~%50%a#half\n  =b#yes\n}\n")
    (gb,) = doc.blocks
    a, b = gb.answers
    assert a.weight == "50" and a.fraction == 0.5
    assert a.weight_span is not None
    pos = gb.pos(a.weight_span[0])
    assert (pos.line, pos.column) == (3, 4)
    assert a.text is not None and a.feedback is not None and b.feedback is not None
    p = gb.pos(a.feedback.span[0])
    assert (p.line, p.column, a.feedback.text) == (3, 10, "half")
    p = gb.pos(b.text.span[0]) if b.text is not None else None
    assert p is not None and (p.line, p.column) == (4, 4)
    assert gb.title is not None and gb.pos(gb.title.span[0]).column == 3
    offset = gb.pos(b.feedback.span[0]).offset
    assert "// note\n::T:: Pick {\n  ~%50%a#half\n  =b#yes\n}\n"[offset : offset + 3] == "yes"


def test_escapes_and_php_quirks() -> None:
    (gb,) = parse_text("Q \\{x\\} {=a\\=b#c\\#d ~e\\~f}").blocks
    q = gb.moodle
    assert q is not None
    assert q["questiontext"] == "Q {x}"
    assert [a["text"] for a in q["answer"]] == ["a=b", "e~f"]
    assert q["feedback"][0]["text"] == "c#d"
    (gb,) = parse_text("Q {#0 =1}").blocks  # PHP empty("0") drops the first answer
    assert gb.moodle is not None and gb.moodle["answer"] == ["1"]
    (gb,) = parse_text("Q {#1,5}").blocks  # not a number: '*' (any answer)
    assert gb.moodle is not None and gb.moodle["answer"] == ["*"]
    (gb,) = parse_text("Q {#1e999..1e999}").blocks
    assert gb.moodle is not None and gb.moodle["answer"] == ["INF"]
    assert gb.moodle["tolerance"] == ["NAN"]


def test_php_helpers() -> None:
    assert php.is_numeric(" 1e3") and php.is_numeric(".5") and php.is_numeric("5.")
    assert not php.is_numeric("1,5") and not php.is_numeric("0x1A") and not php.is_numeric("")
    assert php.substr("abcdef", 2, -1) == "cde" and php.substr("abc", 5) == ""
    assert php.substr_replace("Q }x{", "_____", 4, -1) == "Q }x_____{"
    assert php.to_number("5 apples") == 5
    assert php.shorten_text("word " * 30, 20) == "word word word ..."
    assert php.clean_question_name("<b>Bold</b> title") == "Bold title"


def test_cli_parse_json_has_positions(tmp_path: Path) -> None:
    p = tmp_path / "q.gift"
    p.write_text("::T:: Q {=a#yes ~b}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["gift", "parse", "--format", "json", str(p)])
    assert r.exit_code == 0
    (block,) = json.loads(r.stdout)["blocks"]
    assert block["qtype"] == "multichoice"
    fb = block["answers"][0]["feedback"]
    assert fb["text"] == "yes"
    assert fb["span"]["start"] == {"line": 1, "column": 13, "offset": 12}
    r = CliRunner().invoke(main, ["gift", "parse", str(p)])
    (block,) = json.loads(r.stdout)["blocks"]
    assert block["question"]["name"] == "T" and block["errors"] == []


def test_lint_and_questions_in_one_pass(tmp_path: Path) -> None:
    from lemma_pkg.gift import LintConfig, lint_and_questions, lint_file

    p = tmp_path / "q.gift"
    p.write_text("::A:: Q {~%33%a =b}\n\n::B:: R {true}\n", encoding="utf-8")
    questions, diags = lint_and_questions(p, display="q.gift", config=LintConfig(False))
    assert questions == moodle_questions(p)
    assert diags == lint_file(p, display="q.gift", config=LintConfig(False))
    assert [d.code for d in diags] == ["GIFT012", "GIFT021"]
    assert lint_and_questions(tmp_path / "missing.gift")[0] == []
