"""`lemma preview`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from lemma_pkg.cli.output import diagnostics_format_option, echo_summary
from lemma_pkg.diagnostics import (
    DOCUMENT_FORMATS,
    display_path,
    failed,
    format_diagnostics,
    format_json,
    format_text,
)
from lemma_pkg.errors import EXIT_ERRORS, EXIT_OK, UsageError

log = logging.getLogger("lemma.preview")


@click.command("preview")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Folder to write the site into (default: PATH/preview). Replaced on every run.",
)
@click.option(
    "--mathjax-url",
    default=None,
    metavar="URL",
    help="Where the pages load MathJax from (default: course.yaml preview.mathjax_url, "
    "else the jsDelivr CDN); pages fall back to the copy in the site when it cannot be reached.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Pages load only the MathJax copy shipped with lemma (no CDN).",
)
@click.option(
    "--serve",
    is_flag=True,
    help="Serve the preview on 127.0.0.1, rebuild on every change of the sources and reload "
    "the open pages (Ctrl-C stops).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port for --serve (0: any free port).",
)
@click.option("--open", "open_browser", is_flag=True, help="With --serve: open the browser.")
@diagnostics_format_option
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
)
@click.pass_context
def preview_command(
    ctx: click.Context,
    out: Path | None,
    mathjax_url: str | None,
    offline: bool,
    serve: bool,
    port: int,
    open_browser: bool,
    fmt: str,
    path: Path,
) -> None:
    """Render an HTML preview of the course, or serve it live while you write.

    One page per lesson, quiz and glossary, navigation by module, images and data files
    copied, math typeset by MathJax (from the CDN, else from the copy in the site). Prints
    the path of index.html. Nothing is written when the sources have errors (they are
    listed on stderr, exit status 1). With --format json: one document with the
    diagnostics and what was written; github, sarif and gitlab print the problems on stdout.

    With --serve nothing is written: the preview is served on http://127.0.0.1:PORT/
    (printed on stdout), rebuilt after every save (only the pages that changed are
    rendered again), and open pages reload; errors are shown over the page until the next
    good save.

    \b
    Examples:
      lemma preview --out /tmp/site . && xdg-open /tmp/site/index.html
      lemma preview --serve --open .
    """
    if serve:
        if out is not None:
            raise UsageError("--out and --serve do not go together", "--serve writes nothing")
        _serve(path, mathjax_url, offline, port, open_browser)
        return
    from lemma_pkg.render.preview import preview_project

    result = preview_project(path, out, mathjax_url, offline)
    ok = result.preview is not None and not failed(result.diagnostics)
    if fmt == "json":
        doc = json.loads(format_json(result.diagnostics))
        written = result.preview if ok else None
        doc["preview"] = (
            None
            if written is None
            else {
                "out": display_path(written.out),
                "index": display_path(written.index),
                "pages": written.pages,
                "files": written.files,
            }
        )
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        ctx.exit(EXIT_OK if ok else EXIT_ERRORS)
    if fmt == "text":
        if result.diagnostics:
            click.echo(format_text(result.diagnostics), err=True, nl=False)
            echo_summary(result.diagnostics, failed(result.diagnostics))
    else:
        click.echo(format_diagnostics(result.diagnostics, fmt), nl=False)
    if result.preview is None or not ok:
        ctx.exit(EXIT_ERRORS)
    if fmt not in DOCUMENT_FORMATS:  # stdout stays one report
        click.echo(display_path(result.preview.index))
    ctx.exit(EXIT_OK)


def _serve(
    path: Path, mathjax_url: str | None, offline: bool, port: int, open_browser: bool
) -> None:
    from lemma_pkg.render.server import serve_preview
    from lemma_pkg.render.site import SiteBuilder

    def ready(url: str) -> None:
        click.echo(url)
        log.info("serving the preview on %s (Ctrl-C stops)", url)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    serve_preview(SiteBuilder(path, mathjax_url, offline), port, ready)
