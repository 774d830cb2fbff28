"""`lemma plugin ...`: the companion Moodle plugin local_lemma, as a zip or a folder."""

from __future__ import annotations

from pathlib import Path

import click

from lemma_pkg.cli.output import echo_json
from lemma_pkg.plugin.bundle import default_zip_name, plugin_dir, plugin_version, write_zip


@click.group("plugin")
def plugin_group() -> None:
    """The companion Moodle plugin local_lemma (deploy, enrol and report use it)."""


@plugin_group.command("zip")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the zip here (default: ./local_lemma-<release>.zip).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: the zip's path; json: path, version and release.",
)
def zip_command(out: Path | None, fmt: str) -> None:
    """Write the plugin as a zip for Site administration > Plugins > Install plugins.

    The zip holds one folder, lemma/, which Moodle installs as local/lemma. The same plugin
    files always give the same bytes.

    \b
    Example:
      lemma plugin zip --out /tmp/local_lemma.zip
    """
    path = write_zip(out if out is not None else Path(default_zip_name()))
    if fmt == "json":
        v = plugin_version()
        echo_json({"path": str(path), "version": v.version, "release": v.release})
    else:
        click.echo(str(path))


@plugin_group.command("path")
def path_command() -> None:
    """Print the folder holding the plugin's files (copy it to MOODLE/local/lemma).

    \b
    Example:
      rsync -a "$(lemma plugin path)/" /var/www/moodle/local/lemma/
    """
    click.echo(str(plugin_dir()))
