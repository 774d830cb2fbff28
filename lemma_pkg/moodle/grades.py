"""Grades: ``gradereport_user_get_grade_items``."""

from __future__ import annotations

from typing import Any, TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient


class GradeItem(TypedDict, total=False):
    id: int
    itemname: str
    itemtype: str
    itemmodule: str
    iteminstance: int
    cmid: int
    idnumber: str
    graderaw: float | None
    gradeformatted: str  # HTML
    grademin: float
    grademax: float
    gradedatesubmitted: int | None
    gradedategraded: int | None
    gradeishidden: bool
    gradeisoverridden: bool


class UserGrades(TypedDict, total=False):
    courseid: int
    userid: int
    userfullname: str
    useridnumber: str
    gradeitems: list[GradeItem]


def get_grade_items(
    client: MoodleClient, courseid: int, userid: int = 0, groupid: int | None = None
) -> list[UserGrades]:
    """``gradereport_user_get_grade_items``: ``userid`` 0 = every graded user in one call
    (suspended enrolments are left out by default); a student token must pass its own id."""
    params: dict[str, Any] = {"courseid": courseid, "userid": userid}
    if groupid is not None:
        params["groupid"] = groupid
    data = client.call("gradereport_user_get_grade_items", params)
    return cast(list[UserGrades], (data or {}).get("usergrades", []))
