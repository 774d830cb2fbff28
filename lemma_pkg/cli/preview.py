"""`lemma preview`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lemma_pkg.cli.output import diagnostics_format_option, echo_summary
from lemma_pkg.diagnostics import display_path, failed, format_diagnostics, format_json, format_text
from lemma_pkg.errors import EXIT_ERRORS, EXIT_OK


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
    "else the jsDelivr CDN).",
)
@diagnostics_format_option
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
)
@click.pass_context
def preview_command(
    ctx: click.Context, out: Path | None, mathjax_url: str | None, fmt: str, path: Path
) -> None:
    """Render a static HTML preview of the course.

    One page per lesson, quiz and glossary, navigation by module, images and data files
    copied, math typeset by MathJax. Prints the path of index.html. Nothing is written
    when the sources have errors (they are listed on stderr, exit status 1). With
    --format json: one document with the diagnostics and what was written; github and
    sarif print the problems on stdout.

    \b
    Example:
      lemma preview --out /tmp/site . && xdg-open /tmp/site/index.html
    """
    from lemma_pkg.render.preview import preview_project

    result = preview_project(path, out, mathjax_url)
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
    if fmt != "sarif":  # stdout stays one SARIF document
        click.echo(display_path(result.preview.index))
    ctx.exit(EXIT_OK)
