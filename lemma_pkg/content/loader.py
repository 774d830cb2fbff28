"""Load a course project (``content_src/`` + ``gift_quizzes/``) into the :mod:`.model`.

:func:`load_course` reads every source in one pass, in the order the sources give, and
collects every author mistake as a :class:`~lemma_pkg.diagnostics.Diagnostic`: it never
raises for them. When any error prevents a correct model, ``course`` is None. The format
is specified in ``docs/source-format.md``.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from lemma_pkg.content import codes, ids
from lemma_pkg.content.model import (
    AnyItem,
    CompletionMode,
    Course,
    DataFile,
    FeedbackBand,
    Glossary,
    GlossaryEntry,
    GradeMethod,
    Label,
    Page,
    Quiz,
    Restriction,
    Section,
    SourceSpan,
    Url,
)
from lemma_pkg.content.textio import read_text
from lemma_pkg.content.yamlio import Fields, compose, did_you_mean, pos, type_name
from lemma_pkg.diagnostics import Diagnostic, Diagnostics, Severity, display_path
from lemma_pkg.render.markdown import AssetCollector, TextOrigin, render_markdown

log = logging.getLogger("lemma.content")

CONTENT_DIR = "content_src"
GIFT_DIR = "gift_quizzes"
COURSE_FILE = "course.yaml"
MODULE_FILE = "module.yaml"
GLOSSARY_FILE = "glossary.yaml"

DEFAULT_CITATION = "{authors} ({year}). {module}. In {course}. {url}"
CITATION_FIELDS = ("authors", "year", "course", "module", "url")
DEFAULT_MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"

MAX_FULLNAME = 254
MAX_SHORTNAME = 100
MAX_NAME = 255

KINDS = ("page", "quiz", "file", "url", "label", "glossary", "practical")
COMMON_KEYS = ("idnumber", "title", "visible")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "page": ("completion",),
    "quiz": (
        "intro",
        "attempts",
        "grading",
        "grade",
        "pass",
        "per_page",
        "shuffle",
        "feedback",
        "completion",
    ),
    "file": ("description", "completion"),
    "url": ("description", "completion"),
    "label": (),
    "glossary": ("description", "completion"),
    "practical": ("intro", "variants", "completion"),
}
COMPLETION_MODES: tuple[CompletionMode, ...] = ("none", "manual", "view", "grade", "pass")
GRADE_METHODS: tuple[GradeMethod, ...] = ("highest", "average", "first", "last")
FRONT_MATTER_KEYS = ("title", "idnumber", "completion", "variant")


@dataclass(frozen=True)
class LintSettings:
    """``lint:`` in course.yaml: options for the GIFT linter."""

    require_feedback: bool = True
    disable: tuple[str, ...] = ()


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


def load_course(root: Path) -> LoadResult:
    """Load the course project at ``root`` (or ``root`` = its ``content_src/`` folder)."""
    project = find_project(root)
    if project is None:
        diags = Diagnostics()
        diags.error(
            display_path(root / CONTENT_DIR / COURSE_FILE),
            0,
            0,
            codes.NO_PROJECT,
            f"no course here: {display_path(root)} has no {CONTENT_DIR}/{COURSE_FILE}",
            "pass the project folder (the one holding content_src/), or run `lemma init DIR`",
        )
        return LoadResult(None, diags.sorted())
    return _Loader(project.resolve()).load()


# ------------------------------------------------------------------------------ internals


@dataclass
class _Ref:
    """Where an idnumber was defined, and the item it names."""

    display: str
    line: int
    column: int
    section: int  # index into sections
    item: AnyItem


@dataclass
class _PendingRestriction:
    fields_display: str
    node: Node
    section_index: int
    kind: str
    target: str
    target_node: Node
    min_percent: float | None
    enforce: bool


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / CONTENT_DIR
        self.gift_dir = root / GIFT_DIR
        self.diags = Diagnostics()
        self.referenced: set[Path] = set()
        self.refs: dict[str, list[_Ref]] = {}
        self.restrictions: list[_PendingRestriction] = []
        self.lint = LintSettings()
        self.mathjax_url = DEFAULT_MATHJAX_URL
        self.completion_tracking = True
        self.glossary_entries: tuple[GlossaryEntry, ...] | None = None
        self.current_module_file = Path()
        # Set when a module or item could not be read: references to unknown idnumbers are
        # then not reported, as the item may be the broken one (no cascades).
        self.incomplete = False

    # -------------------------------------------------------------- helpers

    def display(self, path: Path) -> str:
        return display_path(path)

    def use(self, path: Path) -> None:
        self.referenced.add(path.resolve())

    def read_yaml(self, path: Path) -> tuple[MappingNode | None, str]:
        """Read a YAML mapping file; (None, display) with diagnostics when unusable."""
        disp = self.display(path)
        self.use(path)
        text = read_text(path, disp, self.diags)
        if text is None:
            return None, disp
        node, ok = compose(text, disp, self.diags)
        if not ok:
            return None, disp
        if not isinstance(node, MappingNode):
            self.diags.error(
                disp,
                1 if node is None else pos(node).line,
                1 if node is None else pos(node).column,
                codes.WRONG_TYPE,
                f"{path.name} must be a YAML mapping (key: value lines)"
                + ("" if node is None else f", not {type_name(node)}"),
            )
            return None, disp
        return node, disp

    def markdown(
        self,
        text: str,
        node: Node | None,
        f: Fields,
        base_dir: Path,
        where: str,
    ) -> str:
        """Render Markdown embedded in YAML; local files are not allowed there."""
        origin = _origin_of(node, f)
        collector = AssetCollector()
        rendered = render_markdown(
            text,
            base_dir=base_dir,
            project_root=self.root,
            origin=origin,
            diags=self.diags,
            assets=collector,
        )
        for ref_path in rendered.referenced:
            self.use(ref_path)
        if collector.by_source:
            names = ", ".join(sorted(collector.by_source.values()))
            self.diags.error(
                origin.display,
                origin.line,
                origin.column,
                codes.LOCAL_FILE_UNSUPPORTED,
                f"{where} links to local files ({names}); Moodle has no place for them here",
                "move images and data-file links into a lesson (page) or a label",
            )
        return rendered.html

    # -------------------------------------------------------------- course

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
        )

    # -------------------------------------------------------------- modules

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
                list_node, codes.OUTSIDE_PROJECT, f'module folder "{rel}" is outside the project'
            )
            return None
        if not folder.is_dir():
            course_fields.error(
                list_node,
                codes.MISSING_FILE,
                f'module folder "{rel}" does not exist',
                did_you_mean(folder.name, _subdirs(folder.parent))
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
                _PendingRestriction(
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
                    _PendingRestriction(
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

    # -------------------------------------------------------------- items

    def load_item(
        self, node: Node, folder: Path, slug: str, disp: str, section: int, label_no: int
    ) -> list[AnyItem]:
        if not isinstance(node, MappingNode) or not node.value:
            p = pos(node)
            self.diags.error(
                disp,
                p.line,
                p.column,
                codes.WRONG_TYPE,
                f"an item must be a mapping such as `- page: lesson.md`, not {type_name(node)}",
            )
            return []
        f = Fields(node, disp, self.diags, "item")
        kind = next((k for k in f.keys if k in KINDS), None)
        if kind is None:
            first = next(iter(f.keys), "")
            knode = node.value[0][0]
            f.error(
                knode,
                codes.UNKNOWN_KEY,
                f'unknown item kind "{first}"',
                did_you_mean(first, KINDS) or f"item kinds: {', '.join(KINDS)}",
            )
            return []
        loader: Callable[[Fields, Path, str, int, int], list[AnyItem]] = {
            "page": self.item_page,
            "quiz": self.item_quiz,
            "file": self.item_file,
            "url": self.item_url,
            "label": self.item_label,
            "glossary": self.item_glossary,
            "practical": self.item_practical,
        }[kind]
        items = loader(f, folder, slug, section, label_no)
        others = [k for k in f.keys if k in KINDS and k != kind]
        for other in others:
            f.error(
                f.keys[other][0],
                codes.UNKNOWN_KEY,
                f'an item has one kind; "{other}" given with "{kind}"',
                "split it into two items",
            )
        f.finish((kind, *COMMON_KEYS, *KIND_KEYS[kind]))
        return items

    def _idnumber(
        self,
        f: Fields,
        derived: str,
        section: int,
        explicit: str | None = None,
        explicit_where: tuple[str, int, int] | None = None,
    ) -> str:
        given = f.text("idnumber")
        node = f.raw("idnumber")
        if given is not None and explicit is not None and given != explicit:
            f.error(
                node or f.node,
                codes.IDNUMBER_CONFLICT,
                f'idnumber "{given}" here, but the lesson\'s front matter says "{explicit}"',
                "give the idnumber in one place only",
            )
        value = given if given is not None else explicit if explicit is not None else derived
        where = node or f.node
        if given is None and explicit is not None and explicit_where is not None:
            disp, line, col = explicit_where
        else:
            p = pos(where)
            disp, line, col = f.display, p.line, p.column
        why = ids.problem(value)
        if why is not None:
            self.diags.error(
                disp,
                line,
                col,
                codes.BAD_IDNUMBER,
                f'idnumber "{value}" {why}',
                "set a shorter explicit `idnumber:`" if "long" in why else "",
            )
        return value

    def _register(
        self, f: Fields, item: AnyItem, section: int, where: tuple[str, int, int] | None = None
    ) -> None:
        if where is None:
            node = f.raw("idnumber") or f.node
            p = pos(node)
            where = (f.display, p.line, p.column)
        self.refs.setdefault(item.idnumber, []).append(
            _Ref(where[0], where[1], where[2], section, item)
        )

    def _completion(
        self,
        f: Fields,
        default: CompletionMode,
        allowed: tuple[CompletionMode, ...],
        hint: str = "",
    ) -> CompletionMode:
        value = f.choice("completion", COMPLETION_MODES, None)
        if value is not None and value not in allowed:
            f.error(
                f.raw("completion") or f.node,
                codes.BAD_COMPLETION,
                f'completion "{value}" is not possible here; use one of {", ".join(allowed)}',
                hint,
            )
            value = None
        if not self.completion_tracking:
            return "none"
        return _as_completion(value) if value is not None else default

    def _title(self, f: Fields, required: bool, default: str = "") -> str:
        return f.text("title", required=required, max_len=MAX_NAME) or default

    def _desc(self, f: Fields, key: str, folder: Path, where: str) -> str:
        text = f.text(key)
        if not text:
            return ""
        return self.markdown(text, f.raw(key), f, folder, where)

    def _path(self, f: Fields, key: str, base: Path, what: str, hint_base: str) -> Path | None:
        rel = f.text(key, required=True)
        node = f.raw(key)
        if rel is None or node is None:
            return None
        target = (base / rel).resolve()
        if not target.is_relative_to(self.root):
            f.error(node, codes.OUTSIDE_PROJECT, f'{what} "{rel}" is outside the project')
            return None
        if not target.is_file():
            parent = target.parent
            hint = did_you_mean(target.name, _files(parent)) or f"paths are relative to {hint_base}"
            f.error(node, codes.MISSING_FILE, f'{what} "{rel}" does not exist', hint)
            return None
        self.use(target)
        return target

    def item_page(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        path = self._path(f, "page", folder, "lesson", "the module folder")
        page = self.page_from_file(f, path, folder, slug, section, None, None)
        return [page] if page is not None else []

    def page_from_file(
        self,
        f: Fields,
        path: Path | None,
        folder: Path,
        slug: str,
        section: int,
        variant: str | None,
        title_override: str | None,
        idnumber_override: str | None = None,
        completion_override: CompletionMode | None = None,
    ) -> Page | None:
        title = self._title(f, False) if title_override is None else title_override
        completion_given = f.has("completion")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        if path is None:
            f.text("idnumber")
            return None
        disp = self.display(path)
        text = read_text(path, disp, self.diags)
        if text is None:
            f.text("idnumber")
            return None
        collector = AssetCollector()
        rendered = render_markdown(
            text,
            base_dir=path.parent,
            project_root=self.root,
            origin=TextOrigin(disp),
            diags=self.diags,
            assets=collector,
        )
        for ref_path in rendered.referenced:
            self.use(ref_path)
        fm_title: str | None = None
        fm_idnumber: str | None = None
        fm_where: tuple[str, int, int] | None = None
        if rendered.front_matter is not None:
            node, ok = compose(
                rendered.front_matter, disp, self.diags, line_offset=rendered.front_matter_line - 1
            )
            if ok and node is not None and not isinstance(node, MappingNode):
                p = pos(node, rendered.front_matter_line - 1)
                self.diags.error(
                    disp,
                    p.line,
                    p.column,
                    codes.WRONG_TYPE,
                    f"front matter must be a mapping (key: value lines), not {type_name(node)}",
                )
            elif isinstance(node, MappingNode):
                ff = Fields(node, disp, self.diags, "front matter", rendered.front_matter_line - 1)
                fm_title = ff.text("title", max_len=MAX_NAME)
                fm_idnumber = ff.text("idnumber")
                if fm_idnumber is not None:
                    w = ff.where("idnumber")
                    fm_where = (disp, w.line, w.column)
                fm_completion = ff.choice("completion", COMPLETION_MODES, None)
                if fm_completion is not None and fm_completion not in ("none", "manual", "view"):
                    ff.error(
                        ff.raw("completion") or node,
                        codes.BAD_COMPLETION,
                        f'completion "{fm_completion}" is not possible for a page; '
                        "use none, manual or view",
                    )
                elif (
                    fm_completion is not None and not completion_given and self.completion_tracking
                ):
                    completion = _as_completion(fm_completion)
                fm_variant = ff.text("variant")
                if variant is None:
                    variant = fm_variant
                ff.finish(FRONT_MATTER_KEYS)
        if completion_override is not None:
            completion = completion_override
        if not title:
            title = fm_title or ""
        if not title:
            self.diags.error(
                disp,
                1,
                1,
                codes.MISSING_KEY,
                "the lesson has no title",
                'add front matter "---\\ntitle: ...\\n---" or `title:` in module.yaml',
            )
        derived = ids.derive(slug, path.stem)
        if idnumber_override is not None:
            idnumber = idnumber_override
        else:
            idnumber = self._idnumber(f, derived, section, fm_idnumber, fm_where)
        page = Page(
            idnumber=idnumber,
            title=title,
            span=SourceSpan(path, 1, 1),
            completion=completion,
            visible=visible,
            content_html=rendered.html,
            assets=collector.assets(),
            variant=variant,
        )
        where = fm_where if (fm_where and not f.has("idnumber")) else None
        if idnumber_override is None:
            self._register(f, page, section, where)
        return page

    def item_quiz(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        gift = self._path(f, "quiz", self.gift_dir, "GIFT file", "gift_quizzes/")
        title = self._title(f, True)
        intro = self._desc(f, "intro", folder, "a quiz intro")
        attempts = f.integer("attempts", 0, minimum=0)
        grading = f.choice("grading", GRADE_METHODS, "highest")
        grade = f.number("grade", 10.0, minimum=0)
        if grade is not None and grade <= 0 and f.has("grade"):
            f.error(f.raw("grade") or f.node, codes.BAD_VALUE, 'item: "grade" must be > 0')
            grade = 10.0
        pass_percent = f.number("pass", None, minimum=0, maximum=100)
        per_page = f.integer("per_page", 1, minimum=0)
        shuffle = f.flag("shuffle", True)
        bands = self.feedback_bands(f, folder)
        allowed: tuple[CompletionMode, ...] = ("none", "manual", "view", "grade")
        if pass_percent is not None:
            allowed = (*allowed, "pass")
        completion = self._completion(
            f,
            "pass" if pass_percent is not None else "grade",
            allowed,
            "" if pass_percent is not None else 'completion "pass" needs "pass: <percent>"',
        )
        visible = f.flag("visible", True)
        questions: tuple[dict[str, Any], ...] = ()
        derived = ids.derive(slug, gift.stem if gift else "quiz")
        idnumber = self._idnumber(f, derived, section)
        if gift is not None:
            questions = self.read_gift(gift, f)
        quiz = Quiz(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=intro,
            completion=completion,
            visible=visible,
            gift=gift or Path(),
            questions=questions,
            attempts=attempts or 0,
            grade_method=_as_grade_method(grading or "highest"),
            grade=grade if grade is not None else 10.0,
            pass_percent=pass_percent,
            feedback_bands=bands,
            questions_per_page=per_page if per_page is not None else 1,
            shuffle_answers=shuffle,
        )
        self._register(f, quiz, section)
        return [quiz]

    def feedback_bands(self, f: Fields, folder: Path) -> tuple[FeedbackBand, ...]:
        seq = f.sequence("feedback")
        if seq is None:
            return ()
        bands: list[FeedbackBand] = []
        previous: float | None = None
        for child in seq.value:
            if not isinstance(child, MappingNode):
                f.error(
                    child,
                    codes.WRONG_TYPE,
                    f"feedback bands are mappings like {{min: 50, text: ...}}, not {type_name(child)}",
                )
                continue
            bf = Fields(child, f.display, self.diags, "feedback band")
            minimum = bf.number("min", None, minimum=0, maximum=100, required=True)
            text = bf.text("text", required=True)
            text_node = bf.raw("text")
            bf.finish()
            if minimum is None or text is None:
                continue
            if previous is not None and minimum >= previous:
                bf.error(
                    bf.raw("min") or child,
                    codes.BAD_VALUE,
                    f"feedback bands must go from the highest grade down: {minimum:g} after "
                    f"{previous:g}",
                )
                continue
            previous = minimum
            bands.append(
                FeedbackBand(minimum, self.markdown(text, text_node, bf, folder, "quiz feedback"))
            )
        return tuple(bands)

    def read_gift(self, gift: Path, f: Fields) -> tuple[dict[str, Any], ...]:
        from lemma_pkg import gift as giftlib

        disp = self.display(gift)
        config = giftlib.LintConfig(
            require_feedback=self.lint.require_feedback, disabled=frozenset(self.lint.disable)
        )
        try:
            self.diags.extend(giftlib.lint_file(gift, display=disp, config=config))
        except NotImplementedError:
            log.debug("GIFT linter not available yet; %s not linted", disp)
        try:
            questions = giftlib.moodle_questions(gift)
        except NotImplementedError:
            log.debug("GIFT reader not available yet; %s has no questions", disp)
            return ()
        if not any(q.get("qtype") != "category" for q in questions):
            f.error(
                f.raw("quiz") or f.node,
                codes.EMPTY_QUIZ,
                f'GIFT file "{disp}" has no questions Moodle would import',
                f"add questions, or run `lemma gift lint {disp}` to see why none are read",
            )
        return tuple(questions)

    def _item_span(self, f: Fields) -> SourceSpan:
        p = pos(f.node)
        return SourceSpan(self.current_module_file, p.line, p.column)

    def item_file(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        source = self._path(f, "file", folder, "data file", "the module folder")
        title = self._title(f, True)
        description = self._desc(f, "description", folder, "a file description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, source.stem if source else "file"), section)
        if source is not None and codes_bad_filename(source.name):
            f.error(
                f.raw("file") or f.node,
                codes.BAD_ASSET_NAME,
                f'file name "{source.name}" has characters Moodle removes from file names',
                "rename the file: avoid & < > \" ` | ' : \\",
            )
        item = DataFile(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            source=source or Path(),
            filename=source.name if source else "",
        )
        self._register(f, item, section)
        return [item]

    def item_url(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        url = f.text("url", required=True) or ""
        if url and not re.match(r"^https?://\S+$", url):
            f.error(
                f.raw("url") or f.node,
                codes.BAD_URL,
                f"url must be an absolute http(s) URL, not {url!r}",
                "write it in full, e.g. https://www.example.org/video",
            )
        title = self._title(f, True)
        description = self._desc(f, "description", folder, "a url description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, ids.slug(title or url)), section)
        item = Url(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            url=url,
        )
        self._register(f, item, section)
        return [item]

    def item_label(
        self, f: Fields, folder: Path, slug: str, section: int, label_no: int
    ) -> list[AnyItem]:
        text = f.text("label", required=True) or ""
        text_node = f.raw("label")
        collector = AssetCollector()
        origin = _origin_of(text_node, f)
        rendered = render_markdown(
            text,
            base_dir=folder,
            project_root=self.root,
            origin=origin,
            diags=self.diags,
            assets=collector,
        )
        for ref_path in rendered.referenced:
            self.use(ref_path)
        title = self._title(f, False, _plain_title(text))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, f"label-{label_no}"), section)
        item = Label(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            visible=visible,
            content_html=rendered.html,
            assets=collector.assets(),
        )
        self._register(f, item, section)
        return [item]

    def item_glossary(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        title = f.text("glossary", required=True, max_len=MAX_NAME) or ""
        if f.has("title"):
            f.error(
                f.keys["title"][0],
                codes.UNKNOWN_KEY,
                'a glossary item takes its title from "glossary:"; remove "title"',
            )
            f.used.add("title")
        description = self._desc(f, "description", folder, "a glossary description")
        completion = self._completion(f, "view", ("none", "manual", "view"))
        visible = f.flag("visible", True)
        idnumber = self._idnumber(f, ids.derive(slug, ids.slug(title)), section)
        entries = self.load_glossary(f)
        item = Glossary(
            idnumber=idnumber,
            title=title,
            span=self._item_span(f),
            intro_html=description,
            completion=completion,
            visible=visible,
            entries=entries,
        )
        self._register(f, item, section)
        return [item]

    def load_glossary(self, item_fields: Fields) -> tuple[GlossaryEntry, ...]:
        if self.glossary_entries is not None:
            return self.glossary_entries
        path = self.content / GLOSSARY_FILE
        if not path.is_file():
            item_fields.error(
                item_fields.node,
                codes.MISSING_FILE,
                f"a glossary item needs content_src/{GLOSSARY_FILE}",
                "create it with `entries: [{term: ..., definition: ...}]`",
            )
            self.glossary_entries = ()
            return ()
        node, disp = self.read_yaml(path)
        entries: list[GlossaryEntry] = []
        if node is not None:
            f = Fields(node, disp, self.diags, GLOSSARY_FILE)
            seq = f.sequence("entries", required=True)
            f.finish()
            seen: dict[str, int] = {}
            for child in seq.value if seq is not None else []:
                if not isinstance(child, MappingNode):
                    f.error(
                        child,
                        codes.WRONG_TYPE,
                        f"a glossary entry is a mapping with term and definition, not {type_name(child)}",
                    )
                    continue
                ef = Fields(child, disp, self.diags, "glossary entry")
                term = ef.text("term", required=True, max_len=MAX_NAME)
                aliases = [a for a, _ in ef.str_list("aliases") or []]
                definition = ef.text("definition", required=True)
                def_node = ef.raw("definition")
                ef.finish()
                if term is None or definition is None:
                    continue
                p = pos(child)
                key = term.casefold()
                if key in seen:
                    ef.warning(
                        ef.keys["term"][1],
                        codes.DUPLICATE_TERM,
                        f'glossary term "{term}" is defined twice (first on line {seen[key]})',
                    )
                seen.setdefault(key, p.line)
                entries.append(
                    GlossaryEntry(
                        concept=term,
                        definition_html=self.markdown(
                            definition, def_node, ef, self.content, "a glossary definition"
                        ),
                        aliases=tuple(aliases),
                        span=SourceSpan(path, p.line, p.column),
                    )
                )
        self.glossary_entries = tuple(entries)
        return self.glossary_entries

    def item_practical(
        self, f: Fields, folder: Path, slug: str, section: int, _label: int
    ) -> list[AnyItem]:
        name = f.text("practical", required=True) or ""
        name_node = f.raw("practical")
        title = self._title(f, True)
        intro_md = f.text("intro") or ""
        intro_node = f.raw("intro")
        visible = f.flag("visible", True)
        completion = self._completion(f, "view", ("none", "manual", "view"))
        stem = Path(name).stem or "practical"
        label_id = self._idnumber(f, ids.derive(slug, stem), section)
        collector = AssetCollector()
        rendered = render_markdown(
            intro_md,
            base_dir=folder,
            project_root=self.root,
            origin=_origin_of(intro_node, f),
            diags=self.diags,
            assets=collector,
        )
        for ref_path in rendered.referenced:
            self.use(ref_path)
        label = Label(
            idnumber=label_id,
            title=title,
            span=self._item_span(f),
            visible=visible,
            content_html=f"<h4>{html.escape(title)}</h4>\n{rendered.html}",
            assets=collector.assets(),
        )
        self._register(f, label, section)
        out: list[AnyItem] = [label]
        variants: list[tuple[str, Path | None, Fields | None, Node]] = []
        seq = f.sequence("variants")
        if seq is not None:
            for child in seq.value:
                if not isinstance(child, MappingNode):
                    f.error(
                        child,
                        codes.WRONG_TYPE,
                        f"a variant is a mapping like {{package: R, page: practicals/r.md}}, not {type_name(child)}",
                    )
                    continue
                vf = Fields(child, f.display, self.diags, "variant")
                package = vf.text("package", required=True, max_len=60)
                path = self._path(vf, "page", folder, "lesson", "the module folder")
                if package is not None:
                    variants.append((package, path, vf, child))
        elif name_node is not None:
            vdir = (folder / name).resolve()
            if not vdir.is_dir():
                f.error(
                    name_node,
                    codes.MISSING_FILE,
                    f'practical folder "{name}" does not exist',
                    did_you_mean(Path(name).name, _subdirs(vdir.parent))
                    or "give a folder of variant lessons, or list them under `variants:`",
                )
            else:
                for md in sorted(vdir.glob("*.md")):
                    self.use(md)
                    variants.append((md.stem, md, None, name_node))
                if not variants:
                    f.error(
                        name_node,
                        codes.EMPTY_MODULE,
                        f'practical folder "{name}" has no .md lessons',
                    )
        for package, vpath, vfields_given, vnode in variants:
            vfields = (
                vfields_given
                if vfields_given is not None
                else Fields(
                    MappingNode("tag:yaml.org,2002:map", [], vnode.start_mark, vnode.end_mark),
                    f.display,
                    self.diags,
                    "variant",
                )
            )
            folder_mode = vfields_given is None
            explicit = None if folder_mode else vfields.text("idnumber")
            page = self.page_from_file(
                vfields,
                vpath,
                folder,
                slug,
                section,
                None if folder_mode else package,
                title or None,
                idnumber_override=explicit or "",
                completion_override=completion,
            )
            if vfields_given is not None:
                vfields_given.finish(("package", "page", "idnumber"))
            if page is None:
                self.incomplete = True
                continue
            # In folder mode the front matter's `variant` names the package (default: stem).
            final = page.variant or package
            page = replace(
                page,
                variant=final,
                title=f"{title} ({final})" if title else page.title,
                idnumber=explicit or f"{label_id}-{ids.slug(final)}",
            )
            why = ids.problem(page.idnumber)
            p = pos(vnode)
            if why is not None:
                self.diags.error(
                    f.display,
                    p.line,
                    p.column,
                    codes.BAD_IDNUMBER,
                    f'idnumber "{page.idnumber}" {why}',
                )
            self.refs.setdefault(page.idnumber, []).append(
                _Ref(f.display, p.line, p.column, section, page)
            )
            out.append(page)
        return out

    # -------------------------------------------------------------- cross-checks

    def check_idnumbers(self) -> None:
        for idnumber, refs in self.refs.items():
            if len(refs) < 2:
                continue
            first = refs[0]
            for ref in refs[1:]:
                self.diags.error(
                    ref.display,
                    ref.line,
                    ref.column,
                    codes.DUPLICATE_IDNUMBER,
                    f'idnumber "{idnumber}" is already used by "{first.item.title}" '
                    f"({first.display}:{first.line})",
                    "give one of them an explicit, different `idnumber:`",
                )

    def apply_restrictions(self, sections: list[Section]) -> list[Section]:
        out = list(sections)
        for r in self.restrictions:
            refs = self.refs.get(r.target)
            p = pos(r.target_node)
            if not refs and self.incomplete:
                continue
            if not refs:
                hint = (
                    did_you_mean(r.target, self.refs)
                    or "use the idnumber of an item of this course"
                )
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: no item has the idnumber "{r.target}"',
                    hint,
                )
                continue
            ref = refs[0]
            if ref.section == r.section_index:
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" is in this same section, which would lock it for good',
                    "point at an item of an earlier section",
                )
                continue
            if r.kind == "grade" and not isinstance(ref.item, Quiz):
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" is not a quiz, so it has no grade',
                    'use "completed:" for other items',
                )
                continue
            if r.kind == "completion" and ref.item.completion == "none" and r.enforce:
                self.diags.error(
                    r.fields_display,
                    p.line,
                    p.column,
                    codes.BAD_RESTRICTION,
                    f'restriction: "{r.target}" has no completion tracking, so it can never be complete',
                    "give that item a completion mode (view, manual, grade or pass)",
                )
                continue
            if r.section_index < len(out):
                out[r.section_index] = replace(
                    out[r.section_index],
                    restriction=Restriction(
                        kind="completion" if r.kind == "completion" else "grade",
                        target=r.target,
                        min_percent=r.min_percent,
                        enforce=r.enforce,
                        span=SourceSpan(
                            out[r.section_index].span.path, pos(r.node).line, pos(r.node).column
                        ),
                    ),
                )
        return out

    def check_course_completion(self, entries: list[tuple[str, Node]], f: Fields) -> list[str]:
        out: list[str] = []
        for idnumber, node in entries:
            refs = self.refs.get(idnumber)
            if not refs and self.incomplete:
                continue
            if not refs:
                f.error(
                    node,
                    codes.BAD_REFERENCE,
                    f'course_completion: no item has the idnumber "{idnumber}"',
                    did_you_mean(idnumber, self.refs),
                )
                continue
            if refs[0].item.completion == "none":
                f.error(
                    node,
                    codes.BAD_REFERENCE,
                    f'course_completion: "{idnumber}" has no completion tracking',
                    "give that item a completion mode (view, manual, grade or pass)",
                )
                continue
            out.append(idnumber)
        return out

    def check_unreferenced(self) -> None:
        modules_dir = self.content / "modules"
        listed_modules = {p.parent for p in self.referenced if p.name == MODULE_FILE}
        skip_dirs: set[Path] = set()
        if modules_dir.is_dir():
            for d in sorted(modules_dir.iterdir()):
                if d.is_dir() and (d / MODULE_FILE).is_file() and d.resolve() not in listed_modules:
                    skip_dirs.add(d.resolve())
                    self.diags.warning(
                        self.display(d / MODULE_FILE),
                        0,
                        0,
                        codes.UNREFERENCED_FILE,
                        f'module folder "modules/{d.name}" is not listed in course.yaml',
                        "add it to `modules:` in course.yaml, or delete it",
                    )
        for top in (self.content, self.gift_dir):
            if not top.is_dir():
                continue
            for path in _walk_files(top):
                rp = path.resolve()
                if rp in self.referenced or any(rp.is_relative_to(d) for d in skip_dirs):
                    continue
                self.diags.warning(
                    self.display(path),
                    0,
                    0,
                    codes.UNREFERENCED_FILE,
                    "file is not used by the course",
                    "reference it from a module, lesson or quiz, or delete it",
                )


# ------------------------------------------------------------------------------ small helpers


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


def _origin_of(node: Node | None, f: Fields) -> TextOrigin:
    """Where the Markdown text of a YAML scalar starts in its file."""
    if node is None:
        p = pos(f.node, f.line_offset)
        return TextOrigin(f.display, p.line, p.column)
    p = pos(node, f.line_offset)
    style = node.style if isinstance(node, ScalarNode) else None
    if style in ("|", ">"):
        # Block scalar: text starts on the next line, indented like its first line.
        buf = node.start_mark.buffer
        if buf:
            start = node.start_mark.pointer
            nl = buf.find("\n", start)
            if nl >= 0:
                line_start = nl + 1
                indent = len(buf[line_start:]) - len(buf[line_start:].lstrip(" "))
                return TextOrigin(f.display, p.line + 1, indent + 1)
        return TextOrigin(f.display, p.line + 1, 1)
    return TextOrigin(f.display, p.line, p.column + (1 if style in ("'", '"') else 0))


def _plain_title(markdown: str) -> str:
    text = re.sub(r"[*_`#>\[\]()!$\\]", "", markdown).strip()
    first = text.split("\n", 1)[0].strip()
    return first[:50] or "Label"


def _subdirs(path: Path) -> list[str]:
    try:
        return sorted(p.name for p in path.iterdir() if p.is_dir())
    except OSError:
        return []


def _files(path: Path) -> list[str]:
    try:
        return sorted(p.name for p in path.iterdir() if p.is_file())
    except OSError:
        return []


def _walk_files(top: Path) -> list[Path]:
    out: list[Path] = []
    for p in sorted(top.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            out.extend(_walk_files(p))
        elif p.is_file():
            out.append(p)
    return out


def _as_completion(value: str) -> CompletionMode:
    for mode in COMPLETION_MODES:
        if mode == value:
            return mode
    return "none"


def _as_grade_method(value: str) -> GradeMethod:
    for m in GRADE_METHODS:
        if m == value:
            return m
    return "highest"


def codes_bad_filename(name: str) -> bool:
    return bool(re.search(r"[\x00-\x1f\x7f&<>\"`|':\\/]", name))


__all__ = ["LintSettings", "LoadResult", "find_project", "load_course"]
