"""Completion: ``core_completion_get_*`` (one user per call; fan out with ``client.map``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient


class ActivityStatus(TypedDict, total=False):
    cmid: int
    modname: str
    instance: int
    #: 0 incomplete, 1 complete, 2 complete pass, 3 complete fail.
    state: int
    #: The *last* state change (no history).
    timecompleted: int
    tracking: int
    overrideby: int | None
    hascompletion: bool
    isautomatic: bool
    istrackeduser: bool
    uservisible: bool
    details: list[dict[str, Any]]
    isoverallcomplete: bool


class CriterionStatus(TypedDict, total=False):
    type: int
    title: str
    status: str
    complete: bool
    timecompleted: int | None
    details: dict[str, Any]


class CourseCompletion(TypedDict, total=False):
    completed: bool
    aggregation: int
    completions: list[CriterionStatus]


def get_activities_completion_status(
    client: MoodleClient, courseid: int, userid: int
) -> list[ActivityStatus]:
    """``core_completion_get_activities_completion_status`` for one user."""
    data = client.call(
        "core_completion_get_activities_completion_status",
        {"courseid": courseid, "userid": userid},
    )
    return cast(list[ActivityStatus], (data or {}).get("statuses", []))


def get_course_completion_status(
    client: MoodleClient, courseid: int, userid: int
) -> CourseCompletion:
    """``core_completion_get_course_completion_status`` for one user (``usernotenroled``,
    ``nocriteriaset`` are errors)."""
    data = client.call(
        "core_completion_get_course_completion_status",
        {"courseid": courseid, "userid": userid},
    )
    return cast(CourseCompletion, (data or {}).get("completionstatus", {}))


def activities_completion_for_users(
    client: MoodleClient, courseid: int, userids: Sequence[int]
) -> dict[int, list[ActivityStatus]]:
    """Activity completion of many users, with the client's bounded concurrency."""
    results = client.map(
        lambda uid: get_activities_completion_status(client, courseid, uid), userids
    )
    return dict(zip(userids, results, strict=True))
