"""``lemma deploy --update``: one call from the sources to an updated course.

:func:`update_course` finds the live course, reads it, plans, and (unless ``dry_run``, or
when the plan is refused) applies the plan; with ``prune`` the learner data of the items to
delete is exported first by the ``exporter`` the caller gives (``lemma deploy``'s, which
``--replace`` uses too). The outcome carries the plan, what was done and the archive hashes
before (as recorded on the site) and after, for the deployment log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lemma_pkg.content.model import Course
from lemma_pkg.errors import LemmaError, UsageError
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import get_course_by_field
from lemma_pkg.update.apply import Progress, UpdateResult, apply_plan, check_refusals
from lemma_pkg.update.live import COURSE_KEY, read_live
from lemma_pkg.update.plan import ItemChange, Plan, make_plan
from lemma_pkg.update.spec import course_spec

#: exporter(client, courseid, out_dir) -> the snapshot file (``lemma deploy``'s export).
Exporter = Callable[[MoodleClient, int, Path], Path]


class CourseNotFound(LemmaError):
    """No course with the short name the update was asked for (exit 1)."""


@dataclass
class UpdateOutcome:
    courseid: int
    shortname: str
    plan: Plan
    sha256_before: str | None
    sha256_after: str
    applied: bool = False
    result: UpdateResult | None = None
    export: Path | None = None
    steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "courseid": self.courseid,
            "shortname": self.shortname,
            "applied": self.applied,
            "sha256_before": self.sha256_before,
            "sha256_after": self.sha256_after,
            "export": str(self.export) if self.export is not None else None,
            "plan": self.plan.to_dict(),
            "steps": list(self.result.steps) if self.result is not None else [],
            "question_versions": list(self.result.versions) if self.result is not None else [],
        }


def find_course(client: MoodleClient, shortname: str) -> int:
    course = get_course_by_field(client, "shortname", shortname)
    if course is None:
        raise CourseNotFound(
            f"the site has no course with the short name {shortname!r}",
            "name the course to update with --course SHORTNAME (lemma deploy --status lists "
            "the deployed versions)",
        )
    return int(course.id)


def record_deploy_baseline(
    client: MoodleClient, project: Path | None, courseid: int, sha256: str
) -> list[str]:
    """After ``lemma deploy`` restored a build into ``courseid``: record its fingerprints
    (from the sources in ``project``), so that a later ``--update`` compares with what was
    restored. Deployed from a bare .mbz (``project`` None), only the archive's hash is
    recorded and earlier fingerprints are dropped. Returns warnings: an update without a
    baseline still works, by applying everything again."""
    from lemma_pkg.content.loader import load_course
    from lemma_pkg.update.apply import record_baseline

    course = load_course(project).course if project is not None else None
    try:
        if course is not None:
            record_baseline(client, courseid, course_spec(course), sha256)
            return []
        client.call(
            "local_lemma_record_applied",
            {
                "courseid": courseid,
                "applied": [{"key": COURSE_KEY, "fingerprints": json.dumps({"archive": sha256})}],
                "replace": True,
            },
            idempotent=True,
        )
    except LemmaError as exc:
        return [f"no baseline for a later --update was recorded: {exc.message}"]
    if project is not None:
        return ["the sources no longer load: no baseline for a later --update was recorded"]
    return []


def update_course(
    client: MoodleClient,
    course: Course,
    shortname: str,
    *,
    epoch: int,
    archive_sha256: str,
    dry_run: bool = False,
    prune: bool = False,
    yes: bool = False,
    force_quiz_structure: bool = False,
    exporter: Exporter | None = None,
    export_dir: Path | None = None,
    progress: Progress | None = None,
) -> UpdateOutcome:
    """Update the course ``shortname`` on the site to the build of ``course``.

    Raises :class:`~lemma_pkg.update.apply.UpdateRefused` (nothing written) when the plan has refusals, and
    :class:`~lemma_pkg.errors.UsageError` for ``prune`` without ``yes`` when the plan deletes
    items. With ``dry_run`` only the plan is made (reads only).
    """
    courseid = find_course(client, shortname)
    spec = course_spec(course)
    live = read_live(client, courseid)
    plan = make_plan(spec, live, prune=prune, force_quiz_structure=force_quiz_structure)
    before = (live.recorded(COURSE_KEY) or {}).get("archive")
    outcome = UpdateOutcome(courseid, shortname, plan, before, archive_sha256)
    if dry_run:
        return outcome
    check_refusals(plan)
    if prune and plan.removed and not yes:
        raise UsageError(
            f"--prune deletes {len(plan.removed)} item(s) with their learner data (lemma exports "
            "it first)",
            "add --yes to go ahead, or leave out --prune to hide them instead",
        )

    def export(_removed: list[ItemChange]) -> None:
        if exporter is None or export_dir is None:
            raise UsageError("--prune needs a place for the learner data export")
        outcome.export = exporter(client, courseid, export_dir)

    outcome.result = apply_plan(
        client,
        course,
        spec,
        plan,
        epoch=epoch,
        archive_sha256=archive_sha256,
        force_quiz_structure=force_quiz_structure,
        export_removed=export,
        progress=progress,
    )
    outcome.applied = True
    return outcome


__all__ = [
    "CourseNotFound",
    "Exporter",
    "UpdateOutcome",
    "find_course",
    "record_deploy_baseline",
    "update_course",
]
