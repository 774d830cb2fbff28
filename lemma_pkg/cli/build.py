"""`lemma build`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from lemma_pkg.cli.output import diagnostics_format_option, emit_diagnostics, strict_option
from lemma_pkg.diagnostics import DOCUMENT_FORMATS, format_diagnostics, format_json
from lemma_pkg.errors import EXIT_ERRORS, ContentError

log = logging.getLogger("lemma.build")


@click.command("build")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the backup here (default: PATH/backups/<shortname>.mbz).",
)
@strict_option
@diagnostics_format_option
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
)
@click.pass_context
def build_command(ctx: click.Context, out: Path | None, strict: bool, fmt: str, path: Path) -> None:
    """Compile the course into a Moodle backup (.mbz).

    PATH is the course project folder holding content_src/ and gift_quizzes/ (default: the
    current folder). The backup restores into Moodle 4.5 LTS and 5.x. Nothing is written
    when the sources have errors (or warnings, with --strict); the file is replaced
    atomically otherwise. The same sources always give the same bytes: timestamps come from
    SOURCE_DATE_EPOCH, else the newest git commit of the sources.

    Prints the path of the backup on stdout (with --format json: the backup's path,
    sha256, size and contents, and the diagnostics; with --format sarif or gitlab: only
    that report).

    \b
    Example:
      lemma build --strict .
      lemma build --out /tmp/course.mbz --format json .
    """
    from lemma_pkg.build import build_course

    try:
        result = build_course(path, out, strict=strict)
    except ContentError as exc:
        if fmt == "json":  # the same document as on success, without a backup
            doc = json.loads(format_json(exc.diagnostics))
            doc["backup"] = None
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        else:
            emit_diagnostics(exc.diagnostics, fmt, strict)
        click.echo(f"error: {exc.message}", err=True)
        ctx.exit(EXIT_ERRORS)
    b = result.backup
    if fmt == "json":
        doc = json.loads(format_json(result.diagnostics))
        doc.update(result.to_dict())
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    elif fmt in DOCUMENT_FORMATS:
        # stdout must stay one SARIF or GitLab document; the path goes to the log line below.
        click.echo(format_diagnostics(result.diagnostics, fmt), nl=False)
    else:
        if result.diagnostics:
            emit_diagnostics(result.diagnostics, fmt, strict)
        click.echo(str(b.path))
    acts = ", ".join(f"{n} {k}" for k, n in b.activities.items())
    log.info(
        "wrote %s: %d bytes, %d sections, %s, %d questions, %d files (sha256 %s)",
        b.path,
        b.size,
        b.sections,
        acts or "no activities",
        b.questions,
        b.files,
        b.sha256[:16],
    )
