"""Benchmark: `lemma deploy` of the bundled course and of the 300-page bench course against
the fake Moodle (real HTTP on 127.0.0.1), with the time split into build, plan (read the
backup, site checks, versions), upload, restore start (the fake's precheck), restore wait and
checks (verification). The fake's "cron" finishes a restore on the second status
call, so the restore wait is lemma's polling, not Moodle's restore (on the lab Moodle 4.5.6
the restore of the bundled course takes 7-40 s of cron time). Run:
``.venv/bin/python scripts/bench_deploy.py [--pages N] [--questions N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_build import synthetic_course  # noqa: E402

from lemma_pkg.build import build_course  # noqa: E402
from lemma_pkg.deploy.deploylog import DeployLog  # noqa: E402
from lemma_pkg.deploy.pipeline import DeploySource, deploy  # noqa: E402
from lemma_pkg.deploy.plan import DeployOptions  # noqa: E402
from lemma_pkg.mbz import write_backup  # noqa: E402
from lemma_pkg.moodle.client import MoodleClient  # noqa: E402
from tests.fake_moodle import FakeMoodle, seed  # noqa: E402


def run(fake: FakeMoodle, token: str, name: str, source: DeploySource, build: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = DeployLog(Path(tmp) / "deployments.jsonl")
        began = time.perf_counter()
        with MoodleClient(fake.url, token, allow_insecure_http=True) as client:
            result = deploy(client, source, DeployOptions(), log)
        total = time.perf_counter() - began
    t = result.timings
    v = result.verify
    size = source.mbz.stat().st_size / 1024
    print(
        f"{name}: {size:.0f} KiB, {v.items if v else 0} items, "
        f"{len(v.datasets) if v else 0} data sets: build {build:.2f} s, "
        f"plan {t.get('plan', 0):.2f} s, upload {t.get('upload', 0):.2f} s, "
        f"restore start (precheck) {t.get('start', 0):.2f} s, "
        f"restore wait {t.get('restore_wait', 0):.2f} s, "
        f"checks {t.get('checks', 0):.2f} s; deploy {total:.2f} s "
        f"({'ok' if v and v.ok else 'PROBLEMS'})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--questions", type=int, default=2000)
    args = ap.parse_args(argv)
    with FakeMoodle() as fake, tempfile.TemporaryDirectory() as tmp:
        seed.add_category(fake.state, "Miscellaneous")
        seed.add_category(fake.state, "Bench")
        token = fake.issue_lemma_token()
        began = time.perf_counter()
        built = build_course(ROOT, Path(tmp) / "LEMMA.mbz")
        build = time.perf_counter() - began
        assert built.backup.path is not None
        run(
            fake,
            token,
            "bundled course",
            DeploySource(built.backup.path, ROOT, None, built.category),
            build,
        )
        began = time.perf_counter()
        path = Path(tmp) / "bench.mbz"
        write_backup(synthetic_course(args.pages, args.questions), path, 1736121600)
        build = time.perf_counter() - began
        run(
            fake,
            token,
            f"bench course ({args.pages} pages, {args.questions} questions)",
            DeploySource(path, None, None, "Bench"),
            build,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
