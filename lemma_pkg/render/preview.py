"""A static HTML preview of a loaded course: one page per activity, navigation by module.

The site is written from the :class:`~lemma_pkg.content.model.Course` only (the same model
the backup writer reads), with Jinja2 templates (autoescape on). ``@@PLUGINFILE@@`` links
in rendered Markdown become relative links to the activity's copied files, as Moodle
rewrites them against the activity's file area. Quizzes are shown with their questions,
answers, correct choices and feedback, built from the Moodle question objects.

The output folder is written in full or not at all: the site is built in a temporary
sibling folder and swapped in at the end. An existing folder is only replaced when it is
empty or was written by this function (it holds a ``.lemma-preview`` marker).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from lemma_pkg.content import ids
from lemma_pkg.content.context import CONTENT_DIR, GIFT_DIR
from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import (
    AnyItem,
    Course,
    DataFile,
    Glossary,
    Label,
    Page,
    Quiz,
    Section,
    Url,
)
from lemma_pkg.diagnostics import Diagnostic, display_path
from lemma_pkg.errors import LemmaError
from lemma_pkg.render.markdown import PLUGINFILE, parser

log = logging.getLogger("lemma.preview")

MARKER = ".lemma-preview"


@dataclass(frozen=True)
class PreviewResult:
    """What :func:`write_preview` wrote."""

    out: Path
    index: Path
    pages: int
    files: int


# ------------------------------------------------------------------------------ view models


@dataclass
class ChoiceView:
    text_html: Markup
    correct: bool = False
    fraction: float | None = None
    feedback_html: Markup = field(default_factory=Markup)


@dataclass
class QuestionView:
    qtype: str
    name: str
    text_html: Markup
    choices: list[ChoiceView] = field(default_factory=list)
    general_feedback_html: Markup = field(default_factory=Markup)
    note: str = ""


@dataclass
class ItemView:
    item: AnyItem
    kind: str
    href: str | None = None  # page of the item in the preview, or the file / URL to open
    external: bool = False
    label_html: Markup | None = None  # labels: their content, shown on the index page


@dataclass
class SectionView:
    section: Section
    anchor: str
    items: list[ItemView]


def _text_html(text: Any, fmt: Any = "0") -> Markup:
    """Moodle text (``{"text", "format"}`` or a string) as HTML for the preview.

    Formats: "1" HTML and "0" Moodle auto-format are HTML already; "2" plain is escaped;
    "4" Markdown is rendered with the course's Markdown parser.
    """
    if isinstance(text, dict):
        fmt = text.get("format", fmt)
        text = text.get("text", "")
    value = "" if text is None else str(text)
    fmt = str(fmt)
    if fmt == "2":
        return Markup("<br>\n").join(escape(line) for line in value.split("\n"))
    if fmt == "4":
        return Markup(parser().render(value))
    return Markup(value)


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def question_view(q: dict[str, Any]) -> QuestionView | None:
    """A displayable view of one Moodle question object (None for ``category`` entries)."""
    qtype = str(q.get("qtype", ""))
    if qtype == "category":
        return None
    fmt = q.get("questiontextformat", "0")
    view = QuestionView(
        qtype=qtype,
        name=str(q.get("name", "")),
        text_html=_text_html(q.get("questiontext", ""), fmt),
        general_feedback_html=_text_html(
            q.get("generalfeedback", ""), q.get("generalfeedbackformat", fmt)
        ),
    )
    answers = q.get("answer") or []
    fractions = q.get("fraction") or []
    feedback = q.get("feedback") or []

    def at(seq: Any, i: int) -> Any:
        if isinstance(seq, dict):
            return seq.get(str(i))
        return seq[i] if isinstance(seq, list) and i < len(seq) else None

    n_answers = len(answers) if isinstance(answers, list | dict) else 0
    if qtype in ("multichoice", "shortanswer", "numerical"):
        tolerances = q.get("tolerance") or []
        for i in range(n_answers):
            ans = at(answers, i)
            frac = _num(at(fractions, i))
            if qtype == "numerical":
                tol = _num(at(tolerances, i))
                text = "*" if str(ans) == "*" else str(ans) + (f" ± {tol:g}" if tol else "")
                text_html = escape(text)
            elif qtype == "shortanswer":
                text_html = escape(str(ans))
            else:
                text_html = _text_html(ans, fmt)
            view.choices.append(
                ChoiceView(
                    text_html=text_html,
                    correct=bool(frac and frac > 0),
                    fraction=frac,
                    feedback_html=_text_html(at(feedback, i) or "", fmt),
                )
            )
        if qtype == "multichoice":
            view.note = "one answer" if q.get("single") in (1, "1", True) else "several answers"
    elif qtype == "truefalse":
        correct_true = q.get("correctanswer") in (1, "1", True)
        view.choices = [
            ChoiceView(Markup("True"), correct_true, None, _text_html(q.get("feedbacktrue"), fmt)),
            ChoiceView(
                Markup("False"), not correct_true, None, _text_html(q.get("feedbackfalse"), fmt)
            ),
        ]
    elif qtype == "match":
        subq = q.get("subquestions") or []
        suba = q.get("subanswers") or []
        for i in range(len(suba) if isinstance(suba, list | dict) else 0):
            left = _text_html(at(subq, i) or "", fmt)
            right = escape(str(at(suba, i) or ""))
            view.choices.append(
                ChoiceView(Markup("{} → {}").format(left, right) if left else right, True)
            )
        view.note = "match the pairs"
    elif qtype == "ordering":
        for i in range(n_answers):
            view.choices.append(ChoiceView(_text_html(at(answers, i), fmt), True))
        view.note = "put in this order"
    elif qtype == "essay":
        view.note = "free-text answer"
    return view


# ------------------------------------------------------------------------------ writing


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lemma_pkg.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _kind(item: AnyItem) -> str:
    return type(item).__name__.lower()


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LemmaError(
            f"cannot write the preview to {out}: it is a file",
            "choose a folder with --out",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise LemmaError(
            f"refusing to replace {out}: it is not empty and was not written by `lemma preview`",
            "choose an empty or new folder with --out",
        )


def write_preview(course: Course, out: Path, mathjax_url: str) -> PreviewResult:
    """Write the preview site of ``course`` into ``out`` (replacing an earlier preview)."""
    _check_out(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise _write_error(out, exc) from exc
    try:
        pages, files = _build(course, tmp, mathjax_url)
        (tmp / MARKER).write_text("written by `lemma preview`; replaced on every run\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _write_error(out, exc) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PreviewResult(out=out, index=out / "index.html", pages=pages, files=files)


def _write_error(out: Path, exc: OSError) -> LemmaError:
    return LemmaError(
        f"cannot write the preview to {display_path(out)}: {exc.strerror or exc}",
        "check that the folder can be created and is writable (and the disk is not full), "
        "or choose another with --out",
    )


def _build(course: Course, site: Path, mathjax_url: str) -> tuple[int, int]:
    env = _environment()
    used: set[str] = set()

    def base_for(item: AnyItem) -> str:
        base = ids.slug(item.idnumber.replace("/", "-"))
        name, n = base, 2
        while name in used:
            name = f"{base}-{n}"
            n += 1
        used.add(name)
        return name

    sections: list[SectionView] = []
    jobs: list[tuple[ItemView, str]] = []
    n_files = 0
    for section in course.sections:
        views: list[ItemView] = []
        for item in section.items:
            view = ItemView(item=item, kind=_kind(item))
            if isinstance(item, Url):
                view.href, view.external = item.url, True
            elif isinstance(item, DataFile):
                base = base_for(item)
                target = site / "files" / base / item.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(item.source, target)
                n_files += 1
                view.href = f"files/{base}/{item.filename}"
            elif isinstance(item, Label):
                base = base_for(item)
                n_files += _copy_assets(item, site, base)
                view.label_html = Markup(item.content_html.replace(f"{PLUGINFILE}/", f"{base}/"))
            elif isinstance(item, Page | Quiz | Glossary):
                base = base_for(item)
                view.href = f"{base}.html"
                jobs.append((view, base))
                if isinstance(item, Page):
                    n_files += _copy_assets(item, site, base)
            views.append(view)
        sections.append(SectionView(section, f"section-{section.number}", views))

    common = {"course": course, "sections": sections, "mathjax_url": mathjax_url}
    template_for = {"page": "page.html", "quiz": "quiz.html", "glossary": "glossary.html"}
    for view, base in jobs:
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
        html = env.get_template(template_for[view.kind]).render(context)
        (site / f"{base}.html").write_text(html, encoding="utf-8")
    index = env.get_template("index.html").render({**common, "current": None})
    (site / "index.html").write_text(index, encoding="utf-8")
    shutil.copyfile(Path(__file__).parent / "templates" / "style.css", site / "style.css")
    return len(jobs) + 1, n_files


def _copy_assets(item: Page | Label, site: Path, base: str) -> int:
    """Copy the files of ``item`` into ``<site>/<base>/`` (where its HTML points)."""
    for asset in item.assets:
        target = site / base / asset.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset.source, target)
    return len(item.assets)


@dataclass(frozen=True)
class PreviewRun:
    """Result of :func:`preview_project`: ``preview`` is None when the sources have errors."""

    diagnostics: list[Diagnostic]
    preview: PreviewResult | None


def preview_project(path: Path, out: Path | None, mathjax_url: str | None) -> PreviewRun:
    """Load the course at ``path`` and, when it has no errors, write its preview.

    ``out`` defaults to ``<project>/preview``; ``mathjax_url`` to course.yaml's
    ``preview.mathjax_url``.
    """
    result = load_course(path)
    if result.course is None or result.root is None:
        return PreviewRun(result.diagnostics, None)
    target = out if out is not None else result.root / "preview"
    for sources in (CONTENT_DIR, GIFT_DIR):
        if target.resolve().is_relative_to((result.root / sources).resolve()):
            raise LemmaError(
                f"refusing to write the preview inside {sources}/: {display_path(target)}",
                "choose a folder outside the course sources with --out",
            )
    written = write_preview(result.course, target, mathjax_url or result.mathjax_url)
    log.info(
        "preview: %d pages, %d files in %s", written.pages, written.files, display_path(target)
    )
    return PreviewRun(result.diagnostics, written)
