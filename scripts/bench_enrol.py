"""Benchmark: `lemma enrol` of a 10,000-learner roster against the fake Moodle.

Runs the real CLI in a subprocess (so its CPU time is measured apart from the fake's) on a
roster with background fields, a group and a cohort per learner, then runs it again (zero
changes). Prints wall time, lemma's own CPU time, and the calls per web-service function
with rows per call. Targets: at most one call per 100 learners per operation, and the
client never the bottleneck (its CPU time a small share of the wall time; the rest is the
server). Run: ``.venv/bin/python scripts/bench_enrol.py [--learners N]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.enrol_support import COURSE_YAML, HEADER  # noqa: E402
from tests.fake_moodle import FakeMoodle, seed  # noqa: E402

#: Web-service list parameters, to count rows per call.
LISTS = ("users", "enrolments", "members", "groups", "cohorts", "values", "cohortids")


def roster(path: Path, n: int) -> None:
    sectors = ("Academia", "Industry", "Other")
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            w.writerow(
                [
                    f"learner{i:05d}",
                    f"First{i}",
                    f"Last{i}",
                    f"learner{i:05d}@example.org",
                    "Bristol",
                    "GB",
                    sectors[i % 3],
                    str(i % 2),
                    "LEMMA",
                    f"Tutor group {i % 20:02d}",
                    f"lemma-{2027 + i % 3}",
                ]
            )


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, dict[str, object]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"lemma enrol failed ({done.returncode})")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def calls(fake: FakeMoodle, since: int) -> dict[str, tuple[int, int]]:
    """function -> (calls, rows sent) for the requests after ``since``."""
    n: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for r in fake.requests[since:]:
        fn = r.wsfunction or "?"
        n[fn] += 1
        heads = {
            k.split("[", 2)[1] for k, _ in r.fields if k.split("[", 1)[0] in LISTS and "[" in k
        }
        rows[fn] += len(heads)
    return {fn: (n[fn], rows[fn]) for fn in n}


def table(stats: dict[str, tuple[int, int]], learners: int) -> bool:
    ok = True
    print(f"  {'function':<34} {'calls':>6} {'rows':>7} {'rows/call':>9}")
    for fn, (c, r) in sorted(stats.items(), key=lambda kv: -kv[1][0]):
        per = r / c if c else 0
        limit = math.ceil(learners / 100)
        flag = ""
        if r >= learners and c > limit:
            flag, ok = f"  > {limit} calls", False
        print(f"  {fn:<34} {c:>6} {r:>7} {per:>9.0f}{flag}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=10_000)
    args, _ = ap.parse_known_args()
    n = args.learners
    with tempfile.TemporaryDirectory() as tmp_name, FakeMoodle() as fake:
        tmp = Path(tmp_name)
        token = fake.issue_lemma_token("admin")
        with fake.state.lock:
            seed.add_course(fake.state, "LEMMA")
        (tmp / "content_src").mkdir()
        (tmp / "content_src" / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
        env = dict(
            os.environ, LEMMA_URL=fake.url, LEMMA_TOKEN=token, LEMMA_CONFIG=str(tmp / "none.toml")
        )
        lemma = [sys.executable, "-m", "lemma_pkg"]
        subprocess.run(
            [*lemma, "background", "sync", "--insecure-http"],
            env=env,
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        path = tmp / "roster.csv"
        roster(path, n)
        cmd = [
            *lemma,
            "-q",
            "enrol",
            str(path),
            "--create-groups",
            "--create-cohorts",
            "--insecure-http",
            "--format",
            "json",
        ]
        start = len(fake.requests)
        wall, cpu, report = run(cmd, env, tmp)
        first = calls(fake, start)
        counts = report["counts"]
        print(f"lemma enrol, {n} learners (fake Moodle 4.5, max_input_vars 5000)")
        print(
            f"  first run: {wall:.1f} s wall, lemma's CPU {cpu:.1f} s ({cpu / wall:.0%}), "
            f"{report['requests']} requests; applied {counts['applied']}"
        )  # type: ignore[index]
        ok = table(first, n)
        start = len(fake.requests)
        wall2, cpu2, report2 = run(cmd, env, tmp)
        print(
            f"  again (zero changes): {wall2:.1f} s wall, lemma's CPU {cpu2:.1f} s "
            f"({cpu2 / wall2:.0%}), {report2['requests']} requests, "
            f"planned {report2['counts']['planned']}"
        )  # type: ignore[index]
        ok &= table(calls(fake, start), n)
        users = sum(1 for u in fake.state.users.values() if u["username"].startswith("learner"))
        print(f"  accounts on the site: {users} (expected {n})")
        ok &= users == n and report2["plan"] == []
        print("  at most one call per 100 learners per operation: " + ("yes" if ok else "NO"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
