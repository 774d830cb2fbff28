"""local_lemma_*: the companion plugin's functions, as its contract specifies them.

Parameters come from ``lemma_pkg/plugin/contract.yaml`` (the same document the PHP follows,
checked by tests/test_plugin_contract.py), so the fake validates exactly what Moodle would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lemma_pkg.plugin.contract import VALUE_DEFAULT, VALUE_OPTIONAL, Node, load_contract

from ..errors import invalid_parameter, missing_record
from ..params import DEFAULT, OPTIONAL, REQUIRED, Desc, Multiple, Params, Single, Value
from ..registry import Call, Handler, wsfunction
from ..state import CONTEXT_COURSE, Record
from .course import course_context


def _desc(node: Node) -> Desc:
    required = {VALUE_DEFAULT: DEFAULT, VALUE_OPTIONAL: OPTIONAL}.get(node.required, REQUIRED)
    if node.kind == "value":
        return Value(node.type, required, node.default, node.allownull)
    if node.kind == "single":
        return Single({k: _desc(v) for k, v in node.keys.items()}, required, node.default)
    assert node.content is not None
    return Multiple(_desc(node.content), required, node.default)


def contract_params(name: str) -> Params:
    """The fake's parameter description of plugin function ``name``, from the contract."""
    fn = load_contract()[name]
    return Params({k: _desc(v) for k, v in fn.parameters.items()})


def plugin_function(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the contract's function ``name``."""
    return wsfunction(name, contract_params(name))


@plugin_function("local_lemma_course_map")
def course_map(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    course_context(call, courseid)
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    call.require_capability("moodle/course:manageactivities", ctxid)
    course = state.courses[courseid]
    return {
        "courseid": courseid,
        "shortname": course["shortname"],
        "idnumber": course.get("idnumber", ""),
        "modules": [
            {
                "cmid": cm["id"],
                "modname": cm["modname"],
                "instance": cm["instance"],
                "idnumber": cm.get("idnumber", ""),
                "sectionnum": cm["sectionnum"],
                "sectionid": cm["section"],
                "name": cm["name"],
                "visible": cm.get("visible", 1),
                "completion": cm.get("completion", 0),
            }
            for cm in state.modules_in_course(courseid)
        ],
    }


@plugin_function("local_lemma_course_learner_data")
def course_learner_data(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """A page of enrolled users with their rows, as the plugin's SQL reads them."""
    from .completion import completion_record
    from .quiz import max_mark

    state = call.state
    courseid = params["courseid"]
    if courseid not in state.courses:
        raise missing_record("course")
    course_context(call, courseid)
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    call.require_capability("local/lemma:exportlearnerdata", ctxid)
    limit = params["limit"]
    if not 1 <= limit <= 1000:
        raise invalid_parameter("limit must be between 1 and 1000")
    since, after = params["since"], params["afteruserid"]
    course = state.courses[courseid]
    first = after == 0

    enrolments: dict[int, list[tuple[Record, Record]]] = {}
    for inst, ue in state.user_enrolments_in(courseid):
        enrolments.setdefault(ue["userid"], []).append((inst, ue))
    userids = sorted(u for u in enrolments if not state.users[u]["deleted"])
    page = [u for u in userids if u > after][:limit]
    chosen = set(page)
    cms = state.modules_in_course(courseid)
    quizzes = [state.quizzes[cm["instance"]] for cm in cms if cm["modname"] == "quiz"]
    quizids = {q["id"] for q in quizzes}
    items = sorted(
        (g for g in state.grade_items.values() if g["courseid"] == courseid),
        key=lambda g: g["sortorder"],
    )
    itemids = {g["id"] for g in items}
    roles_by_user: dict[int, list[str]] = {}
    for ra in state.role_assignments:
        if ra["contextid"] == ctxid and ra["userid"] in chosen:
            roles_by_user.setdefault(ra["userid"], []).append(
                state.roles[ra["roleid"]]["shortname"]
            )

    users = []
    for uid in page:
        user = state.users[uid]
        ues = enrolments[uid]
        profile = []
        for f in sorted(state.profile_fields.values(), key=lambda f: f["id"]):
            value = state.profile_data.get((uid, f["id"]))
            if value is None:
                value = f["defaultdata"] or ""
            if value != "":
                profile.append({"shortname": f["shortname"], "value": value})
        users.append(
            {
                "id": uid,
                "username": user["username"],
                "firstname": user["firstname"],
                "lastname": user["lastname"],
                "email": user["email"],
                "idnumber": user["idnumber"],
                "firstaccess": user["firstaccess"],
                "lastaccess": user["lastaccess"],
                "lastcourseaccess": user.get("courseaccess", {}).get(courseid, 0),
                "timeenrolled": min(ue["timecreated"] for _i, ue in ues),
                "suspended": all(inst["status"] != 0 or ue["status"] != 0 for inst, ue in ues),
                "roles": sorted(roles_by_user.get(uid, [])),
                "profile": profile,
            }
        )
    cmids = {cm["id"] for cm in cms}
    completions = [
        {
            "userid": userid,
            "cmid": cmid,
            "completionstate": rec["completionstate"],
            "timemodified": rec["timemodified"],
            "overrideby": rec["overrideby"],
        }
        for (cmid, userid), rec in sorted(state.completion.items(), key=lambda kv: kv[0][::-1])
        if cmid in cmids and userid in chosen and rec["timemodified"] >= since
        and (rec["completionstate"] or rec["timemodified"])
    ]
    attempts = []
    for a in sorted(state.quiz_attempts.values(), key=lambda a: (a["userid"], a["id"])):
        if a["quiz"] not in quizids or a["userid"] not in chosen or a["preview"]:
            continue
        if a["timemodified"] < since:
            continue
        quiz = state.quizzes[a["quiz"]]
        marks = a.get("slotmarks") or {}
        attempts.append(
            {
                "id": a["id"],
                "quiz": a["quiz"],
                "userid": a["userid"],
                "attempt": a["attempt"],
                "state": a["state"],
                "timestart": a["timestart"],
                "timefinish": a["timefinish"],
                "timemodified": a["timemodified"],
                "sumgrades": a["sumgrades"],
                "questions": [
                    {"slot": slot, "mark": marks.get(slot), "maxmark": max_mark(quiz)}
                    for slot in sorted(marks)
                ],
            }
        )
    grades = [
        {
            "itemid": itemid,
            "userid": userid,
            "finalgrade": g["finalgrade"],
            "timemodified": g["timemodified"],
            "datesubmitted": g["datesubmitted"],
            "hidden": g["hidden"],
            "overridden": g["overridden"],
        }
        for (itemid, userid), g in sorted(state.grades.items(), key=lambda kv: kv[0][::-1])
        if itemid in itemids and userid in chosen and g["timemodified"] >= since
    ]
    course_item = next((g for g in items if g["itemtype"] == "course"), None)
    if course_item is not None:  # grade_grades of the course total, as a regrade leaves them
        for uid in page:
            own = [
                state.grades[(g["id"], uid)]
                for g in items
                if g["itemtype"] != "course" and (g["id"], uid) in state.grades
            ]
            present = [g for g in own if g["finalgrade"] is not None]
            if not present:
                continue
            last = max(g["timemodified"] for g in present)
            if last < since:
                continue
            grades.append(
                {
                    "itemid": course_item["id"],
                    "userid": uid,
                    "finalgrade": sum(g["finalgrade"] for g in present),
                    "timemodified": last,
                    "datesubmitted": None,
                    "hidden": 0,
                    "overridden": 0,
                }
            )
    coursecompletions = []
    criteria = state.course_completion_criteria.get(courseid, [])
    if criteria and course["enablecompletion"]:
        for uid in page:
            recs = [completion_record(state, c["cmid"], uid) for c in criteria]
            done = all(r["completionstate"] in (1, 2) for r in recs)
            timecompleted = max(r["timemodified"] for r in recs) if done else None
            if since and (timecompleted or 0) < since:
                continue
            coursecompletions.append(
                {
                    "userid": uid,
                    "timeenrolled": min(ue["timecreated"] for _i, ue in enrolments[uid]),
                    "timestarted": 0,
                    "timecompleted": timecompleted,
                }
            )
    out: dict[str, Any] = {
        "course": {
            "id": courseid,
            "shortname": course["shortname"],
            "fullname": course["fullname"],
            "idnumber": course.get("idnumber", ""),
            "startdate": course["startdate"],
            "enddate": course["enddate"],
        },
        "profilefields": [],
        "modules": [],
        "quizzes": [],
        "gradeitems": [],
        "users": users,
        "completions": completions,
        "attempts": attempts,
        "grades": grades,
        "coursecompletions": coursecompletions,
        "totalusers": len(userids),
        "nextafteruserid": page[-1] if page else after,
        "hasmore": bool(page) and page[-1] < userids[-1],
    }
    if first:
        totalmax = sum(g["grademax"] for g in items if g["itemtype"] != "course")
        out["profilefields"] = [
            {"shortname": f["shortname"], "name": f["name"], "datatype": f["datatype"]}
            for f in sorted(state.profile_fields.values(), key=lambda f: f["id"])
        ]
        out["modules"] = [
            {
                "cmid": cm["id"],
                "modname": cm["modname"],
                "instance": cm["instance"],
                "name": cm["name"],
                "idnumber": cm.get("idnumber", ""),
                "sectionnum": cm["sectionnum"],
                "completion": cm.get("completion", 0),
                "visible": cm.get("visible", 1),
            }
            for cm in cms
        ]
        out["quizzes"] = [
            {
                "id": q["id"],
                "cmid": q["coursemodule"],
                "name": q["name"],
                "sumgrades": q["sumgrades"],
                "grade": q["grade"],
                "gradepass": q["gradepass"],
                "grademethod": q["grademethod"],
                "attempts": q["attempts"],
            }
            for q in quizzes
        ]
        out["gradeitems"] = [
            {
                "id": g["id"],
                "itemtype": g["itemtype"],
                "itemmodule": g["itemmodule"],
                "iteminstance": g["iteminstance"],
                "cmid": g["cmid"],
                "idnumber": g["idnumber"],
                "name": g["itemname"] or "",
                "grademin": g["grademin"],
                "grademax": totalmax if g["itemtype"] == "course" else g["grademax"],
            }
            for g in items
        ]
    return out
