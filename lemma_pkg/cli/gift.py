"""`lemma gift ...`: parse, lint and format GIFT files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lemma_pkg.cli.output import diagnostics_format_option, emit_diagnostics, strict_option


@click.group("gift")
def gift_group() -> None:
    """Read, lint and format GIFT quiz files (Moodle 4.5 dialect)."""


@gift_group.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["moodle-json", "json"]),
    default="moodle-json",
    show_default=True,
    help="moodle-json: Moodle's question objects block by block; json: the AST with positions.",
)
def parse_command(file: Path, fmt: str) -> None:
    """Parse a GIFT file exactly as Moodle 4.5 does.

    moodle-json prints Moodle's question objects block by block (null plus errors where
    Moodle rejects a block or crashes); json prints the AST with source positions."""
    from lemma_pkg.gift import parse_file

    doc = parse_file(file)
    if fmt == "json":
        from lemma_pkg.gift.dump import document_ast

        data = document_ast(doc)
    else:
        from lemma_pkg.gift.moodle import moodle_json

        data = moodle_json(doc)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


@gift_group.command("lint")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@strict_option
@diagnostics_format_option
@click.option(
    "--no-require-feedback",
    is_flag=True,
    help="Do not require feedback on every answer of graded questions (rule GIFT042).",
)
@click.option(
    "--disable",
    "disable",
    multiple=True,
    metavar="RULES",
    help="Rule ids or names to turn off (comma-separated; repeatable).",
)
def lint_command(
    files: tuple[Path, ...],
    strict: bool,
    fmt: str,
    no_require_feedback: bool,
    disable: tuple[str, ...],
) -> None:
    """Report every problem in GIFT files.

    What Moodle rejects or crashes on, its checks after parsing, and the traps it accepts
    silently, each with file:line:column, a rule id and a fix hint. Exit 1 on errors
    (warnings too with --strict). Rules: `lemma gift rules` or docs/gift-rules.md.
    Disable a rule in a file with a comment line `// lemma: disable=GIFT012`."""
    from lemma_pkg.gift import LintConfig, lint_file

    codes = frozenset(c.strip() for spec in disable for c in spec.split(",") if c.strip())
    config = LintConfig(require_feedback=not no_require_feedback, disabled=codes)
    diags = []
    for f in files:
        diags.extend(lint_file(f, display=str(f), config=config))
    raise SystemExit(emit_diagnostics(diags, fmt, strict))


@gift_group.command("rules")
def rules_command() -> None:
    """Print the GIFT lint rules reference (Markdown)."""
    from lemma_pkg.gift.rules import rules_markdown

    sys.stdout.write(rules_markdown())


@gift_group.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only report files that would change (exit 1).")
def fmt_command(files: tuple[Path, ...], check: bool) -> None:
    """Rewrite GIFT files in canonical form.

    The questions stay exactly what Moodle imports; layout and escaping become canonical.
    With --check nothing is written and the exit status is 1 when a file would change.
    Files Moodle refuses (not UTF-8) are errors; then nothing is written."""
    from lemma_pkg.gift.fmt import format_files

    changed = format_files(list(files), write=not check)
    for path in changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    click.echo(
        f"{len(changed)} file(s) {'would be ' if check else ''}reformatted, "
        f"{len(files) - len(changed)} unchanged",
        err=True,
    )
    if check and changed:
        raise SystemExit(1)
