"""Generate the README's CLI reference from the click commands, so docs cannot drift.

``python -m lemma_pkg.cli.reference --write README.md`` rewrites the block between the
``<!-- cli-reference:start -->`` and ``<!-- cli-reference:end -->`` markers; a test
fails when the README and ``--help`` disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def _walk(cmd: click.Command, ctx: click.Context, path: list[str]) -> list[str]:
    out: list[str] = []
    name = " ".join(path)
    help_text = cmd.get_help(ctx).rstrip()
    out.append(f"### `{name}`\n\n```text\n{help_text}\n```\n")
    if isinstance(cmd, click.Group):
        for sub_name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, sub_name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = sub.make_context(sub_name, [], parent=ctx, resilient_parsing=True)
            out.extend(_walk(sub, sub_ctx, [*path, sub_name]))
    return out


def cli_reference_markdown() -> str:
    """The Markdown reference of every command, from their ``--help`` texts."""
    from lemma_pkg.cli import main

    ctx = main.make_context("lemma", [], resilient_parsing=True, terminal_width=100)
    return "\n".join(_walk(main, ctx, ["lemma"]))


def replace_block(readme: str, block: str, start: str = START, end: str = END) -> str:
    """``readme`` with the text between the markers replaced by ``block``."""
    head, sep, rest = readme.partition(start)
    if not sep:
        raise ValueError(f"no {start} marker")
    _, sep2, tail = rest.partition(end)
    if not sep2:
        raise ValueError(f"no {end} marker")
    return f"{head}{start}\n\n{block}\n{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 2 and args[0] == "--write":
        path = Path(args[1])
        path.write_text(
            replace_block(path.read_text(encoding="utf-8"), cli_reference_markdown()),
            encoding="utf-8",
        )
        return 0
    sys.stdout.write(cli_reference_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
