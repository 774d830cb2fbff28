"""One export, from options to files: pull (or read a snapshot), build the report's tables
for the tier, write them with the manifest and data dictionary, and the HTML report."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from lemma_pkg.errors import UsageError
from lemma_pkg.report.cache import PullCache
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.outputs import Format, Written, write_export
from lemma_pkg.report.tables import ExportOptions, build_tables

log = logging.getLogger("lemma.report")


def declared_background(source: Path) -> tuple[str, ...]:
    """The ``background:`` fields of ``content_src/course.yaml`` under ``source`` (a list of
    shortnames or of mappings with ``shortname``), in order; () when absent or unreadable."""
    path = source / "content_src" / "course.yaml"
    if not path.is_file():
        return ()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ()
    raw = doc.get("background") if isinstance(doc, dict) else None
    out: list[str] = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("shortname"), str):
            out.append(entry["shortname"])
    return tuple(out)


def parse_since(value: str | None, cache: PullCache | None) -> int | None:
    """``--since``: ``last`` (the cached pull's time), a date/time (UTC) or Unix seconds."""
    if value is None:
        return None
    if value == "last":
        data = cache.load() if cache is not None else None
        if data is None:
            log.info("--since last: no earlier pull of this course is cached; pulling all")
            return None
        return data.pull.pulled_at
    if value.isdigit():
        return int(value)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(
            f"--since {value!r} is not a date",
            "give YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC), Unix seconds or 'last'",
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


@dataclass(frozen=True)
class ExportResult:
    report: str
    out: Path
    files: list[Written]
    fields: tuple[str, ...]


def export_report(
    data: CourseData,
    report: str,
    out: Path,
    opts: ExportOptions,
    fmt: Format,
    *,
    declared: Sequence[str] = (),
    html: bool = False,
) -> ExportResult:
    tables, bg = build_tables(report, data, opts, declared)
    files = write_export(out, report, tables, data, opts, bg.fields, fmt)
    if html:
        from lemma_pkg.report.html import write_html

        files.append(write_html(out / "report.html", data, opts, declared))
    return ExportResult(report, out, files, bg.fields)


class ProgressLine:
    """Progress on stderr: a line at most every 2 s and at the end."""

    def __init__(self, echo: Any) -> None:
        self.echo = echo
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self.last >= 2:
            self.last = now
            self.echo(f"pulled {done}/{total} {stage}")
