"""Diagnostics: author mistakes collected as values, never raised one by one.

Every checker (content loader, GIFT linter, backup checks) produces :class:`Diagnostic`
values. A run reports all of them at once; nothing is written when any is an error.
Rules are registered in :data:`RULES` so that formatters (SARIF) and the rules reference
page can describe them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from lemma_pkg import __version__


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Rule:
    """A diagnostic code with its default severity and a one-line summary."""

    code: str
    name: str
    severity: Severity
    summary: str
    help: str = ""


RULES: dict[str, Rule] = {}


def register_rule(code: str, name: str, severity: Severity, summary: str, help: str = "") -> Rule:
    """Register (or return the already registered) rule ``code``."""
    rule = RULES.get(code)
    if rule is None:
        rule = Rule(code, name, severity, summary, help)
        RULES[code] = rule
    return rule


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place.

    ``line`` and ``column`` are 1-based; 0 means "the whole file" / "unknown".
    ``path`` is the path as it should be shown to the user (relative where possible).
    """

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        if self.line <= 0:
            return self.path
        if self.column <= 0:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (
            self.path,
            self.line,
            self.column,
            _SEVERITY_ORDER[self.severity],
            self.code,
            self.message,
        )

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d


def display_path(path: Path | str, root: Path | None = None) -> str:
    """Path as shown to users: relative to ``root`` (default: cwd) when inside it, POSIX slashes."""
    p = Path(path)
    base = root if root is not None else Path.cwd()
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


@dataclass
class Diagnostics:
    """A collector. ``add`` never raises; read the results at the end."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        path: Path | str,
        line: int,
        column: int,
        severity: Severity,
        code: str,
        message: str,
        hint: str = "",
    ) -> Diagnostic:
        d = Diagnostic(str(path), line, column, severity, code, message, hint)
        self.items.append(d)
        return d

    def error(
        self, path: Path | str, line: int, column: int, code: str, message: str, hint: str = ""
    ) -> Diagnostic:
        return self.add(path, line, column, Severity.ERROR, code, message, hint)

    def warning(
        self, path: Path | str, line: int, column: int, code: str, message: str, hint: str = ""
    ) -> Diagnostic:
        return self.add(path, line, column, Severity.WARNING, code, message, hint)

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        self.items.extend(diags)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        """True when the run must fail: any error, or (strict) any warning."""
        return bool(self.errors) or (strict and bool(self.warnings))


def failed(diags: Sequence[Diagnostic], strict: bool = False) -> bool:
    """True when ``diags`` hold an error, or a warning under ``strict``."""
    return any(
        d.severity is Severity.ERROR or (strict and d.severity is Severity.WARNING) for d in diags
    )


# --------------------------------------------------------------------------- formatters

FORMATS = ("text", "json", "github", "sarif", "gitlab")
# Formats whose output is one document: nothing else may go to stdout with them.
DOCUMENT_FORMATS = ("sarif", "gitlab")


def summary_line(diags: Sequence[Diagnostic]) -> str:
    n_err = sum(1 for d in diags if d.severity is Severity.ERROR)
    n_warn = sum(1 for d in diags if d.severity is Severity.WARNING)
    if not n_err and not n_warn:
        return "no problems found"
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    return ", ".join(parts)


def format_text(diags: Sequence[Diagnostic]) -> str:
    """``path:line:col: severity[CODE]: message`` then an indented hint line."""
    out = []
    for d in sorted(diags, key=Diagnostic.sort_key):
        out.append(f"{d.location()}: {d.severity.value}[{d.code}]: {d.message}")
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out) + ("\n" if out else "")


def format_json(diags: Sequence[Diagnostic]) -> str:
    ds = sorted(diags, key=Diagnostic.sort_key)
    doc = {
        "version": 1,
        "summary": {
            "errors": sum(1 for d in ds if d.severity is Severity.ERROR),
            "warnings": sum(1 for d in ds if d.severity is Severity.WARNING),
        },
        "diagnostics": [d.to_dict() for d in ds],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _gh_escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands (``::error file=…,line=…,col=…::message``)."""
    out = []
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for d in sorted(diags, key=Diagnostic.sort_key):
        props = [f"file={_gh_escape_prop(d.path)}"]
        if d.line > 0:
            props.append(f"line={d.line}")
        if d.column > 0:
            props.append(f"col={d.column}")
        props.append(f"title={_gh_escape_prop(d.code)}")
        msg = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"::{level[d.severity]} {','.join(props)}::{_gh_escape_data(msg)}")
    return "\n".join(out) + ("\n" if out else "")


def _sarif_text(d: Diagnostic) -> str:
    """The message, then the hint as its own sentence."""
    if not d.hint:
        return d.message
    end = "" if d.message.endswith((".", "!", "?", ":")) else "."
    return f"{d.message}{end} Hint: {d.hint}"


def format_sarif(diags: Sequence[Diagnostic]) -> str:
    """SARIF 2.1.0, one run, rules from :data:`RULES`."""
    ds = sorted(diags, key=Diagnostic.sort_key)
    codes = sorted({d.code for d in ds})
    rules = []
    for code in codes:
        rule = RULES.get(code)
        entry: dict[str, object] = {"id": code}
        if rule is not None:
            entry["name"] = rule.name
            entry["shortDescription"] = {"text": rule.summary}
            entry["defaultConfiguration"] = {"level": _sarif_level(rule.severity)}
            if rule.help:
                entry["help"] = {"text": rule.help}
        rules.append(entry)
    results = []
    for d in ds:
        region: dict[str, int] = {}
        if d.line > 0:
            region["startLine"] = d.line
            if d.column > 0:
                region["startColumn"] = d.column
        location: dict[str, object] = {"artifactLocation": {"uri": d.path}}
        if region:
            location["region"] = region
        result: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": _sarif_level(d.severity),
            "message": {"text": _sarif_text(d)},
            "locations": [{"physicalLocation": location}],
        }
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lemma",
                        "version": __version__,
                        "informationUri": "https://github.com/lemma-pkg/lemma-pkg",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_level(sev: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}[sev]


_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def format_gitlab(diags: Sequence[Diagnostic]) -> str:
    """GitLab's code quality report (a subset of Code Climate's issue format).

    The fingerprint is a digest of the file, the code and the message (not the line), so
    a merge request's report recognises a problem that only moved.
    """
    issues = []
    seen: dict[str, int] = {}
    for d in sorted(diags, key=Diagnostic.sort_key):
        base = hashlib.sha256(f"{d.path}\0{d.code}\0{d.message}".encode()).hexdigest()
        n = seen.get(base, 0)
        seen[base] = n + 1
        fingerprint = base if n == 0 else hashlib.sha256(f"{base}\0{n}".encode()).hexdigest()
        issues.append(
            {
                "description": f"{d.code}: {_sarif_text(d)}",
                "check_name": d.code,
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[d.severity],
                "location": {"path": d.path, "lines": {"begin": max(d.line, 1)}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def format_diagnostics(diags: Sequence[Diagnostic], fmt: str) -> str:
    """Render ``diags`` in one of :data:`FORMATS`."""
    if fmt == "text":
        return format_text(diags)
    if fmt == "json":
        return format_json(diags)
    if fmt == "github":
        return format_github(diags)
    if fmt == "sarif":
        return format_sarif(diags)
    if fmt == "gitlab":
        return format_gitlab(diags)
    raise ValueError(f"unknown diagnostics format {fmt!r}")
