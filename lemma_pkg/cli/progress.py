"""A progress bar on stderr for long steps (uploads, restores, enrolment batches).

On a terminal the bar is redrawn in place; otherwise (CI logs, pipes) one line is logged when
a step starts and one when it ends. Nothing is shown with ``-q``.
"""

from __future__ import annotations

import logging
import sys
import time

import click

log = logging.getLogger("lemma.cli")

WIDTH = 30


def quiet(ctx: click.Context | None = None) -> bool:
    """Whether ``-q`` was given (the root command keeps the verbosity in ``ctx.obj``)."""
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is None:
        return False
    state = ctx.find_root().obj or {}
    return int(state.get("verbosity", 0)) < 0


class StderrProgress:
    """Implements :class:`lemma_pkg.deploy.steps.Progress`."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.label = ""
        self.total = 0
        self.done = 0
        self._began = 0.0
        self._drawn = 0.0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self._began = time.monotonic()
        self._drawn = 0.0
        if self.quiet:
            return
        if self.tty:
            self._draw(force=True)
        else:
            log.info("%s …", label)

    def update(self, done: int) -> None:
        self.done = min(done, self.total)
        if not self.quiet and self.tty:
            self._draw()

    def finish(self, summary: str = "") -> None:
        if self.quiet:
            return
        took = time.monotonic() - self._began
        if self.tty:
            self._draw(force=True)
            click.echo("", err=True)
        log.info("%s: %s (%.1f s)", self.label, summary or "done", took)

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        frac = self.done / self.total
        filled = int(frac * WIDTH)
        bar = "#" * filled + "." * (WIDTH - filled)
        click.echo(f"\r{self.label} [{bar}] {frac * 100:3.0f}%", err=True, nl=False)


class ProgressBar:
    """``update(label, done, total)`` callbacks (lemma enrol's steps) on a
    :class:`StderrProgress`: each new label is a new step."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._bar = StderrProgress(quiet=not enabled)
        self._step: tuple[str, int] | None = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._step is not None:
            self._bar.finish()
            self._step = None

    def update(self, label: str, done: int, total: int) -> None:
        if total <= 0:
            return
        if self._step != (label, total):
            if self._step is not None:
                self._bar.finish()
            self._bar.start(label, total)
            self._step = (label, total)
        self._bar.update(done)
