"""A progress bar on stderr: redrawn in place on a terminal, a line every ten percent
otherwise (logs, CI). Never on stdout."""

from __future__ import annotations

import sys
import time
from typing import IO


class ProgressBar:
    def __init__(self, *, enabled: bool = True, width: int = 30, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.width = width
        self.tty = self.stream.isatty()
        self._last_decile = -1
        self._last_draw = 0.0
        self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def update(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, done / total)
        if self.tty:
            now = time.monotonic()
            if done < total and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            filled = int(frac * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {frac:4.0%} {done}/{total} {label:<28}")
            self._drawn = True
        else:
            decile = int(frac * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(f"{frac:4.0%} {done}/{total} {label}\n")
        self.stream.flush()
