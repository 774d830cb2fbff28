"""``python -m tests.fake_moodle [--port 8123] [--debug] [--cohort N]``: run the fake by hand."""

from __future__ import annotations

import argparse
import sys
import time

from . import seed
from .server import FakeMoodle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_moodle", description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="port on 127.0.0.1 (0 = any)")
    parser.add_argument("--debug", action="store_true", help="site debugging on (debuginfo)")
    parser.add_argument(
        "--cohort",
        type=int,
        default=0,
        help="seed N learners with activity into REF1 (course id 2)",
    )
    args = parser.parse_args(argv)
    fake = FakeMoodle(port=args.port)
    fake.set_debug(args.debug)
    fake.start()
    if args.cohort:
        seed.seed_cohort(fake.state, 2, n=args.cohort)
    student = fake.issue_token("student1")
    print(f"Fake Moodle 4.5.6 at {fake.url}", flush=True)
    print(f"admin token:    {fake.admin_token}", flush=True)
    print(f"student1 token: {student}", flush=True)
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
