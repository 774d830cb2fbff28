"""enrol_manual_* (atomic) and core_enrol_*: participants and enrolment methods."""

from __future__ import annotations

from typing import Any

from ..errors import coding_error, invalid_parameter, invalid_user, missing_record, moodle_exception
from ..params import Multiple, Params, Single, Value, clean_param, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, ROLE_STUDENT, Record, State
from .course import course_context
from .user import profile_fields_for, user_details


def require_active_user(state: State, userid: int) -> Record:
    user = state.users.get(userid)
    if user is None:
        raise invalid_user()
    if user["deleted"]:
        raise moodle_exception("userdeleted", "error/userdeleted")
    if not user["confirmed"]:
        raise moodle_exception("usernotconfirmed", f"Could not confirm {user['username']}")
    if user["username"] == "guest":
        raise moodle_exception("guestsarenotallowed", "The guest user is not allowed to do this")
    return user


def assignable_roles(call: Call, ctxid: int) -> set[int]:
    """get_assignable_roles(): course-level roles the caller may assign here."""
    state = call.state
    course_roles = {rid for rid, r in state.roles.items() if CONTEXT_COURSE in r["contextlevels"]}
    if state.is_siteadmin(call.userid):
        return course_roles
    if not call.has_capability("moodle/role:assign", ctxid):
        return set()
    path = set(state.parent_context_ids(ctxid))
    mine = {
        ra["roleid"]
        for ra in state.role_assignments
        if ra["userid"] == call.userid and ra["contextid"] in path
    }
    return {to for (frm, to) in state.role_allow_assign if frm in mine} & course_roles


def enrol_user(
    state: State,
    instance: Record,
    userid: int,
    roleid: int,
    timestart: int,
    timeend: int,
    status: int,
) -> None:
    from .. import seed

    key = (instance["id"], userid)
    now = state.now()
    ue = state.user_enrolments.get(key)
    if ue is None:
        state.user_enrolments[key] = {
            "id": state.seq.next("user_enrolments"),
            "enrolid": instance["id"],
            "userid": userid,
            "status": status,
            "timestart": timestart,
            "timeend": timeend,
            "timecreated": now,
            "timemodified": now,
        }
    else:
        ue.update(status=status, timestart=timestart, timeend=timeend, timemodified=now)
    ctxid = state.context_id(CONTEXT_COURSE, instance["courseid"])
    assert ctxid is not None
    if roleid:
        seed.assign_role(state, roleid, userid, ctxid)


def unenrol_user(state: State, instance: Record, userid: int) -> None:
    key = (instance["id"], userid)
    if key not in state.user_enrolments:
        return
    del state.user_enrolments[key]
    courseid = instance["courseid"]
    if not state.is_enrolled(courseid, userid):
        ctxid = state.context_id(CONTEXT_COURSE, courseid)
        state.role_assignments = [
            ra
            for ra in state.role_assignments
            if not (ra["userid"] == userid and ra["contextid"] == ctxid)
        ]
        for gid, grp in state.groups.items():
            if grp["courseid"] == courseid:
                state.group_members.pop((gid, userid), None)


ENROLMENT = Single(
    {
        "roleid": Value("int"),
        "userid": Value("int"),
        "courseid": Value("int"),
        "timestart": opt(Value("int")),
        "timeend": opt(Value("int")),
        "suspend": opt(Value("int")),
    }
)


@wsfunction("enrol_manual_enrol_users", Params({"enrolments": Multiple(ENROLMENT)}))
def enrol_users(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    with state.transaction():
        for e in params["enrolments"]:
            courseid = e["courseid"]
            if state.context_id(CONTEXT_COURSE, courseid) is None:
                raise invalid_parameter("Context does not exist")
            ctxid = course_context(call, courseid)
            call.require_capability("enrol/manual:enrol", ctxid)
            user = require_active_user(state, e["userid"])
            if e["roleid"] not in assignable_roles(call, ctxid):
                raise moodle_exception(
                    "wsusercannotassign",
                    f"You don't have the permission to assign this role ({e['roleid']}) to this "
                    f"user ({user['id']}) in this course ({courseid}).",
                )
            instance = state.manual_instance(courseid)
            if instance is None:
                raise moodle_exception(
                    "wsnoinstance",
                    "Manual enrolment plugin instance doesn't exist or is disabled for the "
                    f"course (id = {courseid})",
                )
            enrol_user(
                state,
                instance,
                user["id"],
                e["roleid"],
                e.get("timestart", 0),
                e.get("timeend", 0),
                1 if e.get("suspend") else 0,
            )
    return None


@wsfunction(
    "enrol_manual_unenrol_users",
    Params(
        {
            "enrolments": Multiple(
                Single(
                    {"userid": Value("int"), "courseid": Value("int"), "roleid": opt(Value("int"))}
                )
            )
        }
    ),
)
def unenrol_users(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    with state.transaction():
        for e in params["enrolments"]:
            courseid = e["courseid"]
            if state.context_id(CONTEXT_COURSE, courseid) is None:
                raise missing_record("context")
            ctxid = course_context(call, courseid)
            call.require_capability("enrol/manual:unenrol", ctxid)
            instance = state.manual_instance(courseid, enabled_only=False)
            if instance is None:
                raise moodle_exception(
                    "wsnoinstance",
                    "Manual enrolment plugin instance doesn't exist or is disabled for the "
                    f"course (id = {courseid})",
                )
            user = require_active_user(state, e["userid"])
            unenrol_user(state, instance, user["id"])
    return None


USERFIELDS = (
    "id",
    "username",
    "firstname",
    "lastname",
    "fullname",
    "email",
    "address",
    "phone1",
    "phone2",
    "department",
    "institution",
    "idnumber",
    "interests",
    "firstaccess",
    "lastaccess",
    "lastcourseaccess",
    "auth",
    "suspended",
    "confirmed",
    "lang",
    "calendartype",
    "theme",
    "timezone",
    "mailformat",
    "trackforums",
    "description",
    "descriptionformat",
    "city",
    "country",
    "url",
    "profileimageurlsmall",
    "profileimageurl",
    "customfields",
    "groups",
    "roles",
    "preferences",
    "enrolledcourses",
)


def participant_details(
    call: Call, user: Record, courseid: int, userfields: list[str]
) -> dict[str, Any] | None:
    """user_get_user_details($user, $course, $userfields) for a participant list."""
    state = call.state
    for f in userfields:
        if f not in USERFIELDS:
            raise moodle_exception("invaliduserfield", f"Invalid user field: {f}")
    base = user_details(call, user, include_prefs=False)
    if base is None:
        return None
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    full: dict[str, Any] = {}
    for key in (
        "id",
        "username",
        "firstname",
        "lastname",
        "fullname",
        "email",
        "address",
        "phone1",
        "phone2",
        "department",
        "institution",
        "idnumber",
        "firstaccess",
        "lastaccess",
    ):
        if key in base:
            full[key] = base[key]
    full["lastcourseaccess"] = user.get("courseaccess", {}).get(courseid, 0)
    for key in (
        "description",
        "descriptionformat",
        "city",
        "country",
        "profileimageurlsmall",
        "profileimageurl",
    ):
        if key in base:
            full[key] = base[key]
    custom = profile_fields_for(state, user["id"], displayvalue=False, viewerid=call.userid)
    if custom:
        full["customfields"] = custom
    groups = [
        {
            "id": g["id"],
            "name": g["name"],
            "description": g["description"],
            "descriptionformat": g["descriptionformat"],
        }
        for g in sorted(state.groups.values(), key=lambda g: g["id"])
        if g["courseid"] == courseid and (g["id"], user["id"]) in state.group_members
    ]
    if groups:
        full["groups"] = groups
    roles = [
        {
            "roleid": ra["roleid"],
            "name": state.roles[ra["roleid"]]["name"],
            "shortname": state.roles[ra["roleid"]]["shortname"],
            "sortorder": 0,
        }
        for ra in state.role_assignments
        if ra["userid"] == user["id"] and ra["contextid"] == ctxid
    ]
    if roles:
        full["roles"] = roles
    if user["id"] == call.userid:
        full["preferences"] = [
            {"name": name, "value": value}
            for (uid, name), value in state.preferences.items()
            if uid == user["id"]
        ] + [{"name": "_lastloaded", "value": state.now()}]
    courses = [
        {"id": c["id"], "fullname": c["fullname"], "shortname": c["shortname"]}
        for c in sorted(state.courses.values(), key=lambda c: c["id"])
        if c["id"] != 1 and state.is_enrolled(c["id"], user["id"])
    ]
    if courses:
        full["enrolledcourses"] = courses
    if not userfields:
        return full
    wanted = set(userfields) | {"id", "fullname"}
    return {k: v for k, v in full.items() if k in wanted}


@wsfunction(
    "core_enrol_get_enrolled_users",
    Params(
        {
            "courseid": Value("int"),
            "options": dflt(
                Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")})), []
            ),
        }
    ),
)
def get_enrolled_users(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    withcapability = ""
    groupid = 0
    onlyactive = onlysuspended = False
    userfields: list[str] = []
    limitfrom = limitnumber = 0
    sortby = "id"
    sortdirection = "ASC"
    for option in params["options"]:
        name, value = option["name"], option["value"]
        if name == "withcapability":
            withcapability = value
        elif name == "groupid":
            groupid = clean_param(value, "int")
        elif name == "onlyactive":
            onlyactive = value not in ("", "0")
        elif name == "onlysuspended":
            onlysuspended = value not in ("", "0")
        elif name == "userfields":
            userfields = [clean_param(f, "alphanumext") for f in value.split(",")]
        elif name == "limitfrom":
            limitfrom = clean_param(value, "int")
        elif name == "limitnumber":
            limitnumber = clean_param(value, "int")
        elif name == "sortby":
            if value not in ("id", "firstname", "lastname", "siteorder"):
                raise invalid_parameter(
                    f"Invalid value for sortby parameter (value: {value}), "
                    "allowed values are: id,firstname,lastname,siteorder"
                )
            sortby = value
        elif name == "sortdirection":
            sortdirection = value.upper()
            if sortdirection not in ("ASC", "DESC"):
                raise invalid_parameter("Invalid value for sortdirection parameter")
    courseid = params["courseid"]
    if courseid not in state.courses:
        raise missing_record("course")
    ctxid = course_context(call, courseid)
    call.require_capability("moodle/course:viewparticipants", ctxid)
    if withcapability:
        call.require_capability("moodle/role:review", ctxid)
    if onlyactive or onlysuspended:
        call.require_capability("moodle/course:enrolreview", ctxid)
    if onlyactive and onlysuspended:  # get_enrolled_with_capabilities_join()
        raise coding_error(
            "Both onlyactive and onlysuspended are set, this is probably not what you want!"
        )
    ids = state.enrolled_userids(courseid)
    if onlyactive:
        ids = [u for u in ids if state.is_enrolled(courseid, u, onlyactive=True)]
    if onlysuspended:
        ids = [u for u in ids if not state.is_enrolled(courseid, u, onlyactive=True)]
    if groupid:
        ids = [u for u in ids if (groupid, u) in state.group_members]
    if withcapability:
        ids = [u for u in ids if state.has_capability(u, withcapability, ctxid)]
    users = [state.users[u] for u in ids if not state.users[u]["deleted"]]
    if sortby == "siteorder":
        users.sort(key=lambda u: (u["lastname"], u["firstname"], u["id"]))
    else:
        users.sort(key=lambda u: u[sortby])
    if sortdirection == "DESC":
        users.reverse()
    if limitfrom:
        users = users[limitfrom:]
    if limitnumber:
        users = users[:limitnumber]
    out = []
    for user in users:
        details = participant_details(call, user, courseid, userfields)
        if details:
            out.append(details)
    return out


ENROL_NAMES = {"self": "Self enrolment", "guest": "Guest access"}


@wsfunction("core_enrol_get_course_enrolment_methods", Params({"courseid": Value("int")}))
def get_course_enrolment_methods(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Only plugins with get_enrol_info (self, guest) and enabled instances are listed."""
    state = call.state
    courseid = params["courseid"]
    if courseid not in state.courses:
        raise missing_record("course")
    out = []
    for inst in sorted(state.enrol.values(), key=lambda e: e["id"]):
        if inst["courseid"] != courseid or inst["enrol"] not in ENROL_NAMES:
            continue
        if inst["status"] != 0:
            continue
        name = inst["name"] or ENROL_NAMES[inst["enrol"]]
        if inst["enrol"] == "self" and not inst["name"]:
            role = state.roles.get(inst["roleid"] or ROLE_STUDENT)
            rolename = (role["name"] or role["shortname"].capitalize()) if role else "Student"
            name = f"Self enrolment ({rolename})"
        out.append(
            {
                "id": inst["id"],
                "courseid": courseid,
                "type": inst["enrol"],
                "name": name,
                "status": True,
            }
        )
    return out
