"""The one root of every error the tool reports to a user.

Library code raises a subclass of :class:`LemmaError`; the CLI catches it in one place
(:mod:`lemma_pkg.cli`) and turns it into a message on stderr and a documented exit code.
Author mistakes in course sources are *not* exceptions: they are collected as
:class:`lemma_pkg.diagnostics.Diagnostic` values and reported together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lemma_pkg.diagnostics import Diagnostic

# Documented exit codes (README "Exit codes").
EXIT_OK = 0
EXIT_ERRORS = 1  # validation or build errors
EXIT_USAGE = 2  # bad command line
EXIT_CONFIG = 3  # configuration or authentication
EXIT_REMOTE = 4  # Moodle / network failure
EXIT_INTERRUPTED = 130


class LemmaError(Exception):
    """Base class: a problem the user can act on.

    ``message`` says what is wrong, ``hint`` says what to do about it.
    """

    exit_code: int = EXIT_ERRORS

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(LemmaError):
    """The command line itself is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class ContentError(LemmaError):
    """Course sources have errors; carries every diagnostic found (exit 1)."""

    def __init__(
        self, message: str, diagnostics: Sequence[Diagnostic] = (), hint: str | None = None
    ) -> None:
        super().__init__(message, hint)
        self.diagnostics = list(diagnostics)


class BuildError(LemmaError):
    """The backup could not be written (exit 1)."""


class ConfigError(LemmaError):
    """Configuration is missing or wrong: URL, token, profile, config file (exit 3)."""

    exit_code = EXIT_CONFIG


class AuthError(ConfigError):
    """The site refused the credentials (exit 3)."""


class RemoteError(LemmaError):
    """Moodle or the network failed (exit 4)."""

    exit_code = EXIT_REMOTE
