"""Problems found in a roster: one row (or the whole file), one column, what is wrong, how
to fix it. Collected as values; a run reports every one of them at once."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """``row`` is Moodle's CSV line number (the header is 1, blank lines not counted), 0 for
    the whole file; ``line`` the line of the file where that record starts."""

    row: int
    line: int
    column: str
    level: Level
    code: str
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    def where(self, path: str) -> str:
        loc = f"{path}:{self.line}" if self.line else path
        parts = []
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return f"{loc}: {', '.join(parts)}" if parts else loc

    def format(self, path: str) -> str:
        text = f"{self.where(path)}: {self.level.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["level"] = self.level.value
        return d


@dataclass
class Problems:
    """A collector."""

    items: list[Problem] = field(default_factory=list)

    def error(
        self, row: int, line: int, column: str, code: str, message: str, hint: str = ""
    ) -> None:
        self.items.append(Problem(row, line, column, Level.ERROR, code, message, hint))

    def warning(
        self, row: int, line: int, column: str, code: str, message: str, hint: str = ""
    ) -> None:
        self.items.append(Problem(row, line, column, Level.WARNING, code, message, hint))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    def rows_with_errors(self) -> set[int]:
        """Data rows (2 and on) with errors."""
        return {p.row for p in self.items if p.is_error and p.row > 1}

    def file_errors(self) -> list[Problem]:
        """Errors of the whole file or its header (row 0 or 1): no row can go ahead."""
        return [p for p in self.items if p.is_error and p.row <= 1]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.row, p.line, p.level != Level.ERROR, p.column))
