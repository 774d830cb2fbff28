#!/usr/bin/env python3
"""GIFT reader + linter benchmark (prints figures; never a timed test).

Generates seeded files of 20,000 and 100,000 questions mixing every question type
(single/multi-answer multiple choice, true/false, short answer, numerical n:t and a..b,
matching, missing word, essay, description, ordering; titles, a $CATEGORY every 500
questions, an [id:]/[tag:] comment every 7th question), then times a full parse + lint in
a fresh process (wall time and peak RSS, and the peak RSS of the lint worker process that
files of 2,000+ blocks are split with). When node/npm are available it also installs
gift-pegjs into a cache folder outside the repository and times it on the same files.

  scripts/bench_gift.py [--sizes 20000,100000] [--no-pegjs] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCAB = ["model", "level", "school", "pupil", "variance", "slope", "intercept", "random", "fixed", "effect", "sample", "mean", "cluster", "residual", "estimate", "predictor", "outcome", "region", "cohort", "survey"]  # fmt: skip


def phrase(r: random.Random, lo: int = 1, hi: int = 6) -> str:
    return " ".join(r.choice(VOCAB) for _ in range(r.randint(lo, hi)))


def question(r: random.Random, i: int) -> str:
    kind = i % 10
    t = f"::Q{i} {phrase(r, 1, 3)}::"
    if kind == 0:
        return f"{t}Which {phrase(r)}? {{=right {phrase(r)}#{phrase(r)} ~{phrase(r)}#{phrase(r)} ~{phrase(r)}#{phrase(r)}}}"
    if kind == 1:
        return f"{t}Pick all {phrase(r)}. {{~%50%{phrase(r)}#ok ~%50%{phrase(r)}#ok ~%-100%{phrase(r)}#no}}"
    if kind == 2:
        return f"{t}{phrase(r)} is {phrase(r)}. {{T#{phrase(r)}#{phrase(r)}}}"
    if kind == 3:
        return f"{t}Name the {phrase(r)}. {{={phrase(r, 1, 2)}#yes =%50%{phrase(r, 1, 2)}#half}}"
    if kind == 4:
        return f"{t}How many {phrase(r)}? {{#{r.randint(1, 99)}:{r.randint(0, 3)}}}"
    if kind == 5:
        return f"{t}Range of {phrase(r)}? {{#{r.randint(1, 9)}..{r.randint(10, 99)}}}"
    if kind == 6:
        pairs = " ".join(f"={phrase(r, 1, 2)} -> {phrase(r, 1, 1)}" for _ in range(3))
        return f"{t}Match {phrase(r)}. {{{pairs}}}"
    if kind == 7:
        return f"{t}The {phrase(r)} {{~{phrase(r, 1, 2)} ={phrase(r, 1, 2)} ~{phrase(r, 1, 2)}}} {phrase(r)}."
    if kind == 8:
        return f"{t}Explain {phrase(r)}. {{}}" if i % 20 < 10 else f"{t}{phrase(r, 5, 12)}"
    items = "\n".join(phrase(r, 1, 3) for _ in range(4))
    return f"{t}Order {phrase(r)}. {{>4 ALL VERTICAL ABSOLUTE_POSITION SHOW 123\n{items}\n}}"


def write_file(path: Path, n: int, seed: int = 20261126) -> None:
    r = random.Random(seed)
    out = []
    for i in range(n):
        if i % 500 == 0:
            out.append(f"$CATEGORY: $course$/top/Bench/Part {i // 500}")
        q = question(r, i)
        if i % 7 == 0:
            q = f"// [id:B-{i}] [tag:{r.choice(VOCAB)}]\n" + q
        out.append(q)
    path.write_text("\n\n".join(out) + "\n", encoding="utf-8")


CHILD = r"""
import sys, time, json, resource
t0 = time.perf_counter()
from lemma_pkg.gift import parse_bytes
from lemma_pkg.gift.lint import lint_document
t1 = time.perf_counter()
data = open(sys.argv[1], "rb").read()
doc = parse_bytes(data)
t2 = time.perf_counter()
diags = lint_document(doc, sys.argv[1])
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "parse": t2 - t1, "parse_lint": t3 - t1,
                  "lint_only": t3 - t2, "questions": len(doc.raw_blocks),
                  "diagnostics": len(diags),
                  "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_maxrss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

PEG_CHILD = r"""
const fs = require('fs'); const peg = require('gift-pegjs');
const t0 = process.hrtime.bigint();
const q = peg.parse(fs.readFileSync(process.argv[process.argv.length - 1], 'utf8'));
const t1 = process.hrtime.bigint();
console.log(JSON.stringify({parse: Number(t1 - t0) / 1e9, questions: q.length,
  maxrss_mib: process.resourceUsage().maxRSS / 1024}));
"""


def run_python(path: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    res: dict[str, float] = json.loads(proc.stdout)
    res["wall"] = wall
    return res


def pegjs_dir() -> Path | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lemma-bench" / "pegjs"
    if not (cache / "node_modules" / "gift-pegjs").exists():
        cache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), "gift-pegjs@1"],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            print(
                f"gift-pegjs: npm install failed, skipped ({proc.stderr.strip()[-200:]})",
                file=sys.stderr,
            )
            return None
    return cache


def run_pegjs(cache: Path, path: Path) -> dict[str, float] | None:
    t0 = time.perf_counter()
    proc = subprocess.run(["node", "-e", PEG_CHILD, str(path)], capture_output=True, text=True, check=False,
                          env={**os.environ, "NODE_PATH": str(cache / "node_modules")})  # fmt: skip
    if proc.returncode != 0:
        print(f"gift-pegjs failed: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    res: dict[str, float] = json.loads(proc.stdout)
    res["wall"] = time.perf_counter() - t0
    return res


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--no-pegjs", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (best is shown)")
    ap.add_argument("--keep", type=Path, help="write the generated files here")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lemma-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    cache = None if args.no_pegjs else pegjs_dir()
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs{load}; files in {folder}")
    for n in (int(s) for s in args.sizes.split(",")):
        path = folder / f"bench_{n}.gift"
        write_file(path, n)
        size = path.stat().st_size / 1e6
        runs = [run_python(path) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["parse_lint"])
        print(f"{n:>7} questions ({size:.1f} MB): lemma parse+lint {best['parse_lint']:.3f} s "
              f"(parse {best['parse']:.3f} s, lint {best['lint_only']:.3f} s), wall {best['wall']:.3f} s, "
              f"peak RSS {best['maxrss_mib']:.0f} MiB (forked lint worker {best['worker_maxrss_mib']:.0f} MiB), "
              f"{best['questions']} blocks, "
              f"{best['diagnostics']} diagnostics")  # fmt: skip
        if cache is not None:
            peg = [r for r in (run_pegjs(cache, path) for _ in range(args.repeat)) if r]
            if peg:
                pb = min(peg, key=lambda r: r["parse"])
                print(f"{'':>7} gift-pegjs parse {pb['parse']:.3f} s, wall {pb['wall']:.3f} s, "
                      f"peak RSS {pb['maxrss_mib']:.0f} MiB; lemma parse+lint / gift-pegjs parse = "
                      f"{best['parse_lint'] / pb['parse']:.2f}")  # fmt: skip
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
