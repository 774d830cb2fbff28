"""The ``lemma`` command line: global options, command registry, and the one place where
:class:`~lemma_pkg.errors.LemmaError` becomes a message and an exit code.

Each command lives in its own module under :mod:`lemma_pkg.cli` and only adapts options to
an importable library function. Commands are imported lazily so ``lemma --help`` and the
GIFT parser stay fast.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import sys
from typing import Any

import click

from lemma_pkg import __version__
from lemma_pkg.errors import EXIT_ERRORS, EXIT_INTERRUPTED, LemmaError

# command name -> (module, attribute). Keep in the order shown by `lemma --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("lemma_pkg.cli.init", "init_command"),
    "validate": ("lemma_pkg.cli.validate", "validate_command"),
    "gift": ("lemma_pkg.cli.gift", "gift_group"),
    "build": ("lemma_pkg.cli.build", "build_command"),
    "inspect": ("lemma_pkg.cli.inspect", "inspect_command"),
    "preview": ("lemma_pkg.cli.preview", "preview_command"),
    "config": ("lemma_pkg.cli.config", "config_group"),
    "doctor": ("lemma_pkg.cli.doctor", "doctor_command"),
    "deploy": ("lemma_pkg.cli.deploy", "deploy_command"),
    "plugin": ("lemma_pkg.cli.plugin", "plugin_group"),
    "report": ("lemma_pkg.cli.report", "report_group"),
}

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

log = logging.getLogger("lemma")


class LemmaGroup(click.Group):
    """A click group that loads commands lazily and reports errors in one place."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        cmd = getattr(module, spec[1])
        assert isinstance(cmd, click.Command)
        return cmd

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Unknown command: say which one was probably meant."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1, cutoff=0.6)
            if close:
                ctx.fail(f"No such command '{name}'. Did you mean '{close[0]}'?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LemmaError as exc:
            if _state(ctx).get("traceback"):
                raise
            report_error(exc, color=_state(ctx).get("color"))
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # an unexpected failure is a bug: say so, no traceback
            if _state(ctx).get("traceback"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "  hint: this is a bug in lemma; rerun with `lemma --traceback ...` and report it",
                err=True,
            )
            ctx.exit(EXIT_ERRORS)


def _state(ctx: click.Context) -> dict[str, Any]:
    root = ctx.find_root()
    if isinstance(root.obj, dict):
        return root.obj
    return {}


def report_error(exc: LemmaError, color: bool | None = None) -> None:
    """Print ``error: message`` and the hint (if any) on stderr."""
    click.echo(click.style("error: ", fg="red", bold=True) + exc.message, err=True, color=color)
    if exc.hint:
        click.echo(f"  hint: {exc.hint}", err=True, color=color)


def _color_default() -> bool | None:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return None  # click decides from the TTY


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(self, color: bool | None) -> None:
        super().__init__(sys.stderr)
        self.color = color

    def emit(self, record: logging.LogRecord) -> None:
        msg = self.format(record)
        colors = {logging.WARNING: "yellow", logging.ERROR: "red", logging.DEBUG: "bright_black"}
        fg = colors.get(record.levelno)
        click.echo(click.style(msg, fg=fg) if fg else msg, err=True, color=self.color)


def setup_logging(verbosity: int, color: bool | None) -> None:
    """-q: errors only; default: warnings and info; -v: details (debug, but no HTTP
    traces); -vv: everything, HTTP traces included."""
    level = {-1: logging.ERROR, 0: logging.INFO}.get(max(-1, min(verbosity, 2)), logging.DEBUG)
    logger = logging.getLogger("lemma")
    logger.handlers.clear()
    handler = _StderrHandler(color)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # HTTP traces only with -vv (NOTSET: follow "lemma").
    logging.getLogger("lemma.moodle.http").setLevel(
        logging.INFO if verbosity == 1 else logging.NOTSET
    )


@click.group(cls=LemmaGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="lemma")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More output on stderr (-v: details, -vv: also HTTP traces).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output (default: when stderr is a terminal; NO_COLOR turns it off).",
)
@click.option("--traceback", is_flag=True, help="Show Python tracebacks for errors (debugging).")
@click.pass_context
def main(
    ctx: click.Context, verbose: int, quiet: bool, color: bool | None, traceback: bool
) -> None:
    """lemma: run a Moodle course the way you run software.

    Write lessons in Markdown and quizzes in GIFT, validate them in CI, compile them into a
    Moodle 4.5 course backup (.mbz), and talk to Moodle through its web services.

    \b
    Exit codes: 0 ok, 1 validation/build errors, 2 usage, 3 configuration/authentication,
    4 remote (Moodle) failure, 130 interrupted.
    """
    if color is None:
        color = _color_default()
    ctx.color = color
    ctx.obj = {"verbosity": -1 if quiet else verbose, "color": color, "traceback": traceback}
    setup_logging(-1 if quiet else verbose, color)
