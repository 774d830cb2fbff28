"""The ``lemma deploy --update`` scenario against a real Moodle 4.5 (not run by pytest).

The same edits as the fake-Moodle test (tests/update_scenario.py), run in phases against a
site where the bundled course was deployed and two learners are enrolled:

    python -m tests.lab_update_scenario learn   --url URL --tokens FILE --courseid N --workdir DIR
    python -m tests.lab_update_scenario before  ...   # learner data export + old reviews
    (lemma deploy DIR/v2 --update --course SHORTNAME ...)   # or the `update` phase below
    python -m tests.lab_update_scenario update  ...   # the library call, when not using the CLI
    python -m tests.lab_update_scenario after   ...   # export again, compare, check

``FILE`` holds ``lemma=TOKEN`` (the plugin's service, a manager), ``learner1=TOKEN`` and
``learner2=TOKEN`` (a service with the mod_quiz_* and mod_page_view_page functions). Tokens
are read from the file and never printed. ``DIR`` receives ``v1``/``v2`` copies of the course,
the snapshots and ``state.json`` (attempt ids). Exit 1 when a check fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from lemma_pkg.content.loader import load_course
from lemma_pkg.content.model import Course
from lemma_pkg.mbz import backup_bytes
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.report import pull_course_data, read_snapshot, write_snapshot
from lemma_pkg.report.model import CourseData
from lemma_pkg.update.apply import apply_plan
from lemma_pkg.update.live import read_live
from lemma_pkg.update.plan import make_plan
from lemma_pkg.update.spec import course_spec
from tests import update_scenario as sc
from tests.learners import Learner, review_texts

EPOCH = 1_790_000_000


def _course(root: Path) -> Course:
    course = load_course(root).course
    assert course is not None, f"{root}: the course does not load"
    return course


def _modules(client: MoodleClient, courseid: int) -> dict[str, dict[str, Any]]:
    answer = client.call("local_lemma_course_map", {"courseid": courseid})
    return {m["idnumber"]: m for m in answer["modules"] if m["idnumber"]}


def _instances(client: MoodleClient, courseid: int, modname: str) -> dict[int, int]:
    """cmid -> instance id."""
    return {
        m["cmid"]: m["instance"]
        for m in client.call("local_lemma_course_map", {"courseid": courseid})["modules"]
        if m["modname"] == modname
    }


def learner_data(data: CourseData) -> dict[str, Any]:
    return {
        "learners": [
            dataclasses.asdict(dataclasses.replace(lr, lastaccess=0, lastcourseaccess=0))
            for lr in data.learners
        ],
        "completions": [dataclasses.asdict(r) for r in data.completions],
        "attempts": [dataclasses.asdict(r) for r in data.attempts],
        "grades": [dataclasses.asdict(r) for r in data.grades],
        "course_completions": [dataclasses.asdict(r) for r in data.course_completions],
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("phase", choices=["learn", "before", "update", "after"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--tokens", required=True, type=Path)
    ap.add_argument("--courseid", required=True, type=int)
    ap.add_argument("--workdir", required=True, type=Path)
    args = ap.parse_args(argv)
    tokens = dict(
        line.strip().split("=", 1)
        for line in args.tokens.read_text(encoding="utf-8").splitlines()
        if "=" in line
    )
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    statefile = work / "state.json"
    state: dict[str, Any] = json.loads(statefile.read_text()) if statefile.exists() else {}
    admin = MoodleClient(args.url, tokens["lemma"], allow_insecure_http=True)
    cid = args.courseid

    def learner(name: str) -> Learner:
        users = admin.call("core_user_get_users_by_field", {"field": "username", "values": [name]})
        return Learner(args.url, tokens[name], int(users[0]["id"]))

    if not (work / "v1").exists():
        sc.copy_course(work / "v1")
    if not (work / "v2").exists():
        sc.edit_course(sc.copy_course(work / "v2"))
    v1, v2 = _course(work / "v1"), _course(work / "v2")

    if args.phase == "learn":
        cms = _modules(admin, cid)
        ids = {**_instances(admin, cid, "page"), **_instances(admin, cid, "quiz")}
        instances = {idn: ids[m["cmid"]] for idn, m in cms.items() if m["cmid"] in ids}
        state.update(sc.learn(learner("learner1"), learner("learner2"), instances, v1))
        statefile.write_text(json.dumps(state, indent=1))
        print(f"attempts: {state}")
        return 0

    if args.phase == "before":
        data = pull_course_data(admin, cid, path="bulk")
        write_snapshot(data, work / "before")
        reviews = {"l1-quiz1": review_texts(learner("learner1").review(state["l1-quiz1"]))}
        (work / "reviews-before.json").write_text(json.dumps(reviews, indent=1))
        print(
            f"before: {len(data.learners)} learners, {len(data.attempts)} attempts, "
            f"{len(data.completions)} completion rows, {len(data.grades)} grades"
        )
        return 0

    if args.phase == "update":
        spec = course_spec(v2)
        plan = make_plan(spec, read_live(admin, cid))
        print(json.dumps(plan.to_dict(), indent=1))
        data = backup_bytes(v2, EPOCH)
        result = apply_plan(
            admin,
            v2,
            spec,
            plan,
            epoch=EPOCH,
            archive_sha256=hashlib.sha256(data).hexdigest(),
            progress=print,
        )
        print(json.dumps(result.to_dict()["steps"], indent=1))
        return 0

    # after
    failures: list[str] = []
    before = read_snapshot(work / "before")
    after = pull_course_data(admin, cid, path="bulk")
    write_snapshot(after, work / "after")
    b, a = learner_data(before), learner_data(after)
    for table in b:
        same = b[table] == a[table]
        print(f"{table}: {len(b[table])} rows before, {len(a[table])} after, identical: {same}")
        if not same:
            failures.append(f"{table} differ")
    reviews_before = json.loads((work / "reviews-before.json").read_text())
    l1 = learner("learner1")
    old = review_texts(l1.review(state["l1-quiz1"]))
    print(f"old attempt {state['l1-quiz1']}, slot 3 in review: {old[3]!r}")
    if {str(k): v for k, v in old.items()} != reviews_before["l1-quiz1"] or old[
        3
    ] != sc.OLD_QUESTION_TEXT:
        failures.append("the old attempt's review changed")
    cms = _modules(admin, cid)
    quizzes = _instances(admin, cid, "quiz")
    if "new" not in state:
        state["new"] = l1.attempt(
            quizzes[cms[sc.QUIZ]["cmid"]], sc.questions(v2, sc.QUIZ), right={3}
        )
        statefile.write_text(json.dumps(state, indent=1))
    new = l1.review(state["new"])
    texts = review_texts(new)
    print(f"new attempt {state['new']}, slot 3: {texts[3]!r}, mark {new['questions'][2]['mark']}")
    if texts[3] != sc.NEW_QUESTION_TEXT or new["questions"][2]["mark"] not in ("1.00", "1"):
        failures.append("the new attempt does not use the fixed question")
    page = cms.get(sc.NEW_PAGE)
    status = admin.call(
        "core_completion_get_activities_completion_status",
        {"courseid": cid, "userid": l1.userid},
    )
    rules = [
        d["rulename"]
        for s in status["statuses"]
        if page and s["cmid"] == page["cmid"]
        for d in s.get("details", [])
    ]
    print(
        f"new page: {page and (page['cmid'], page['sectionnum'], page['completion'])}, rules {rules}"
    )
    if not page or page["completion"] != 2 or rules != ["completionview"]:
        failures.append("the new page or its completion rule is missing")
    label = cms.get(sc.LABEL)
    print(f"label: visible={label and label['visible']}")
    if not label or label["visible"] != 0:
        failures.append("the removed label is not hidden")
    order = [m for m, v in cms.items() if v["sectionnum"] == 5]
    print(f"section 5 order: {order[:3]}")
    if order[:2] != ["05-multilevel-modelling/concepts", "05-multilevel-modelling/overview"]:
        failures.append("module 5 is not reordered")
    plan = make_plan(course_spec(v2), read_live(admin, cid))
    print(f"plan for the same sources again: empty={plan.empty}")
    if not plan.empty:
        failures.append("a second run would change something")
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
