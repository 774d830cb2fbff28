"""One export, from options to files: pull (or read a snapshot), build the report's tables
for the tier, write them with the manifest and data dictionary, and the HTML report."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lemma_pkg.errors import UsageError
from lemma_pkg.report.cache import PullCache
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.outputs import Format, Written, write_export
from lemma_pkg.report.tables import ExportOptions, build_tables

log = logging.getLogger("lemma.report")


def declared_background(source: Path) -> tuple[str, ...]:
    """The course's registration background menus (``background:`` in
    ``content_src/course.yaml`` under ``source``), in order: the default grouping of the
    shareable tier. Free-text, date and checkbox fields are never grouped by default (free
    text may identify; a consent checkbox is for ``--consent-field``). () when the project
    has no course.yaml or no background block; a block with errors is reported and ignored."""
    from lemma_pkg.content.background import load_background

    if not (source / "content_src" / "course.yaml").is_file():
        return ()
    result = load_background(source)
    if result.errors:
        log.warning(
            "%s: the background block has errors (run `lemma validate`); grouping by the "
            "site's menu fields instead",
            result.course_file,
        )
        return ()
    if result.background is None:
        return ()
    return tuple(f.shortname for f in result.background.fields if f.type == "menu")


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
