"""local_lemma_*: the companion plugin's functions, as its contract specifies them.

Parameters come from ``lemma_pkg/plugin/contract.yaml`` (the same document the PHP follows,
checked by tests/test_plugin_contract.py), so the fake validates exactly what Moodle would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from lemma_pkg.plugin.contract import VALUE_DEFAULT, VALUE_OPTIONAL, Node, load_contract

from ..errors import invalid_parameter, missing_record
from ..params import (
    DEFAULT,
    INSTALLED_AUTH,
    INSTALLED_LANGS,
    INSTALLED_THEMES,
    OPTIONAL,
    REQUIRED,
    Desc,
    Multiple,
    Params,
    Single,
    Value,
)
from ..registry import Call, Handler, wsfunction
from ..state import CONTEXT_COURSE, Record
from .course import course_context
from .enrol import assignable_roles


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


# --- local_lemma_site_rules, local_lemma_sync_profile_fields, local_lemma_course_enrolments


@cache
def site_lists() -> dict[str, Any]:
    """Country codes and time zones as the real 4.5.6 lab site listed them."""
    path = Path(__file__).parents[1] / "data" / "site_lists.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


#: Auth plugins enabled on a fresh site, and those Moodle keeps passwords for.
ENABLED_AUTH = {"manual", "nologin", "email"}
INTERNAL_AUTH = {"manual", "nologin", "email", "none", "lti"}
#: role_get_name(ROLENAME_ORIGINAL) of the standard roles.
ROLE_NAMES = {
    "manager": "Manager",
    "coursecreator": "Course creator",
    "editingteacher": "Teacher",
    "teacher": "Non-editing teacher",
    "student": "Student",
    "guest": "Guest",
    "user": "Authenticated user",
    "frontpage": "Authenticated user on site home",
}
FLAGS = ("required", "locked", "forceunique", "signup")
PROFILE_PROPERTIES = (
    "name",
    "description",
    *FLAGS,
    "visible",
    "defaultdata",
    "param1",
    "param2",
    "param3",
)


def _stored(field: Record, key: str) -> str:
    """A user_info_field column as PHP's (string) cast gives it (NULL -> '')."""
    value = field.get(key)
    if value is None:
        return "0" if key in FLAGS else ""  # the columns' defaults
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _given(f: dict[str, Any], key: str) -> str:
    value = f[key]
    if isinstance(value, bool):
        return "1" if value else "0"
    if key == "param1" and f["datatype"] == "menu":
        return str(value).replace("\r", "")
    return str(value)


def _field_record(f: dict[str, Any]) -> dict[str, Any]:
    """The columns define_save() writes for a field definition."""
    rec: dict[str, Any] = {
        k: _given(f, k) or None for k in ("description", "param1", "param2", "param3")
    }
    rec.update(name=f["name"], visible=f["visible"], defaultdata=_given(f, "defaultdata"))
    rec.update({k: int(bool(f[k])) for k in FLAGS})
    return rec


@plugin_function("local_lemma_site_rules")
def site_rules(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    call.require_capability("moodle/user:create", 1)
    cfg = state.config
    lists = site_lists()
    fields = sorted(
        state.profile_fields.values(),
        key=lambda f: (f.get("categoryid", 1), f.get("sortorder", 0), f["id"]),
    )
    return {
        "extendedusernamechars": cfg.extendedusernamechars,
        "allowaccountssameemail": cfg.allowaccountssameemail,
        "servertimezone": cfg.timezone,
        "usertimezone": cfg.timezone,
        "maxinputvars": cfg.max_input_vars,
        "postmaxsize": cfg.post_max_size,
        "passwordpolicy": {
            "enabled": cfg.passwordpolicy,
            "minlength": 8,
            "mindigits": 1,
            "minlower": 1,
            "minupper": 1,
            "minnonalphanum": 1,
            "maxconsecutiveidentchars": 0,
            "pluginchecks": False,
        },
        "languages": [
            {"code": c, "name": f"English \u200e({c})\u200e"} for c in sorted(INSTALLED_LANGS)
        ],
        "countries": [{"code": k, "name": v} for k, v in lists["countries"].items()],
        "timezones": list(lists["timezones"]),
        "themes": sorted(INSTALLED_THEMES),
        "auths": [
            {"name": a, "enabled": a in ENABLED_AUTH, "internal": a in INTERNAL_AUTH}
            for a in sorted(INSTALLED_AUTH - {"mnet", "webservice"})
        ],
        "profilefields": [
            {
                "id": f["id"],
                "shortname": f["shortname"],
                "name": f["name"],
                "datatype": f["datatype"],
                "categoryid": f.get("categoryid", 1),
                "categoryname": (state.profile_categories.get(f.get("categoryid", 1)) or {}).get(
                    "name", ""
                ),
                "sortorder": f.get("sortorder", 0),
                "description": _stored(f, "description"),
                **{k: bool(f.get(k)) for k in FLAGS},
                "visible": int(f.get("visible", 1)),
                **{k: _stored(f, k) for k in ("defaultdata", "param1", "param2", "param3")},
            }
            for f in fields
        ],
        "roles": [
            {
                "id": r["id"],
                "shortname": r["shortname"],
                "name": r["name"] or ROLE_NAMES.get(r["shortname"], r["shortname"]),
                "archetype": r["shortname"] if r["shortname"] in ROLE_NAMES else "",
            }
            for r in sorted(state.roles.values(), key=lambda r: r["sortorder"])
            if CONTEXT_COURSE in r["contextlevels"]
        ],
    }


def _check_field(f: dict[str, Any]) -> None:
    name = f["shortname"]
    if not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
        raise invalid_parameter(f"Short name '{name}': only letters, digits and _ are allowed")
    if f["datatype"] not in ("menu", "text", "checkbox", "datetime"):
        raise invalid_parameter(f"Field {name}: unsupported type '{f['datatype']}'")
    if f["visible"] not in (0, 1, 2, 3):
        raise invalid_parameter(f"Field {name}: visible must be 0, 1, 2 or 3")
    if f["datatype"] == "menu":
        options = f["param1"].replace("\r", "").split("\n")
        if len(options) < 2:
            raise invalid_parameter(f"Field {name}: a menu needs at least two options")
        if f["defaultdata"] != "" and f["defaultdata"] not in options:
            raise invalid_parameter(f"Field {name}: the default is not one of the options")
    if f["datatype"] == "datetime" and int(f["param1"] or 0) > int(f["param2"] or 0):
        raise invalid_parameter(f"Field {name}: the start year is after the end year")


@plugin_function("local_lemma_sync_profile_fields")
def sync_profile_fields(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    call.require_capability("moodle/site:config", 1)
    name = params["category"].strip()
    if not name:
        raise invalid_parameter("The category name cannot be empty")
    seen: set[str] = set()
    for f in params["fields"]:
        _check_field(f)
        if f["shortname"] in seen:
            raise invalid_parameter("Field given twice: " + f["shortname"])
        seen.add(f["shortname"])
    apply = bool(params["apply"])
    catid = next((c["id"] for c in state.profile_categories.values() if c["name"] == name), 0)
    if not catid and apply:
        catid = state.seq.next("user_info_category")
        state.profile_categories[catid] = {
            "id": catid,
            "name": name,
            "sortorder": len(state.profile_categories) + 1,
        }
    results = []
    for f in params["fields"]:
        existing = state.profile_field_by_shortname(f["shortname"])
        if existing is None:
            status, fid = "missing", 0
            if apply:
                fid = state.seq.next("user_info_field")
                in_category = [
                    x for x in state.profile_fields.values() if x.get("categoryid") == catid
                ]
                state.profile_fields[fid] = {
                    "id": fid,
                    "shortname": f["shortname"],
                    "datatype": f["datatype"],
                    "categoryid": catid,
                    "sortorder": len(in_category) + 1,
                    **_field_record(f),
                }
                status = "created"
            results.append(
                {"shortname": f["shortname"], "id": fid, "status": status, "differences": []}
            )
            continue
        differences = ["datatype"] if existing["datatype"] != f["datatype"] else []
        differences += [k for k in PROFILE_PROPERTIES if _stored(existing, k) != _given(f, k)]
        if catid and existing.get("categoryid", 1) != catid:
            differences.append("category")
        status = "different" if differences else "ok"
        if existing["datatype"] != f["datatype"]:
            status = "conflict"  # never change a field's type
        elif differences and apply:
            existing.update(_field_record(f), categoryid=catid)
            status = "updated"
        results.append(
            {
                "shortname": f["shortname"],
                "id": existing["id"],
                "status": status,
                "differences": differences,
            }
        )
    return {"category": name, "categoryid": catid, "fields": results}


@plugin_function("local_lemma_course_enrolments")
def course_enrolments(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    ctxid = course_context(call, courseid)
    call.require_capability("moodle/course:enrolreview", ctxid)
    manual = {"id": 0, "enabled": False, "roleid": 0, "enrolperiod": 0}
    for inst in sorted(state.enrol.values(), key=lambda r: r["id"]):
        if inst["courseid"] != courseid or inst["enrol"] != "manual":
            continue
        enabled = inst["status"] == 0
        if not manual["id"] or (enabled and not manual["enabled"]):
            manual = {
                "id": inst["id"],
                "enabled": enabled,
                "roleid": inst.get("roleid") or 5,
                "enrolperiod": inst.get("enrolperiod") or 0,
            }
    by_user: dict[int, list[dict[str, Any]]] = {}
    for inst, ue in sorted(state.user_enrolments_in(courseid), key=lambda p: p[0]["id"]):
        by_user.setdefault(ue["userid"], []).append(
            {
                "enrolid": inst["id"],
                "method": inst["enrol"],
                "status": ue["status"],
                "timestart": ue["timestart"],
                "timeend": ue["timeend"],
            }
        )
    roles: dict[int, set[int]] = {}
    for ra in state.role_assignments:
        if ra["contextid"] == ctxid:
            roles.setdefault(ra["userid"], set()).add(ra["roleid"])
    groups: dict[int, set[int]] = {}
    for gid, uid in state.group_members:
        if state.groups[gid]["courseid"] == courseid:
            groups.setdefault(uid, set()).add(gid)
    userids = sorted(by_user)
    start, limit = params["limitfrom"], params["limitnumber"]
    page = userids[start : start + limit] if limit else userids[start:]
    return {
        "courseid": courseid,
        "manual": manual,
        "assignableroles": [
            {"id": rid, "shortname": state.roles[rid]["shortname"]}
            for rid in sorted(
                assignable_roles(call, ctxid), key=lambda r: state.roles[r]["sortorder"]
            )
        ],
        "totalusers": len(userids),
        "users": [
            {
                "userid": uid,
                "enrolments": by_user[uid],
                "roleids": sorted(roles.get(uid, ())),
                "groupids": sorted(groups.get(uid, ())),
            }
            for uid in page
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
