"""`lemma gift ...`: parse, lint and format GIFT files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group("gift")
def gift_group() -> None:
    """Read, lint and format GIFT quiz files (Moodle 4.5 dialect)."""


@gift_group.command("parse")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["moodle-json", "json"]),
    default="moodle-json",
    show_default=True,
    help="moodle-json: Moodle's question objects block by block; json: the AST with positions.",
)
def parse_command(file: Path, fmt: str) -> None:
    """Parse FILE exactly as Moodle 4.5's importer and print the result as JSON."""
    from lemma_pkg.gift import parse_file
    from lemma_pkg.gift.moodle import moodle_json

    doc = parse_file(file)
    data = moodle_json(doc)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
