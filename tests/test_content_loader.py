"""The loader on the golden small course: the model it builds, field by field."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from lemma_pkg.content.loader import DEFAULT_MATHJAX_URL, load_course
from lemma_pkg.content.model import DataFile, Glossary, Label, Page, Quiz, Url

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "small"
    shutil.copytree(GOLDEN, dest)
    return dest


def test_golden_course_loads_without_loader_diagnostics(course_dir: Path) -> None:
    result = load_course(course_dir)
    lem = [d for d in result.diagnostics if d.code.startswith("LEM")]
    assert lem == []
    assert result.course is not None
    assert result.root == course_dir.resolve()


def test_course_metadata(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    assert course.fullname == "Small course: multilevel basics"
    assert course.shortname == "SMALL101"
    assert course.idnumber == "small-101"
    assert course.category == "Test courses"
    assert course.startdate == int(dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp())
    assert course.authors == ("Ada Lovelace", "Centre for Multilevel Modelling")
    assert course.licence == "CC-BY-NC-4.0"
    assert course.completion_tracking is True
    assert course.completion_requires == ("01-basics/basics",)
    assert course.summary_html == (
        "<p>A <strong>small</strong> course used by the tests. It has every kind of item.</p>\n"
    )
    assert course.citation == (
        "Ada Lovelace and Centre for Multilevel Modelling (2026). "
        "Small course: multilevel basics. https://example.org/small"
    )


def test_sections_items_and_idnumbers_in_source_order(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    layout = [
        (s.number, s.slug, [(type(i).__name__, i.idnumber, i.completion) for i in s.items])
        for s in course.sections
    ]
    assert layout == [
        (
            0,
            "00-welcome",
            [("Page", "00-welcome/welcome", "view"), ("Quiz", "00-welcome/prerequisites", "grade")],
        ),
        (
            1,
            "01-basics",
            [
                ("Label", "01-basics/label-1", "none"),
                ("Page", "01-basics/what-is-mlm", "view"),
                ("DataFile", "01-basics/tutorial", "view"),
                ("Url", "01-basics/overview-video", "view"),
                ("Quiz", "01-basics/basics", "pass"),
                ("Glossary", "01-basics/glossary", "view"),
            ],
        ),
        (
            2,
            "02-practice",
            [
                ("Label", "02-practice/practicals", "none"),
                ("Page", "02-practice/practicals-r", "view"),
                ("Page", "02-practice/practicals-stata", "view"),
            ],
        ),
    ]


def test_section_citation_from_template(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    assert course.sections[1].citation == (
        "Ada Lovelace and Centre for Multilevel Modelling (2026). Module 1: Basics. "
        "In Small course: multilevel basics. https://example.org/small"
    )


def test_restrictions(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    r1 = course.sections[1].restriction
    assert r1 is not None
    assert (r1.kind, r1.target, r1.min_percent, r1.enforce) == (
        "grade",
        "00-welcome/prerequisites",
        50.0,
        False,
    )
    r2 = course.sections[2].restriction
    assert r2 is not None
    assert (r2.kind, r2.target, r2.min_percent, r2.enforce) == (
        "completion",
        "01-basics/what-is-mlm",
        None,
        True,
    )
    assert course.sections[0].restriction is None


def test_page_html_math_and_assets(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    page = course.item("01-basics/what-is-mlm")
    assert isinstance(page, Page)
    assert page.title == "What is multilevel modelling?"
    assert r"\(a_1 * b_2 = c_{ij}\)" in page.content_html
    assert "\\[\n\\hat\\beta = (X^\\top X)^{-1} X^\\top y\n\\]" in page.content_html
    assert '<img src="@@PLUGINFILE@@/figure1.png" alt="Figure 1" />' in page.content_html
    assert '<a href="@@PLUGINFILE@@/tutorial.csv">Download the data</a>' in page.content_html
    assert "<table>" in page.content_html and 'class="footnote-ref"' in page.content_html
    base = course_dir.resolve() / "content_src" / "modules" / "01-basics"
    assert [(a.name, a.source) for a in page.assets] == [
        ("figure1.png", base / "images" / "figure1.png"),
        ("tutorial.csv", base / "data" / "tutorial.csv"),
    ]
    assert page.span.path == base / "concepts.md"


def test_quiz_settings_and_feedback_bands(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    quiz = course.item("00-welcome/prerequisites")
    assert isinstance(quiz, Quiz)
    assert quiz.title == "Prerequisites quiz"
    assert quiz.gift == course_dir.resolve() / "gift_quizzes" / "prerequisites.gift"
    assert (quiz.attempts, quiz.grade_method, quiz.grade, quiz.pass_percent) == (
        0,
        "highest",
        10.0,
        None,
    )
    assert (quiz.questions_per_page, quiz.shuffle_answers) == (1, True)
    assert [(b.min_percent, b.text_html) for b in quiz.feedback_bands] == [
        (80.0, "<p>Go straight to <strong>Module 2</strong>.</p>\n"),
        (0.0, "<p>Start at Module 1.</p>\n"),
    ]
    assert quiz.intro_html == "<p>Find out where to start. Retake it as often as you like.</p>\n"
    basics = course.item("01-basics/basics")
    assert isinstance(basics, Quiz)
    assert (basics.pass_percent, basics.completion) == (50.0, "pass")


def test_quiz_questions_come_from_the_gift_reader(course_dir: Path) -> None:
    from lemma_pkg import gift

    course = load_course(course_dir).course
    assert course is not None
    quiz = course.item("00-welcome/prerequisites")
    assert isinstance(quiz, Quiz)
    assert list(quiz.questions) == gift.moodle_questions(quiz.gift)
    assert [q["name"] for q in quiz.questions if q["qtype"] != "category"] == [
        "mean",
        "regression",
    ]


def test_file_url_label_glossary(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    data = course.item("01-basics/tutorial")
    assert isinstance(data, DataFile)
    assert data.filename == "tutorial.csv"
    assert data.source.name == "tutorial.csv" and data.source.is_file()
    assert data.intro_html == "<p>Pupils in schools (CSV).</p>\n"
    url = course.item("01-basics/overview-video")
    assert isinstance(url, Url)
    assert url.url == "https://example.org/video"
    label = course.item("01-basics/label-1")
    assert isinstance(label, Label)
    assert label.title == "Before you start: read the welcome page."
    assert label.content_html == (
        "<p><strong>Before you start</strong>: read the welcome page.</p>\n"
    )
    glossary = course.item("01-basics/glossary")
    assert isinstance(glossary, Glossary)
    assert [(e.concept, e.aliases) for e in glossary.entries] == [
        ("Multilevel model", ("hierarchical linear model", "mixed model")),
        ("Intraclass correlation", ()),
    ]
    assert glossary.entries[1].definition_html == (
        "<p>The share of variance at level 2: "
        "\\(\\rho = \\sigma_u^2 / (\\sigma_u^2 + \\sigma_e^2)\\).</p>\n"
    )


def test_practical_becomes_label_and_one_page_per_variant(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    items = course.sections[2].items
    label = items[0]
    assert isinstance(label, Label)
    assert label.content_html == (
        "<h4>Practical: a first model</h4>\n<p>Choose the software you use.</p>\n"
    )
    pages = items[1:]
    assert [(p.title, getattr(p, "variant", None)) for p in pages] == [
        ("Practical: a first model (R)", "R"),
        ("Practical: a first model (Stata)", "Stata"),
    ]


def test_practical_folder_mode_takes_variant_from_front_matter(course_dir: Path) -> None:
    module = course_dir / "content_src" / "modules" / "02-practice"
    (module / "module.yaml").write_text(
        "title: P\nsummary: S\nitems:\n  - practical: practicals\n    title: Fit\n",
        encoding="utf-8",
    )
    (module / "practicals" / "stata.md").write_text(
        "---\ntitle: x\nvariant: Stata 18\n---\nText.\n", encoding="utf-8"
    )
    course = load_course(course_dir).course
    assert course is not None
    items = course.sections[2].items
    assert [(i.idnumber, i.title, getattr(i, "variant", None)) for i in items] == [
        ("02-practice/practicals", "Fit", None),
        ("02-practice/practicals-r", "Fit (r)", "r"),
        ("02-practice/practicals-stata-18", "Fit (Stata 18)", "Stata 18"),
    ]


def test_accepts_content_src_folder_itself(course_dir: Path) -> None:
    result = load_course(course_dir / "content_src")
    assert result.course is not None
    assert result.root == course_dir.resolve()


def test_settings_for_lint_and_preview(course_dir: Path) -> None:
    result = load_course(course_dir)
    assert result.lint.require_feedback is True
    assert result.mathjax_url == "https://cdn.example.org/mathjax/tex-chtml.js"
    course_yaml = course_dir / "content_src" / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    course_yaml.write_text(
        text.replace(
            "preview:\n  mathjax_url: https://cdn.example.org/mathjax/tex-chtml.js\n", ""
        ).replace("require_feedback: true", "require_feedback: false\n  disable: [GIFT101]"),
        encoding="utf-8",
    )
    result = load_course(course_dir)
    assert result.mathjax_url == DEFAULT_MATHJAX_URL
    assert (result.lint.require_feedback, result.lint.disable) == (False, ("GIFT101",))


def test_completion_off_turns_every_item_off(course_dir: Path) -> None:
    course_yaml = course_dir / "content_src" / "course.yaml"
    text = course_yaml.read_text(encoding="utf-8")
    text = text.replace("completion: true", "completion: false")
    text = text.replace("course_completion:\n  - 01-basics/basics\n", "")
    course_yaml.write_text(text, encoding="utf-8")
    # the enforced completion restriction of module 2 needs tracking: make it a recommendation
    mod2 = course_dir / "content_src" / "modules" / "02-practice" / "module.yaml"
    mod2.write_text(
        mod2.read_text(encoding="utf-8").replace(
            "  completed: 01-basics/what-is-mlm\n",
            "  completed: 01-basics/what-is-mlm\n  mode: recommend\n",
        ),
        encoding="utf-8",
    )
    result = load_course(course_dir)
    assert [d for d in result.diagnostics if d.code.startswith("LEM")] == []
    assert result.course is not None
    assert {i.completion for i in result.course.items()} == {"none"}
    assert result.course.completion_tracking is False


def test_source_files_are_the_files_used(course_dir: Path) -> None:
    course = load_course(course_dir).course
    assert course is not None
    root = course_dir.resolve()
    names = {p.relative_to(root).as_posix() for p in course.source_files()}
    assert "content_src/modules/01-basics/concepts.md" in names
    assert "content_src/modules/01-basics/images/figure1.png" in names
    assert "content_src/modules/01-basics/data/tutorial.csv" in names
    assert "gift_quizzes/basics.gift" in names


def test_loading_is_deterministic(course_dir: Path) -> None:
    assert load_course(course_dir).course == load_course(course_dir).course
