"""`lemma doctor`."""

from __future__ import annotations

import click

from lemma_pkg.errors import LemmaError


@click.command("doctor")
def doctor_command() -> None:
    """Check that a Moodle site is ready for lemma (not yet implemented)."""
    raise LemmaError("`lemma doctor` is not implemented yet")
