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
    """Show what is inside a .mbz and check it.

    FILE is any Moodle course backup (made by lemma or by Moodle). Lists sections,
    activities by type, questions by type and files with sizes and MIME types, then checks
    the archive against what Moodle 4.5's restore needs: mandatory files, id links between
    files, context ids, inforef coverage, question references and contexts, sumgrades,
    availability JSON and NOT NULL columns.

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
