"""Output helpers shared by commands: data on stdout, everything else on stderr."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from lemma_pkg.diagnostics import FORMATS, Diagnostic, format_diagnostics, summary_line
from lemma_pkg.diagnostics import failed as diags_failed
from lemma_pkg.errors import EXIT_ERRORS, EXIT_OK

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("lemma.cli")


def diagnostics_format_option(f: F) -> F:
    """``--format text|json|github|sarif|gitlab`` for commands that report diagnostics."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="How to print problems: text, JSON, GitHub annotations, SARIF or GitLab code quality.",
    )(f)


def strict_option(f: F) -> F:
    return click.option("--strict", is_flag=True, help="Treat warnings as errors.")(f)


def emit_diagnostics(diags: Sequence[Diagnostic], fmt: str, strict: bool) -> int:
    """Print diagnostics (data on stdout) and a summary (stderr); return the exit code."""
    text = format_diagnostics(diags, fmt)
    if text:
        click.echo(text, nl=False)
    failed = diags_failed(diags, strict)
    if fmt == "text":
        echo_summary(diags, failed)
    return EXIT_ERRORS if failed else EXIT_OK


def echo_summary(diags: Sequence[Diagnostic], failed: bool) -> None:
    """The one-line summary ("2 errors, 1 warning") on stderr; with -q only when it failed."""
    if failed:
        log.error("%s", summary_line(diags))
    else:
        log.info("%s", summary_line(diags))


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))
