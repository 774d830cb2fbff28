"""`lemma validate`."""

from __future__ import annotations

from pathlib import Path

import click

from lemma_pkg.cli.output import diagnostics_format_option, emit_diagnostics, strict_option


@click.command("validate")
@strict_option
@diagnostics_format_option
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("."),
)
@click.pass_context
def validate_command(ctx: click.Context, strict: bool, fmt: str, path: Path) -> None:
    """Check course sources and report every problem.

    PATH is the course project folder holding content_src/ and gift_quizzes/ (default: the
    current folder). Checks course.yaml, module.yaml files, lessons, links and images, the
    glossary, GIFT quizzes and what the backup needs. Writes nothing.

    Exit status: 0 no errors, 1 errors (or warnings with --strict).

    \b
    Example:
      lemma validate --strict --format github .
    """
    from lemma_pkg.content.validate import validate_project

    ctx.exit(emit_diagnostics(validate_project(path), fmt, strict))
