"""`lemma build`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("build")
def build_command() -> None:
    """Compile the course into a Moodle backup (.mbz) (not yet implemented)."""
    raise LemmaError("`lemma build` is not implemented yet")
