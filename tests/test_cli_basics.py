"""The CLI's global behaviour: version, help, exit codes, error reporting, docs in sync."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from lemma_pkg import __version__
from lemma_pkg.cli import COMMANDS, main
from lemma_pkg.cli.reference import END, START, cli_reference_markdown, replace_block

REPO = Path(__file__).resolve().parent.parent


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"lemma, version {__version__}\n"


def test_short_help_flag_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["-h"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_unknown_command_is_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_every_command_has_help_text() -> None:
    ctx = click.Context(main, info_name="lemma")
    for name in COMMANDS:
        cmd = main.get_command(ctx, name)
        assert cmd is not None
        assert cmd.help, f"`lemma {name}` has no help text"


def test_readme_cli_reference_matches_help() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert START in readme and END in readme
    expected = replace_block(readme, cli_reference_markdown())
    assert readme == expected, (
        "README CLI reference is out of date: run `python -m lemma_pkg.cli.reference --write README.md`"
    )


def test_readme_starts_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    setup = readme.index("## Set-up")
    assert readme.index("scripts/run", setup) < readme.index("scripts/test", setup)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test" in ci
