"""Every LEM diagnostic code, each from a real broken copy of the golden course.

Each case changes files of a copy of tests/fixtures/course_small and names the exact
diagnostic it expects (file, line, column, severity, code, message, hint). A final test
checks that every registered LEM code has a case here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lemma_pkg.content import codes
from lemma_pkg.content.loader import load_course
from lemma_pkg.diagnostics import RULES, Diagnostic, Severity

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M1 = "content_src/modules/01-basics"
M1_YAML = f"{M1}/module.yaml"
COURSE = "content_src/course.yaml"


def edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def write(rel: str, data: str | bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")

    return apply


def append(rel: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return apply


def both(*fns: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        for fn in fns:
            fn(root)

    return apply


@dataclass(frozen=True)
class Case:
    id: str
    change: Callable[[Path], None]
    path: str
    line: int
    column: int
    code: str
    message: str
    hint: str | None = None  # None: not checked
    severity: Severity = Severity.ERROR


# A background block appended to the golden course.yaml (which has 25 lines).
BACKGROUND = """background:
  fields:
    - shortname: sector
      name: Work sector
      type: menu
      options: [Academia, Industry, Other]
      default: Other
    - shortname: consent
      name: Research consent
      type: checkbox
"""


CASES = [
    Case(
        "yaml-syntax",
        edit(M1_YAML, "  - page: concepts.md", "\t- page: concepts.md"),
        M1_YAML,
        10,
        1,
        codes.YAML_SYNTAX,
        "invalid YAML: found character '\\t' that cannot start any token "
        "(while scanning for the next token)",
    ),
    Case(
        "yaml-escape-hint",
        edit(M1_YAML, 'title: "Module 1: Basics"', 'title: "Module 1: \\sigma"'),
        M1_YAML,
        1,
        20,
        codes.YAML_SYNTAX,
        "invalid YAML: found unknown escape character 's' (while scanning a double-quoted scalar)",
        "backslashes (LaTeX) in double-quoted strings must be doubled; "
        "use single quotes or a block scalar (|) instead",
    ),
    Case(
        "missing-lesson",
        edit(M1_YAML, "- page: concepts.md", "- page: concept.md"),
        M1_YAML,
        10,
        11,
        codes.MISSING_FILE,
        'lesson "concept.md" does not exist',
        'did you mean "concepts.md"?',
    ),
    Case(
        "missing-module-folder",
        edit(COURSE, "  - modules/02-practice", "  - modules/02-practise"),
        COURSE,
        19,
        5,
        codes.MISSING_FILE,
        'module folder "modules/02-practise" does not exist',
        'did you mean "02-practice"?',
    ),
    Case(
        "missing-key",
        edit(COURSE, "category: Test courses\n", ""),
        COURSE,
        1,
        1,
        codes.MISSING_KEY,
        'course.yaml: required key "category" is missing',
        'add "category: ..."',
    ),
    Case(
        "unknown-key",
        edit(M1_YAML, "restriction:", "restricton:"),
        M1_YAML,
        4,
        1,
        codes.UNKNOWN_KEY,
        'module.yaml: unknown key "restricton"',
        'did you mean "restriction"?',
    ),
    Case(
        "front-matter-unknown-key",
        edit(f"{M1}/concepts.md", "completion: view", "complete: view"),
        f"{M1}/concepts.md",
        4,
        1,
        codes.UNKNOWN_KEY,
        'front matter: unknown key "complete"',
        'did you mean "completion"?',
    ),
    Case(
        "front-matter-yaml-syntax",
        edit(f"{M1}/concepts.md", "completion: view", "completion: [view"),
        f"{M1}/concepts.md",
        4,
        18,
        codes.YAML_SYNTAX,
        "invalid YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)",
    ),
    Case(
        "unknown-item-kind",
        edit(M1_YAML, "- page: concepts.md", "- pgae: concepts.md"),
        M1_YAML,
        10,
        5,
        codes.UNKNOWN_KEY,
        'unknown item kind "pgae"',
        'did you mean "page"?',
    ),
    Case(
        "wrong-type",
        edit(
            COURSE,
            "authors:\n  - Ada Lovelace\n  - Centre for Multilevel Modelling\n",
            "authors: Ada Lovelace\n",
        ),
        COURSE,
        10,
        10,
        codes.WRONG_TYPE,
        'course.yaml: "authors" must be a list, not a string',
    ),
    Case(
        "bad-value",
        edit("content_src/modules/00-welcome/module.yaml", "grading: highest", "grading: best"),
        "content_src/modules/00-welcome/module.yaml",
        10,
        14,
        codes.BAD_VALUE,
        "item: \"grading\" must be one of highest, average, first, last, not 'best'",
    ),
    Case(
        "duplicate-key",
        edit(M1_YAML, 'title: "Module 1: Basics"\n', 'title: "Module 1: Basics"\ntitle: Again\n'),
        M1_YAML,
        2,
        1,
        codes.DUPLICATE_KEY,
        'module.yaml: key "title" is given twice (first on line 1)',
    ),
    Case(
        "too-long",
        edit(COURSE, "shortname: SMALL101", "shortname: " + "S" * 101),
        COURSE,
        2,
        12,
        codes.TOO_LONG,
        'course.yaml: "shortname" is 101 characters long; Moodle allows 100',
    ),
    Case(
        "duplicate-idnumber",
        edit(
            M1_YAML,
            "    title: Overview video\n",
            "    title: Overview video\n    idnumber: 01-basics/tutorial\n",
        ),
        M1_YAML,
        16,
        15,
        codes.DUPLICATE_IDNUMBER,
        f'idnumber "01-basics/tutorial" is already used by "Tutorial data set" ({M1_YAML}:11)',
        "give one of them an explicit, different `idnumber:`",
    ),
    Case(
        "bad-idnumber",
        edit(
            M1_YAML,
            "    title: Overview video\n",
            "    title: Overview video\n    idnumber: " + "x" * 101 + "\n",
        ),
        M1_YAML,
        16,
        15,
        codes.BAD_IDNUMBER,
        'idnumber "' + "x" * 101 + '" is 101 characters long; Moodle allows 100',
    ),
    Case(
        "idnumber-conflict",
        edit(
            M1_YAML, "- page: concepts.md", "- page: concepts.md\n    idnumber: 01-basics/concepts"
        ),
        M1_YAML,
        11,
        15,
        codes.IDNUMBER_CONFLICT,
        'idnumber "01-basics/concepts" here, but the lesson\'s front matter says '
        '"01-basics/what-is-mlm"',
    ),
    Case(
        "duplicate-term",
        edit(
            "content_src/glossary.yaml",
            "  - term: Intraclass correlation",
            "  - term: multilevel Model",
        ),
        "content_src/glossary.yaml",
        6,
        11,
        codes.DUPLICATE_TERM,
        'glossary term "multilevel Model" is defined twice (first on line 2)',
        severity=Severity.WARNING,
    ),
    Case(
        "empty-module",
        write("content_src/modules/02-practice/module.yaml", "title: P\nsummary: S\nitems: []\n"),
        "content_src/modules/02-practice/module.yaml",
        3,
        8,
        codes.EMPTY_MODULE,
        'module "02-practice" has no items',
    ),
    Case(
        "bad-restriction-target",
        edit(
            "content_src/modules/02-practice/module.yaml",
            "completed: 01-basics/what-is-mlm",
            "completed: 01-basics/what-is-mlmm",
        ),
        "content_src/modules/02-practice/module.yaml",
        5,
        14,
        codes.BAD_RESTRICTION,
        'restriction: no item has the idnumber "01-basics/what-is-mlmm"',
        'did you mean "01-basics/what-is-mlm"?',
    ),
    Case(
        "bad-restriction-grade-not-quiz",
        edit(
            M1_YAML,
            "grade: {quiz: 00-welcome/prerequisites, min: 50}",
            "grade: {quiz: 00-welcome/welcome, min: 50}",
        ),
        M1_YAML,
        5,
        17,
        codes.BAD_RESTRICTION,
        'restriction: "00-welcome/welcome" is not a quiz, so it has no grade',
    ),
    Case(
        "bad-restriction-same-section",
        edit(
            "content_src/modules/02-practice/module.yaml",
            "completed: 01-basics/what-is-mlm",
            "completed: 02-practice/practicals-r",
        ),
        "content_src/modules/02-practice/module.yaml",
        5,
        14,
        codes.BAD_RESTRICTION,
        'restriction: "02-practice/practicals-r" is in this same section, which would lock '
        "it for good",
    ),
    Case(
        "bad-reference",
        edit(COURSE, "  - 01-basics/basics", "  - 01-basics/basic"),
        COURSE,
        21,
        5,
        codes.BAD_REFERENCE,
        'course_completion: no item has the idnumber "01-basics/basic"',
        'did you mean "01-basics/basics"?',
    ),
    Case(
        "duplicate-module",
        edit(COURSE, "  - modules/02-practice", "  - modules/02-practice\n  - modules/01-basics"),
        COURSE,
        20,
        5,
        codes.DUPLICATE_MODULE,
        'module folder "modules/01-basics" is listed twice',
    ),
    Case(
        "bad-completion",
        edit(M1_YAML, "- page: concepts.md", "- page: concepts.md\n    completion: pass"),
        M1_YAML,
        11,
        17,
        codes.BAD_COMPLETION,
        'completion "pass" is not possible here; use one of none, manual, view',
    ),
    Case(
        "bad-completion-pass-without-pass-grade",
        edit("content_src/modules/00-welcome/module.yaml", "completion: grade", "completion: pass"),
        "content_src/modules/00-welcome/module.yaml",
        17,
        17,
        codes.BAD_COMPLETION,
        'completion "pass" is not possible here; use one of none, manual, view, grade',
        'completion "pass" needs "pass: <percent>"',
    ),
    Case(
        "bad-citation",
        edit(COURSE, '"{authors} ({year})', '"{author} ({year})'),
        COURSE,
        14,
        11,
        codes.BAD_CITATION,
        "citation template: unknown placeholder {author}",
        'did you mean "authors"?',
    ),
    Case(
        "bad-url",
        edit(M1_YAML, "- url: https://example.org/video", "- url: example.org/video"),
        M1_YAML,
        14,
        10,
        codes.BAD_URL,
        "url must be an absolute http(s) URL, not 'example.org/video'",
    ),
    Case(
        "control-character",
        edit(f"{M1}/concepts.md", "Text with tables", "Text\x07 with tables"),
        f"{M1}/concepts.md",
        6,
        5,
        codes.CONTROL_CHARACTER,
        "control character U+0007 in the text; Moodle cannot store it, so the backup drops "
        "or replaces it",
        "delete the invisible character (it usually comes from copy and paste)",
        Severity.WARNING,
    ),
    Case(
        "unknown-licence",
        edit(COURSE, "licence: CC-BY-NC-4.0", "licence: CC-BY-NC-40"),
        COURSE,
        9,
        10,
        codes.UNKNOWN_LICENCE,
        'licence "CC-BY-NC-40" is not one Moodle 4.5 knows; the backup would mark the course '
        "files as 'unknown' licence",
        'did you mean "CC-BY-NC-4.0"?',
        Severity.WARNING,
    ),
    Case(
        "broken-image",
        edit(f"{M1}/concepts.md", "(images/figure1.png)", "(images/figure2.png)"),
        f"{M1}/concepts.md",
        17,
        13,
        codes.BROKEN_LINK,
        'image target "images/figure2.png" does not exist',
    ),
    Case(
        "broken-link-in-label",
        edit(M1_YAML, "read the welcome page.", "read [the notes](notes.pdf)."),
        M1_YAML,
        9,
        46,
        codes.BROKEN_LINK,
        'link target "notes.pdf" does not exist',
    ),
    Case(
        "bad-asset-name",
        both(
            write(f"{M1}/data/a&b.csv", "x\n"),
            edit(f"{M1}/concepts.md", "(data/tutorial.csv)", "(data/a&b.csv)"),
        ),
        f"{M1}/concepts.md",
        19,
        21,
        codes.BAD_ASSET_NAME,
        'file name "a&b.csv" has characters Moodle removes from file names',
    ),
    Case(
        "lesson-link",
        edit(f"{M1}/concepts.md", "(data/tutorial.csv)", "(../00-welcome/welcome.md)"),
        f"{M1}/concepts.md",
        19,
        21,
        codes.LESSON_LINK,
        'link to the lesson "../00-welcome/welcome.md" will not work in Moodle',
        severity=Severity.WARNING,
    ),
    Case(
        "outside-project",
        edit(f"{M1}/concepts.md", "(data/tutorial.csv)", "(../../../../outside.csv)"),
        f"{M1}/concepts.md",
        19,
        21,
        codes.OUTSIDE_PROJECT,
        'link target "../../../../outside.csv" is outside the course project',
    ),
    Case(
        "local-file-unsupported",
        edit(M1_YAML, "  Learning aims: read", "  ![x](images/figure1.png) Learning aims: read"),
        M1_YAML,
        3,
        3,
        codes.LOCAL_FILE_UNSUPPORTED,
        "the summary of 01-basics links to local files (figure1.png); Moodle has no place "
        "for them here",
    ),
    Case(
        "math-in-table",
        edit(f"{M1}/concepts.md", "| 2     | school |", "| $|x|$ | school |"),
        f"{M1}/concepts.md",
        14,
        3,
        codes.MATH_IN_TABLE,
        "'|' inside math in a table row ends the table cell",
        severity=Severity.WARNING,
    ),
    Case(
        "unreferenced-file",
        write(f"{M1}/notes.txt", "draft\n"),
        f"{M1}/notes.txt",
        0,
        0,
        codes.UNREFERENCED_FILE,
        "file is not used by the course",
        severity=Severity.WARNING,
    ),
    Case(
        "unlisted-module",
        both(
            write("content_src/modules/03-extra/module.yaml", "title: X\n"),
            write("content_src/modules/03-extra/a.md", "x\n"),
        ),
        "content_src/modules/03-extra/module.yaml",
        0,
        0,
        codes.UNREFERENCED_FILE,
        'module folder "modules/03-extra" is not listed in course.yaml',
        severity=Severity.WARNING,
    ),
    Case(
        "not-utf8",
        write(f"{M1}/concepts.md", b"---\ntitle: x\n---\nCaf\xe9 au lait\n"),
        f"{M1}/concepts.md",
        4,
        4,
        codes.NOT_UTF8,
        "file is not UTF-8 (byte 0xe9 at offset 20)",
    ),
    Case(
        "bom-inside",
        edit(M1_YAML, "  - page: concepts.md", "  - page: \ufeffconcepts.md"),
        M1_YAML,
        10,
        11,
        codes.BOM_INSIDE,
        "byte-order mark (U+FEFF) inside the file",
    ),
    Case(
        "empty-quiz",
        write("gift_quizzes/basics.gift", "// nothing yet\n"),
        M1_YAML,
        17,
        11,
        codes.EMPTY_QUIZ,
        'GIFT file "gift_quizzes/basics.gift" has no questions Moodle would import',
    ),
    Case(
        "bad-mark",
        both(
            edit("gift_quizzes/basics.gift", "::clustered::", "// [id:clustered]\n::clustered::"),
            edit(M1_YAML, "    pass: 50\n", "    pass: 50\n    marks: {clustred: 2}\n"),
        ),
        M1_YAML,
        20,
        13,
        codes.BAD_MARK,
        'marks: no question in gift_quizzes/basics.gift has the id "clustred"',
        'did you mean "clustered"?',
    ),
    Case(
        "essay-needs-grading",
        write("gift_quizzes/basics.gift", "// [id:why]\n::Why::Why do pupils cluster? {}\n"),
        M1_YAML,
        17,
        11,
        codes.ESSAY_NEEDS_GRADING,
        'essay "Why" is worth 1: Moodle gives an attempt no grade until a teacher grades it, '
        "so learners cannot complete this quiz by its grade",
        "make it a reflection with `marks: {why: 0}`",
        Severity.WARNING,
    ),
    Case(
        "bad-field-shortname",
        append(COURSE, BACKGROUND.replace("shortname: sector", "shortname: work-sector")),
        COURSE,
        28,
        18,
        codes.BAD_FIELD_SHORTNAME,
        'background field "work-sector": a shortname may hold only letters, digits and _',
        "write it like study_background; it becomes the roster column profile_field_work_sector",
    ),
    Case(
        "duplicate-field",
        append(COURSE, BACKGROUND.replace("shortname: consent", "shortname: Sector")),
        COURSE,
        33,
        7,
        codes.DUPLICATE_FIELD,
        'course.yaml background: field "Sector" is declared twice (first on line 28)',
    ),
    Case(
        "bad-menu-options",
        append(COURSE, BACKGROUND.replace("default: Other", "default: other")),
        COURSE,
        32,
        16,
        codes.BAD_MENU_OPTIONS,
        "background field \"sector\": the default 'other' is not one of the options",
    ),
]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    return root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_diagnostic(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path)
    case.change(root)
    monkeypatch.chdir(root)  # paths are shown relative to the current directory
    result = load_course(Path("."))
    found = [d for d in result.diagnostics if d.code == case.code]
    expected = Diagnostic(
        case.path,
        case.line,
        case.column,
        case.severity,
        case.code,
        case.message,
        found[0].hint if (found and case.hint is None) else (case.hint or ""),
    )
    assert expected in found, "\n".join(str(d) for d in result.diagnostics)
    if case.severity is Severity.ERROR:
        assert result.course is None
    else:
        assert result.course is not None


def test_no_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = load_course(Path("."))
    assert result.course is None and result.root is None
    assert [(d.path, d.code, d.message) for d in result.diagnostics] == [
        (
            "content_src/course.yaml",
            codes.NO_PROJECT,
            "no course here: . has no content_src/course.yaml",
        )
    ]


def test_broken_module_file_does_not_cascade(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    edit(M1_YAML, "  - page: concepts.md", "\t- page: concepts.md")(root)
    result = load_course(root)
    assert [d.code for d in result.diagnostics] == [codes.YAML_SYNTAX]


def test_broken_front_matter_does_not_cascade(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    edit(f"{M1}/concepts.md", "completion: view", "completion: [view")(root)
    result = load_course(root)
    assert [d.code for d in result.diagnostics] == [codes.YAML_SYNTAX]


def test_every_lem_code_has_a_case() -> None:
    covered = {c.code for c in CASES} | {codes.NO_PROJECT}
    registered = {code for code in RULES if code.startswith("LEM")}
    assert registered == covered


def test_all_problems_reported_in_one_run(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    edit(M1_YAML, "restriction:", "restricton:")(root)
    edit(f"{M1}/concepts.md", "(images/figure1.png)", "(images/figure2.png)")(root)
    edit(COURSE, "category: Test courses\n", "")(root)
    result = load_course(root)
    assert {codes.UNKNOWN_KEY, codes.BROKEN_LINK, codes.MISSING_KEY} <= {
        d.code for d in result.diagnostics
    }
    assert result.course is None
