"""The edits of the ``lemma deploy --update`` scenario, made to a copy of the bundled course.

Shared by ``tests/test_update_scenario.py`` (against the fake Moodle) and
``tests/lab_update_scenario.py`` (against a real Moodle 4.5), so both check the same change:

1. a lesson's text changes (Module 1 overview);
2. a question's answer is fixed (Module 1 quiz, ``m1-03``: new text, answer True);
3. a page is added to Module 1, with view completion;
4. a label is removed (the Module 3 practical becomes three plain pages: same idnumbers);
5. a module's items are reordered (Module 5: concepts before overview).
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LESSON = "01-using-quantitative-data/overview"
QUIZ = "module1-quiz"
QUESTION = "m1-03"
NEW_PAGE = "01-using-quantitative-data/further-reading"
LABEL = "03-multiple-regression/practicals"
OLD_QUESTION_TEXT = (
    "An observational study finds that pupils in smaller classes have higher exam scores, on "
    "average. This shows that reducing class sizes would raise exam scores."
)
NEW_QUESTION_TEXT = (
    "An observational study finds that pupils in smaller classes have higher exam scores, on "
    "average. On its own, this does not show that reducing class sizes would raise exam scores."
)
LESSON_SENTENCE = "This sentence was added by the update scenario."


def copy_course(dst: Path) -> Path:
    """A copy of the bundled course's sources in ``dst``."""
    for name in ("content_src", "gift_quizzes"):
        shutil.copytree(ROOT / name, dst / name)
    return dst


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: {old[:60]!r} not found"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_course(root: Path) -> None:
    """The five edits, in place."""
    modules = root / "content_src" / "modules"
    # 1. a lesson's text
    _replace(
        modules / "01-using-quantitative-data" / "overview.md",
        "## Populations and samples\n",
        f"{LESSON_SENTENCE}\n\n## Populations and samples\n",
    )
    # 2. a question's answer (and its text) fixed
    _replace(
        root / "gift_quizzes" / "module1.gift",
        f"{OLD_QUESTION_TEXT}\n{{F#",
        f"{NEW_QUESTION_TEXT}\n{{T#",
    )
    # 3. a page added
    (modules / "01-using-quantitative-data" / "further-reading.md").write_text(
        '---\ntitle: "Module 1 further reading"\n---\nRead the survey design chapter of '
        "any introductory social statistics text.\n",
        encoding="utf-8",
    )
    _replace(
        modules / "01-using-quantitative-data" / "module.yaml",
        "  - page: overview.md\n",
        "  - page: overview.md\n  - page: further-reading.md\n",
    )
    # 4. a label removed: the practical's variants become plain pages
    module3 = modules / "03-multiple-regression" / "module.yaml"
    text = module3.read_text(encoding="utf-8")
    start = text.index("  - practical: practicals\n")
    end = text.index("  - quiz: module3.gift\n")
    pages = "".join(
        f"  - page: practicals/{stem}.md\n"
        f"    idnumber: 03-multiple-regression/practicals-{stem}\n"
        f'    title: "Practical: multiple regression ({package})"\n'
        for stem, package in (("mlwin", "MLwiN"), ("r", "R"), ("stata", "Stata"))
    )
    module3.write_text(text[:start] + pages + text[end:], encoding="utf-8")
    # 5. a module's items reordered
    _replace(
        modules / "05-multilevel-modelling" / "module.yaml",
        "  - page: overview.md\n  - page: concepts.md\n",
        "  - page: concepts.md\n  - page: overview.md\n",
    )
