"""Diagnostic codes of the course source loader (``LEM0xx``), registered with
:func:`lemma_pkg.diagnostics.register_rule` so that SARIF output and ``docs/diagnostics.md``
describe them. Codes are stable: never renumber, only add.
"""

from __future__ import annotations

from lemma_pkg.diagnostics import Severity, register_rule

E = Severity.ERROR
W = Severity.WARNING


def _rule(code: str, name: str, severity: Severity, summary: str, help: str = "") -> str:
    register_rule(code, name, severity, summary, help)
    return code


# YAML and keys
YAML_SYNTAX = _rule(
    "LEM001",
    "yaml-syntax",
    E,
    "A YAML file (course.yaml, module.yaml, glossary.yaml, lesson front matter) does not parse.",
    "The message gives the line and column where the parser stopped.",
)
MISSING_FILE = _rule(
    "LEM002",
    "missing-file",
    E,
    "A file or folder named in the sources does not exist.",
    "Paths in module.yaml are relative to the module folder; quiz files to gift_quizzes/.",
)
MISSING_KEY = _rule("LEM003", "missing-key", E, "A required key is missing or empty.")
UNKNOWN_KEY = _rule(
    "LEM004",
    "unknown-key",
    E,
    "A key that the source format does not know (often a typo; the hint suggests the closest).",
)
WRONG_TYPE = _rule(
    "LEM005",
    "wrong-type",
    E,
    "A value has the wrong type (e.g. a list where a string is expected).",
)
BAD_VALUE = _rule(
    "LEM006",
    "bad-value",
    E,
    "A value is out of range or not one of the allowed choices.",
)
DUPLICATE_KEY = _rule(
    "LEM007",
    "duplicate-key",
    E,
    "A YAML mapping gives the same key twice (YAML would silently keep the last one).",
)
TOO_LONG = _rule("LEM008", "too-long", E, "A value is longer than Moodle's database field.")

# idnumbers
DUPLICATE_IDNUMBER = _rule(
    "LEM010",
    "duplicate-idnumber",
    E,
    "Two items have the same idnumber; idnumbers must be unique across the course.",
    "Give one of them an explicit `idnumber:`.",
)
BAD_IDNUMBER = _rule(
    "LEM011",
    "bad-idnumber",
    E,
    "An idnumber is empty, longer than 100 characters, or has leading/trailing spaces.",
)
IDNUMBER_CONFLICT = _rule(
    "LEM012",
    "idnumber-conflict",
    E,
    "A lesson's front matter and its module.yaml entry give different idnumbers.",
)
DUPLICATE_TERM = _rule(
    "LEM013",
    "duplicate-term",
    W,
    "A glossary term is defined twice (compared without case).",
)

# structure
EMPTY_MODULE = _rule(
    "LEM020",
    "empty-module",
    E,
    "A module has no items, or a practical has no variants.",
)
BAD_RESTRICTION = _rule(
    "LEM021",
    "bad-restriction",
    E,
    "A section restriction points at an unknown item, at an item of the same section, at "
    "a non-quiz for a grade condition, or at an item without completion tracking; or "
    "enforced restrictions wait for each other in a cycle.",
)
BAD_REFERENCE = _rule(
    "LEM022",
    "bad-reference",
    E,
    "`course_completion` names an unknown item or an item without completion tracking.",
)
DUPLICATE_MODULE = _rule(
    "LEM023",
    "duplicate-module",
    E,
    "The same module folder is listed twice in course.yaml.",
)
BAD_COMPLETION = _rule(
    "LEM024",
    "bad-completion",
    E,
    "A completion mode the item cannot use (`pass` without a pass grade, `grade` on an "
    "ungraded activity).",
)
BAD_CITATION = _rule(
    "LEM025",
    "bad-citation",
    E,
    "The citation template uses an unknown placeholder or is malformed.",
    "Placeholders: {authors}, {year}, {course}, {module}, {url}.",
)
BAD_URL = _rule(
    "LEM026", "bad-url", E, "A `url` item or course `url` is not an absolute http(s) URL."
)

UNKNOWN_LICENCE = _rule(
    "LEM027",
    "unknown-licence",
    W,
    "The course `licence` is not an SPDX id of a licence Moodle 4.5 ships; the backup marks "
    "its files with Moodle's 'unknown' licence and the summary shows the text unlinked.",
    "Use one of CC-BY-4.0, CC-BY-SA-4.0, CC-BY-ND-4.0, CC-BY-NC-4.0, CC-BY-NC-SA-4.0, "
    "CC-BY-NC-ND-4.0, CC0-1.0.",
)

# Markdown links and assets
BROKEN_LINK = _rule(
    "LEM030",
    "broken-link",
    E,
    "A local link or image in Markdown points at a file that does not exist.",
    "Targets are relative to the Markdown file (or the module folder for YAML text).",
)
BAD_ASSET_NAME = _rule(
    "LEM031",
    "bad-asset-name",
    E,
    "A linked file's name has characters Moodle strips from file names (& < > \" ` | ' : \\).",
    "Rename the file.",
)
LESSON_LINK = _rule(
    "LEM032",
    "lesson-link",
    W,
    "A link points at another Markdown lesson; links between activities are not rewritten "
    "for Moodle yet.",
)
OUTSIDE_PROJECT = _rule(
    "LEM033",
    "outside-project",
    E,
    "A path leads outside the course project folder (or a quiz outside gift_quizzes/).",
)
LOCAL_FILE_UNSUPPORTED = _rule(
    "LEM034",
    "local-file-unsupported",
    E,
    "A local image or file link in Markdown where Moodle has no file area for it (course or "
    "section summary, activity description, quiz feedback, glossary definition).",
    "Put images and data-file links in lessons (page items) or labels.",
)
MATH_IN_TABLE = _rule(
    "LEM035",
    "math-in-table",
    W,
    "Math in a table row contains '|', which ends the table cell before the math is read.",
    "Inside math in tables write \\vert, \\lvert/\\rvert or \\mid instead of |.",
)

# files
UNREFERENCED_FILE = _rule(
    "LEM040",
    "unreferenced-file",
    W,
    "A file under content_src/ or gift_quizzes/ is not used by the course.",
    "Reference it, or delete it. Files whose names start with '.' are ignored. Checked only "
    "once the sources have no errors (a broken item would make its files look unused).",
)
NOT_UTF8 = _rule("LEM041", "not-utf8", E, "A text source file is not valid UTF-8.")
BOM_INSIDE = _rule(
    "LEM042",
    "bom-inside",
    E,
    "A byte-order mark (U+FEFF) appears inside a text file, usually from pasting files together.",
)
CONTROL_CHARACTER = _rule(
    "LEM044",
    "control-character",
    W,
    "A lesson contains a control character (U+0000-U+001F other than tab and line breaks, "
    "or U+007F); Moodle cannot store it, so the backup drops or replaces it.",
)
NO_PROJECT = _rule(
    "LEM043",
    "no-project",
    E,
    "The folder has no content_src/course.yaml.",
    "Run `lemma init DIR` to start a course, or pass the project folder.",
)

# quizzes
EMPTY_QUIZ = _rule("LEM051", "empty-quiz", E, "A quiz's GIFT file has no questions.")
BAD_MARK = _rule(
    "LEM052",
    "bad-mark",
    E,
    "`marks:` names a question the quiz's GIFT file does not have (by its `[id:...]`), "
    "or gives a mark to a description, which carries none.",
)
ESSAY_NEEDS_GRADING = _rule(
    "LEM053",
    "essay-needs-grading",
    W,
    "A quiz completed by its grade (`completion: pass` or `grade`) holds an essay question "
    "with a mark: Moodle gives the attempt no grade until a teacher grades the essay, so "
    "learners cannot complete the quiz on their own. Give the essay a mark of 0 "
    "(`marks: {<id>: 0}`) when it is a reflection, or grade essays by hand.",
)

# registration background (course.yaml `background:`)
BAD_FIELD_SHORTNAME = _rule(
    "LEM070",
    "bad-field-shortname",
    E,
    "A background field's shortname is not made of letters, digits and _ only (Moodle's rule "
    "for profile field short names).",
    "Short names are also the roster columns (profile_field_<shortname>) and the keys of the "
    "research exports: choose them once and keep them.",
)
DUPLICATE_FIELD = _rule(
    "LEM071",
    "duplicate-field",
    E,
    "Two background fields have the same shortname (compared without case, as MySQL does).",
)
BAD_MENU_OPTIONS = _rule(
    "LEM072",
    "bad-menu-options",
    E,
    "A menu field's options are wrong: fewer than two, an empty or repeated option, an option "
    "with a line break, or a default that is not one of them.",
    "Moodle stores a menu value only when it matches an option exactly, and otherwise keeps "
    "the default without a word.",
)


DOC_START = "<!-- lem-rules:start -->"
DOC_END = "<!-- lem-rules:end -->"


def rules_markdown() -> str:
    """The table of LEM codes for ``docs/diagnostics.md`` (kept in sync by a test)."""
    from lemma_pkg.diagnostics import RULES

    lines = ["| code | name | severity | meaning |", "| --- | --- | --- | --- |"]
    for code in sorted(c for c in RULES if c.startswith("LEM")):
        rule = RULES[code]
        meaning = rule.summary + (f" {rule.help}" if rule.help else "")
        meaning = meaning.replace("|", "\\|")
        lines.append(f"| `{code}` | {rule.name} | {rule.severity.value} | {meaning} |")
    return "\n".join(lines) + "\n"


def write_docs(path: str) -> None:
    """Rewrite the LEM table between the markers of ``path`` (``python -m lemma_pkg.content.codes``)."""
    from pathlib import Path

    p = Path(path)
    text = p.read_text(encoding="utf-8")
    head, _, rest = text.partition(DOC_START)
    _, _, tail = rest.partition(DOC_END)
    p.write_text(f"{head}{DOC_START}\n{rules_markdown()}{DOC_END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    write_docs("docs/diagnostics.md")
