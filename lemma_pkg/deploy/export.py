"""The learner data of a course, saved to disk before ``lemma deploy --replace`` replaces its
content (Moodle then deletes every grade, activity completion and quiz attempt).

It is the report's pull (:func:`lemma_pkg.report.pull.pull_course_data`, the same client
calls ``lemma report`` makes: the plugin's bulk read when the service has it, else Moodle's
own functions) written as a lossless snapshot
(:func:`lemma_pkg.report.snapshot.write_snapshot`: ``course-data.json``, owner-only). It
holds every enrolled user with a standard course role: activity completion with times, quiz
attempts with grades, grade items and grades, course completion.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.report.pull import pull_course_data
from lemma_pkg.report.snapshot import read_snapshot, write_snapshot

log = logging.getLogger("lemma.deploy")

#: Moodle's standard course roles: everyone whose data a replace deletes.
COURSE_ROLES = ("student", "teacher", "editingteacher", "manager", "coursecreator", "guest")


def save_learner_data(client: MoodleClient, courseid: int, out_dir: Path) -> Path:
    """Pull course ``courseid``'s learner data and write it under ``out_dir`` (a new folder
    per export, named by course and time); return the snapshot file. Raises on any failure,
    and reads the file back before returning, so a replace never starts without it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    ignore = out_dir / ".gitignore"
    if not ignore.exists():  # personal data: never committed by a `git add .`
        ignore.write_text("# lemma: learner data (personal data), never commit it\n*\n")
    folder = out_dir / f"course-{courseid}-{stamp}"
    data = pull_course_data(client, courseid, learner_roles=COURSE_ROLES)
    path = write_snapshot(data, folder)
    again = read_snapshot(path)
    if again != data:
        raise OSError(f"{path} does not read back as written")
    log.info(
        "saved the learner data of course %d: %d users, %d completion rows, %d quiz attempts, "
        "%d grades -> %s",
        courseid,
        len(data.learners),
        len(data.completions),
        len(data.attempts),
        len(data.grades),
        path,
    )
    return path
