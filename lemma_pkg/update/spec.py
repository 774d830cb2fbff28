"""What the built course says each item, section and question should be, with fingerprints.

``lemma deploy --update`` compares this with what the site has. The values come from the
backup writer (:class:`~lemma_pkg.mbz.writer.BackupWriter`), so an update sends exactly what
a fresh restore of the same build would create: the same HTML (download links forced), the
same files, the same completion fields, the same quiz settings.

Every item is split into *aspects* (name, text, files, settings, completion, visibility,
questions, entries), each with a fingerprint: the first 16 hex digits of the SHA-256 of its
canonical JSON. The companion plugin stores the fingerprints lemma last applied to a course
(table ``local_lemma_applied``); an aspect whose fingerprint differs is what the update
changes. Fingerprints depend only on the sources, never on the build time or the site.

Questions are matched by their GIFT idnumber (``// [id:...]``) and carry the GIFT text of
their block, which the plugin parses with Moodle's own ``qformat_gift``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lemma_pkg.content.model import (
    Course,
    DataFile,
    Glossary,
    Label,
    Page,
    Quiz,
    Restriction,
    Url,
)
from lemma_pkg.errors import BuildError
from lemma_pkg.gift import parse_file
from lemma_pkg.mbz.writer import (
    GRADE_METHODS,
    Activity,
    BackupWriter,
    Completion,
    force_download_links,
    resolve_completion,
    section_summary_html,
    shows_description,
)

#: Aspects an item can differ in, in the order the plan lists them.
ITEM_ASPECTS = (
    "name",
    "text",
    "files",
    "settings",
    "questions",
    "entries",
    "completion",
    "visibility",
)
SECTION_ASPECTS = ("name", "summary")


def fingerprint(value: Any) -> str:
    """First 16 hex digits of the SHA-256 of ``value`` as canonical JSON."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class FileSpec:
    """A file of an item's file area (``filepath`` starts and ends with ``/``)."""

    filepath: str
    filename: str
    sha1: str
    data: bytes = field(repr=False, compare=False)


@dataclass(frozen=True)
class QuestionSpec:
    """A quiz question: its bank entry idnumber, GIFT text and slot mark."""

    idnumber: str
    name: str
    gift: str
    maxmark: float
    fingerprint: str
    source: Path
    line: int


@dataclass(frozen=True)
class EntrySpec:
    """A glossary entry, matched by concept."""

    concept: str
    definition: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class FeedbackSpec:
    """A quiz feedback band on the grade scale: ``mingrade <= grade < maxgrade``."""

    text: str
    mingrade: float
    maxgrade: float


@dataclass(frozen=True)
class ItemSpec:
    """One activity as the build has it."""

    idnumber: str
    modname: str
    title: str
    section: int  # section number
    visible: bool
    intro: str
    content: str  # page content / label text ("" for others)
    externalurl: str
    filearea: str  # "" when the module keeps no files of lemma's
    files: tuple[FileSpec, ...]
    completion: Completion
    showdescription: bool
    settings: dict[str, Any]  # quiz settings (grade, attempts, ...), {} for others
    feedback: tuple[FeedbackSpec, ...]
    questions: tuple[QuestionSpec, ...]
    entries: tuple[EntrySpec, ...]
    aspects: dict[str, str]
    #: why the update cannot change this quiz's questions (file:line:column messages)
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class SectionSpec:
    number: int
    name: str
    summary: str
    restriction: Restriction | None
    items: tuple[str, ...]  # idnumbers in order
    aspects: dict[str, str]


@dataclass(frozen=True)
class CourseSpec:
    shortname: str
    sections: tuple[SectionSpec, ...]
    items: dict[str, ItemSpec]
    completion_requires: tuple[str, ...]


# --------------------------------------------------------------------------- questions


def quiz_question_specs(quiz: Quiz) -> tuple[tuple[QuestionSpec, ...], tuple[str, ...]]:
    """The quiz's questions with the GIFT text of their blocks, in slot order, and the
    problems that keep an update from changing them (``file:line:column: message``): a
    question without an idnumber, or two sharing one (an update finds a question on the site
    by its idnumber)."""
    doc = parse_file(quiz.gift)
    blocks = [b for b in doc.blocks if b.accepted and b.kind == "question"]
    questions = [q for q in quiz.questions if q.get("qtype") != "category"]
    if len(blocks) != len(questions):  # pragma: no cover - same parser, same file
        raise BuildError(f"{quiz.gift}: the file changed while it was read", "run again")
    out: list[QuestionSpec] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for position, (block, q) in enumerate(zip(blocks, questions, strict=True)):
        line = block.first_line
        idnumber = str(q.get("idnumber") or "")
        name = str(q.get("name") or "")
        where = f"{quiz.gift}:{line}:1"
        if not idnumber:
            problems.append(
                f"{where}: question {name!r} has no idnumber, and an update finds questions "
                "on the site by idnumber: add a comment line `// [id:SOMETHING-UNIQUE]` above it"
            )
        elif idnumber in seen:
            problems.append(
                f"{where}: idnumber {idnumber!r} is already used by the question on line "
                f"{seen[idnumber]}: give every question of the quiz its own `// [id:...]`"
            )
        seen.setdefault(idnumber, line)
        maxmark = (
            quiz.maxmarks[position]
            if position < len(quiz.maxmarks)
            else float(q.get("defaultmark") or 1.0)
        )
        out.append(
            QuestionSpec(
                idnumber=idnumber,
                name=name,
                gift="\n".join(block.block.lines),
                maxmark=float(maxmark),
                fingerprint=fingerprint(q),
                source=quiz.gift,
                line=line,
            )
        )
    return tuple(out), tuple(problems)


# --------------------------------------------------------------------------- items


def _files(act: Activity) -> tuple[FileSpec, ...]:
    return tuple(
        FileSpec(f.filepath, f.filename, f.contenthash, f.data)
        for f in sorted(act.files, key=lambda f: (f.filepath, f.filename))
        if f.data is not None
    )


def _item_spec(writer: BackupWriter, act: Activity) -> ItemSpec:
    item = act.item
    content = ""
    externalurl = ""
    filearea = ""
    settings: dict[str, Any] = {}
    feedback: tuple[FeedbackSpec, ...] = ()
    questions: tuple[QuestionSpec, ...] = ()
    problems: tuple[str, ...] = ()
    entries: tuple[EntrySpec, ...] = ()
    intro = item.intro_html
    if isinstance(item, Page):
        content = force_download_links(item.content_html, item.assets)
        filearea = "content"
    elif isinstance(item, Label):
        # A label's text is its intro (mod_label has no content field).
        intro = force_download_links(item.content_html, item.assets)
        filearea = "intro"
    elif isinstance(item, DataFile):
        filearea = "content"
    elif isinstance(item, Url):
        externalurl = item.url
    elif isinstance(item, Glossary):
        entries = tuple(
            EntrySpec(e.concept, e.definition_html, tuple(e.aliases)) for e in item.entries
        )
    elif isinstance(item, Quiz):
        gradepass = float(item.grade) * (item.pass_percent or 0.0) / 100.0
        settings = {
            "attempts": int(item.attempts),
            "grademethod": GRADE_METHODS[item.grade_method],
            "grade": float(item.grade),
            "gradepass": round(gradepass, 5),
            "questionsperpage": int(item.questions_per_page),
            "shuffleanswers": 1 if item.shuffle_answers else 0,
        }
        feedback = tuple(
            FeedbackSpec(text, low, high) for _, text, low, high in writer.feedback_bands(item)
        )
        questions, problems = quiz_question_specs(item)
    files = _files(act)
    completion = resolve_completion(item)
    showdescription = shows_description(item)
    aspects = {
        "name": fingerprint(item.title),
        "text": fingerprint([intro, content, externalurl, showdescription]),
        "completion": fingerprint(list(completion.__dict__.values())),
        "visibility": fingerprint(bool(item.visible)),
    }
    if filearea:
        aspects["files"] = fingerprint([[f.filepath, f.filename, f.sha1] for f in files])
    if isinstance(item, Quiz):
        aspects["settings"] = fingerprint(
            [settings, [[b.text, b.mingrade, b.maxgrade] for b in feedback]]
        )
        aspects["questions"] = fingerprint(
            [[q.idnumber, q.fingerprint, q.maxmark] for q in questions]
        )
    if isinstance(item, Glossary):
        aspects["entries"] = fingerprint([[e.concept, e.definition, e.aliases] for e in entries])
    return ItemSpec(
        idnumber=item.idnumber,
        modname=act.modname,
        title=item.title,
        section=act.section_number,
        visible=bool(item.visible),
        intro=intro,
        content=content,
        externalurl=externalurl,
        filearea=filearea,
        files=files,
        completion=completion,
        showdescription=showdescription,
        settings=settings,
        feedback=feedback,
        questions=questions,
        entries=entries,
        aspects=aspects,
        problems=problems,
    )


def course_spec(course: Course, epoch: int = 0) -> CourseSpec:
    """The update's view of ``course``: every section and item with its fingerprints."""
    writer = BackupWriter(course, epoch)
    writer.build()
    items: dict[str, ItemSpec] = {}
    sections: list[SectionSpec] = []
    for plan in writer.sections:
        for act in plan.activities:
            items[act.item.idnumber] = _item_spec(writer, act)
        section = plan.section
        name = section.title if section is not None and section.title else ""
        summary = section_summary_html(course, section) if section is not None else ""
        sections.append(
            SectionSpec(
                number=plan.number,
                name=name,
                summary=summary,
                restriction=section.restriction if section is not None else None,
                items=tuple(a.item.idnumber for a in plan.activities),
                aspects={"name": fingerprint(name), "summary": fingerprint(summary)},
            )
        )
    return CourseSpec(
        shortname=course.shortname,
        sections=tuple(sections),
        items=items,
        completion_requires=tuple(course.completion_requires),
    )


__all__ = [
    "ITEM_ASPECTS",
    "SECTION_ASPECTS",
    "CourseSpec",
    "EntrySpec",
    "FeedbackSpec",
    "FileSpec",
    "ItemSpec",
    "QuestionSpec",
    "SectionSpec",
    "course_spec",
    "fingerprint",
    "quiz_question_specs",
]
