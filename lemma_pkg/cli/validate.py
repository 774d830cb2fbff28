"""`lemma validate`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("validate")
def validate_command() -> None:
    """Check course sources and report every problem (not yet implemented)."""
    raise LemmaError("`lemma validate` is not implemented yet")
