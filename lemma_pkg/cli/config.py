"""`lemma config ...`: show the resolved site configuration."""

from __future__ import annotations

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.cli.site_options import SiteOptions, site_options


@click.group("config")
def config_group() -> None:
    """Show where the site URL and token come from."""


@config_group.command("show")
@site_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def show_command(site: SiteOptions, fmt: str) -> None:
    """Print the resolved site URL, token (masked) and profile, each with its origin.

    \b
    Order: flags > env (LEMMA_URL, LEMMA_TOKEN, LEMMA_PROFILE) > profile in the user
    config file ($LEMMA_CONFIG or the app dir's config.toml, mode 0600) > lemma.toml.
    """
    cfg = site.resolve()
    if fmt == "json":
        echo_json(cfg.to_dict())
        return
    rows = [
        ("profile", cfg.profile or "-", cfg.profile_origin),
        ("url", cfg.url or "-", cfg.url_origin),
        ("token", cfg.token.masked if cfg.token else "-", cfg.token_origin),
    ]
    width = max(len(r[1]) for r in rows)
    for name, value, origin in rows:
        click.echo(f"{name:<8} {value:<{width}}  ({origin})")
    state = "found" if cfg.user_config_exists else "not found"
    click.echo(f"{'config':<8} {cfg.user_config_path} ({state})")
    click.echo(f"{'project':<8} {cfg.project_config_path or '-'}")
