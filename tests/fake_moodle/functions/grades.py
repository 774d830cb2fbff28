"""gradereport_user_get_grade_items: every graded user of a course in one call (userid=0)."""

from __future__ import annotations

from typing import Any

from ..errors import missing_record
from ..params import Params, Value, dflt
from ..registry import Call, wsfunction
from ..state import Record, State
from .course import course_context
from .quiz import num

PASS_ICON = (
    '<i class="icon fa fa-check text-success fa-fw inline"  title="Pass" role="img" '
    'aria-label="Pass"></i>'
)
FAIL_ICON = (
    '<i class="icon fa fa-xmark text-danger fa-fw inline"  title="Fail" role="img" '
    'aria-label="Fail"></i>'
)


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _item_row(
    state: State,
    item: Record,
    userid: int,
    full: bool,
    total: float | None,
    totalmax: float,
    lastgraded: int | None,
) -> dict[str, Any]:
    grade = state.grades.get((item["id"], userid))
    course_item = item["itemtype"] == "course"
    if course_item:
        raw = total
        grademax = totalmax
        datesubmitted = None
        dategraded = lastgraded
    else:
        raw = grade["finalgrade"] if grade else None
        grademax = item["grademax"]
        datesubmitted = grade["datesubmitted"] if grade else None
        dategraded = grade["timemodified"] if grade else None
    row: dict[str, Any] = {
        "id": item["id"],
        "itemname": item["itemname"],
        "itemtype": item["itemtype"],
        "itemmodule": item["itemmodule"],
        "iteminstance": item["iteminstance"],
        "itemnumber": None if course_item else 0,
        "idnumber": None if course_item else item["idnumber"],
        "categoryid": None if course_item else 1,
        "outcomeid": None,
        "scaleid": None,
        "locked": False if full else None,
    }
    if not course_item:
        row["cmid"] = item["cmid"]
        items = [
            g
            for g in state.grade_items.values()
            if g["courseid"] == item["courseid"] and g["itemtype"] != "course"
        ]
        weight = item["grademax"] / totalmax if totalmax else 0.0
        del items
        row["weightraw"] = num(weight)
        row["weightformatted"] = f"{weight * 100:.2f} %"
    if raw is None:
        formatted = "-"
        percentage = "-"
    else:
        formatted = _fmt(raw)
        if not course_item and item["gradepass"]:
            formatted = (PASS_ICON if raw >= item["gradepass"] else FAIL_ICON) + formatted
        percentage = f"{(raw / grademax * 100) if grademax else 0:.2f} %"
    row.update(
        {
            "graderaw": num(raw),
            "gradedatesubmitted": datesubmitted,
            "gradedategraded": dategraded,
            "gradehiddenbydate": False,
            "gradeneedsupdate": False,
            "gradeishidden": False,
            "gradeislocked": False if full else None,
            "gradeisoverridden": False if full else None,
            "gradeformatted": formatted,
            "grademin": num(item["grademin"]),
            "grademax": num(grademax),
            "rangeformatted": f"{num(item['grademin'])}&ndash;{num(grademax)}",
            "percentageformatted": percentage,
            "feedback": "",
            "feedbackformat": 2,
        }
    )
    return row


@wsfunction(
    "gradereport_user_get_grade_items",
    Params(
        {
            "courseid": Value("int"),
            "userid": dflt(Value("int"), 0),
            "groupid": dflt(Value("int"), 0),
        }
    ),
)
def get_grade_items(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid, userid, groupid = params["courseid"], params["userid"], params["groupid"]
    course = state.courses.get(courseid)
    if course is None:
        raise missing_record("course")
    ctxid = course_context(call, courseid)
    call.require_capability("gradereport/user:view", ctxid)
    full = call.has_capability("moodle/grade:viewall", ctxid)
    if userid == 0 or userid != call.userid:
        call.require_capability("moodle/grade:viewall", ctxid)
    if userid:
        if userid not in state.users:
            from ..errors import invalid_user

            raise invalid_user()
        userids = [userid]
    else:
        onlyactive = state.config.grade_report_showonlyactiveenrol or not call.has_capability(
            "moodle/course:viewsuspendedusers", ctxid
        )
        userids = state.enrolled_userids(courseid, onlyactive=onlyactive)
        if groupid:
            userids = [u for u in userids if (groupid, u) in state.group_members]
    items = sorted(
        (g for g in state.grade_items.values() if g["courseid"] == courseid),
        key=lambda g: (g["itemtype"] == "course", g["sortorder"]),
    )
    activity_items = [g for g in items if g["itemtype"] != "course"]
    totalmax = sum(g["grademax"] for g in activity_items)
    usergrades = []
    for uid in userids:
        user = state.users[uid]
        grades = [state.grades.get((g["id"], uid)) for g in activity_items]
        present = [g for g in grades if g and g["finalgrade"] is not None]
        total = sum(g["finalgrade"] for g in present) if present else None
        lastgraded = max((g["timemodified"] for g in present), default=None)
        usergrades.append(
            {
                "courseid": courseid,
                "courseidnumber": course["idnumber"],
                "userid": uid,
                "userfullname": state.fullname(user),
                "useridnumber": user["idnumber"],
                "maxdepth": 2,
                "gradeitems": [
                    _item_row(state, g, uid, full, total, totalmax, lastgraded) for g in items
                ],
            }
        )
    return {"usergrades": usergrades, "warnings": []}
