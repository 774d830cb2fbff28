"""core_group_*: groups and members (both calls atomic)."""

from __future__ import annotations

from typing import Any

from ..errors import invalid_parameter, missing_record, moodle_exception
from ..params import Multiple, Params, Single, Value, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE
from .course import course_context, fmt_value, validate_format

CUSTOMFIELDS = opt(Multiple(Single({"shortname": Value("alphanumext"), "value": Value("raw")})))


def group_record(g: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": g["id"],
        "courseid": g["courseid"],
        "name": g["name"],
        "description": g["description"],
        "descriptionformat": g["descriptionformat"],
        "enrolmentkey": g["enrolmentkey"],
        "idnumber": g["idnumber"],
        "visibility": g["visibility"],
        "participation": g["participation"],
    }


@wsfunction(
    "core_group_create_groups",
    Params(
        {
            "groups": Multiple(
                Single(
                    {
                        "courseid": Value("int"),
                        "name": Value("text"),
                        "description": Value("raw"),
                        "descriptionformat": fmt_value(),
                        "enrolmentkey": opt(Value("raw")),
                        "idnumber": opt(Value("raw")),
                        "visibility": dflt(Value("int"), 0),
                        "participation": dflt(Value("bool"), True),
                        "customfields": CUSTOMFIELDS,
                    }
                )
            )
        }
    ),
)
def create_groups(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    out = []
    with state.transaction():
        for g in params["groups"]:
            if g["name"].strip() == "":
                raise invalid_parameter("Invalid group name")
            if any(
                x["courseid"] == g["courseid"] and x["name"] == g["name"]
                for x in state.groups.values()
            ):
                raise invalid_parameter("Group with the same name already exists in the course")
            ctxid = course_context(call, g["courseid"])
            call.require_capability("moodle/course:managegroups", ctxid)
            validate_format(g["descriptionformat"])
            if g["visibility"] not in (0, 1, 2, 3):
                raise invalid_parameter("Invalid group visibility provided. Must be one of 0,1,2,3")
            # groups_create_group() trims the name (after the duplicate check above, which
            # compares the untrimmed name) and the idnumber; hidden-membership groups get no
            # participation.
            name = g["name"].strip()
            idnumber = g.get("idnumber", "").strip()
            if idnumber and any(
                x["courseid"] == g["courseid"] and x["idnumber"] == idnumber
                for x in state.groups.values()
            ):
                raise moodle_exception("idnumbertaken", "This ID number is already in use")
            gid = state.seq.next("groups")
            now = state.now()
            state.groups[gid] = {
                "id": gid,
                "courseid": g["courseid"],
                "name": name,
                "description": g["description"],
                "descriptionformat": g["descriptionformat"],
                "enrolmentkey": g.get("enrolmentkey"),  # NULL in the table when not given
                "idnumber": idnumber,
                "visibility": g["visibility"],
                "participation": g["participation"] and g["visibility"] in (0, 1),
                "timecreated": now,
                "timemodified": now,
            }
            created = group_record(state.groups[gid])
            if created["enrolmentkey"] is None:  # create_groups answers '' (not isset)
                created["enrolmentkey"] = ""
            out.append(created)
    return out


@wsfunction(
    "core_group_add_group_members",
    Params({"members": Multiple(Single({"groupid": Value("int"), "userid": Value("int")}))}),
)
def add_group_members(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    with state.transaction():
        for m in params["members"]:
            group = state.groups.get(m["groupid"])
            if group is None:
                raise missing_record("groups")
            user = state.users.get(m["userid"])
            if user is None or user["deleted"]:
                raise missing_record("user")
            ctxid = course_context(call, group["courseid"])
            call.require_capability("moodle/course:managegroups", ctxid)
            if not state.is_enrolled(group["courseid"], user["id"]):
                raise invalid_parameter("Only enrolled users may be members of groups")
            state.group_members.setdefault(
                (group["id"], user["id"]),
                {"groupid": group["id"], "userid": user["id"], "timeadded": state.now()},
            )
    return None


@wsfunction(
    "core_group_delete_group_members",
    Params({"members": Multiple(Single({"groupid": Value("int"), "userid": Value("int")}))}),
)
def delete_group_members(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    with state.transaction():
        for m in params["members"]:
            group = state.groups.get(m["groupid"])
            if group is None:
                raise missing_record("groups")
            if m["userid"] not in state.users:
                raise missing_record("user")
            ctxid = course_context(call, group["courseid"])
            call.require_capability("moodle/course:managegroups", ctxid)
            state.group_members.pop((group["id"], m["userid"]), None)
    return None


@wsfunction("core_group_get_course_groups", Params({"courseid": Value("int")}))
def get_course_groups(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    ctxid = course_context(call, params["courseid"])
    call.require_capability("moodle/course:managegroups", ctxid)
    return [
        group_record(g)
        for g in sorted(state.groups.values(), key=lambda g: g["name"])
        if g["courseid"] == params["courseid"]
    ]


@wsfunction(
    "core_group_get_group_members",
    Params({"groupids": Multiple(Value("int"))}),
)
def get_group_members(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    out = []
    for gid in params["groupids"]:
        group = state.groups.get(gid)
        if group is None:
            raise missing_record("groups")
        ctxid = state.context_id(CONTEXT_COURSE, group["courseid"])
        assert ctxid is not None
        course_context(call, group["courseid"])
        call.require_capability("moodle/course:managegroups", ctxid)
        userids = sorted(u for (g, u) in state.group_members if g == gid)
        out.append({"groupid": gid, "userids": userids})
    return out
