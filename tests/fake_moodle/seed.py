"""Seeding: the recorded reference site, plus helpers to grow realistic data.

:func:`reference_site` reproduces the starting state of the transcripts (see
``tests/fixtures/ws-transcripts/README.md``): Moodle 4.5.6, category 1 "Category 1", course REF1
(id 2: a page with view completion, a quiz with pass completion, course completion on both),
the admin (id 2) and student1 (id 3), the three custom profile fields (background, sector,
researchconsent) and the 38-function external service ``lemma_acceptance``.

Growing data: :func:`add_user`, :func:`add_course`, :func:`enrol`, :func:`add_quiz`,
:func:`add_page`, :func:`record_view`, :func:`record_quiz_attempt`, and :func:`seed_cohort`, which
builds N learners with profile fields, enrolments, page views and quiz attempts spread over
time (deterministic for a given ``seed``).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .state import (
    CONTEXT_COURSE,
    CONTEXT_COURSECAT,
    CONTEXT_MODULE,
    CONTEXT_SYSTEM,
    CONTEXT_USER,
    EDITINGTEACHER_CAPS,
    MANAGER_CAPS,
    ROLE_STUDENT,
    STUDENT_CAPS,
    TEACHER_CAPS,
    USER_CAPS,
    Record,
    State,
)

DATA = Path(__file__).with_name("data")

SERVICE_FUNCTIONS = (
    "core_webservice_get_site_info",
    "core_course_create_courses",
    "core_course_get_courses",
    "core_course_get_courses_by_field",
    "core_course_get_contents",
    "core_course_delete_courses",
    "core_course_get_categories",
    "core_course_create_categories",
    "core_user_create_users",
    "core_user_get_users_by_field",
    "core_user_update_users",
    "core_user_delete_users",
    "enrol_manual_enrol_users",
    "enrol_manual_unenrol_users",
    "core_enrol_get_enrolled_users",
    "core_enrol_get_course_enrolment_methods",
    "core_completion_get_activities_completion_status",
    "core_completion_get_course_completion_status",
    "core_completion_update_activity_completion_status_manually",
    "core_completion_override_activity_completion_status",
    "gradereport_user_get_grade_items",
    "mod_quiz_get_quizzes_by_courses",
    "mod_quiz_get_user_attempts",
    "mod_quiz_get_user_best_grade",
    "mod_quiz_start_attempt",
    "mod_quiz_process_attempt",
    "mod_quiz_get_attempt_data",
    "mod_page_get_pages_by_courses",
    "mod_page_view_page",
    "core_files_upload",
    "core_files_get_files",
    "core_group_create_groups",
    "core_group_add_group_members",
    "core_cohort_create_cohorts",
    "core_cohort_add_cohort_members",
    "core_user_add_user_private_files",
    "core_backup_get_copy_progress",
    "core_course_import_course",
)

T_INSTALL = 1795666373

# The recorded submission of transcript 136 (10 of 11 marks): slots 1-10 answered right, slot 11
# left unanswered (its key is never sent), slot 12 a description without marks.
REF1_QUIZ_KEY: dict[str, dict[str, str]] = {
    "1": {"answer": "2"},
    "2": {"choice0": "1", "choice3": "1"},
    "3": {"answer": "1"},
    "4": {"answer": "0"},
    "5": {"answer": "Shakespeare"},
    "6": {"sub0": "3", "sub1": "1", "sub2": "4", "sub3": "2"},
    "7": {"answer": "3.14"},
    "8": {"answer": "3"},
    "9": {"answer": "3.14159"},
    "10": {"answer": "1"},
    "11": {"answer": "(not answered in the recording)"},
    "12": {},
}
T_REF1 = 1795666417


def _roles(state: State) -> None:
    spec = [
        (1, "manager", MANAGER_CAPS, {CONTEXT_SYSTEM, CONTEXT_COURSECAT, CONTEXT_COURSE}),
        (2, "coursecreator", {"moodle/course:create"}, {CONTEXT_SYSTEM, CONTEXT_COURSECAT}),
        (3, "editingteacher", EDITINGTEACHER_CAPS, {CONTEXT_COURSE, CONTEXT_MODULE}),
        (4, "teacher", TEACHER_CAPS, {CONTEXT_COURSE, CONTEXT_MODULE}),
        (5, "student", STUDENT_CAPS, {CONTEXT_COURSE, CONTEXT_MODULE}),
        (6, "guest", set(), set()),
        (7, "user", USER_CAPS, set()),
        (8, "frontpage", set(), set()),
    ]
    for rid, shortname, caps, levels in spec:
        state.roles[rid] = {
            "id": rid,
            "name": "",
            "shortname": shortname,
            "sortorder": rid,
            "caps": set(caps),
            "contextlevels": set(levels),
        }
    state.seq.start("role", 9)
    for to in (1, 2, 3, 4, 5):
        state.role_allow_assign.add((1, to))
    for to in (4, 5):
        state.role_allow_assign.add((3, to))


def add_role(
    state: State,
    shortname: str,
    capabilities: set[str],
    contextlevels: set[int] | None = None,
    name: str = "",
) -> Record:
    """A custom role (e.g. a web-service role assigned at system level)."""
    rid = state.seq.next("role")
    state.roles[rid] = {
        "id": rid,
        "name": name,
        "shortname": shortname,
        "sortorder": rid,
        "caps": set(capabilities),
        "contextlevels": contextlevels if contextlevels is not None else {CONTEXT_SYSTEM},
    }
    return state.roles[rid]


def assign_role(state: State, roleid: int, userid: int, ctxid: int = 1) -> None:
    for ra in state.role_assignments:
        if (ra["roleid"], ra["userid"], ra["contextid"]) == (roleid, userid, ctxid):
            return
    state.role_assignments.append(
        {
            "id": state.seq.next("role_assignments"),
            "roleid": roleid,
            "userid": userid,
            "contextid": ctxid,
            "timemodified": state.now(),
            "component": "",
            "itemid": 0,
        }
    )


def add_service(
    state: State, functions: list[str], *, uploadfiles: bool = True, shortname: str | None = None
) -> Record:
    sid = state.seq.next("service")
    state.services[sid] = {
        "id": sid,
        "name": shortname or f"service{sid}",
        "shortname": shortname or f"service{sid}",
        "enabled": True,
        "functions": list(dict.fromkeys(functions)),
        "uploadfiles": uploadfiles,
        "downloadfiles": True,
    }
    return state.services[sid]


def default_service(state: State) -> Record:
    for service in state.services.values():
        if service["shortname"] == "lemma_acceptance":
            return service
    return add_service(state, list(SERVICE_FUNCTIONS), shortname="lemma_acceptance")


def _user_record(uid: int, username: str, **fields: Any) -> Record:
    rec: Record = {
        "id": uid,
        "username": username,
        "auth": "manual",
        "password": "",
        "firstname": "",
        "lastname": "",
        "email": "",
        "idnumber": "",
        "department": "",
        "institution": "",
        "city": "",
        "country": "",
        "lang": "en",
        "theme": "",
        "timezone": "99",
        "mailformat": 1,
        "maildisplay": 2,
        "description": "",
        "descriptionformat": 1,
        "firstnamephonetic": "",
        "lastnamephonetic": "",
        "middlename": "",
        "alternatename": "",
        "trackforums": 0,
        "firstaccess": 0,
        "lastaccess": 0,
        "suspended": False,
        "confirmed": True,
        "deleted": False,
        "timecreated": 0,
        "timemodified": 0,
        "calendartype": "gregorian",
    }
    rec.update(fields)
    return rec


def add_user(
    state: State,
    username: str,
    *,
    customfields: dict[str, str] | None = None,
    uid: int | None = None,
    **fields: Any,
) -> Record:
    """Insert a user with a user context. ``customfields`` maps field shortname to value."""
    if uid is None:
        uid = state.seq.next("user")
    fields.setdefault("firstname", username.capitalize())
    fields.setdefault("lastname", "User")
    fields.setdefault("email", f"{username}@example.com")
    fields.setdefault("timecreated", state.now())
    fields.setdefault("timemodified", fields["timecreated"])
    rec = _user_record(uid, username, **fields)
    state.users[uid] = rec
    if state.context_id(CONTEXT_USER, uid) is None:
        state.new_context(CONTEXT_USER, uid, 1)
    for shortname, value in (customfields or {}).items():
        field = state.profile_field_by_shortname(shortname)
        if field is not None:
            state.profile_data[(uid, field["id"])] = str(value)
    return rec


def add_profile_field(
    state: State,
    shortname: str,
    name: str,
    datatype: str,
    *,
    param1: str | None = None,
    defaultdata: str = "",
    visible: int = 2,
) -> Record:
    fid = state.seq.next("user_info_field")
    state.profile_fields[fid] = {
        "id": fid,
        "shortname": shortname,
        "name": name,
        "datatype": datatype,
        "categoryid": 1,
        "visible": visible,
        "required": 0,
        "defaultdata": defaultdata,
        "param1": param1,
    }
    return state.profile_fields[fid]


def add_category(
    state: State,
    name: str,
    *,
    parent: int = 0,
    idnumber: str | None = None,
    description: str = "",
    descriptionformat: int = 1,
    catid: int | None = None,
) -> Record:
    if catid is None:
        catid = state.seq.next("course_categories")
    parent_rec = state.categories.get(parent)
    path = (parent_rec["path"] if parent_rec else "") + f"/{catid}"
    siblings = [c for c in state.categories.values() if c["parent"] == parent]
    sortorder = (
        (max((c["sortorder"] for c in state.categories.values()), default=0) // 10000 + 1) * 10000
        if parent == 0
        else ((parent_rec["sortorder"] if parent_rec else 0) + len(siblings) + 1)
    )
    state.categories[catid] = {
        "id": catid,
        "name": name,
        "idnumber": idnumber,
        "description": description,
        "descriptionformat": descriptionformat,
        "parent": parent,
        "sortorder": sortorder,
        "coursecount": 0,
        "visible": 1,
        "visibleold": 1,
        "timemodified": state.now(),
        "depth": (parent_rec["depth"] + 1) if parent_rec else 1,
        "path": path,
        "theme": "",
    }
    parent_ctx = state.context_id(CONTEXT_COURSECAT, parent) if parent else 1
    if state.context_id(CONTEXT_COURSECAT, catid) is None:
        state.new_context(CONTEXT_COURSECAT, catid, parent_ctx)
    return state.categories[catid]


def add_enrol_instance(
    state: State, courseid: int, enrol: str, status: int, roleid: int = ROLE_STUDENT
) -> Record:
    eid = state.seq.next("enrol")
    state.enrol[eid] = {
        "id": eid,
        "courseid": courseid,
        "enrol": enrol,
        "status": status,
        "roleid": roleid if enrol != "guest" else 0,
        "name": None,
        "sortorder": len([e for e in state.enrol.values() if e["courseid"] == courseid]),
        "password": "",
        "customint6": 1 if enrol == "self" else None,
    }
    return state.enrol[eid]


def add_course(
    state: State,
    shortname: str,
    *,
    fullname: str | None = None,
    categoryid: int = 1,
    numsections: int = 4,
    enablecompletion: int = 1,
    default_enrol: bool = True,
    **fields: Any,
) -> Record:
    """A course as core_course_create_courses leaves it (manual/guest/self instances)."""
    cid = fields.pop("cid", None) or state.seq.next("course")
    now = state.now()
    startdate = fields.pop("startdate", now - now % 86400 + 86400)
    cat = state.categories[categoryid]
    # a new course goes first in its category; the others move down (fix_course_sortorder)
    for other in state.courses.values():
        if other.get("category") == categoryid:
            other["sortorder"] += 1
    rec: Record = {
        "id": cid,
        "category": categoryid,
        "fullname": fullname or shortname,
        "shortname": shortname,
        "idnumber": "",
        "summary": "",
        "summaryformat": 1,
        "format": "topics",
        "showgrades": 1,
        "newsitems": 5,
        "startdate": startdate,
        "enddate": startdate + state.config.courseduration,
        "relativedatesmode": 0,
        "marker": 0,
        "maxbytes": 0,
        "legacyfiles": 0,
        "showreports": 0,
        "visible": 1,
        "visibleold": 1,
        "groupmode": 0,
        "groupmodeforce": 0,
        "defaultgroupingid": 0,
        "lang": "",
        "calendartype": "",
        "theme": "",
        "timecreated": now,
        "timemodified": now,
        "requested": 0,
        "enablecompletion": enablecompletion,
        "completionnotify": 0,
        "cacherev": now,
        "showactivitydates": True,
        "showcompletionconditions": True,
        "sortorder": cat["sortorder"] + 1,
        "formatoptions": {"hiddensections": 1, "coursedisplay": 0},
        "news_forum": None,
    }
    rec.update(fields)
    state.courses[cid] = rec
    cat["coursecount"] += 1
    catctx = state.context_id(CONTEXT_COURSECAT, categoryid)
    if state.context_id(CONTEXT_COURSE, cid) is None:
        state.new_context(CONTEXT_COURSE, cid, catctx)
    for num in range(numsections + 1):
        add_section(state, cid, num)
    if default_enrol:
        add_enrol_instance(state, cid, "manual", 0)
        add_enrol_instance(state, cid, "guest", 1)
        add_enrol_instance(state, cid, "self", 1)
    return rec


def add_section(
    state: State,
    courseid: int,
    num: int,
    *,
    name: str | None = None,
    summary: str = "",
    secid: int | None = None,
) -> Record:
    sid = secid or state.seq.next("course_sections")
    state.sections[sid] = {
        "id": sid,
        "course": courseid,
        "section": num,
        "name": name,
        "summary": summary,
        "summaryformat": 1,
        "visible": 1,
        "sequence": [],
        "availability": None,
        "availabilityinfo": None,
        "component": None,
        "itemid": None,
    }
    return state.sections[sid]


def section_of(state: State, courseid: int, num: int) -> Record:
    for s in state.sections.values():
        if s["course"] == courseid and s["section"] == num:
            return s
    return add_section(state, courseid, num)


def add_module(
    state: State,
    courseid: int,
    section: int,
    modname: str,
    instance: int,
    name: str,
    *,
    completion: int = 0,
    rules: list[dict[str, Any]] | None = None,
    template: Record | None = None,
    idnumber: str = "",
    cmid: int | None = None,
    ctxid: int | None = None,
) -> Record:
    """A course module. ``rules`` are completion rules: ``{"rulename": "completionview",
    "description": "View"}``; ``template`` is the get_contents entry to answer with."""
    cmid = cmid or state.seq.next("course_modules")
    sec = section_of(state, courseid, section)
    coursectx = state.context_id(CONTEXT_COURSE, courseid)
    if ctxid is None:
        ctxid = state.new_context(CONTEXT_MODULE, cmid, coursectx)
    else:
        state.add_context(ctxid, CONTEXT_MODULE, cmid, coursectx)
    cm = {
        "id": cmid,
        "course": courseid,
        "section": sec["id"],
        "sectionnum": section,
        "modname": modname,
        "instance": instance,
        "name": name,
        "idnumber": idnumber,
        "visible": 1,
        "completion": completion,
        "rules": rules or [],
        "contextid": ctxid,
        "template": template,
        "added": state.now(),
    }
    state.modules[cmid] = cm
    sec["sequence"].append(cmid)
    return cm


def add_page(
    state: State, courseid: int, section: int, name: str, *, completionview: bool = True, **kw: Any
) -> Record:
    pid = state.seq.next("page")
    rules = [{"rulename": "completionview", "description": "View"}] if completionview else []
    cm = add_module(
        state,
        courseid,
        section,
        "page",
        pid,
        name,
        completion=2 if completionview else 0,
        rules=rules,
        **kw,
    )
    state.pages[pid] = {
        "id": pid,
        "course": courseid,
        "coursemodule": cm["id"],
        "name": name,
        "intro": "",
        "content": f"<p>{name}</p>",
        "timemodified": state.now(),
    }
    return state.pages[pid]


def add_quiz(
    state: State,
    courseid: int,
    section: int,
    name: str,
    *,
    sumgrades: float = 10.0,
    grade: float = 10.0,
    gradepass: float = 5.0,
    questions: int = 10,
    completionpass: bool = True,
    **kw: Any,
) -> Record:
    """A quiz with ``questions`` one-mark questions, a grade item and pass completion."""
    qid = state.seq.next("quiz")
    rules = (
        [
            {"rulename": "completionusegrade", "description": "Receive a grade"},
            {"rulename": "completionpassgrade", "description": "Receive a passing grade"},
        ]
        if completionpass
        else []
    )
    cm = add_module(
        state,
        courseid,
        section,
        "quiz",
        qid,
        name,
        completion=2 if completionpass else 0,
        rules=rules,
        **kw,
    )
    state.quizzes[qid] = {
        "id": qid,
        "course": courseid,
        "coursemodule": cm["id"],
        "name": name,
        "intro": "",
        "sumgrades": sumgrades,
        "grade": grade,
        "gradepass": gradepass,
        "attempts": 0,
        "grademethod": 1,
        "questions": questions,
        "completionpass": 1 if completionpass else 0,
        "section": section,
    }
    course_total_item(state, courseid)
    add_grade_item(state, courseid, "mod", "quiz", qid, name, grade, gradepass, cm["id"])
    return state.quizzes[qid]


def add_grade_item(
    state: State,
    courseid: int,
    itemtype: str,
    itemmodule: str | None,
    iteminstance: int | None,
    name: str | None,
    grademax: float,
    gradepass: float = 0.0,
    cmid: int | None = None,
) -> Record:
    gid = state.seq.next("grade_items")
    sortorder = len([g for g in state.grade_items.values() if g["courseid"] == courseid]) + 1
    state.grade_items[gid] = {
        "id": gid,
        "courseid": courseid,
        "itemtype": itemtype,
        "itemmodule": itemmodule,
        "iteminstance": iteminstance,
        "itemname": name,
        "grademax": grademax,
        "grademin": 0.0,
        "gradepass": gradepass,
        "cmid": cmid,
        "idnumber": "",
        "sortorder": sortorder,
        "hidden": 0,
    }
    return state.grade_items[gid]


def course_total_item(state: State, courseid: int) -> Record:
    for gi in state.grade_items.values():
        if gi["courseid"] == courseid and gi["itemtype"] == "course":
            return gi
    # the course item's iteminstance is the course's top grade category
    category = state.seq.next("grade_categories")
    return add_grade_item(state, courseid, "course", None, category, None, 0.0)


def enrol(
    state: State,
    userid: int,
    courseid: int,
    roleid: int = ROLE_STUDENT,
    *,
    timestart: int = 0,
    timeend: int = 0,
    suspend: bool = False,
    timecreated: int | None = None,
) -> None:
    """enrol_manual's enrol_user(): one user_enrolments row and a role assignment."""
    inst = state.manual_instance(courseid, enabled_only=False)
    if inst is None:
        raise KeyError(f"course {courseid} has no manual instance")
    key = (inst["id"], userid)
    now = state.now() if timecreated is None else timecreated
    ue = state.user_enrolments.get(key)
    if ue is None:
        state.user_enrolments[key] = {
            "id": state.seq.next("user_enrolments"),
            "enrolid": inst["id"],
            "userid": userid,
            "status": 1 if suspend else 0,
            "timestart": timestart,
            "timeend": timeend,
            "timecreated": now,
            "timemodified": now,
        }
    else:
        ue.update(
            status=1 if suspend else 0, timestart=timestart, timeend=timeend, timemodified=now
        )
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    if roleid:
        assign_role(state, roleid, userid, ctxid)


def touch_access(state: State, userid: int, courseid: int, when: int) -> None:
    """user.firstaccess/lastaccess and the course's last access (user_lastaccess)."""
    user = state.users[userid]
    if not user["firstaccess"]:
        user["firstaccess"] = when
    user["lastaccess"] = max(user["lastaccess"], when)
    access = user.setdefault("courseaccess", {})
    access[courseid] = max(access.get(courseid, 0), when)


def record_view(
    state: State, cmid: int, userid: int, when: int | None = None, *, touch: bool = True
) -> None:
    """A view of a module: completion state 1 when the module tracks views. ``touch`` also
    moves the user's last access (seeding; a web-service view does not)."""
    cm = state.modules[cmid]
    when = state.now() if when is None else when
    if touch:
        touch_access(state, userid, cm["course"], when)
    rec = state.completion.setdefault(
        (cmid, userid), {"completionstate": 0, "viewed": 0, "timemodified": 0, "overrideby": None}
    )
    rec["viewed"] = 1
    if any(r["rulename"] == "completionview" for r in cm["rules"]) and rec["completionstate"] == 0:
        rec["completionstate"] = 1
        rec["timemodified"] = when


def record_quiz_attempt(
    state: State,
    quizid: int,
    userid: int,
    marks: float | None,
    *,
    timestart: int | None = None,
    duration: int = 600,
    finished: bool = True,
) -> Record:
    """A quiz attempt (finished with ``marks`` of the quiz's sumgrades, or in progress)."""
    from .functions.quiz import finish_attempt, new_attempt

    when = state.now() if timestart is None else timestart
    quiz = state.quizzes[quizid]
    touch_access(state, userid, quiz["course"], when + (duration if finished else 0))
    attempt = new_attempt(state, quiz, userid, when)
    if finished:
        finish_attempt(state, attempt, marks if marks is not None else 0.0, when + duration)
    return attempt


def _frontpage(state: State) -> None:
    """The site course (id 1, format ``site``) every Moodle has."""
    state.courses[1] = {
        "id": 1,
        "category": 0,
        "fullname": "Acceptance Moodle",
        "shortname": "acceptance",
        "format": "site",
        "idnumber": "",
        "visible": 1,
        "sortorder": 1,
        "formatoptions": {},
        "timecreated": T_INSTALL,
        "timemodified": T_INSTALL,
    }


def _guest_and_admin(state: State) -> None:
    """The guest (id 1) and admin (id 2) users a fresh install creates."""
    add_user(
        state,
        "guest",
        firstname="Guest user",
        lastname=" ",
        email="root@localhost",
        timecreated=T_INSTALL,
        uid=1,
    )
    add_user(
        state,
        "admin",
        firstname="Admin",
        lastname="User",
        email="admin@example.com",
        timecreated=T_INSTALL,
        uid=2,
    )


def empty_site(state: State) -> None:
    """A bare site: system context, roles, the guest and admin users, Category 1, no courses."""
    state.add_context(1, CONTEXT_SYSTEM, 0, None)
    state.add_context(2, CONTEXT_COURSE, 1, 1)
    state.seq.start("context", 3)
    _roles(state)
    add_category(state, "Category 1", catid=1)
    state.categories[1].update(sortorder=10000, timemodified=T_INSTALL)
    state.seq.start("course_categories", 2)
    _frontpage(state)
    state.seq.start("course", 2)
    state.seq.start("user", 1)
    _guest_and_admin(state)
    state.seq.start("user", 3)
    state.siteadmins.add(2)
    state.seq.start("service", 1)
    add_service(state, ["core_webservice_get_site_info"], shortname="moodle_mobile_app")
    default_service(state)


def reference_site(state: State) -> None:
    """The recorded site's starting state (ids as in the transcripts)."""
    # contexts 1 system, 2 frontpage, 3 Category 1, 4 guest, 5 admin, 6-10 blocks,
    # 11 student1, 12 REF1, 13-19 REF1's modules; new contexts start at 20.
    state.add_context(1, CONTEXT_SYSTEM, 0, None)
    state.add_context(2, CONTEXT_COURSE, 1, 1)
    state.add_context(3, CONTEXT_COURSECAT, 1, 1)
    state.add_context(4, CONTEXT_USER, 1, 1)
    state.add_context(5, CONTEXT_USER, 2, 1)
    state.add_context(11, CONTEXT_USER, 3, 1)
    state.add_context(12, CONTEXT_COURSE, 2, 3)
    state.seq.start("context", 20)
    _roles(state)
    state.seq.start("course_categories", 1)
    add_category(state, "Category 1", catid=1)
    state.categories[1].update(sortorder=10000, timemodified=T_INSTALL)
    state.seq.start("course_categories", 2)
    _frontpage(state)
    _guest_and_admin(state)
    state.siteadmins.add(2)
    state.profile_categories[1] = {"id": 1, "name": "Other fields", "sortorder": 1}
    state.seq.start("user_info_category", 2)
    add_profile_field(state, "background", "Academic background", "text", param1="30")
    add_profile_field(
        state,
        "sector",
        "Sector",
        "menu",
        param1="Academia\nGovernment\nIndustry\nNon-profit\nOther",
    )
    add_profile_field(state, "researchconsent", "Research consent", "checkbox", defaultdata="0")
    add_user(
        state,
        "student1",
        firstname="Stu",
        lastname="Dent",
        email="student1@example.com",
        timecreated=T_REF1 - 1,
        uid=3,
    )
    state.preferences[(3, "auth_manual_passwordupdatetime")] = str(T_REF1 - 1)
    state.seq.start("user", 4)
    # REF1
    state.seq.start("course_sections", 1)
    state.seq.start("course_modules", 1)
    state.seq.start("enrol", 1)
    add_course(
        state,
        "REF1",
        cid=2,
        fullname="Reference Course 1",
        categoryid=1,
        numsections=3,
        idnumber="REF1",
        startdate=1736121600,
        enddate=0,
        newsitems=1,
        summary="<p>Reference course built by tools/build_ref1.php to study the Moodle "
        "4.5 backup format.</p>",
        showactivitydates=False,
        timecreated=T_REF1,
        timemodified=T_REF1,
        cacherev=1795668241,
        sortorder=10001,
        formatoptions={"hiddensections": 1, "coursedisplay": 0},
    )
    state.seq.start("course", 3)
    template = json.loads((DATA / "ref1_contents.json").read_text(encoding="utf-8"))
    for sec_t in template:
        sec = section_of(state, 2, sec_t["section"])
        sec.update(
            name=sec_t["name"],
            summary=sec_t["summary"],
            availabilityinfo=sec_t.get("availabilityinfo"),
        )
        if sec_t.get("availabilityinfo"):
            sec["requires_cm"] = 6  # "The activity Placement quiz is marked complete"
        if sec_t["section"] == 0:
            sec["name"] = None
    by_cmid = {m["id"]: (sec_t["section"], m) for sec_t in template for m in sec_t["modules"]}
    state.seq.start("page", 1)
    state.seq.start("quiz", 1)
    state.seq.start("grade_items", 1)
    course_total_item(state, 2)
    for cmid in (2, 3, 4, 5, 6, 7, 1):  # context ids 13..19 follow this order
        secnum, tmpl = by_cmid[cmid]
        kind = tmpl["modname"]
        ctxid = tmpl["contextid"]
        if kind == "page":
            add_page(state, 2, secnum, tmpl["name"], cmid=cmid, ctxid=ctxid)
        elif kind == "quiz":
            add_quiz(
                state,
                2,
                secnum,
                tmpl["name"],
                sumgrades=11.0,
                grade=10.0,
                gradepass=5.0,
                questions=12,
                cmid=cmid,
                ctxid=ctxid,
            )
            quiz = state.quizzes[1]
            quiz["key"] = REF1_QUIZ_KEY
            quiz["intro"] = (
                "<p>Unlimited attempts, highest grade counts. Overall feedback "
                "tells you where to start.</p>"
            )
        else:
            add_module(
                state,
                2,
                secnum,
                kind,
                tmpl["instance"],
                tmpl["name"],
                template=tmpl,
                cmid=cmid,
                ctxid=ctxid,
            )
        state.modules[cmid]["template"] = tmpl
        if kind == "forum":
            state.courses[2]["news_forum"] = cmid
    # section sequences in template order
    for sec_t in template:
        section_of(state, 2, sec_t["section"])["sequence"] = [m["id"] for m in sec_t["modules"]]
    state.seq.start("course_modules", 8)
    state.seq.start("forum", 2)
    state.course_completion_criteria[2] = [
        {"type": 4, "cmid": 2, "title": "Activity completion"},
        {"type": 4, "cmid": 6, "title": "Activity completion"},
    ]
    state.seq.start("service", 1)
    add_service(state, ["core_webservice_get_site_info"], shortname="moodle_mobile_app")
    default_service(state)


def seed_cohort(
    state: State,
    courseid: int,
    n: int = 30,
    *,
    seed: int = 1,
    start: int | None = None,
    days: int = 60,
    prefix: str = "learner",
    group_sizes: tuple[int, ...] = (),
) -> list[Record]:
    """N learners enrolled in ``courseid`` with custom profile fields, page views and quiz
    attempts spread over ``days`` days from ``start``. Deterministic for a given ``seed``.

    Every learner gets ``background``/``sector``/``researchconsent`` values when those fields
    exist, an enrolment, a view of each page with probability 0.8 and 0-3 attempts per quiz
    (each later attempt tends to score higher); about one in ten stays inactive.
    ``group_sizes=(10, 12)`` puts the first 10 learners in "Group A", the next 12 in "Group B"."""
    rng = random.Random(seed)
    now = state.now()
    start = now - days * 86400 if start is None else start
    sectors = ["Academia", "Government", "Industry", "Non-profit", "Other"]
    backgrounds = ["BSc Economics", "MSc Sociology", "BA History", "PhD Physics", "MA Education"]
    cms = state.modules_in_course(courseid)
    pages = [cm for cm in cms if cm["modname"] == "page"]
    quizzes = [state.quizzes[cm["instance"]] for cm in cms if cm["modname"] == "quiz"]
    learners: list[Record] = []
    with state.lock:
        for i in range(n):
            username = f"{prefix}{i + 1:04d}"
            enrolled_at = start + rng.randint(0, days * 86400 // 4)
            custom: dict[str, str] = {}
            if state.profile_field_by_shortname("sector"):
                custom["sector"] = rng.choice(sectors)
            if state.profile_field_by_shortname("background"):
                custom["background"] = rng.choice(backgrounds)
            if state.profile_field_by_shortname("researchconsent"):
                custom["researchconsent"] = "1" if rng.random() < 0.85 else "0"
            user = add_user(
                state,
                username,
                firstname=f"Learner{i + 1}",
                lastname=rng.choice(["Ames", "Brook", "Cole", "Dale", "Eve"]),
                idnumber=f"C-{i + 1:04d}",
                customfields=custom,
                timecreated=enrolled_at - 3600,
            )
            enrol(state, user["id"], courseid, timecreated=enrolled_at)
            learners.append(user)
            if rng.random() < 0.1:
                continue  # inactive learner
            t = enrolled_at
            for cm in pages:
                if rng.random() < 0.8:
                    t += rng.randint(600, 3 * 86400)
                    record_view(state, cm["id"], user["id"], min(t, now))
            for quiz in quizzes:
                ability = rng.random()
                for k in range(rng.randint(0, 3)):
                    t += rng.randint(3600, 5 * 86400)
                    if t >= now:
                        break
                    share = min(1.0, ability * 0.7 + 0.15 * k + rng.random() * 0.3)
                    marks = round(quiz["sumgrades"] * share)
                    record_quiz_attempt(
                        state,
                        quiz["id"],
                        user["id"],
                        float(marks),
                        timestart=t,
                        duration=rng.randint(300, 2400),
                    )
        start_index = 0
        for number, size in enumerate(group_sizes):
            group = add_group(state, courseid, f"Group {chr(ord('A') + number)}")
            for user in learners[start_index : start_index + size]:
                state.group_members[(group["id"], user["id"])] = {
                    "groupid": group["id"],
                    "userid": user["id"],
                    "timeadded": state.now(),
                }
            start_index += size
    return learners


def add_group(
    state: State, courseid: int, name: str, *, idnumber: str = "", description: str = ""
) -> Record:
    """A group in a course (no members)."""
    gid = state.seq.next("groups")
    now = state.now()
    state.groups[gid] = {
        "id": gid,
        "courseid": courseid,
        "name": name,
        "description": description,
        "descriptionformat": 1,
        "enrolmentkey": "",
        "idnumber": idnumber,
        "visibility": 0,
        "participation": True,
        "timecreated": now,
        "timemodified": now,
    }
    return state.groups[gid]
