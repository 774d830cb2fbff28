"""A course's preview site in memory: its pages (HTML) and the files they show.

:class:`SiteRenderer` renders a :class:`~lemma_pkg.content.model.Course` with Jinja2
(autoescape on): one page per lesson, quiz and glossary, the index, and the list of
files to serve beside them. ``@@PLUGINFILE@@`` links in rendered Markdown become relative
links to the activity's files, as Moodle rewrites them against the activity's file area.
The renderer remembers each page's inputs (a digest of the item and of the navigation
every page carries); rendering the next version of the course re-renders only the pages
whose inputs changed.

:class:`SiteBuilder` is what the preview server runs after every save: load the project
again (with a :class:`~lemma_pkg.content.cache.LoadCache`, so unchanged lessons and
quizzes are not parsed again) and render what changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from lemma_pkg.content import ids
from lemma_pkg.content.cache import LoadCache
from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import AnyItem, Course, DataFile, Glossary, Label, Page, Quiz, Url
from lemma_pkg.diagnostics import Diagnostic
from lemma_pkg.render.markdown import PLUGINFILE
from lemma_pkg.render.mathjax import MathJaxSource, local_files
from lemma_pkg.render.views import ItemView, SectionView, question_view

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE_FOR = {"page": "page.html", "quiz": "quiz.html", "glossary": "glossary.html"}


@dataclass(frozen=True)
class Site:
    """The pages and files of a preview site, by their path in the site."""

    pages: dict[str, str]
    # Files to serve or copy: activity files, images, the style sheet, the MathJax copy.
    files: dict[str, Path]
    # For each page, the site paths of the files it shows (images): editing one changes it.
    page_files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # How many of ``files`` belong to the course's activities (data sets, images).
    activity_files: int = 0


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lemma_pkg.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


class SiteRenderer:
    """Renders courses into :class:`Site` values, re-rendering only pages that changed."""

    def __init__(self) -> None:
        self.env = environment()
        self._pages: dict[str, tuple[str, str]] = {}  # page -> (digest of its inputs, HTML)
        self.rendered = 0  # pages the last render() rendered (the rest came from memory)

    def render(self, course: Course, mathjax: MathJaxSource) -> Site:
        used: set[str] = set()

        def base_for(item: AnyItem) -> str:
            base = ids.slug(item.idnumber.replace("/", "-"))
            name, n = base, 2
            while name in used:
                name = f"{base}-{n}"
                n += 1
            used.add(name)
            return name

        files: dict[str, Path] = {}
        page_files: dict[str, tuple[str, ...]] = {}
        index_files: list[str] = []
        sections: list[SectionView] = []
        jobs: list[tuple[ItemView, str]] = []
        for section in course.sections:
            views: list[ItemView] = []
            for item in section.items:
                view = ItemView(item=item, kind=type(item).__name__.lower())
                if isinstance(item, Url):
                    view.href, view.external = item.url, True
                elif isinstance(item, DataFile):
                    view.href = f"files/{base_for(item)}/{item.filename}"
                    files[view.href] = item.source
                elif isinstance(item, Label):
                    base = base_for(item)
                    index_files.extend(_add_assets(item, base, files))
                    view.label_html = Markup(
                        item.content_html.replace(f"{PLUGINFILE}/", f"{base}/")
                    )
                elif isinstance(item, Page | Quiz | Glossary):
                    base = base_for(item)
                    view.href = f"{base}.html"
                    jobs.append((view, base))
                    if isinstance(item, Page):
                        page_files[view.href] = _add_assets(item, base, files)
                views.append(view)
            sections.append(SectionView(section, f"section-{section.number}", views))
        activity_files = len(files)
        page_files["index.html"] = tuple(index_files)

        # Every page carries the navigation: when it changes, every page is rendered again.
        nav = _digest(
            (
                course.fullname,
                course.shortname,
                course.language,
                course.licence,
                mathjax,
                [
                    (
                        sv.anchor,
                        sv.section.title,
                        [(iv.kind, iv.item.title, iv.href) for iv in sv.items],
                    )
                    for sv in sections
                ],
            )
        )
        common = {"course": course, "sections": sections, "mathjax": mathjax}
        pages: dict[str, str] = {}
        cache: dict[str, tuple[str, str]] = {}
        self.rendered = 0
        for view, base in jobs:
            name = f"{base}.html"
            key = _digest((nav, base, view.item))
            earlier = self._pages.get(name)
            if earlier is not None and earlier[0] == key:
                html = earlier[1]
            else:
                html = self._render_item(view, base, common)
                self.rendered += 1
            pages[name] = html
            cache[name] = (key, html)
        # The index shows every section and item: cheaper to render than to key.
        pages["index.html"] = self.env.get_template("index.html").render(
            {**common, "current": None}
        )
        self.rendered += 1
        self._pages = cache
        files["style.css"] = TEMPLATES / "style.css"
        files.update(local_files())
        return Site(pages, files, page_files, activity_files)

    def _render_item(self, view: ItemView, base: str, common: dict[str, Any]) -> str:
        item = view.item
        context: dict[str, Any] = {**common, "current": view}
        if isinstance(item, Page):
            context["content_html"] = Markup(
                item.content_html.replace(f"{PLUGINFILE}/", f"{base}/")
            )
        if isinstance(item, Quiz):
            context["questions"] = [
                v for v in (question_view(q) for q in item.questions) if v is not None
            ]
        return self.env.get_template(TEMPLATE_FOR[view.kind]).render(context)


def _add_assets(item: Page | Label, base: str, files: dict[str, Path]) -> tuple[str, ...]:
    """Put the files of ``item`` at ``<base>/<name>`` (where its HTML points)."""
    names = tuple(f"{base}/{asset.name}" for asset in item.assets)
    for name, asset in zip(names, item.assets, strict=True):
        files[name] = asset.source
    return names


@dataclass(frozen=True)
class BuildResult:
    """One build of :class:`SiteBuilder`. ``site`` is None when the sources have errors."""

    diagnostics: list[Diagnostic]
    site: Site | None
    rendered: int = 0  # pages rendered by this build
    changed: frozenset[str] = frozenset()  # pages whose HTML differs from the last good build

    @property
    def ok(self) -> bool:
        return self.site is not None


class SiteBuilder:
    """Builds the preview of the project at ``path`` again and again, reusing what it can.

    ``mathjax_url`` overrides course.yaml's ``preview.mathjax_url``; ``offline`` makes
    pages load the package's MathJax only.
    """

    def __init__(self, path: Path, mathjax_url: str | None = None, offline: bool = False) -> None:
        self.path = path
        self.mathjax_url = mathjax_url
        self.offline = offline
        self.cache = LoadCache()
        self.renderer = SiteRenderer()
        self.site: Site | None = None  # the last good build's
        self.root: Path | None = None  # the project folder, once found

    def build(self) -> BuildResult:
        result = load_course(self.path, self.cache)
        self.root = result.root or self.root
        if result.course is None:
            return BuildResult(result.diagnostics, None)
        mathjax = MathJaxSource(None if self.offline else self.mathjax_url or result.mathjax_url)
        site = self.renderer.render(result.course, mathjax)
        before = self.site.pages if self.site is not None else {}
        changed = frozenset(
            name
            for name in site.pages.keys() | before.keys()
            if site.pages.get(name) != before.get(name)
        )
        self.site = site
        return BuildResult(result.diagnostics, site, self.renderer.rendered, changed)
