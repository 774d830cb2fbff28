"""`lemma preview`: the static site, read back with lxml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from lemma_pkg.cli import main
from lemma_pkg.render.preview import MARKER
from lemma_pkg.render.views import question_view

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "course"
    shutil.copytree(GOLDEN, root)
    monkeypatch.chdir(root)
    return root


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["preview", *args])
    return result.exit_code, result.stdout, result.stderr


def test_writes_site_and_prints_index(course: Path) -> None:
    code, out, err = _run("--out", "site", ".")
    assert code == 0, err
    assert out == "site/index.html\n"
    assert err == "preview: 8 pages, 3 files in site\n"
    site = course / "site"
    assert sorted(p.name for p in site.glob("*.html")) == [
        "00-welcome-prerequisites.html",
        "00-welcome-welcome.html",
        "01-basics-basics.html",
        "01-basics-glossary.html",
        "01-basics-what-is-mlm.html",
        "02-practice-practicals-r.html",
        "02-practice-practicals-stata.html",
        "index.html",
    ]
    assert (site / MARKER).is_file()
    assert (site / "style.css").is_file()


def test_default_out_is_project_preview_folder(course: Path) -> None:
    code, out, _ = _run()
    assert code == 0
    assert out == "preview/index.html\n"
    assert (course / "preview" / "index.html").is_file()


def test_lesson_page_assets_math_and_navigation(course: Path) -> None:
    assert _run("--out", "site", ".")[0] == 0
    site = course / "site"
    doc = lxml_html.parse(str(site / "01-basics-what-is-mlm.html")).getroot()
    assert doc.findtext(".//main/h1") == "What is multilevel modelling?"
    img = doc.xpath("//article//img")[0]
    assert img.get("src") == "01-basics-what-is-mlm/figure1.png"
    assert (site / "01-basics-what-is-mlm" / "figure1.png").read_bytes() == (
        GOLDEN / "content_src/modules/01-basics/images/figure1.png"
    ).read_bytes()
    link = doc.xpath("//article//a[text()='Download the data']")[0]
    assert link.get("href") == "01-basics-what-is-mlm/tutorial.csv"
    math = doc.xpath("//article//div[@class='math']")[0].text
    assert math == "\\[\n\\hat\\beta = (X^\\top X)^{-1} X^\\top y\n\\]"
    script = doc.xpath("//script[@id='MathJax-script']")[0]
    assert script.get("src") == "https://cdn.example.org/mathjax/tex-chtml.js"
    nav = [(a.text, a.get("href")) for a in doc.xpath("//nav//details[@open]//li/a")]
    assert nav[0] == ("What is multilevel modelling?", "01-basics-what-is-mlm.html")
    assert ("Tutorial data set", "files/01-basics-tutorial/tutorial.csv") in nav
    assert [s.text for s in doc.xpath("//nav//summary/a")] == [
        "Welcome",
        "Module 1: Basics",
        "Module 2: Practice",
    ]


def test_index_lists_sections_labels_restrictions_and_citations(course: Path) -> None:
    assert _run("--out", "site", ".")[0] == 0
    doc = lxml_html.parse(str(course / "site" / "index.html")).getroot()
    sections = doc.xpath("//main/section")
    assert [s.get("id") for s in sections] == ["section-0", "section-1", "section-2"]
    label = sections[1].xpath(".//li[@class='label']")[0]
    assert label.text_content().strip() == "Before you start: read the welcome page."
    restriction = sections[1].xpath(".//p[contains(@class,'restriction')]")[0]
    assert " ".join(restriction.text_content().split()) == (
        "Recommended first: a grade of at least 50% in 00-welcome/prerequisites"
    )
    assert sections[1].xpath(".//p[@class='citation']")[0].text == (
        "Cite as: Ada Lovelace and Centre for Multilevel Modelling (2026). Module 1: Basics. "
        "In Small course: multilevel basics. https://example.org/small"
    )


def test_quiz_page_shows_questions_answers_and_bands(course: Path) -> None:
    assert _run("--out", "site", ".")[0] == 0
    doc = lxml_html.parse(str(course / "site" / "00-welcome-prerequisites.html")).getroot()
    names = [
        p.text.strip() for p in doc.xpath("//li[contains(@class,'question')]/p[@class='qname']")
    ]
    assert names == ["mean", "regression"]
    correct = doc.xpath("//li[contains(@class,'qtype-multichoice')]//li[@class='correct']")[0]
    assert correct.text.strip().startswith("slope")
    bands = [dt.text for dt in doc.xpath("//dl[@class='bands']/dt")]
    assert bands == ["80% and above", "0% and above"]


def test_mathjax_url_option_wins(course: Path) -> None:
    assert _run("--out", "site", "--mathjax-url", "/local/mathjax.js", ".")[0] == 0
    doc = lxml_html.parse(str(course / "site" / "index.html")).getroot()
    assert doc.xpath("//script[@id='MathJax-script']")[0].get("src") == "/local/mathjax.js"


def test_text_is_escaped(course: Path) -> None:
    mod = course / "content_src/modules/01-basics/module.yaml"
    mod.write_text(
        mod.read_text(encoding="utf-8").replace(
            'title: "Module 1: Basics"', 'title: "Module 1: <script>alert(1)</script>"'
        ),
        encoding="utf-8",
    )
    assert _run("--out", "site", ".")[0] == 0
    index = (course / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def test_errors_write_nothing(course: Path) -> None:
    lesson = course / "content_src/modules/01-basics/concepts.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("figure1", "figure9"))
    code, out, err = _run("--out", "site", ".")
    assert code == 1
    assert out == ""
    assert err.startswith(
        "content_src/modules/01-basics/concepts.md:17:13: error[LEM030]: "
        'image target "images/figure9.png" does not exist\n'
    )
    assert err.endswith("1 error\n")
    assert not (course / "site").exists()


def test_replaces_its_own_output_but_not_other_folders(course: Path) -> None:
    assert _run("--out", "site", ".")[0] == 0
    (course / "site" / "old.html").write_text("stale")
    assert _run("--out", "site", ".")[0] == 0
    assert not (course / "site" / "old.html").exists()
    other = course / "mine"
    other.mkdir()
    (other / "keep.txt").write_text("precious")
    code, out, err = _run("--out", "mine", ".")
    assert (code, out) == (1, "")
    assert err == (
        "error: refusing to replace mine: it is not empty and was not written by `lemma preview`\n"
        "  hint: choose an empty or new folder with --out\n"
    )
    assert (other / "keep.txt").read_text() == "precious"


def test_refuses_to_write_into_the_sources(course: Path) -> None:
    code, out, err = _run("--out", "content_src/site", ".")
    assert (code, out) == (1, "")
    assert err == (
        "error: refusing to write the preview inside content_src/: content_src/site\n"
        "  hint: choose a folder outside the course sources with --out\n"
    )
    assert not (course / "content_src" / "site").exists()


def test_preview_is_deterministic(course: Path) -> None:
    assert _run("--out", "a", ".")[0] == 0
    assert _run("--out", "b", ".")[0] == 0
    files_a = sorted(p.relative_to(course / "a") for p in (course / "a").rglob("*"))
    files_b = sorted(p.relative_to(course / "b") for p in (course / "b").rglob("*"))
    assert files_a == files_b
    for rel in files_a:
        if (course / "a" / rel).is_file():
            assert (course / "a" / rel).read_bytes() == (course / "b" / rel).read_bytes()


def test_question_views_cover_moodle_qtypes() -> None:
    rich = {"text": "fb", "format": "0", "files": []}
    tf = question_view(
        {
            "qtype": "truefalse",
            "name": "t",
            "questiontext": "Is it?",
            "questiontextformat": "0",
            "correctanswer": 0,
            "feedbacktrue": rich,
            "feedbackfalse": {"text": "", "format": "0", "files": []},
        }
    )
    assert tf is not None
    assert [(str(c.text_html), c.correct) for c in tf.choices] == [("True", False), ("False", True)]
    num = question_view(
        {
            "qtype": "numerical",
            "name": "n",
            "questiontext": "x",
            "answer": ["4", "*"],
            "tolerance": ["0.5", "0"],
            "fraction": [1, 0],
            "feedback": [rich, rich],
        }
    )
    assert num is not None
    assert [str(c.text_html) for c in num.choices] == ["4 ± 0.5", "*"]
    match = question_view(
        {
            "qtype": "match",
            "name": "m",
            "questiontext": "x",
            "subquestions": [{"text": "a", "format": "0"}, {"text": "", "format": "0"}],
            "subanswers": ["1", "2"],
        }
    )
    assert match is not None
    assert [str(c.text_html) for c in match.choices] == ["a → 1", "2"]
    plain = question_view(
        {"qtype": "description", "name": "d", "questiontext": "a<b", "questiontextformat": "2"}
    )
    assert plain is not None and str(plain.text_html) == "a&lt;b"
    assert question_view({"qtype": "category", "category": "$course$/top/x"}) is None


def test_unwritable_out_is_an_error_not_a_crash(course: Path) -> None:
    (course / "afile").write_text("not a folder\n")
    code, out, err = _run("--out", "afile/site", ".")
    assert (code, out) == (1, "")
    assert "internal error" not in err
    assert err.startswith("error: cannot write the preview to afile/site: ")
    assert err.endswith(
        "  hint: check that the folder can be created and is writable (and the disk is not "
        "full), or choose another with --out\n"
    )
    assert (course / "afile").read_text() == "not a folder\n"
