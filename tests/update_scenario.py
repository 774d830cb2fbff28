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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lemma_pkg.content.model import Course
    from tests.learners import Learner

# The course the scenario edits: a frozen copy of the bundled LEMMA course as it was when
# the scenario was written (its five edits name its files), so that rewriting the bundled
# course does not break the scenario.
COURSE = Path(__file__).resolve().parent / "fixtures" / "course_live"

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


def questions(course: Course, idnumber: str) -> list[dict[str, Any]]:
    """The built questions of a quiz (Moodle's importer objects)."""
    item = course.item(idnumber)
    assert item is not None and hasattr(item, "questions")
    return list(item.questions)


def learn(
    learner1: Learner,
    learner2: Learner,
    instances: dict[str, int],
    course: Course,
    tick: Callable[[], None] = lambda: None,
) -> dict[str, int]:
    """What the two learners do before the update (``instances``: idnumber -> page or quiz
    id): learner1 views three pages, passes the Module 1 quiz (5/5) and the prerequisites
    quiz; learner2 views a page, fails the Module 1 quiz (1/5: only slot 3 right) and leaves
    a second attempt in progress. ``tick`` is called between actions (the fake's clock).
    Returns the attempt ids."""
    for idnumber in ("00-welcome/welcome", LESSON, "05-multilevel-modelling/overview"):
        tick()
        learner1.view_page(instances[idnumber])
    tick()
    learner2.view_page(instances[LESSON])
    quiz1, prereq = instances[QUIZ], instances["prerequisites"]
    attempts = {}
    tick()
    attempts["l1-quiz1"] = learner1.attempt(quiz1, questions(course, QUIZ), right={1, 2, 3, 4, 5})
    tick()
    attempts["l1-prereq"] = learner1.attempt(
        prereq, questions(course, "prerequisites"), right=set(range(1, 11))
    )
    tick()
    attempts["l2-quiz1"] = learner2.attempt(quiz1, questions(course, QUIZ), right={3})
    tick()
    attempts["l2-open"] = int(learner2.start(quiz1)["id"])
    return attempts


def copy_course(dst: Path) -> Path:
    """A copy of the scenario's course sources (:data:`COURSE`) in ``dst``."""
    for name in ("content_src", "gift_quizzes"):
        shutil.copytree(COURSE / name, dst / name)
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


# --------------------------------------------------------------------------- more edits

DATA_FILE = "03-multiple-regression/exam-scores"
GLOSSARY = "glossary"
NEW_URL = "02-quantitative-data-analysis/further-resources"
NEW_TERM = "Design effect"
QUIZ2 = "module2-quiz"
SECTION2_TITLE = "Module 2: Quantitative data analysis"


def edit_course_more(root: Path) -> None:
    """Further edits on top of :func:`edit_course`, one of every other kind: a data file
    replaced, a glossary definition changed and an entry added, a URL added, a module
    renamed, a section restriction added, course completion extended, quiz settings and
    feedback changed, a practical's label text changed, a question added to a quiz nobody
    has attempted."""
    modules = root / "content_src" / "modules"
    csv = modules / "03-multiple-regression" / "data" / "exam-scores.csv"
    _replace(csv, "1,-0.691,1,0.521,1,3\n", "1,-0.690,1,0.521,1,3\n")
    glossary = root / "content_src" / "glossary.yaml"
    _replace(
        glossary, "One layer of a hierarchical structure.", "One layer of a multilevel structure."
    )
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + f"  - term: {NEW_TERM}\n    definition: |\n      How much clustering inflates the "
        "variance of an estimate, compared with a simple random sample of the same size.\n",
        encoding="utf-8",
    )
    module2 = modules / "02-quantitative-data-analysis" / "module.yaml"
    _replace(
        module2,
        'title: "Module 2: Introduction to quantitative data analysis"',
        f'title: "{SECTION2_TITLE}"',
    )
    _replace(
        module2,
        "  - page: overview.md\n",
        "  - page: overview.md\n  - url: https://www.bristol.ac.uk/cmm/learning/\n"
        "    idnumber: 02-quantitative-data-analysis/further-resources\n"
        '    title: "Further resources"\n',
    )
    _replace(module2, "      - min: 50\n", "      - min: 60\n")
    _replace(module2, "    pass: 50\n", "    pass: 60\n")
    _replace(module2, '"Well done: go on to Module 3."', '"Well done: on to Module 3."')
    module4 = modules / "04-multilevel-structures" / "module.yaml"
    _replace(
        module4,
        "summary: |\n",
        "restriction:\n  grade: {quiz: module3-quiz, min: 50}\nsummary: |\n",
    )
    course_yaml = root / "content_src" / "course.yaml"
    _replace(course_yaml, "  - module1-quiz\n", f"  - module1-quiz\n  - {NEW_PAGE}\n")
    module5 = modules / "05-multilevel-modelling" / "module.yaml"
    _replace(
        module5,
        "Choose the version for the software you use;",
        "Pick the version for your software;",
    )
    gift = root / "gift_quizzes" / "module2.gift"
    gift.write_text(
        gift.read_text(encoding="utf-8")
        + "\n// [id:m2-extra]\n::Extra question::\nA standard deviation can be negative."
        "{F#It is the square root of a variance, so it is never negative.#Right: never "
        "negative.}\n",
        encoding="utf-8",
    )
