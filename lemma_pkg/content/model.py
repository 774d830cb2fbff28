"""The course model: frozen dataclasses, no I/O.

The loader (:mod:`lemma_pkg.content.loader`) builds a :class:`Course` from ``content_src/``
and ``gift_quizzes/``; the preview renderer and the backup writer (:mod:`lemma_pkg.mbz`)
only read it. Text meant for Moodle is already rendered HTML (fields named ``*_html``);
Markdown sources stay on disk.

Order is explicit everywhere: sections and items keep the order the sources give.
Every item has an ``idnumber`` unique across the course (explicit, or derived from its
path); the backup writer derives its stable numeric ids from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

# How an activity counts as complete. ``none``: no tracking; ``manual``: the learner ticks it;
# ``view``: on view; ``grade``: on receiving a grade; ``pass``: on reaching the pass grade.
CompletionMode = Literal["none", "manual", "view", "grade", "pass"]

GradeMethod = Literal["highest", "average", "first", "last"]


@dataclass(frozen=True)
class SourceSpan:
    """Where something was written: file, 1-based line and column (0 = whole file)."""

    path: Path
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Asset:
    """A local file referenced from rendered HTML (image, linked data file).

    ``name`` is the file name inside the activity's file area; the HTML refers to it as
    ``@@PLUGINFILE@@/<name>`` (URL-quoted). ``source`` is the file on disk.
    """

    name: str
    source: Path


@dataclass(frozen=True)
class Restriction:
    """Access to a section (module) depends on another item.

    ``kind`` ``completion``: item ``target`` must be complete.
    ``kind`` ``grade``: quiz ``target`` must be graded at least ``min_percent`` (0-100).
    ``enforce`` False means the condition is shown as a recommendation in the section
    summary only, and Moodle does not lock anything.
    """

    kind: Literal["completion", "grade"]
    target: str  # idnumber of an item in this course
    min_percent: float | None = None
    enforce: bool = True
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Item:
    """Common fields of every activity in a section."""

    idnumber: str
    title: str
    span: SourceSpan
    intro_html: str = ""
    completion: CompletionMode = "none"
    visible: bool = True


@dataclass(frozen=True)
class Page(Item):
    """A lesson: Markdown rendered to HTML (``mod_page``).

    ``variant`` names the statistics package of a practical variant (``"R"``, ``"Stata"``,
    ``"MLwiN"``…) or is None for software-neutral pages.
    """

    content_html: str = ""
    assets: tuple[Asset, ...] = ()
    variant: str | None = None


@dataclass(frozen=True)
class FeedbackBand:
    """Overall feedback for grades in [min_percent, next band's min_percent)."""

    min_percent: float
    text_html: str


@dataclass(frozen=True)
class Quiz(Item):
    """A quiz (``mod_quiz``) with its own question bank built from one GIFT file.

    ``questions`` are Moodle question objects exactly as Moodle's GIFT importer builds them
    (see :func:`lemma_pkg.gift.moodle_questions`), in file order; ``category`` entries are
    included as they appear. ``attempts`` 0 means unlimited. ``grade`` is the maximum grade
    shown to learners; ``pass_percent`` the pass grade as a percentage of it (None: no pass
    grade). ``maxmarks`` gives per-question marks by position (default: the question's
    defaultmark).
    """

    gift: Path = Path()
    questions: tuple[dict[str, Any], ...] = ()
    attempts: int = 0
    grade_method: GradeMethod = "highest"
    grade: float = 10.0
    pass_percent: float | None = None
    feedback_bands: tuple[FeedbackBand, ...] = ()
    questions_per_page: int = 1
    shuffle_answers: bool = True
    maxmarks: tuple[float, ...] = ()


@dataclass(frozen=True)
class DataFile(Item):
    """A data set learners download (``mod_resource``, always forced to download)."""

    source: Path = Path()
    filename: str = ""


@dataclass(frozen=True)
class Url(Item):
    """A link, e.g. an overview video (``mod_url``)."""

    url: str = ""


@dataclass(frozen=True)
class Label(Item):
    """Text shown on the course page (``mod_label``)."""

    content_html: str = ""
    assets: tuple[Asset, ...] = ()


@dataclass(frozen=True)
class GlossaryEntry:
    concept: str
    definition_html: str
    aliases: tuple[str, ...] = ()
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Glossary(Item):
    """A glossary (``mod_glossary``) whose entries travel inside the backup."""

    entries: tuple[GlossaryEntry, ...] = ()


AnyItem = Page | Quiz | DataFile | Url | Label | Glossary


@dataclass(frozen=True)
class Section:
    """A course section. Section 0 is the welcome section; modules are sections 1..n.

    ``number`` is the module number shown to learners (0 for the welcome section).
    """

    number: int
    slug: str
    title: str
    summary_html: str
    span: SourceSpan
    items: tuple[AnyItem, ...] = ()
    restriction: Restriction | None = None
    citation: str = ""


BackgroundType = Literal["menu", "text", "checkbox", "date"]

# Who may see a background field's value in Moodle (PROFILE_VISIBLE_*): "private" is the
# learner and those with moodle/user:viewalldetails (administrators, the researchers' role).
Visibility = Literal["private", "teachers", "everyone", "nobody"]


@dataclass(frozen=True)
class BackgroundField:
    """A piece of registration background the course asks learners for.

    In Moodle it is a custom user profile field; rosters give it in the column
    ``profile_field_<shortname>`` and research exports key it by ``shortname``, so a
    shortname, once used, never changes. ``required`` means every new learner of a roster
    must have a value (lemma enrol checks it; Moodle's own "required" flag is never set, see
    docs/enrol.md). ``options`` are a menu's choices, matched exactly; ``default`` is the
    value Moodle shows and stores when none is given (a checkbox's is "0" or "1").
    """

    shortname: str
    name: str
    type: BackgroundType
    required: bool = False
    options: tuple[str, ...] = ()
    default: str = ""
    description: str = ""
    visible: Visibility = "private"
    locked: bool = False
    max_length: int = 2048  # text
    start_year: int = 1900  # date
    end_year: int = 2050  # date
    span: SourceSpan | None = None


@dataclass(frozen=True)
class Background:
    """The registration background of a course: profile fields in one Moodle category."""

    category: str
    fields: tuple[BackgroundField, ...] = ()


@dataclass(frozen=True)
class Course:
    fullname: str
    shortname: str
    idnumber: str
    category: str
    summary_html: str
    startdate: int  # Unix time, UTC
    root: Path  # the project folder (holding content_src/ and gift_quizzes/)
    format: str = "topics"
    language: str = "en"
    licence: str = "CC-BY-NC-4.0"
    authors: tuple[str, ...] = ()
    citation: str = ""
    completion_tracking: bool = True
    sections: tuple[Section, ...] = ()
    # Course completion: idnumbers of the items that must be complete (empty: no criteria).
    completion_requires: tuple[str, ...] = field(default_factory=tuple)
    # The registration background learners give (custom profile fields), if any.
    background: Background | None = None

    def items(self) -> list[AnyItem]:
        """Every item of every section, in course order."""
        return [item for section in self.sections for item in section.items]

    def item(self, idnumber: str) -> AnyItem | None:
        for it in self.items():
            if it.idnumber == idnumber:
                return it
        return None

    def source_files(self) -> list[Path]:
        """Every file the course is built from (for determinism and change detection)."""
        files: set[Path] = set()
        for section in self.sections:
            files.add(section.span.path)
            for it in section.items:
                files.add(it.span.path)
                if isinstance(it, Quiz):
                    files.add(it.gift)
                elif isinstance(it, DataFile):
                    files.add(it.source)
                elif isinstance(it, Page | Label):
                    files.update(a.source for a in it.assets)
        return sorted(files)
