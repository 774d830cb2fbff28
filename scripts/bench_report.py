"""Benchmark: pull a course of 1,000 learners and 8 quizzes from the fake Moodle over HTTP on
the core path and on the bulk path (companion plugin); print calls and wall time of each.

Target: the bulk path in under 5 s and fewer than 50 calls. The core path makes one call per
learner for completion and course completion, one per learner and quiz for attempts and,
with marks per question, one per finished attempt. Run: ``.venv/bin/python
scripts/bench_report.py [--learners N] [--quizzes N] [--skip-core]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lemma_pkg.moodle.client import MoodleClient  # noqa: E402
from lemma_pkg.report import pull_course_data  # noqa: E402
from tests.fake_moodle import FakeMoodle  # noqa: E402
from tests.report_course import seed_course  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--learners", type=int, default=1000)
    ap.add_argument("--quizzes", type=int, default=8)
    ap.add_argument("--skip-core", action="store_true")
    args = ap.parse_args()
    with FakeMoodle() as fake:
        t = time.perf_counter()
        course = seed_course(fake, args.learners, quizzes=args.quizzes, pages=args.quizzes)
        seeded = time.perf_counter() - t
        st = fake.state
        print(
            f"seeded {args.learners} learners, {args.quizzes} quizzes, "
            f"{len(st.quiz_attempts)} attempts, {len(st.completion)} completion rows "
            f"in {seeded:.1f} s (load {os.getloadavg()[0]:.2f})"
        )
        runs = [("bulk", course.bulk_token, True)]
        if not args.skip_core:
            runs += [("core", course.core_token, False), ("core", course.core_token, True)]
        for path, token, marks in runs:
            with MoodleClient(fake.url, token, allow_insecure_http=True) as client:
                before = len(fake.requests)
                t = time.perf_counter()
                data = pull_course_data(client, course.courseid, path=path, question_marks=marks)  # type: ignore[arg-type]
                wall = time.perf_counter() - t
            calls = len(fake.requests) - before
            label = f"{path} path" + ("" if path == "bulk" else (" with" if marks else " without")
                                      + " marks per question")
            target = ""
            if path == "bulk":
                ok = wall < 5 and calls < 50
                target = f"  target <5 s, <50 calls: {'met' if ok else 'MISSED'}"
            print(
                f"{label:<40} {calls:>6} calls  {wall:7.2f} s  "
                f"{len(data.learners)} learners, {len(data.attempts)} attempts{target}"
            )


if __name__ == "__main__":
    main()
