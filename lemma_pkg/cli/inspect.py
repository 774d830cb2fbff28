"""`lemma inspect`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from lemma_pkg.cli.output import echo_summary
from lemma_pkg.diagnostics import Severity, format_text
from lemma_pkg.errors import EXIT_ERRORS, EXIT_OK


@click.command("inspect")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a summary and the problems; json: one document with both.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def inspect_command(ctx: click.Context, fmt: str, file: Path) -> None:
    """Show what is inside a .mbz and check it against Moodle 4.5's restore.

    FILE is any Moodle backup: a course, section or activity backup made by lemma or by
    any Moodle since 2.x (tar.gz or zip). Shows the backup type, the Moodle version that
    made it, the user data it holds (users, enrolments, attempts, grades), sections,
    activities and questions by type, quizzes and files, then what Moodle 4.5's restore
    would reject, silently lose or change: missing files, broken links between files and
    ids, question banks and quiz slots (read the way restore reads the archive's own
    version), user data of users the archive lacks, availability JSON, NOT NULL columns.

    Exit status: 0 nothing wrong (notes allowed), 1 any error or warning.

    \b
    Example:
      lemma inspect backups/LEMMA.mbz
      lemma inspect --format json course.mbz
    """
    from lemma_pkg.mbz.inspect import format_report_text, inspect_file

    report = inspect_file(file)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_report_text(report), nl=False)
        text = format_text(report.problems)
        if text:
            click.echo(text, nl=False)
        counted = [p for p in report.problems if p.severity is not Severity.INFO]
        echo_summary(counted, report.failed)
    ctx.exit(EXIT_ERRORS if report.failed else EXIT_OK)
