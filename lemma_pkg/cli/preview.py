"""`lemma preview`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("preview")
def preview_command() -> None:
    """Render a static HTML preview of the course (not yet implemented)."""
    raise LemmaError("`lemma preview` is not implemented yet")
