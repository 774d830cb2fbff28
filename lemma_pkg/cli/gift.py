"""`lemma gift ...`: parse, lint and format GIFT files."""

from __future__ import annotations

import click


@click.group("gift")
def gift_group() -> None:
    """Read, lint and format GIFT quiz files (not yet implemented)."""
