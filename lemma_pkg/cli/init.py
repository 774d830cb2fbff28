"""`lemma init`."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import click

from lemma_pkg.diagnostics import display_path

log = logging.getLogger("lemma.init")


@click.command("init")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--fullname", default=None, help="Course full name (default: from DIR).")
@click.option("--shortname", default=None, help="Course short name (default: the name of DIR).")
@click.option(
    "--start-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Course start date (default: today, UTC).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one file per line; json: the project, short name and files written.",
)
def init_command(
    directory: Path,
    fullname: str | None,
    shortname: str | None,
    start_date: dt.datetime | None,
    fmt: str,
) -> None:
    """Create a new minimal course in DIR.

    Writes content_src/ (course.yaml, a welcome section and one module with a lesson, a
    label and a quiz) and gift_quizzes/, ready for `lemma validate`, `lemma preview` and
    `lemma build`. Prints the files written. Never overwrites a file.

    \b
    Example:
      lemma init my-course --fullname "Introduction to statistics"
    """
    from lemma_pkg.content.ids import slug
    from lemma_pkg.scaffold import create_project

    name = directory.resolve().name
    short = shortname or slug(name)
    full = fullname or name.replace("-", " ").replace("_", " ").strip().capitalize() or short
    start = start_date.date() if start_date else dt.datetime.now(dt.UTC).date()
    written = create_project(directory, full, short, start)
    if fmt == "json":
        doc = {
            "project": display_path(directory),
            "shortname": short,
            "files": [display_path(p) for p in written],
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for path in written:
            click.echo(display_path(path))
    log.info("next: lemma validate %s", display_path(directory))
