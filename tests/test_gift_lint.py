"""The GIFT linter: rule ids, exact positions, no cascades, disable comments, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.diagnostics import RULES as REGISTERED
from lemma_pkg.diagnostics import Severity
from lemma_pkg.gift import LintConfig, lint_file, lint_text
from lemma_pkg.gift.lint import nearest_grade, percent
from lemma_pkg.gift.rules import RULES

NO_FB = LintConfig(require_feedback=False)
CASES = Path(__file__).resolve().parent / "fixtures" / "gift" / "parity" / "cases"
REPO = Path(__file__).resolve().parent.parent


def codes(text: str, config: LintConfig = NO_FB) -> list[str]:
    return [d.code for d in lint_text(text, "q.gift", config)]


@pytest.mark.parametrize("rule", [r for r in RULES if r.example], ids=lambda r: r.code)
def test_every_rule_example_triggers_its_rule(rule) -> None:  # type: ignore[no-untyped-def]
    cfg = LintConfig(require_feedback=rule.code == "GIFT042")
    diags = lint_text(rule.example + "\n", "q.gift", cfg)
    assert rule.code in [d.code for d in diags]
    d = next(d for d in diags if d.code == rule.code)
    assert d.severity is rule.severity
    assert d.line >= 1 and d.column >= 1
    assert d.hint


def test_rules_are_registered_for_sarif_and_unique() -> None:
    ids = [r.code for r in RULES]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)
    for r in RULES:
        assert REGISTERED[r.code].name == r.name


def test_valid_samples_and_bundled_quizzes_are_clean() -> None:
    for n in range(1, 18):
        (path,) = CASES.glob(f"sample_{n:02d}_*.gift")
        assert lint_file(path, config=NO_FB) == [], path.name
    for path in sorted((REPO / "gift_quizzes").glob("*.gift")):
        assert lint_file(path) == [], path.name


def test_exact_position_of_the_offending_token() -> None:
    text = "::Odd::Pick two. {\n  ~%33%A\n  =B\n}\n"
    (d,) = lint_text(text, "q.gift", NO_FB)
    assert (d.path, d.line, d.column, d.code) == ("q.gift", 2, 4, "GIFT012")
    assert "nearest allowed: %33.33333%" in d.message
    assert d.hint == "write %33.33333%"


def test_nearest_grade_suggestions() -> None:
    assert percent(nearest_grade(0.33)) == "33.33333"
    assert percent(nearest_grade(-0.15)) == "-14.28571"
    assert percent(nearest_grade(0.67)) == "66.66667"


def test_missing_blank_line_is_one_diagnostic_not_a_cascade() -> None:
    diags = lint_file(CASES / "sample_28_bad_missing_blank_line.gift", config=NO_FB)
    assert [(d.code, d.line, d.column) for d in diags] == [("GIFT027", 2, 1)]


def test_every_problem_of_a_file_in_one_run() -> None:
    text = (
        "::A:: Q {~only}\n\n"
        "::B:: Q {#1,5}\n\n"
        "::C:: Q {true}\n\n"
        "::D:: Q {=a -> 1 =b 2}\n\n"
        "::E:: Q {=Paris}\n"
    )
    assert [(d.code, d.line) for d in lint_text(text, "q.gift", NO_FB)] == [
        ("GIFT005", 1),
        ("GIFT022", 3),
        ("GIFT021", 5),
        ("GIFT004", 7),
    ]


def test_silent_traps_moodle_accepts() -> None:
    assert codes("Q {~a ~b}\n") == ["GIFT020"]
    assert codes("Q {#eight}\n") == ["GIFT022"]
    assert codes("Q {#5..1}\n") == ["GIFT023"]
    assert codes("Q {#1..5}\n") == []
    assert codes("Q {#1e3}\n") == []
    assert codes("Q {#=1822:0 =%50%1822:2}\n") == []
    assert codes("Q {#5~}\n") == []
    assert codes("Q {=a} // note\n") == ["GIFT026"]
    assert codes("Why? {=a}.\n") == ["GIFT026"]
    assert codes("Two plus two is {=four}.\n") == []  # a real missing-word question
    assert codes("Q {T} then {F}\n") == ["GIFT025"]
    assert codes("[HTML]<b>x</b> {T}\n") == ["GIFT031"]
    assert codes("[html]<p>a <b>b</p> {T}\n") == ["GIFT040"]
    assert codes("[html]<p>a <b>b</b></p> {T}\n") == []
    assert codes("Q {=a ~%50%b ~c}\n") == []
    assert codes("Q {~%50%a ~%25%b ~%-100%c}\n") == ["GIFT014"]
    assert codes("Q {>3\nHydrogen\nHelium\nLithium\n}\n") == ["GIFT033"]
    assert codes("Q {>3\nalpha\nbeta\ngamma\n}\n") == []
    assert codes("Q {>2 REL LONGEST_ORDERED_SUBSET\nw\nx\n}\n") == ["GIFT033"]
    assert codes("$CATEGORY: top/a\n::Q:: text {T}\n") == ["GIFT028"]
    assert codes("$CATEGORY: $course$/top/a\n\n::Q:: text {T}\n") == []
    assert codes("\ufeff::Q:: a {T}\n\n\ufeff::R:: b {T}\n") == ["GIFT043"]
    assert codes("Q {T#a\rb}\n") == ["GIFT044"]
    assert codes("Q\x0c {T}\n") == ["GIFT045"]
    assert codes("// [id:X]\nQ {T}\n\n// [id:X]\nR {T}\n") == ["GIFT019"]
    assert codes("// [id:X]\nQ {T}\n\n$CATEGORY: other\n\n// [id:X]\nR {T}\n") == []
    assert codes("// [tag:]\nQ {T}\n") == ["GIFT039"]


def test_unescaped_separator_in_feedback() -> None:
    diags = lint_text("Q {\n=Paris#Yes, 2+2=4\n~London\n}\n", "q.gift", NO_FB)
    assert [(d.code, d.line, d.column) for d in diags] == [("GIFT024", 2, 16)]
    assert codes("Q {\n=Paris#Yes, 2+2\\=4\n~London\n}\n") == []


def test_feedback_rule_follows_the_course_setting() -> None:
    text = "Q {=a#right ~b}\n"
    on = lint_text(text, "q.gift", LintConfig(require_feedback=True))
    assert [(d.code, d.column, d.severity) for d in on] == [("GIFT042", 13, Severity.WARNING)]
    assert lint_text(text, "q.gift", LintConfig(require_feedback=False)) == []
    assert lint_text(text, "q.gift", LintConfig(disabled=frozenset({"missing-feedback"}))) == []


def test_disable_comments() -> None:
    bad = "Q {~%33%a =b}\n"
    assert codes(bad) == ["GIFT012"]
    assert codes("// lemma: disable=GIFT012\n" + bad) == []
    assert codes("// lemma: disable=weight-not-allowed\n\n" + bad) == []  # the next question
    assert codes("// lemma: disable=GIFT012\n\n" + bad + "\n" + bad) == ["GIFT012"]
    assert codes("// lemma: disable-file=GIFT012\n\n" + bad + "\n" + bad) == []
    assert codes("Q {\n// lemma: disable-next-line=GIFT012\n~%33%a\n=b}\n") == []
    assert codes("// lemma: disable=GIFT020\n" + bad) == ["GIFT012"]


def test_non_utf8_and_unreadable_files_are_diagnostics(tmp_path: Path) -> None:
    p = tmp_path / "latin1.gift"
    p.write_bytes(b"::Q::Caf\xe9? {T}\n")
    (d,) = lint_file(p, display="quizzes/latin1.gift")
    assert (d.path, d.line, d.column, d.code, d.severity) == (
        "quizzes/latin1.gift",
        1,
        9,
        "GIFT001",
        Severity.ERROR,
    )
    assert "byte offset 8" in d.message
    (d,) = lint_file(tmp_path / "missing.gift")
    assert d.code == "GIFT002"
    (d,) = lint_file(tmp_path)
    assert d.code == "GIFT002"


def test_cli_lint_exit_codes_and_formats(tmp_path: Path) -> None:
    good = tmp_path / "good.gift"
    good.write_text("::Q:: Sky blue? {T#No.#Yes.}\n", encoding="utf-8")
    warn = tmp_path / "warn.gift"
    warn.write_text("::Q:: Sky blue? {true#No.}\n", encoding="utf-8")
    bad = tmp_path / "bad.gift"
    bad.write_text("::Q:: Sky blue? {~only#x}\n", encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["gift", "lint", str(good)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["gift", "lint", str(warn)])
    assert r.exit_code == 0
    assert f"{warn}:1:18: warning[GIFT021]" in r.stdout
    r = runner.invoke(main, ["gift", "lint", "--strict", str(warn)])
    assert r.exit_code == 1
    r = runner.invoke(main, ["gift", "lint", "--format", "json", str(bad), str(warn)])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["summary"] == {"errors": 1, "warnings": 1}
    assert {d["code"] for d in doc["diagnostics"]} == {"GIFT005", "GIFT021"}
    r = runner.invoke(main, ["gift", "lint", "--format", "github", str(bad)])
    assert r.stdout.startswith(f"::error file={bad},line=1,col=18,title=GIFT005::")
    r = runner.invoke(main, ["gift", "lint", "--format", "sarif", str(bad)])
    sarif = json.loads(r.stdout)
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "GIFT005"
    r = runner.invoke(main, ["gift", "lint", "--disable", "GIFT021", str(warn)])
    assert r.exit_code == 0 and r.stdout == ""


def test_cli_rules_prints_the_reference() -> None:
    r = CliRunner().invoke(main, ["gift", "rules"])
    assert r.exit_code == 0
    assert "### GIFT012" in r.stdout
