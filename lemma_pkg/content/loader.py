"""Load a course project (``content_src/`` + ``gift_quizzes/``) into the :mod:`.model`.

:func:`load_course` reads every source in one pass, in the order the sources give, and
collects every author mistake as a :class:`~lemma_pkg.diagnostics.Diagnostic`: it never
raises for them. When any error prevents a correct model, ``course`` is None. The format
is specified in ``docs/source-format.md``.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from lemma_pkg.content import codes
from lemma_pkg.content.background import read_background
from lemma_pkg.content.cache import LoadCache
from lemma_pkg.content.checks import CrossChecks
from lemma_pkg.content.context import (
    CONTENT_DIR,
    COURSE_FILE,
    DEFAULT_MATHJAX_URL,
    MAX_NAME,
    MODULE_FILE,
    LintSettings,
    PendingRestriction,
    subdirs,
)
from lemma_pkg.content.items import ItemReaders
from lemma_pkg.content.model import AnyItem, Course, Section, SourceSpan
from lemma_pkg.content.yamlio import Fields, did_you_mean
from lemma_pkg.diagnostics import Diagnostic, Diagnostics, Severity, display_path

DEFAULT_CITATION = "{authors} ({year}). {module}. In {course}. {url}"
CITATION_FIELDS = ("authors", "year", "course", "module", "url")
MAX_FULLNAME = 254
MAX_SHORTNAME = 100


@dataclass
class LoadResult:
    """What :func:`load_course` found. ``course`` is None when there are errors."""

    course: Course | None
    diagnostics: list[Diagnostic]
    # The project folder (holding content_src/), or None when none was found.
    root: Path | None = None
    # Settings from course.yaml that are not part of the course itself.
    lint: LintSettings = field(default_factory=LintSettings)
    mathjax_url: str = DEFAULT_MATHJAX_URL
    # Every item idnumber the sources define (also when there are errors), sorted.
    idnumbers: tuple[str, ...] = ()

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def find_project(path: Path) -> Path | None:
    """The project folder for ``path``: itself, or its parent when given ``content_src/``."""
    if (path / CONTENT_DIR / COURSE_FILE).is_file():
        return path
    if (path / COURSE_FILE).is_file() and path.name == CONTENT_DIR:
        return path.parent
    return None


def _no_project_hint(root: Path) -> str:
    """Point at the enclosing project when ``root`` is inside one."""
    for parent in root.resolve().parents:
        project = find_project(parent)
        if project is not None:
            return (
                f"this folder is inside the course project {display_path(project)}: "
                "pass that folder instead"
            )
    return "pass the project folder (the one holding content_src/), or run `lemma init DIR`"


def load_course(
    root: Path, cache: LoadCache | None = None, overlay: Mapping[Path, str] = {}
) -> LoadResult:
    """Load the course project at ``root`` (or ``root`` = its ``content_src/`` folder).

    ``cache`` keeps Markdown and GIFT results for the next load of the same project
    (:mod:`lemma_pkg.content.cache`); ``overlay`` maps resolved paths to text to read
    instead of the files (an editor's unsaved buffers).
    """
    project = find_project(root)
    if project is None:
        diags = Diagnostics()
        diags.error(
            display_path(root / CONTENT_DIR / COURSE_FILE),
            0,
            0,
            codes.NO_PROJECT,
            f"no course here: {display_path(root)} has no {CONTENT_DIR}/{COURSE_FILE}",
            _no_project_hint(root),
        )
        return LoadResult(None, diags.sorted())
    result = _Loader(project.resolve(), cache, overlay).load()
    if cache is not None:
        cache.sweep()
    return result


class _Loader(ItemReaders, CrossChecks):
    """Reads course.yaml and each module; items and cross-checks come from the bases."""

    def check_licence(self, f: Fields, licence: str) -> None:
        """Warn about a licence Moodle does not know (the backup would say 'unknown')."""
        from lemma_pkg.mbz.writer import LICENCES

        known = sorted(LICENCES)
        if licence.upper() in LICENCES or licence in LICENCES or not f.has("licence"):
            return
        f.warning(
            f.raw("licence") or f.node,
            codes.UNKNOWN_LICENCE,
            f'licence "{licence}" is not one Moodle 4.5 knows; the backup would mark the '
            "course files as 'unknown' licence",
            did_you_mean(licence, known) or f"use one of {', '.join(known)}",
        )

    def load(self) -> LoadResult:
        course_path = self.content / COURSE_FILE
        node, disp = self.read_yaml(course_path)
        course: Course | None = None
        if node is not None:
            course = self.load_course_file(node, disp)
        if not self.diags.errors:
            # Only on otherwise clean sources: a broken item leaves its files unreferenced.
            self.check_unreferenced()
        disabled = set(self.lint.disable)
        diagnostics = [
            d
            for d in self.diags.sorted()
            if not (d.code in disabled and d.severity is not Severity.ERROR)
        ]
        if any(d.is_error for d in diagnostics):
            course = None
        return LoadResult(
            course=course,
            diagnostics=diagnostics,
            root=self.root,
            lint=self.lint,
            mathjax_url=self.mathjax_url,
            idnumbers=tuple(sorted(self.refs)),
        )

    def load_course_file(self, node: MappingNode, disp: str) -> Course | None:
        f = Fields(node, disp, self.diags, "course.yaml")
        fullname = f.text("fullname", required=True, max_len=MAX_FULLNAME) or ""
        shortname = f.text("shortname", required=True, max_len=MAX_SHORTNAME) or ""
        idnumber = f.text("idnumber", default="", max_len=100) or ""
        category = f.text("category", required=True) or ""
        summary_md = f.text("summary", required=True) or ""
        startdate = f.date("startdate", required=True)
        fmt = f.choice("format", ("topics",), "topics") or "topics"
        language = f.text("language", default="en") or "en"
        licence = f.text("licence", default="CC-BY-NC-4.0") or "CC-BY-NC-4.0"
        self.check_licence(f, licence)
        authors = [a for a, _ in f.str_list("authors", required=True) or []]
        year = f.integer("year", startdate.year if startdate else None)
        url = f.text("url", default="") or ""
        if url and not re.match(r"^https?://\S+$", url):
            f.error(
                f.raw("url") or node,
                codes.BAD_URL,
                f'course.yaml: "url" must be an http(s) URL, not {url!r}',
            )
        template = f.text("citation", default=DEFAULT_CITATION) or DEFAULT_CITATION
        citation_node = f.raw("citation")
        if not _check_template(template, citation_node or node, f):
            template = DEFAULT_CITATION
        self.completion_tracking = f.flag("completion", True)
        welcome = f.text("welcome")
        welcome_node = f.raw("welcome")
        modules = f.str_list("modules", required=True) or []
        course_completion = f.str_list("course_completion") or []
        lint_node = f.mapping("lint")
        if lint_node is not None:
            lf = Fields(lint_node, disp, self.diags, "course.yaml lint")
            self.lint = LintSettings(
                require_feedback=lf.flag("require_feedback", True),
                disable=tuple(s for s, _ in lf.str_list("disable") or []),
            )
            lf.finish()
        background_node = f.mapping("background")
        background = (
            read_background(background_node, f, self.content / COURSE_FILE)
            if background_node is not None
            else None
        )
        preview_node = f.mapping("preview")
        if preview_node is not None:
            pf = Fields(preview_node, disp, self.diags, "course.yaml preview")
            self.mathjax_url = pf.text("mathjax_url", default=DEFAULT_MATHJAX_URL) or (
                DEFAULT_MATHJAX_URL
            )
            pf.finish()
        f.finish()

        summary_html = self.markdown(
            summary_md, f.raw("summary"), f, self.content, "the course summary"
        )
        author_text = _join_authors(authors)
        cite = _Citation(template, author_text, year or 0, fullname, url)

        sections: list[Section] = []
        seen_folders: dict[Path, int] = {}
        entries: list[tuple[str, Node, int]] = []
        if welcome and welcome_node is not None:
            entries.append((welcome, welcome_node, 0))
        for i, (rel, n) in enumerate(modules, start=1):
            entries.append((rel, n, i))
        for rel, n, number in entries:
            folder = (self.content / rel).resolve()
            if folder in seen_folders:
                f.error(
                    n,
                    codes.DUPLICATE_MODULE,
                    f'module folder "{rel}" is listed twice',
                    "each module folder becomes one section; list it once",
                )
                continue
            seen_folders[folder] = number
            section = self.load_module(folder, rel, n, f, number, cite, len(sections))
            if section is not None:
                sections.append(section)
            else:
                self.incomplete = True

        self.check_idnumbers()
        sections = self.apply_restrictions(sections)
        requires = self.check_course_completion(course_completion, f)
        if not f.ok or startdate is None:
            return None
        return Course(
            fullname=fullname,
            shortname=shortname,
            idnumber=idnumber,
            category=category,
            summary_html=summary_html,
            startdate=int(dt.datetime.combine(startdate, dt.time(0, 0), tzinfo=dt.UTC).timestamp()),
            root=self.root,
            format=fmt,
            language=language,
            licence=licence,
            authors=tuple(authors),
            citation=cite.course(),
            completion_tracking=self.completion_tracking,
            sections=tuple(sections),
            completion_requires=tuple(requires),
            background=background,
        )

    def load_module(
        self,
        folder: Path,
        rel: str,
        list_node: Node,
        course_fields: Fields,
        number: int,
        cite: _Citation,
        index: int,
    ) -> Section | None:
        if not folder.is_relative_to(self.root):
            course_fields.error(
                list_node,
                codes.OUTSIDE_PROJECT,
                f'module folder "{rel}" is outside the project',
                "move the module into content_src/modules/ and list it as modules/NN-name",
            )
            return None
        if not folder.is_dir():
            course_fields.error(
                list_node,
                codes.MISSING_FILE,
                f'module folder "{rel}" does not exist',
                did_you_mean(folder.name, subdirs(folder.parent))
                or "paths in course.yaml are relative to content_src/",
            )
            return None
        module_file = folder / MODULE_FILE
        if not module_file.is_file():
            course_fields.error(
                list_node,
                codes.MISSING_FILE,
                f'module folder "{rel}" has no {MODULE_FILE}',
                "create it with at least title, summary and items",
            )
            return None
        node, disp = self.read_yaml(module_file)
        if node is None:
            self.incomplete = True
            return None
        slug = folder.name
        f = Fields(node, disp, self.diags, MODULE_FILE)
        title = f.text("title", required=True, max_len=MAX_NAME) or ""
        summary_md = f.text("summary", required=True) or ""
        shown_number = f.integer("number", number, minimum=0)
        citation_override = f.text("citation")
        restriction_node = f.mapping("restriction")
        items_node = f.sequence("items", required=True)
        f.finish()
        summary_html = self.markdown(
            summary_md, f.raw("summary"), f, folder, f"the summary of {slug}"
        )
        if restriction_node is not None:
            self.read_restriction(restriction_node, f, index, number)
        items: list[AnyItem] = []
        self.current_module_file = module_file
        if items_node is not None:
            if not items_node.value:
                f.error(
                    items_node,
                    codes.EMPTY_MODULE,
                    f'module "{slug}" has no items',
                    "add at least one item (a page, quiz, file, url, label, glossary or practical)",
                )
            labels = 0
            for item_node in items_node.value:
                if isinstance(item_node, MappingNode) and item_node.value:
                    first = item_node.value[0][0]
                    if isinstance(first, ScalarNode) and first.value == "label":
                        labels += 1
                loaded = self.load_item(item_node, folder, slug, disp, index, labels)
                if not loaded:
                    self.incomplete = True
                items.extend(loaded)
        citation = citation_override if citation_override is not None else cite.module(title)
        return Section(
            number=shown_number if shown_number is not None else number,
            slug=slug,
            title=title,
            summary_html=summary_html,
            span=SourceSpan(module_file, 1, 1),
            items=tuple(items),
            restriction=None,  # filled in by apply_restrictions
            citation=citation,
        )

    def read_restriction(self, node: MappingNode, f: Fields, index: int, number: int) -> None:
        rf = Fields(node, f.display, self.diags, "restriction", f.line_offset)
        completed = rf.text("completed")
        completed_node = rf.raw("completed")
        grade_node = rf.mapping("grade")
        mode = rf.choice("mode", ("enforce", "recommend"), "enforce")
        rf.finish()
        if number == 0 and index == 0 and (completed or grade_node is not None):
            f.error(
                node,
                codes.BAD_RESTRICTION,
                "the welcome section (section 0) cannot be restricted in Moodle",
            )
            return
        if completed is not None and grade_node is not None:
            f.error(
                node, codes.BAD_RESTRICTION, 'restriction: give "completed" or "grade", not both'
            )
            return
        if completed is not None and completed_node is not None:
            self.restrictions.append(
                PendingRestriction(
                    f.display,
                    node,
                    index,
                    "completion",
                    completed,
                    completed_node,
                    None,
                    mode == "enforce",
                )
            )
        elif grade_node is not None:
            gf = Fields(grade_node, f.display, self.diags, "restriction grade", f.line_offset)
            quiz = gf.text("quiz", required=True)
            quiz_node = gf.raw("quiz")
            minimum = gf.number("min", None, minimum=0, maximum=100, required=True)
            gf.finish()
            if quiz is not None and quiz_node is not None and minimum is not None:
                self.restrictions.append(
                    PendingRestriction(
                        f.display,
                        node,
                        index,
                        "grade",
                        quiz,
                        quiz_node,
                        minimum,
                        mode == "enforce",
                    )
                )
        else:
            f.error(
                node,
                codes.MISSING_KEY,
                'restriction: give "completed: <item idnumber>" or "grade: {quiz: ..., min: N}"',
            )


class _Citation:
    def __init__(self, template: str, authors: str, year: int, course: str, url: str) -> None:
        self.template = template
        self.values = {"authors": authors, "year": str(year), "course": course, "url": url}

    def module(self, title: str) -> str:
        return _tidy(self.template.format(module=title, **self.values))

    def course(self) -> str:
        v = self.values
        return _tidy(f"{v['authors']} ({v['year']}). {v['course']}. {v['url']}")


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _check_template(template: str, node: Node, f: Fields) -> bool:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        f.error(
            node,
            codes.BAD_CITATION,
            f"citation template is malformed: {exc}",
            "write literal braces as {{ and }}",
        )
        return False
    ok = True
    for _lit, name, spec, conv in parsed:
        if name is None:
            continue
        if name not in CITATION_FIELDS or spec or conv:
            f.error(
                node,
                codes.BAD_CITATION,
                f"citation template: unknown placeholder {{{name}}}",
                did_you_mean(name, CITATION_FIELDS)
                or "placeholders: " + ", ".join(f"{{{n}}}" for n in CITATION_FIELDS),
            )
            ok = False
    return ok


def _join_authors(authors: list[str]) -> str:
    if len(authors) <= 1:
        return "".join(authors)
    return ", ".join(authors[:-1]) + " and " + authors[-1]


__all__ = ["DEFAULT_MATHJAX_URL", "LintSettings", "LoadResult", "find_project", "load_course"]
