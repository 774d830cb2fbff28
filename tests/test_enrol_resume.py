"""`lemma enrol` killed (SIGKILL, in a subprocess) at random points, then run again until it
finishes: no duplicate account, no lost row, the ledger tells the story."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lemma_pkg.enrol.ledger import read_history
from tests.enrol_support import Site
from tests.fake_moodle import FakeMoodle
from tests.test_enrol_faults import _assert_all_done, _rows

N = 150


def _cmd(roster: Path, project: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "lemma_pkg",
        "enrol",
        str(roster),
        "--create-groups",
        "--create-cohorts",
        "--insecure-http",
        "--project",
        str(project),
        "--format",
        "json",
    ]


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


@pytest.mark.slow
def test_killed_runs_resume_without_duplicates_or_lost_rows(
    fake_moodle: FakeMoodle, tmp_path: Path
) -> None:
    site = Site(fake_moodle, tmp_path)
    fake_moodle.state.config.max_input_vars = 400  # small requests: many batches
    fake_moodle.faults.latency(0.02)
    users_before = len(fake_moodle.state.users)
    roster = site.roster(_rows(N))
    env = dict(
        os.environ,
        LEMMA_URL=fake_moodle.url,
        LEMMA_TOKEN=site.token,
        LEMMA_CONFIG=str(tmp_path / "none.toml"),
        NO_COLOR="1",
    )
    rng = random.Random(20261204)
    ledger = roster.with_name(roster.name + ".ledger.jsonl")
    kills = mid_write = 0
    finished = None
    for _attempt in range(60):
        proc = subprocess.Popen(
            _cmd(roster, site.project),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        # Kill either at a random moment, or right after the run recorded 1-4 more steps in
        # the ledger (so, surely in the middle of writing).
        by_ledger = rng.random() < 0.6
        deadline = time.monotonic() + rng.uniform(0.2, 1.5)
        target = _lines(ledger) + rng.randint(1, 4)
        while proc.poll() is None:
            if (by_ledger and _lines(ledger) >= target) or (
                not by_ledger and time.monotonic() >= deadline
            ):
                break
            time.sleep(0.005)
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no cleanup, possibly in the middle of a request
            proc.communicate()
            kills += 1
            mid_write += by_ledger
            # whatever the moment, no account exists twice
            names = [u["username"] for u in fake_moodle.state.users.values()]
            assert len(names) == len(set(names))
            continue
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        finished = json.loads(out)
        break
    assert finished is not None, "lemma enrol never finished"
    assert kills >= 3 and mid_write >= 2, (kills, mid_write)
    assert finished["ok"] and not finished["rejected"] and not finished["skipped"]
    _assert_all_done(site, N)
    assert len(fake_moodle.state.users) == users_before + N

    again = subprocess.run(
        _cmd(roster, site.project), env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["plan"] == [] and report["counts"]["unchanged"]["accounts"] == N

    history = read_history(roster.with_name(roster.name + ".ledger.jsonl"))
    # runs killed before their first write leave no record; at least one was killed while
    # writing (its batches are in the ledger) and the last one ended
    assert history.runs >= 2
    assert not history.interrupted  # the last run ended properly
    created = [k for k in history.applied if k.startswith("user:")]
    assert len(created) == N  # every account recorded with its id, once
    assert all(history.applied[k] > 0 for k in created)
