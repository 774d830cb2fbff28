"""Benchmark: the live preview (`lemma preview --serve`) on a 300-page course on disk.

Writes the sources of a synthetic course shaped like the build benchmark's (300 lesson
pages with math and a figure in 10 modules, one quiz per module, 2,000 questions from the
GIFT benchmark's generator), then times what the preview server does:

- the first full build (load and render every page);
- a rebuild after one lesson is edited (the figure authors wait for after a save: load
  the sources again, re-render only the pages whose inputs changed);
- a rebuild after a save that changed nothing.

Prints the figures (target for one edited page: well under 1 s). Run:
``.venv/bin/python scripts/bench_preview.py [--pages N] [--questions N] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_gift import question  # scripts/ is on sys.path when run as a script

from lemma_pkg.render.site import SiteBuilder

FIGURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mbz" / "figure.png"

LESSON = """---
title: "Lesson {s}.{p}"
---
A regression line $y_{{ij}} = \\beta_0 + \\beta_1 x_{{ij}} + u_j + e_{{ij}}$ for pupil $i$ in
school $j$; the variance partition coefficient is

$$
\\rho = \\frac{{\\sigma_u^2}}{{\\sigma_u^2 + \\sigma_e^2}}
$$

{body}

![Scatter plot](images/figure.png)

| term | meaning |
| --- | --- |
| $u_j$ | school effect |
| $e_{{ij}}$ | pupil residual |
"""


def write_bench_course(root: Path, pages: int = 300, n_questions: int = 2000) -> list[Path]:
    """Write a course of ``pages`` lessons and ``n_questions`` questions; return the lessons."""
    sections = 10
    content = root / "content_src"
    gift = root / "gift_quizzes"
    gift.mkdir(parents=True)
    r = random.Random(20261126)
    body = "Multilevel models for clustered data. " * 80
    lessons: list[Path] = []
    modules: list[str] = []
    per_section = max(1, pages // sections)
    per_quiz = max(1, n_questions // sections)
    made_pages = made_q = 0
    for s in range(sections):
        folder = content / "modules" / f"{s + 1:02d}-module"
        (folder / "images").mkdir(parents=True)
        shutil.copyfile(FIGURE, folder / "images" / "figure.png")
        items = []
        count = per_section if s < sections - 1 else pages - made_pages
        for p in range(count):
            lesson = folder / f"lesson-{p:03d}.md"
            lesson.write_text(LESSON.format(s=s + 1, p=p, body=body), encoding="utf-8")
            lessons.append(lesson)
            items.append(f"  - page: {lesson.name}\n")
            made_pages += 1
        n = per_quiz if s < sections - 1 else n_questions - made_q
        qs = [question(r, made_q + i) for i in range(n)]
        made_q += n
        (gift / f"module-{s + 1:02d}.gift").write_text("\n\n".join(qs) + "\n", encoding="utf-8")
        items.append(f"  - quiz: module-{s + 1:02d}.gift\n    title: Quiz {s + 1}\n    pass: 50\n")
        (folder / "module.yaml").write_text(
            f'title: "Module {s + 1}"\nsummary: Aims of module {s + 1}.\nitems:\n' + "".join(items),
            encoding="utf-8",
        )
        modules.append(f"  - modules/{folder.name}\n")
    (content / "course.yaml").write_text(
        "fullname: Bench course\nshortname: BENCH\ncategory: Bench\nsummary: Bench.\n"
        "startdate: 2026-01-05\nauthors: [Bench]\nlint:\n  require_feedback: false\n"
        "  disable: [GIFT040, GIFT041]\nmodules:\n" + "".join(modules),
        encoding="utf-8",
    )
    return lessons


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--questions", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="write the course here and keep it")
    args = ap.parse_args(argv)
    tmp = None
    if args.keep:
        root = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        root = Path(tmp.name) / "course"
    try:
        lessons = write_bench_course(root, args.pages, args.questions)
        builder = SiteBuilder(root)
        start = time.perf_counter()
        first = builder.build()
        full = time.perf_counter() - start
        if not first.ok:
            for d in first.diagnostics[:10]:
                print(d.location(), d.code, d.message, file=sys.stderr)
            return 1
        edits, unchanged = [], []
        rendered = 0
        for i in range(args.repeat):
            lesson = lessons[(i * 37) % len(lessons)]
            lesson.write_text(
                lesson.read_text(encoding="utf-8") + f"\nEdit {i}.\n", encoding="utf-8"
            )
            start = time.perf_counter()
            result = builder.build()
            edits.append(time.perf_counter() - start)
            rendered = result.rendered
            start = time.perf_counter()
            builder.build()
            unchanged.append(time.perf_counter() - start)
        print(
            f"preview first build: {first.rendered} pages of {args.pages} lessons and "
            f"{args.questions} questions: {full:.2f} s"
        )
        print(
            f"preview rebuild after editing one page ({rendered} pages rendered: it and the index): "
            f"median {statistics.median(edits):.3f} s, best {min(edits):.3f} s "
            f"of {args.repeat} (target well under 1 s)"
        )
        print(f"preview rebuild with nothing changed: median {statistics.median(unchanged):.3f} s")
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
