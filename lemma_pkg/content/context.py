"""Shared state and helpers of the course loader (:mod:`lemma_pkg.content.loader`).

:class:`LoadContext` holds what one load collects (diagnostics, files used, idnumbers seen,
pending restrictions) and the field readers every item kind shares; the item readers
(:mod:`.items`) and the cross-checks (:mod:`.checks`) build on it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from lemma_pkg.content import codes, ids
from lemma_pkg.content.cache import LoadCache, MarkdownEntry, YamlResult
from lemma_pkg.content.model import AnyItem, CompletionMode, GlossaryEntry, GradeMethod, SourceSpan
from lemma_pkg.content.textio import read_text
from lemma_pkg.content.yamlio import Fields, compose, did_you_mean, pos, type_name
from lemma_pkg.diagnostics import Diagnostics, display_path
from lemma_pkg.render.markdown import AssetCollector, Rendered, TextOrigin, render_markdown

log = logging.getLogger("lemma.content")

CONTENT_DIR = "content_src"
GIFT_DIR = "gift_quizzes"
COURSE_FILE = "course.yaml"
MODULE_FILE = "module.yaml"
GLOSSARY_FILE = "glossary.yaml"

DEFAULT_MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"

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
        "marks",
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
class ItemRef:
    """Where an idnumber was defined, and the item it names."""

    display: str
    line: int
    column: int
    section: int  # index into sections
    item: AnyItem


@dataclass
class PendingRestriction:
    """A section restriction read from module.yaml, checked once every item is known."""

    fields_display: str
    node: Node
    section_index: int
    kind: str
    target: str
    target_node: Node
    min_percent: float | None
    enforce: bool


class LoadContext:
    """The state of one load and the readers shared by every item kind.

    ``cache`` memoises Markdown and GIFT results across loads; ``overlay`` gives the text
    of files (by resolved path) to use instead of what is on disk (an editor's unsaved
    buffers).
    """

    def __init__(
        self, root: Path, cache: LoadCache | None = None, overlay: Mapping[Path, str] = {}
    ) -> None:
        self.root = root
        self.cache = cache
        self.overlay = overlay
        self.content = root / CONTENT_DIR
        self.gift_dir = root / GIFT_DIR
        self.diags = Diagnostics()
        self.referenced: set[Path] = set()
        self.refs: dict[str, list[ItemRef]] = {}
        self.restrictions: list[PendingRestriction] = []
        self.lint = LintSettings()
        self.mathjax_url = DEFAULT_MATHJAX_URL
        self.completion_tracking = True
        self.glossary_entries: tuple[GlossaryEntry, ...] | None = None
        self.current_module_file = Path()
        # Set when a module or item could not be read: references to unknown idnumbers are
        # then not reported, as the item may be the broken one (no cascades).
        self.incomplete = False

    def display(self, path: Path) -> str:
        return display_path(path)

    def use(self, path: Path) -> None:
        self.referenced.add(path.resolve())

    def read_yaml(self, path: Path) -> tuple[MappingNode | None, str]:
        """Read a YAML mapping file; (None, display) with diagnostics when unusable."""
        disp = self.display(path)
        self.use(path)
        text = read_text(path, disp, self.diags, data=self.overlaid(path))
        if text is None:
            return None, disp
        node, ok = self.compose(text, disp)
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
                "write one `key: value` per line at the left margin, e.g. `title: ...`"
                + (" (the file is empty)" if node is None else ""),
            )
            return None, disp
        return node, disp

    def compose(self, text: str, disp: str, line_offset: int = 0) -> tuple[Node | None, bool]:
        """:func:`~.yamlio.compose`, from the cache when it holds this very text."""

        def compute() -> YamlResult:
            diags = Diagnostics()
            node, ok = compose(text, disp, diags, line_offset)
            return node, ok, tuple(diags.items)

        if self.cache is None:
            node, ok, diagnostics = compute()
        else:
            node, ok, diagnostics = self.cache.yaml((text, disp, line_offset), compute)
        self.diags.extend(diagnostics)
        return node, ok

    def overlaid(self, path: Path) -> bytes | None:
        """The editor's text of ``path`` as bytes, or None to read the file."""
        text = self.overlay.get(path.resolve()) if self.overlay else None
        return None if text is None else text.encode("utf-8", "surrogatepass")

    def render(
        self, text: str, base_dir: Path, origin: TextOrigin
    ) -> tuple[Rendered, AssetCollector]:
        """Render Markdown (from the cache when it holds this very text), note its files."""

        def compute() -> MarkdownEntry:
            diags = Diagnostics()
            collector = AssetCollector()
            rendered = render_markdown(
                text,
                base_dir=base_dir,
                project_root=self.root,
                origin=origin,
                diags=diags,
                assets=collector,
            )
            return MarkdownEntry(rendered, tuple(diags.items), tuple(collector.by_source))

        if self.cache is None:
            entry = compute()
        else:
            key = (text, base_dir, self.root, origin.display, origin.line, origin.column)
            entry = self.cache.markdown(key, compute)
        self.diags.extend(entry.diagnostics)
        collector = AssetCollector()
        for source in entry.assets:
            collector.add(source)
        for ref_path in entry.rendered.referenced:
            self.use(ref_path)
        return entry.rendered, collector

    def markdown(
        self,
        text: str,
        node: Node | None,
        f: Fields,
        base_dir: Path,
        where: str,
    ) -> str:
        """Render Markdown embedded in YAML; local files are not allowed there."""
        origin = origin_of(node, f)
        rendered, collector = self.render(text, base_dir, origin)
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

    def _path(self, f: Fields, key: str, base: Path, what: str, hint_base: str) -> Path | None:
        rel = f.text(key, required=True)
        node = f.raw(key)
        if rel is None or node is None:
            return None
        target = (base / rel).resolve()
        if not target.is_relative_to(self.root):
            f.error(
                node,
                codes.OUTSIDE_PROJECT,
                f'{what} "{rel}" is outside the project',
                f"copy the file into the project; paths are relative to {hint_base}",
            )
            return None
        if not target.is_file():
            parent = target.parent
            hint = (
                did_you_mean(target.name, files_in(parent)) or f"paths are relative to {hint_base}"
            )
            f.error(node, codes.MISSING_FILE, f'{what} "{rel}" does not exist', hint)
            return None
        self.use(target)
        return target

    def _title(self, f: Fields, required: bool, default: str = "") -> str:
        return f.text("title", required=required, max_len=MAX_NAME) or default

    def _desc(self, f: Fields, key: str, folder: Path, where: str) -> str:
        text = f.text(key)
        if not text:
            return ""
        return self.markdown(text, f.raw(key), f, folder, where)

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
        return as_completion(value) if value is not None else default

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
            ItemRef(where[0], where[1], where[2], section, item)
        )

    def _item_span(self, f: Fields) -> SourceSpan:
        p = pos(f.node)
        return SourceSpan(self.current_module_file, p.line, p.column)


def origin_of(node: Node | None, f: Fields) -> TextOrigin:
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


def plain_title(markdown: str) -> str:
    text = re.sub(r"[*_`#>\[\]()!$\\]", "", markdown).strip()
    first = text.split("\n", 1)[0].strip()
    return first[:50] or "Label"


def subdirs(path: Path) -> list[str]:
    try:
        return sorted(p.name for p in path.iterdir() if p.is_dir())
    except OSError:
        return []


def files_in(path: Path) -> list[str]:
    try:
        return sorted(p.name for p in path.iterdir() if p.is_file())
    except OSError:
        return []


def walk_files(top: Path) -> list[Path]:
    out: list[Path] = []
    for p in sorted(top.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            out.extend(walk_files(p))
        elif p.is_file():
            out.append(p)
    return out


def as_completion(value: str) -> CompletionMode:
    for mode in COMPLETION_MODES:
        if mode == value:
            return mode
    return "none"


def as_grade_method(value: str) -> GradeMethod:
    for m in GRADE_METHODS:
        if m == value:
            return m
    return "highest"


def bad_filename(name: str) -> bool:
    return bool(re.search(r"[\x00-\x1f\x7f&<>\"`|':\\/]", name))
