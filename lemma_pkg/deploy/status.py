"""``lemma deploy --status``: the deployment log, each entry checked against the site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lemma_pkg.deploy.deploylog import ABANDONED, DONE, FAILED, PLANNED, RESTORING, Deployment
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import get_course_by_field
from lemma_pkg.moodle.restore import restore_status


@dataclass(frozen=True)
class StatusRow:
    deployment: Deployment
    #: ok, hidden, missing, renamed, replaced, interrupted, left-behind, other-site, -
    state: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = self.deployment
        return {
            "deploy": d.deploy,
            "time": d.time,
            "site": d.site,
            "course": d.course,
            "shortname": d.shortname,
            "version": d.version,
            "mode": d.mode,
            "courseid": d.courseid,
            "sha256": d.sha256,
            "source_commit": d.source_commit,
            "event": d.event,
            "outcome": d.outcome,
            "site_state": self.state,
            "detail": self.detail,
        }


def check_deployment(client: MoodleClient, d: Deployment, *, plugin: bool) -> StatusRow:
    """What the site says about one deployment (reads only)."""
    if d.site != client.url:
        return StatusRow(d, "other-site", f"not checked: {d.site}")
    if d.event in (PLANNED, RESTORING):
        if not plugin:
            return StatusRow(d, "interrupted", "run `lemma deploy` again to finish it")
        found = restore_status(client, requestid=d.deploy)
        what = f"restore {found[0].state}" if found else "nothing reached the site"
        return StatusRow(d, "interrupted", f"{what}; `lemma deploy` finishes or cleans it up")
    if d.event in (FAILED, ABANDONED) and d.mode == "new":
        left = get_course_by_field(client, "shortname", d.shortname)
        if left is not None and left.id == d.courseid:
            return StatusRow(d, "left-behind", f"course {left.id} is still on the site")
        return StatusRow(d, "-", "nothing left on the site")
    if d.event != DONE or not d.courseid:
        return StatusRow(d, "-")
    course = get_course_by_field(client, "id", d.courseid)
    if course is None:
        return StatusRow(d, "missing", f"course {d.courseid} is not on the site (deleted?)")
    if course.shortname != d.shortname:
        return StatusRow(d, "renamed", f"its short name is now {course.shortname!r}")
    if plugin and d.mode != "update":
        finished = [r for r in restore_status(client, courseid=d.courseid) if r.state == "finished"]
        if finished and finished[0].sha256 and finished[0].sha256 != d.sha256:
            return StatusRow(
                d,
                "replaced",
                f"its content was replaced since (sha256 {finished[0].sha256[:12]})",
            )
    if not course.visible:
        return StatusRow(d, "hidden", "the course is hidden")
    return StatusRow(d, "ok")


def check_deployments(
    client: MoodleClient | None, deployments: list[Deployment], *, plugin: bool
) -> list[StatusRow]:
    if client is None:
        return [StatusRow(d, "-", "not checked: no site configured") for d in deployments]
    return [check_deployment(client, d, plugin=plugin) for d in deployments]


def format_status(rows: list[StatusRow]) -> str:
    """One line per deployment: when, which course, what the log says, what the site says."""
    if not rows:
        return "no deployments in the log\n"
    lines = []
    for row in rows:
        d = row.deployment
        where = f"course {d.courseid}" if d.courseid else "no course"
        sha = d.sha256[:12]
        commit = (d.source_commit or "-")[:12] + (
            "+dirty" if (d.source_commit or "").endswith("+dirty") else ""
        )
        site = row.state + (f": {row.detail}" if row.detail else "")
        lines.append(
            f"{d.time}  {d.shortname:<14} {d.mode:<7} {where:<11} sha256 {sha}  commit {commit}"
            f"  {d.event}{' (' + d.outcome + ')' if d.outcome else ''}  site: {site}"
        )
    return "\n".join(lines) + "\n"
