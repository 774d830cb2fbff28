"""Benchmark: write the backup of a synthetic course of 300 pages and 2,000 questions.

Prints wall time and peak RSS (targets: <= 2 s, <= 300 MiB). The course is built directly
from the model (the loader has its own benchmark); questions are Moodle's own parse of the
REF1 GIFT file, repeated. Run: ``.venv/bin/python scripts/bench_build.py [--pages N]
[--questions N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lemma_pkg.content.model import Asset, Course, Page, Quiz, Section, SourceSpan
from lemma_pkg.mbz import write_backup
from lemma_pkg.mbz.inspect import inspect_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "mbz"


def questions() -> list[dict[str, Any]]:
    doc = json.loads((FIXTURES / "ref1.moodle.json").read_text(encoding="utf-8"))
    return [q for q in doc["questions"] if q["qtype"] != "category"]


def synthetic_course(pages: int, n_questions: int, sections: int = 10) -> Course:
    base = questions()
    span = SourceSpan(ROOT / "bench.yaml", 1, 1)
    body = "<p>" + "Multilevel models for clustered data. " * 80 + "</p>"
    per_section_pages = max(1, pages // sections)
    per_quiz = max(1, n_questions // sections)
    secs = []
    made_pages = made_q = 0
    for s in range(sections):
        items: list[Any] = []
        for p in range(per_section_pages if s < sections - 1 else pages - made_pages):
            items.append(
                Page(
                    idnumber=f"m{s}/page{p}",
                    title=f"Page {s}.{p}",
                    span=span,
                    content_html=body + '<p><img src="@@PLUGINFILE@@/figure.png"></p>',
                    assets=(Asset("figure.png", FIXTURES / "figure.png"),),
                    completion="view",
                )
            )
            made_pages += 1
        count = per_quiz if s < sections - 1 else n_questions - made_q
        qs = tuple(dict(base[i % len(base)], name=f"Q{s}.{i}") for i in range(count))
        made_q += count
        items.append(
            Quiz(
                idnumber=f"m{s}/quiz",
                title=f"Quiz {s}",
                span=span,
                questions=qs,
                pass_percent=50.0,
                completion="pass",
            )
        )
        secs.append(Section(s + 1, f"m{s}", f"Module {s + 1}", "<p>Aims.</p>", span, tuple(items)))
    return Course(
        fullname="Bench course",
        shortname="BENCH",
        idnumber="bench",
        category="Bench",
        summary_html="<p>Bench.</p>",
        startdate=1736121600,
        root=ROOT,
        sections=tuple(secs),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--questions", type=int, default=2000)
    args = ap.parse_args(argv)
    course = synthetic_course(args.pages, args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.mbz"
        start = time.perf_counter()
        summary = write_backup(course, out, 1736121600)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        report = inspect_file(out)
        inspect_time = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"build: {sum(summary.activities.values())} activities, {summary.questions} questions, "
        f"{summary.size / 1024:.0f} KiB archive: {elapsed:.2f} s (target <= 2 s)"
    )
    print(f"inspect: {len(report.problems)} problems: {inspect_time:.2f} s")
    print(f"peak RSS: {peak:.0f} MiB (target <= 300 MiB)")
    return 0 if not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
