"""`lemma background check|sync`: a course's registration background on a site."""

from __future__ import annotations

from pathlib import Path

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.site_options import SiteOptions, site_options
from lemma_pkg.content.background import load_background
from lemma_pkg.content.loader import find_project
from lemma_pkg.enrol.fields import describe, sync_background
from lemma_pkg.errors import EXIT_CONFIG, EXIT_OK, ContentError, LemmaError
from lemma_pkg.moodle.profilefields import SyncResult

FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per field; json: one document.",
)
PATH = click.argument(
    "path", type=click.Path(file_okay=False, path_type=Path), default=Path("."), required=False
)


@click.group("background")
def background_group() -> None:
    """The course's registration background (custom profile fields) on a site."""


def _run(site: SiteOptions, path: Path, apply: bool, fmt: str) -> int:
    root = find_project(path)
    if root is None:
        raise LemmaError(
            f"no course here: {path} has no content_src/course.yaml",
            "pass the course project folder",
        )
    loaded = load_background(root)
    if loaded.errors:
        raise ContentError(
            "course.yaml: the background has errors: "
            + "; ".join(f"{d.location()}: {d.message}" for d in loaded.errors),
            loaded.errors,
            "run `lemma validate` and fix them",
        )
    if loaded.background is None or not loaded.background.fields:
        raise LemmaError(
            f"{loaded.course_file}: the course declares no background",
            "add a background: block to course.yaml (docs/source-format.md)",
        )
    with site.client() as client:
        result = sync_background(client, loaded.background, apply=apply)
    _print(result, fmt)
    left = describe(result)
    return EXIT_CONFIG if left else EXIT_OK


def _print(result: SyncResult, fmt: str) -> None:
    if fmt == "json":
        echo_json(
            {
                "category": result.category,
                "categoryid": result.categoryid,
                "fields": [
                    {
                        "shortname": f.shortname,
                        "id": f.id,
                        "status": f.status,
                        "differences": list(f.differences),
                    }
                    for f in result.fields
                ],
            }
        )
        return
    width = max((len(f.shortname) for f in result.fields), default=0)
    for f in result.fields:
        extra = f" ({', '.join(f.differences)})" if f.differences else ""
        click.echo(f"{f.status:<9}  {f.shortname:<{width}}{extra}".rstrip())


@background_group.command("check")
@site_options
@PATH
@FORMAT
@click.pass_context
def check_command(ctx: click.Context, site: SiteOptions, path: Path, fmt: str) -> None:
    """Compare the course's background with the site's profile fields.

    PATH is the course project (default: the current folder). One line per field: ok,
    missing, different (with what differs) or conflict (a field of another type has the
    shortname). Writes nothing.

    \b
    Exit codes: 0 every field is as declared, 3 some are not (run `lemma background sync`).
    """
    ctx.exit(_run(site, path, False, fmt))


@background_group.command("sync")
@site_options
@PATH
@FORMAT
@click.pass_context
def sync_command(ctx: click.Context, site: SiteOptions, path: Path, fmt: str) -> None:
    """Create the course's background fields on the site, and update those that differ.

    PATH is the course project (default: the current folder). Uses Moodle's profile field
    API through the companion plugin (needs moodle/site:config). Never deletes a field or a
    learner's answer and never changes a field's type. Running it again changes nothing.

    \b
    Exit codes: 0 every field is now as declared, 3 a conflict remains.
    """
    ctx.exit(_run(site, path, True, fmt))
