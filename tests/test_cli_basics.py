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


def _not_an_archive(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mbz"
    path.write_text("plain text, not a backup\n", encoding="utf-8")
    return path


def test_lemma_error_is_one_line_and_a_hint_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--no-color", "inspect", str(_not_an_archive(tmp_path))])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path / 'notes.mbz'}: ")
    assert "\n  hint: " in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert result.stdout == ""


def test_traceback_flag_lets_the_exception_through(tmp_path: Path) -> None:
    from lemma_pkg.errors import LemmaError

    result = CliRunner().invoke(main, ["--traceback", "inspect", str(_not_an_archive(tmp_path))])
    assert result.exit_code == 1
    assert isinstance(result.exception, LemmaError)


def test_color_flag_colours_errors_and_no_color_env_turns_it_off(tmp_path: Path) -> None:
    archive = str(_not_an_archive(tmp_path))
    coloured = CliRunner().invoke(main, ["--color", "inspect", archive])
    assert "\x1b[" in coloured.stderr
    plain = CliRunner(env={"NO_COLOR": "1"}).invoke(main, ["inspect", archive], color=True)
    assert "\x1b[" not in plain.stderr
    assert plain.stderr.startswith("error: ")


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_quiet_keeps_data_on_stdout_and_drops_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "small.mbz"
    course = str(REPO / "tests" / "fixtures" / "course_small")
    loud = CliRunner().invoke(main, ["build", "--out", str(out), course])
    quiet = CliRunner().invoke(main, ["-q", "build", "--out", str(out), course])
    assert loud.exit_code == quiet.exit_code == 0
    assert quiet.stdout == loud.stdout == f"{out}\n"
    assert quiet.stderr == ""
    assert loud.stderr != ""


def test_misspelt_command_gets_a_did_you_mean() -> None:
    result = CliRunner().invoke(main, ["valdate"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such command 'valdate'. Did you mean 'validate'?\n")
    result = CliRunner().invoke(main, ["zzz"])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: No such command 'zzz'.\n")
