"""`lemma inspect`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("inspect")
def inspect_command() -> None:
    """Show what is inside a .mbz and check it (not yet implemented)."""
    raise LemmaError("`lemma inspect` is not implemented yet")
