"""`lemma config ...`: show the resolved site configuration."""

from __future__ import annotations

import click


@click.group("config")
def config_group() -> None:
    """Show where the site URL and token come from (not yet implemented)."""
