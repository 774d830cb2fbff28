"""`lemma preview`."""

from __future__ import annotations

from pathlib import Path

import click

from lemma_pkg.cli.output import echo_summary
from lemma_pkg.diagnostics import display_path, failed, format_text
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
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
)
@click.pass_context
def preview_command(
    ctx: click.Context, out: Path | None, mathjax_url: str | None, path: Path
) -> None:
    """Render a static HTML preview of the course.

    One page per lesson, quiz and glossary, navigation by module, images and data files
    copied, math typeset by MathJax. Prints the path of index.html. Nothing is written
    when the sources have errors (they are listed on stderr, exit status 1).

    \b
    Example:
      lemma preview --out /tmp/site . && xdg-open /tmp/site/index.html
    """
    from lemma_pkg.render.preview import preview_project

    result = preview_project(path, out, mathjax_url)
    if result.diagnostics:
        click.echo(format_text(result.diagnostics), err=True, nl=False)
        echo_summary(result.diagnostics, failed(result.diagnostics))
    if result.preview is None or failed(result.diagnostics):
        ctx.exit(EXIT_ERRORS)
    click.echo(display_path(result.preview.index))
    ctx.exit(EXIT_OK)
