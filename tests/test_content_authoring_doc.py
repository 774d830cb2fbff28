"""The complete example of the README's authoring guide is a course that validates and previews.

Code blocks preceded by ``<!-- file: PATH -->`` are written to PATH; the few files the
guide only mentions (the welcome module, the practical pages, GIFT files, the image and
the data set) are added here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.content.loader import load_course

DOC = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<body>.*?)\n```", re.S)

EXTRA = {
    "content_src/modules/00-welcome/module.yaml": (
        "title: Welcome\nsummary: Start here.\nitems:\n  - page: welcome.md\n"
        "  - quiz: prerequisites.gift\n    title: Prerequisites quiz\n"
    ),
    "content_src/modules/00-welcome/welcome.md": "---\ntitle: Welcome\n---\nHello.\n",
    "content_src/modules/01-regression/practicals/r.md": "---\ntitle: R\n---\nUse `lm()`.\n",
    "content_src/modules/01-regression/practicals/stata.md": "---\ntitle: S\n---\nUse `regress`.\n",
    "content_src/modules/01-regression/data/schools.csv": "school,score\n1,0.5\n",
    "gift_quizzes/prerequisites.gift": "::m::Mean of 2 and 4? {#3#Add, then halve.}\n",
    "gift_quizzes/regression.gift": "::s::A slope is a rate of change. {T#It is.#It is.}\n",
}


def test_guide_has_the_example_blocks() -> None:
    paths = [m["path"] for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]
    assert paths == [
        "content_src/course.yaml",
        "content_src/modules/01-regression/module.yaml",
        "content_src/modules/01-regression/concepts.md",
        "content_src/glossary.yaml",
    ]


def test_guide_example_validates_and_has_the_documented_idnumbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = dict(EXTRA)
    for m in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        files[m["path"]] = m["body"] + "\n"
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "content_src/modules/01-regression/images").mkdir()
    (tmp_path / "content_src/modules/01-regression/images/scatter.png").write_bytes(b"\x89PNG")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--strict", "."])
    assert result.exit_code == 0, result.stdout
    course = load_course(tmp_path).course
    assert course is not None
    assert [i.idnumber for i in course.sections[1].items] == [
        "01-regression/label-1",
        "01-regression/concepts",
        "01-regression/schools",
        "01-regression/overview-video",
        "01-regression/practicals",
        "01-regression/practicals-r",
        "01-regression/practicals-stata",
        "01-regression/regression",
        "01-regression/glossary",
    ]
    assert course.sections[1].citation == (
        "Ada Lovelace and Centre for Multilevel Modelling (2027). Module 1: Regression. In "
        "Introduction to statistics. https://example.org/introstats"
    )
