"""Writing an export: the tables (CSV, JSON Lines or Parquet), ``manifest.json`` and the
data dictionary (``data-dictionary.json`` and ``.md``). Same data and key, same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lemma_pkg.errors import UsageError
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.tables import Column, ExportOptions, Table

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")


@dataclass(frozen=True)
class Written:
    path: Path
    rows: int


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def table_bytes(table: Table, fmt: Format) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.name for c in table.columns])
        for row in table.rows:
            w.writerow([_cell(v) for v in row])
        return buf.getvalue().encode("utf-8")
    if fmt == "jsonl":
        names = [c.name for c in table.columns]
        lines = [
            json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in table.rows
        ]
        return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
    return _parquet(table)


def _parquet(table: Table) -> bytes:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise UsageError(
            "--format parquet needs pyarrow, which is not installed",
            "pip install 'lemma-pkg[report]' (or pip install pyarrow), or use --format csv",
        ) from exc
    types = {
        "string": pa.string(),
        "integer": pa.int64(),
        "seconds": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "datetime": pa.string(),
    }
    arrays = [
        pa.array([row[i] for row in table.rows], type=types.get(col.type, pa.string()))
        for i, col in enumerate(table.columns)
    ]
    pt = pa.Table.from_arrays(arrays, names=[c.name for c in table.columns])
    buf = pa.BufferOutputStream()
    pq.write_table(pt, buf, compression="zstd")
    return bytes(buf.getvalue().to_pybytes())


def dictionary(tables: Sequence[Table]) -> dict[str, Any]:
    return {
        t.name: {
            "description": t.description,
            "columns": [_col(c) for c in t.columns],
        }
        for t in tables
    }


def _col(c: Column) -> dict[str, str]:
    return {"name": c.name, "type": c.type, "description": c.description}


def dictionary_md(tables: Sequence[Table], fmt: Format) -> str:
    lines = ["# Data dictionary", ""]
    for t in tables:
        lines += [f"## {t.name}.{fmt}", "", t.description, "", "| column | type | meaning |"]
        lines.append("| --- | --- | --- |")
        lines += [f"| `{c.name}` | {c.type} | {c.description} |" for c in t.columns]
        lines.append("")
    return "\n".join(lines)


def manifest(
    data: CourseData,
    report: str,
    opts: ExportOptions,
    fields: Sequence[str],
    files: Sequence[tuple[str, int, str]],
) -> dict[str, Any]:
    return {
        "format": "lemma-report",
        "report": report,
        "tier": opts.tier,
        "site": data.site.url,
        "moodle_release": data.site.release,
        "course": {
            "shortname": data.course.shortname,
            "fullname": data.course.fullname,
            "idnumber": data.course.idnumber,
        },
        "lemma_version": data.pull.lemma_version,
        "pulled_at": data.pull.pulled_at,
        "pull_path": data.pull.path,
        "pull_since": data.pull.since,
        "functions": list(data.pull.functions),
        "learner_roles": list(data.pull.learner_roles),
        "learners": len(data.learners),
        "k": opts.k,
        "suppression_threshold": opts.threshold,
        "background_fields": list(fields),
        "consent_field": opts.consent_field,
        "times": opts.times if opts.tier == "restricted" else None,
        "key_id_hash": opts.key.key_id if opts.key is not None else None,
        "notes": list(data.pull.notes),
        "files": [{"name": n, "rows": r, "sha256": h} for n, r, h in files],
    }


def write_export(
    out: Path,
    report: str,
    tables: Sequence[Table],
    data: CourseData,
    opts: ExportOptions,
    fields: Sequence[str],
    fmt: Format,
) -> list[Written]:
    """Write every table of ``report`` plus the manifest and data dictionary to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, int, str]] = []
    written: list[Written] = []
    for t in tables:
        body = table_bytes(t, fmt)
        path = out / f"{t.name}.{fmt}"
        path.write_bytes(body)
        files.append((path.name, len(t.rows), hashlib.sha256(body).hexdigest()))
        written.append(Written(path, len(t.rows)))
    (out / "data-dictionary.json").write_text(
        json.dumps(dictionary(tables), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "data-dictionary.md").write_text(dictionary_md(tables, fmt), encoding="utf-8")
    doc = manifest(data, report, opts, fields, files)
    (out / "manifest.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return written
