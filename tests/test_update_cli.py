"""`lemma deploy PATH --update` on the command line against the fake Moodle: the bundled
course deployed (baseline recorded), learners at work, the sources edited, a dry run, the
update, the deployment log, a rerun that changes nothing, --prune with and without --yes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.content.loader import load_course
from lemma_pkg.deploy.deploylog import DeployLog
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.report import pull_course_data
from tests import update_scenario as sc
from tests.fake_moodle import FakeMoodle, seed
from tests.learners import Learner
from tests.test_update_scenario import LEARNER_FUNCTIONS, learner_data


def lemma(fake: FakeMoodle, token: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["deploy", "--insecure-http", *args],
        env={"LEMMA_URL": fake.url, "LEMMA_TOKEN": token, "LEMMA_CONFIG": "/nonexistent"},
        catch_exceptions=False,
    )


@pytest.fixture
def deployed(fake_moodle: FakeMoodle, tmp_path: Path) -> tuple[FakeMoodle, str, Path, int]:
    """The bundled course deployed with `lemma deploy`, and two learners at work."""
    fake = fake_moodle
    fake.state.clock = 1_800_000_000
    seed.add_category(fake.state, "Miscellaneous")
    token = fake.issue_lemma_token()
    root = sc.copy_course(tmp_path / "course")
    res = lemma(fake, token, str(root))
    assert res.exit_code == 0, res.output
    [course] = [c for c in fake.state.courses.values() if c["shortname"] == "LEMMA-v1"]
    courseid = int(course["id"])
    assert fake.state.lemma_applied.get(courseid), "deploy recorded no baseline"
    learners = []
    for name in ("learner1", "learner2"):
        with fake.state.lock:
            user = seed.add_user(fake.state, name)
            seed.enrol(fake.state, user["id"], courseid)
        learners.append(Learner(fake.url, fake.issue_token(name, LEARNER_FUNCTIONS), user["id"]))
    instances = {
        cm["idnumber"]: cm["instance"]
        for cm in fake.state.modules_in_course(courseid)
        if cm.get("idnumber")
    }
    built = load_course(root).course
    assert built is not None
    sc.learn(learners[0], learners[1], instances, built)
    return fake, token, root, courseid


def test_update_from_the_command_line(deployed: tuple[FakeMoodle, str, Path, int]) -> None:
    fake, token, root, courseid = deployed
    client = MoodleClient(fake.url, token, allow_insecure_http=True)
    before = pull_course_data(client, courseid, path="bulk")
    sc.edit_course(root)

    dry = lemma(fake, token, "--update", "--dry-run", str(root))
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith("update LEMMA-v1 (course ")
    assert f"  + page      {sc.NEW_PAGE}" in dry.stdout
    assert f"      question {sc.QUESTION} 'Association and causation': new version" in dry.stdout
    assert f"  - label     {sc.LABEL}  hidden (learner data kept)" in dry.stdout
    assert "nothing was sent" in dry.stderr
    assert not any(cm.get("idnumber") == sc.NEW_PAGE for cm in fake.state.modules.values())

    res = lemma(fake, token, "--update", str(root))
    assert res.exit_code == 0, res.output
    assert "updated LEMMA-v1" in res.stderr
    assert learner_data(pull_course_data(client, courseid, path="bulk")) == learner_data(before)
    log = DeployLog(root / "deployments.jsonl").read()
    update = log[-1]
    assert (update.mode, update.event, update.courseid) == ("update", "done", courseid)
    first = [d for d in log if d.mode == "new"][-1]
    assert update.previous_sha256 == first.sha256 != update.sha256
    assert update.outcome.startswith("ok: 1 added, 2 changed, 1 moved, 1 removed")

    again = lemma(fake, token, "--update", "--format", "json", str(root))
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["plan"]["empty"] is True and doc["sha256_before"] == update.sha256
    assert DeployLog(root / "deployments.jsonl").read()[-1].event == "unchanged"
    # a plain deploy of the same sources sees the updated course as up to date
    plain = lemma(fake, token, str(root))
    assert plain.exit_code == 0 and "unchanged" in plain.stderr


def test_prune_needs_yes_and_exports_first(
    deployed: tuple[FakeMoodle, str, Path, int], tmp_path: Path
) -> None:
    fake, token, root, _ = deployed
    sc.edit_course(root)
    assert lemma(fake, token, "--update", str(root)).exit_code == 0
    label = next(cm for cm in fake.state.modules.values() if cm.get("idnumber") == sc.LABEL)
    assert label["visible"] == 0

    refused = lemma(fake, token, "--update", "--prune", str(root))
    assert refused.exit_code == 2
    assert "--prune deletes 1 item(s)" in refused.stderr
    assert label["id"] in fake.state.modules

    out = tmp_path / "exports"
    res = lemma(fake, token, "--update", "--prune", "--yes", "--export-dir", str(out), str(root))
    assert res.exit_code == 0, res.output
    assert label["id"] not in fake.state.modules
    [snapshot] = list(out.glob("course-*/course-data.json"))
    assert DeployLog(root / "deployments.jsonl").read()[-1].export == str(snapshot)


def test_update_options_need_update(deployed: tuple[FakeMoodle, str, Path, int]) -> None:
    fake, token, root, _ = deployed
    res = lemma(fake, token, "--prune", str(root))
    assert res.exit_code == 2 and "go with --update" in res.stderr
    res = lemma(fake, token, "--update", "--replace", "LEMMA-v1", "--yes", str(root))
    assert res.exit_code == 2 and "does not go with --replace" in res.stderr
    res = lemma(fake, token, "--update", "--course", "NOPE", str(root))
    assert res.exit_code == 1 and "no course with the short name 'NOPE'" in res.stderr
