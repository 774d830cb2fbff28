"""core_completion_*: activity and course completion, computed from the state at once."""

from __future__ import annotations

from typing import Any

from ..errors import invalid_user, moodle_exception
from ..params import Params, Value
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, Record, State
from .course import course_context

REQUIREMENTS = {
    "completionview": "Viewing the page",
    "completionusegrade": "Achieving grade",
    "completionpassgrade": "Achieving passing grade",
}


def completion_record(state: State, cmid: int, userid: int) -> Record:
    return state.completion.get(
        (cmid, userid), {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None}
    )


def rule_status(state: State, cm: Record, rule: str, userid: int) -> int:
    rec = completion_record(state, cm["id"], userid)
    if rule == "completionview":
        return 1 if rec["viewed"] else 0
    if cm["modname"] == "quiz":
        from .quiz import best_grade

        quiz = state.quizzes[cm["instance"]]
        grade = best_grade(state, quiz, userid)
        if grade is None:
            return 0
        if rule == "completionusegrade":
            if quiz["gradepass"] > 0 and any(
                r["rulename"] == "completionpassgrade" for r in cm["rules"]
            ):
                return 2 if grade >= quiz["gradepass"] else 3
            return 1
        if rule == "completionpassgrade":
            return 2 if grade >= quiz["gradepass"] else 3
    return 1 if rec["completionstate"] else 0


def cm_completion(state: State, cm: Record, userid: int, tracked: bool) -> dict[str, Any]:
    """The completion fields Moodle's cm_completion_details exports for one user."""
    rec = (
        completion_record(state, cm["id"], userid)
        if tracked
        else {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None}
    )
    details = [
        {
            "rulename": r["rulename"],
            "rulevalue": {
                "status": rule_status(state, cm, r["rulename"], userid) if tracked else 0,
                "description": r["description"],
            },
        }
        for r in cm["rules"]
    ]
    st = rec["completionstate"]
    return {
        "state": st,
        "timecompleted": rec["timemodified"],
        "overrideby": rec["overrideby"],
        "valueused": cm["modname"] == "quiz",
        "hascompletion": cm["completion"] > 0,
        "isautomatic": cm["completion"] == 2,
        "istrackeduser": tracked,
        "uservisible": True,
        "details": details,
        "isoverallcomplete": st in (1, 2),
    }


def is_tracked(state: State, courseid: int, userid: int) -> bool:
    """Tracked users: enrolled (active) users without course:update-type exemptions."""
    return state.is_enrolled(courseid, userid, onlyactive=True)


def update_state(state: State, cm: Record, userid: int, when: int) -> None:
    """Recompute an automatic completion state after a grade or view changed."""
    rec = state.completion.setdefault(
        (cm["id"], userid),
        {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None},
    )
    statuses = [rule_status(state, cm, r["rulename"], userid) for r in cm["rules"]]
    if not statuses:
        return
    if any(s == 0 for s in statuses):
        new = 0
    elif any(s == 3 for s in statuses):
        new = 3
    elif any(s == 2 for s in statuses):
        new = 2
    else:
        new = 1
    if new != rec["completionstate"]:
        rec["completionstate"] = new
        rec["timemodified"] = when


def _check_user(state: State, userid: int) -> Record:
    user = state.users.get(userid)
    if user is None:
        raise invalid_user()
    if user["deleted"]:
        raise moodle_exception("userdeleted", "error/userdeleted")
    return user


@wsfunction(
    "core_completion_get_activities_completion_status",
    Params({"courseid": Value("int"), "userid": Value("int")}),
)
def get_activities_completion_status(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid, userid = params["courseid"], params["userid"]
    ctxid = course_context(call, courseid)
    _check_user(state, userid)
    if userid != call.userid:
        call.require_capability("report/progress:view", ctxid)
    tracked = is_tracked(state, courseid, userid)
    statuses = []
    for cm in state.modules_in_course(courseid):
        if cm["completion"] == 0:
            continue
        data = cm_completion(state, cm, userid, tracked)
        statuses.append(
            {
                "cmid": cm["id"],
                "modname": cm["modname"],
                "instance": cm["instance"],
                "state": data["state"],
                "timecompleted": data["timecompleted"],
                "tracking": cm["completion"],
                **{k: v for k, v in data.items() if k not in ("state", "timecompleted")},
            }
        )
    return {"statuses": statuses, "warnings": []}


@wsfunction(
    "core_completion_get_course_completion_status",
    Params({"courseid": Value("int"), "userid": Value("int")}),
)
def get_course_completion_status(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid, userid = params["courseid"], params["userid"]
    if courseid not in state.courses:
        from ..errors import missing_record

        raise missing_record("course")
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    course_context(call, courseid)
    _check_user(state, userid)
    if userid != call.userid:
        call.require_capability("report/completion:view", ctxid)
    if not state.courses[courseid]["enablecompletion"]:
        raise moodle_exception("completionnotenabled", "Completion is not enabled for this course")
    criteria = state.course_completion_criteria.get(courseid, [])
    if not criteria:
        raise moodle_exception("nocriteriaset", "No completion criteria set for this course")
    if not state.is_enrolled(courseid, userid):
        raise moodle_exception("usernotenroled", "User is not enrolled in this course")
    completions = []
    for crit in criteria:
        cm = state.modules[crit["cmid"]]
        rec = completion_record(state, cm["id"], userid)
        done = rec["completionstate"] in (1, 2)
        reqs = ", ".join(REQUIREMENTS.get(r["rulename"], r["description"]) for r in cm["rules"])
        completions.append(
            {
                "type": crit["type"],
                "title": crit["title"],
                "status": "Yes" if done else "No",
                "complete": done,
                "timecompleted": rec["timemodified"] if done else None,
                "details": {
                    "type": "Activity completion",
                    "criteria": f'<a href="{state.url}/mod/{cm["modname"]}/view.php?id={cm["id"]}">'
                    f"{cm['name']}</a>",
                    "requirement": reqs,
                    "status": "",
                },
            }
        )
    return {
        "completionstatus": {
            "completed": all(c["complete"] for c in completions),
            "aggregation": 1,
            "completions": completions,
        },
        "warnings": [],
    }


@wsfunction(
    "core_completion_update_activity_completion_status_manually",
    Params({"cmid": Value("int"), "completed": Value("bool")}),
)
def update_manually(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    cm = state.modules.get(params["cmid"])
    if cm is None:
        from ..errors import missing_record

        raise missing_record("course_modules")
    course_context(call, cm["course"])
    if cm["completion"] != 1:
        raise moodle_exception("cannotmanualctrack", "Activity does not have manual tracking")
    rec = state.completion.setdefault(
        (cm["id"], call.userid),
        {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None},
    )
    rec["completionstate"] = 1 if params["completed"] else 0
    rec["timemodified"] = state.now()
    return {"status": True, "warnings": []}


@wsfunction(
    "core_completion_override_activity_completion_status",
    Params({"userid": Value("int"), "cmid": Value("int"), "newstate": Value("int")}),
)
def override_status(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    cm = state.modules.get(params["cmid"])
    if cm is None:
        from ..errors import missing_record

        raise missing_record("course_modules")
    ctxid = course_context(call, cm["course"])
    call.require_capability("moodle/course:overridecompletion", ctxid)
    _check_user(state, params["userid"])
    rec = state.completion.setdefault(
        (cm["id"], params["userid"]),
        {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None},
    )
    rec.update(completionstate=params["newstate"], timemodified=state.now(), overrideby=call.userid)
    data = cm_completion(state, cm, params["userid"], True)
    return {
        "cmid": cm["id"],
        "userid": params["userid"],
        "state": data["state"],
        "timecompleted": data["timecompleted"],
        "overrideby": data["overrideby"],
        "tracking": cm["completion"],
    }
