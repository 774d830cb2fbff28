"""`lemma init`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("init")
def init_command() -> None:
    """Create a new minimal course in DIR (not yet implemented)."""
    raise LemmaError("`lemma init` is not implemented yet")
