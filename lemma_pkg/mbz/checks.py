"""Checks the backup writer makes on a loaded course before writing anything (``MBZ0xx``).

``lemma validate`` and ``lemma build`` report these with the loader's diagnostics. Errors
are things Moodle's restore would fail on (values longer than their database column, names
it cannot store); warnings are things that restore but behave differently from what the
source asks (a completion rule the module cannot track, a data-set extension Moodle does not
know and so serves as text).
"""

from __future__ import annotations

import re

from lemma_pkg.content.model import (
    AnyItem,
    Course,
    DataFile,
    Glossary,
    Label,
    Page,
    Quiz,
    SourceSpan,
)
from lemma_pkg.diagnostics import Diagnostic, Diagnostics, Severity, display_path, register_rule
from lemma_pkg.mbz import mimetypes
from lemma_pkg.mbz.questions import SUPPORTED_QTYPES

E = Severity.ERROR
W = Severity.WARNING


def _rule(code: str, name: str, severity: Severity, summary: str, help: str = "") -> str:
    register_rule(code, name, severity, summary, help)
    return code


UNKNOWN_EXTENSION = _rule(
    "MBZ001",
    "unknown-data-extension",
    W,
    "A data file's extension is not one Moodle 4.5 knows, so Moodle stores it as text (or "
    "whatever it sniffs) and direct links open it in the browser.",
    "The activity link still downloads it (display is always 'force download'). Register the "
    "extension on the site (Site administration > Server > File types) to fix direct links.",
)
COMPLETION_FALLBACK = _rule(
    "MBZ002",
    "completion-not-trackable",
    W,
    "The item's completion rule is one its Moodle module cannot track; the backup uses the "
    "nearest rule it can.",
)
TOO_LONG = _rule(
    "MBZ003",
    "value-too-long",
    E,
    "A name or idnumber is longer than Moodle's database column; restore would fail.",
)
BAD_FILENAME = _rule(
    "MBZ004",
    "bad-file-name",
    E,
    "A file name Moodle cannot store (empty, '.', or containing control characters or "
    '/ \\ : * ? " < > |).',
)
BAD_REFERENCE = _rule(
    "MBZ005",
    "bad-reference",
    E,
    "A restriction or course-completion rule names an item that does not exist or cannot "
    "be used that way.",
)
UNSUPPORTED_QTYPE = _rule(
    "MBZ006",
    "unsupported-question-type",
    E,
    "A quiz holds a question type the backup writer cannot write.",
)
COMPLETION_UNREACHABLE = _rule(
    "MBZ007",
    "completion-unreachable",
    W,
    "Course completion or a restriction depends on an item that has no completion tracking, "
    "so it can never be met.",
)

_BAD_FILE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def _where(span: SourceSpan | None, fallback: str) -> tuple[str, int, int]:
    if span is None:
        return fallback, 0, 0
    return display_path(span.path), span.line, span.column


def _filename_ok(name: str) -> bool:
    base = name.strip("/").rsplit("/", 1)[-1]
    return bool(base) and base not in (".", "..") and not _BAD_FILE.search(base)


def _item_checks(item: AnyItem, d: Diagnostics) -> None:
    path, line, col = _where(item.span, item.idnumber)
    if len(item.idnumber) > 100:
        d.add(
            path,
            line,
            col,
            E,
            TOO_LONG,
            f"idnumber {item.idnumber!r} has {len(item.idnumber)} characters; Moodle keeps at most 100",
            "set a shorter `idnumber:`",
        )
    if len(item.title) > 255:
        d.add(
            path,
            line,
            col,
            E,
            TOO_LONG,
            f"title of {item.idnumber} has {len(item.title)} characters; Moodle keeps at most 255",
            "shorten the title",
        )
    mode = item.completion
    if isinstance(item, Label) and mode not in ("none", "manual"):
        d.add(
            path,
            line,
            col,
            W,
            COMPLETION_FALLBACK,
            f"label {item.idnumber} cannot track completion {mode!r}; it gets manual completion",
            "use `completion: manual` or `none` for labels",
        )
    elif not isinstance(item, Quiz | Label) and mode in ("grade", "pass"):
        d.add(
            path,
            line,
            col,
            W,
            COMPLETION_FALLBACK,
            f"{item.idnumber} has no grade, so completion {mode!r} becomes 'view'",
            "use `completion: view` (or manual/none)",
        )
    elif isinstance(item, Quiz) and mode == "pass" and not item.pass_percent:
        d.add(
            path,
            line,
            col,
            W,
            COMPLETION_FALLBACK,
            f"quiz {item.idnumber} has completion 'pass' but no pass grade; it completes on any grade",
            "set `pass:` (a percentage) on the quiz",
        )
    if isinstance(item, DataFile):
        name = item.filename or item.source.name
        if not _filename_ok(name):
            d.add(
                path, line, col, E, BAD_FILENAME, f"data file name {name!r} is not valid in Moodle"
            )
        elif not mimetypes.is_known(name):
            ext = mimetypes.extension(name)
            d.add(
                path,
                line,
                col,
                W,
                UNKNOWN_EXTENSION,
                f"Moodle 4.5 does not know the extension "
                f"{'.' + ext if ext else '(none)'} of {name}: it will store the file as "
                "text/plain or by content, and direct links will open it in the browser",
                "the activity link always downloads it; register the extension on the site "
                "(Site administration > Server > File types) so direct links download too",
            )
    if isinstance(item, Page | Label):
        for asset in item.assets:
            if not _filename_ok(asset.name):
                d.add(
                    path,
                    line,
                    col,
                    E,
                    BAD_FILENAME,
                    f"asset name {asset.name!r} is not valid in Moodle",
                )
    if isinstance(item, Glossary):
        for entry in item.entries:
            if len(entry.concept) > 255:
                epath, eline, ecol = _where(entry.span, path)
                d.add(
                    epath,
                    eline,
                    ecol,
                    E,
                    TOO_LONG,
                    f"glossary term has {len(entry.concept)} characters; Moodle keeps at most 255",
                )
    if isinstance(item, Quiz):
        for n, q in enumerate(item.questions, start=1):
            qtype = str(q.get("qtype", ""))
            if qtype != "category" and qtype not in SUPPORTED_QTYPES:
                d.add(
                    display_path(item.gift) if item.gift.name else path,
                    0,
                    0,
                    E,
                    UNSUPPORTED_QTYPE,
                    f"question {n} ({q.get('name', '')!r}) has type {qtype!r}, which the "
                    "backup writer cannot write",
                )


def check_course(course: Course) -> list[Diagnostic]:
    """Every backup-specific problem of ``course``."""
    d = Diagnostics()
    if len(course.shortname) > 100:
        d.add(
            "content_src/course.yaml", 0, 0, E, TOO_LONG, "shortname is longer than 100 characters"
        )
    if len(course.fullname) > 254:
        d.add(
            "content_src/course.yaml", 0, 0, E, TOO_LONG, "fullname is longer than 254 characters"
        )
    items = {it.idnumber: it for it in course.items()}
    for section in course.sections:
        spath, sline, scol = _where(section.span, section.slug)
        if len(section.title) > 255:
            d.add(spath, sline, scol, E, TOO_LONG, "section title is longer than 255 characters")
        for item in section.items:
            _item_checks(item, d)
        r = section.restriction
        if r is None:
            continue
        rpath, rline, rcol = _where(r.span or section.span, section.slug)
        target = items.get(r.target)
        if target is None:
            d.add(
                rpath,
                rline,
                rcol,
                E,
                BAD_REFERENCE,
                f"restriction names {r.target!r}, which is not an item of this course",
            )
        elif r.kind == "grade" and not isinstance(target, Quiz):
            d.add(
                rpath,
                rline,
                rcol,
                E,
                BAD_REFERENCE,
                f"grade restriction names {r.target!r}, which is not a quiz",
            )
        elif r.kind == "completion" and target.completion == "none":
            d.add(
                rpath,
                rline,
                rcol,
                W,
                COMPLETION_UNREACHABLE,
                f"restriction waits for {r.target!r} to be complete, but it has no completion tracking",
                f"give {r.target} a `completion:` rule",
            )
    for idnumber in course.completion_requires:
        target = items.get(idnumber)
        if target is None:
            d.add(
                "content_src/course.yaml",
                0,
                0,
                E,
                BAD_REFERENCE,
                f"course_completion names {idnumber!r}, which is not an item of this course",
            )
        elif target.completion == "none":
            d.add(
                "content_src/course.yaml",
                0,
                0,
                W,
                COMPLETION_UNREACHABLE,
                f"course completion requires {idnumber!r}, which has no completion tracking",
                f"give {idnumber} a `completion:` rule",
            )
    return d.sorted()
