"""``report.html``: one self-contained page of the shareable tier, readable offline.

Charts are drawn with matplotlib as inline SVG (no scripts, no external files): the
completion funnel by module, cumulative course completion over time, quiz score
distributions and differences by background group. Everything shown comes from the
shareable tables, so hidden cells stay hidden (they are drawn as gaps and listed).
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from lemma_pkg.errors import UsageError
from lemma_pkg.report.model import CourseData
from lemma_pkg.report.outputs import Written
from lemma_pkg.report.shareable import counts_by_period
from lemma_pkg.report.tables import ALL, ExportOptions, Table, build_tables

CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.85rem}
figure{margin:1rem 0}svg{max-width:100%;height:auto}
"""


def _plt() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise UsageError(
            "--html needs matplotlib, which is not installed",
            "pip install 'lemma-pkg[report]' (or pip install matplotlib)",
        ) from exc
    plt.rcParams["svg.hashsalt"] = "lemma"
    plt.rcParams["svg.fonttype"] = "none"
    return plt


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _totals(t: Table, nfields: int) -> list[list[Any]]:
    """Rows of a grouped table whose grouping columns are all (all)."""
    first = next(
        i for i, c in enumerate(t.columns) if c.name == "learners" or c.name.startswith("learners")
    )
    start = first - nfields
    return [r for r in t.rows if all(v == ALL for v in r[start:first])]


def _col(t: Table, name: str) -> int:
    return next(i for i, c in enumerate(t.columns) if c.name == name)


def funnel_chart(plt: Any, progress: Table, nfields: int) -> str:
    rows = [r for r in _totals(progress, nfields) if r[0] != "course"]
    names = [str(r[_col(progress, "module_name")]) for r in rows]
    rates = [r[_col(progress, "completion_rate")] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [100 * (v or 0) for v in rates], color="#4a7ab5")
    for yi, v in zip(y, rates, strict=True):
        ax.text(
            1,
            yi,
            "hidden" if v is None else f"{100 * v:.0f}%",
            va="center",
            fontsize=8,
            color="white" if v else "#555",
        )
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("learners who completed the activity (%)")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def cumulative_chart(plt: Any, table: Table, learners: int) -> str:
    xs = [r[0] for r in table.rows if r[3] is not None]
    ys = [100 * r[3] / learners if learners else 0 for r in table.rows if r[3] is not None]
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.step(range(len(xs)), ys, where="post", color="#2d8a4e")
    ax.set_xticks(range(len(xs)), xs, rotation=45, ha="right", fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_ylabel("course completed (% of learners)")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def score_charts(plt: Any, dist: Table) -> list[tuple[str, str]]:
    out = []
    for quiz in dict.fromkeys(r[1] for r in dist.rows):
        rows = [r for r in dist.rows if r[1] == quiz and r[2] != ALL]
        fig, ax = plt.subplots(figsize=(6, 2.4))
        ax.bar(range(len(rows)), [r[3] or 0 for r in rows], color="#b5654a")
        for i, r in enumerate(rows):
            if r[3] is None:
                ax.text(i, 0, "hidden", rotation=90, ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(rows)), [r[2] for r in rows], fontsize=7)
        ax.set_xlabel("best grade (% of the maximum)")
        ax.set_ylabel("learners")
        out.append((str(quiz), _svg(fig)))
        plt.close(fig)
    return out


def group_chart(plt: Any, progress: Table, fields: Sequence[str]) -> str | None:
    """Course completion rate by the value of each grouping field (margins)."""
    if not fields:
        return None
    nf = len(fields)
    start = _col(progress, "learners") - nf
    labels, rates = [], []
    for r in progress.rows:
        if r[0] != "course":
            continue
        groups = r[start : start + nf]
        shown = [(f, v) for f, v in zip(fields, groups, strict=True) if v != ALL]
        if (len(shown) != 1 and nf > 1) or not shown:
            continue
        labels.append(f"{shown[0][0]}: {shown[0][1]}")
        rates.append(r[_col(progress, "completion_rate")])
    if not labels:
        return None
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) + 1))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, [100 * (v or 0) for v in rates], color="#7a4ab5")
    for yi, v in zip(y, rates, strict=True):
        if v is None:
            ax.text(1, yi, "hidden", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("course completed (% of the group)")
    svg = _svg(fig)
    plt.close(fig)
    return svg


def table_html(t: Table, limit: int = 60) -> str:
    head = "".join(f"<th>{html.escape(c.name)}</th>" for c in t.columns)
    body = []
    for r in t.rows[:limit]:
        cells = "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r)
        body.append(f"<tr>{cells}</tr>")
    more = (
        f'<p class="note">{len(t.rows) - limit} more rows in the files.</p>'
        if len(t.rows) > limit
        else ""
    )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def write_html(
    path: Path, data: CourseData, opts: ExportOptions, declared: Sequence[str]
) -> Written:
    plt = _plt()
    share = replace(opts, tier="shareable")
    progress, bg = build_tables("progress", data, share, declared)
    attempts, _ = build_tables("attempts", data, share, declared)
    uptake, _ = build_tables("uptake", data, share, declared)
    fields = bg.fields
    learners = len(data.learners) if opts.consent_field is None else None
    completions = counts_by_period(
        "course_completion_by_period",
        "",
        "completions",
        "",
        [r.timecompleted for r in data.course_completions if r.completed and r.timecompleted],
        share.threshold,
    )
    parts = [
        f"<h1>{html.escape(data.course.fullname or data.course.shortname)}: learning report</h1>",
        f'<p class="note">Shareable tier: groups of fewer than {share.threshold} learners, and '
        "figures that would reveal them, are hidden. Background fields: "
        f"{html.escape(', '.join(fields) or 'none')}. Pulled "
        f"{html.escape(str(data.pull.pulled_at))} (Unix time) from {html.escape(data.site.url)} "
        f"by lemma {html.escape(data.pull.lemma_version)}.</p>",
        "<h2>Completion funnel by module</h2>",
        f"<figure>{funnel_chart(plt, progress[0], len(fields))}</figure>",
    ]
    total = next((r for r in uptake[0].rows if all(v == ALL for v in r[: len(fields)])), None)
    n = total[len(fields)] if total else learners
    if completions.rows and n:
        parts += [
            "<h2>Cumulative course completion</h2>",
            f"<figure>{cumulative_chart(plt, completions, n)}</figure>",
        ]
    parts.append("<h2>Quiz score distributions</h2>")
    for quiz, svg in score_charts(plt, attempts[1]):
        parts += [f"<h3>{html.escape(quiz)}</h3>", f"<figure>{svg}</figure>"]
    chart = group_chart(plt, progress[0], fields)
    if chart:
        parts += ["<h2>Differences by background group</h2>", f"<figure>{chart}</figure>"]
    parts += ["<h2>Learners by background</h2>", table_html(uptake[0])]
    if uptake[1].rows:
        parts += ["<h2>Registrations over time</h2>", table_html(uptake[1])]
    parts += ["<h2>Quiz attempts by group</h2>", table_html(attempts[0])]
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(data.course.shortname)} report</title><style>{CSS}</style>"
        f"</head><body>{''.join(parts)}</body></html>\n"
    )
    path.write_text(doc, encoding="utf-8")
    return Written(path, 0)
