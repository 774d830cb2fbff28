"""A static HTML preview of a loaded course: one page per activity, navigation by module.

The site is written from the :class:`~lemma_pkg.content.model.Course` only (the same model
the backup writer reads), rendered by :mod:`lemma_pkg.render.site`: pages, the activities'
files, the style sheet and the package's MathJax copy (pages fall back to it when the CDN
cannot be reached; :mod:`lemma_pkg.render.mathjax`).

The output folder is written in full or not at all: the site is built in a temporary
sibling folder and swapped in at the end. An existing folder is only replaced when it is
empty or was written by this function (it holds a ``.lemma-preview`` marker).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lemma_pkg.content.context import CONTENT_DIR, GIFT_DIR
from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import Course
from lemma_pkg.diagnostics import Diagnostic, display_path
from lemma_pkg.errors import LemmaError
from lemma_pkg.render.mathjax import MathJaxSource
from lemma_pkg.render.site import Site, SiteRenderer

log = logging.getLogger("lemma.preview")

MARKER = ".lemma-preview"


@dataclass(frozen=True)
class PreviewResult:
    """What :func:`write_preview` wrote."""

    out: Path
    index: Path
    pages: int
    files: int


# ------------------------------------------------------------------------------ writing


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


def write_preview(course: Course, out: Path, mathjax: MathJaxSource) -> PreviewResult:
    """Write the preview site of ``course`` into ``out`` (replacing an earlier preview)."""
    _check_out(out)
    site = SiteRenderer().render(course, mathjax)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise _write_error(out, exc) from exc
    try:
        _write_site(site, tmp)
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
    return PreviewResult(
        out=out, index=out / "index.html", pages=len(site.pages), files=site.activity_files
    )


def _write_site(site: Site, folder: Path) -> None:
    for name, source in site.files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for name, html in site.pages.items():
        (folder / name).write_text(html, encoding="utf-8")


def _write_error(out: Path, exc: OSError) -> LemmaError:
    return LemmaError(
        f"cannot write the preview to {display_path(out)}: {exc.strerror or exc}",
        "check that the folder can be created and is writable (and the disk is not full), "
        "or choose another with --out",
    )


@dataclass(frozen=True)
class PreviewRun:
    """Result of :func:`preview_project`: ``preview`` is None when the sources have errors."""

    diagnostics: list[Diagnostic]
    preview: PreviewResult | None


def preview_project(
    path: Path, out: Path | None, mathjax_url: str | None, offline: bool = False
) -> PreviewRun:
    """Load the course at ``path`` and, when it has no errors, write its preview.

    ``out`` defaults to ``<project>/preview``; ``mathjax_url`` to course.yaml's
    ``preview.mathjax_url``; ``offline`` makes pages use the package's MathJax only.
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
    mathjax = MathJaxSource(None if offline else mathjax_url or result.mathjax_url)
    written = write_preview(result.course, target, mathjax)
    log.info(
        "preview: %d pages, %d files in %s", written.pages, written.files, display_path(target)
    )
    return PreviewRun(result.diagnostics, written)
