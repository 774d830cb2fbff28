"""core_course_import_course: copy one course's content into another (MODE_IMPORT).

``deletecontent=1`` first runs ``restore_dbops::delete_course_content()`` with no options, which
(by code reading of Moodle 4.5, not yet confirmed on a live site) removes every activity with its
completion, grades and attempts, and also the target's enrolment instances, enrolments, role
assignments and groups. The copied activities get new cmids and instance ids.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import moodle_exception
from ..params import Multiple, Params, Single, Value, clean_param, dflt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, Record, State
from .course import course_context

BACKUP_DEFAULTS = {"activities": 1, "blocks": 1, "filters": 1}


def delete_course_content(state: State, courseid: int, *, keep_users: bool = False) -> None:
    """remove_course_contents(): without options (``keep_users`` False) also the enrolments,
    role assignments and groups go; with keep_roles_and_enrolments and
    keep_groups_and_groupings (``keep_users``, as a replace by lemma deploy) they stay."""
    for cm in [cm for cm in state.modules.values() if cm["course"] == courseid]:
        _delete_module(state, cm)
    for sid, sec in list(state.sections.items()):
        if sec["course"] == courseid:
            if sec["section"] == 0:
                sec.update(
                    sequence=[], summary="", name=None, requires_cm=None, availabilityinfo=None
                )
            else:
                del state.sections[sid]
    state.courses[courseid]["news_forum"] = None
    state.course_completion_criteria.pop(courseid, None)
    for gid in [g for g, gi in state.grade_items.items() if gi["courseid"] == courseid]:
        del state.grade_items[gid]
        for key in [k for k in state.grades if k[0] == gid]:
            del state.grades[key]
    if keep_users:
        return
    for eid in [e for e, inst in state.enrol.items() if inst["courseid"] == courseid]:
        del state.enrol[eid]
        for key in [k for k in state.user_enrolments if k[0] == eid]:
            del state.user_enrolments[key]
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    state.role_assignments = [ra for ra in state.role_assignments if ra["contextid"] != ctxid]
    for gid in [g for g, grp in state.groups.items() if grp["courseid"] == courseid]:
        del state.groups[gid]
        for key in [k for k in state.group_members if k[0] == gid]:
            del state.group_members[key]


def _delete_module(state: State, cm: Record) -> None:
    del state.modules[cm["id"]]
    for key in [k for k in state.completion if k[0] == cm["id"]]:
        del state.completion[key]
    if cm["modname"] == "quiz":
        state.quizzes.pop(cm["instance"], None)
        for aid in [a for a, att in state.quiz_attempts.items() if att["quiz"] == cm["instance"]]:
            del state.quiz_attempts[aid]
    if cm["modname"] == "page":
        state.pages.pop(cm["instance"], None)
    if cm["modname"] == "resource":
        state.resources.pop(cm["instance"], None)
    state.files = [f for f in state.files if f["contextid"] != cm["contextid"]]
    state.contexts.pop(cm["contextid"], None)


def copy_content(state: State, source: int, target: int) -> dict[int, int]:
    """Append the source's sections and activities to the target; returns old -> new cmid."""
    from .. import seed

    mapping: dict[int, int] = {}
    for sec in sorted(
        (s for s in state.sections.values() if s["course"] == source), key=lambda s: s["section"]
    ):
        tsec = seed.section_of(state, target, sec["section"])
        if sec["name"] and not tsec["name"]:
            tsec["name"] = sec["name"]
        if sec["summary"] and not tsec["summary"]:
            tsec["summary"] = sec["summary"]
        for cmid in sec["sequence"]:
            cm = state.modules.get(cmid)
            if cm is None or (cm["modname"] == "forum" and cm["name"] == "Announcements"):
                continue
            if cm["modname"] == "page":
                page = state.pages[cm["instance"]]
                new = seed.add_page(
                    state, target, sec["section"], cm["name"], completionview=cm["completion"] > 0
                )
                new.update(content=page["content"], intro=page["intro"])
                newcm = state.modules[new["coursemodule"]]
            elif cm["modname"] == "quiz":
                quiz = state.quizzes[cm["instance"]]
                new = seed.add_quiz(
                    state,
                    target,
                    sec["section"],
                    cm["name"],
                    sumgrades=quiz["sumgrades"],
                    grade=quiz["grade"],
                    gradepass=quiz["gradepass"],
                    questions=quiz["questions"],
                    completionpass=bool(quiz["completionpass"]),
                )
                new.update(intro=quiz["intro"], key=copy.deepcopy(quiz.get("key")))
                newcm = state.modules[new["coursemodule"]]
            else:
                instance = state.seq.next(cm["modname"])
                newcm = seed.add_module(
                    state,
                    target,
                    sec["section"],
                    cm["modname"],
                    instance,
                    cm["name"],
                    completion=cm["completion"],
                    rules=copy.deepcopy(cm["rules"]),
                )
                if cm.get("template") is not None:
                    tmpl = copy.deepcopy(cm["template"])
                    tmpl.update(id=newcm["id"], instance=instance, contextid=newcm["contextid"])
                    if "url" in tmpl:
                        tmpl["url"] = tmpl["url"].replace(f"?id={cm['id']}", f"?id={newcm['id']}")
                    newcm["template"] = tmpl
            newcm["idnumber"] = cm["idnumber"]
            mapping[cm["id"]] = newcm["id"]
    for sec in state.sections.values():
        if sec["course"] == source and sec.get("requires_cm") in mapping:
            tsec = seed.section_of(state, target, sec["section"])
            tsec["requires_cm"] = mapping[sec["requires_cm"]]
            tsec["availabilityinfo"] = sec["availabilityinfo"]
    criteria = state.course_completion_criteria.get(source)
    if criteria and not state.course_completion_criteria.get(target):
        state.course_completion_criteria[target] = [
            {**c, "cmid": mapping[c["cmid"]]} for c in criteria if c["cmid"] in mapping
        ]
    return mapping


@wsfunction(
    "core_course_import_course",
    Params(
        {
            "importfrom": Value("int"),
            "importto": Value("int"),
            "deletecontent": dflt(Value("int"), 0),
            "options": dflt(Multiple(Single({"name": Value("alpha"), "value": Value("raw")})), []),
        }
    ),
)
def import_course(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    if params["deletecontent"] not in (0, 1):
        raise moodle_exception(
            "invalidextparam", f"Invalid external api parameter: {params['deletecontent']}"
        )
    for key in ("importfrom", "importto"):
        if params[key] not in state.courses or params[key] == 1:
            raise moodle_exception("invalidcourseid", "You are trying to use an invalid course ID")
    fromctx = course_context(call, params["importfrom"])
    toctx = course_context(call, params["importto"])
    settings = dict(BACKUP_DEFAULTS)
    for option in params["options"]:
        value = clean_param(option["value"], "int")
        if value not in (0, 1) or option["name"] not in BACKUP_DEFAULTS:
            raise moodle_exception(
                "invalidextparam", f"Invalid external api parameter: {option['name']}"
            )
        settings[option["name"]] = value
    call.require_capability("moodle/backup:backuptargetimport", fromctx)
    call.require_capability("moodle/restore:restoretargetimport", toctx)
    with state.transaction():
        if params["deletecontent"]:
            delete_course_content(state, params["importto"])
        if settings["activities"]:
            copy_content(state, params["importfrom"], params["importto"])
    return None
