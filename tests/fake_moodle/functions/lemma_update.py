"""local_lemma_* functions of ``lemma deploy --update``, as the plugin's PHP does them.

Parameters come from the plugin's contract (:func:`.lemma_plugin.plugin_function`). What each
one keeps of learner data is what the PHP keeps, by Moodle's own code: attempts pin their
question versions, completion and grades are left alone except where Moodle itself
recalculates (changed completion rules, a changed maximum grade, a forced quiz structure).
"""

from __future__ import annotations

import json
from typing import Any

from lemma_pkg.gift import parse_text

from .. import mbz_course, questionbank, seed
from ..errors import invalid_parameter, missing_record, moodle_exception
from ..registry import Call
from ..state import CONTEXT_COURSE, CONTEXT_MODULE, CONTEXT_USER, Record, State
from .completion import update_state as update_completion_state
from .course import course_context
from .course_import import _delete_module
from .lemma_plugin import plugin_function
from .quiz import best_grade

ITEM_MODULES = ("page", "label", "url", "resource", "glossary")


# --------------------------------------------------------------------------- helpers


def _course_ctx(call: Call, courseid: int, *caps: str) -> int:
    course_context(call, courseid)
    ctxid = call.state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    for cap in caps:
        call.require_capability(cap, ctxid)
    return ctxid


def _cm(call: Call, cmid: int, *caps: str) -> tuple[Record, int]:
    cm = call.state.modules.get(cmid)
    if cm is None:
        raise missing_record("course_modules")
    course_context(call, cm["course"])
    ctxid = call.state.context_id(CONTEXT_MODULE, cmid)
    assert ctxid is not None
    for cap in caps:
        call.require_capability(cap, ctxid)
    return cm, ctxid


def merge_applied(state: State, courseid: int, entries: list[dict[str, str]]) -> None:
    stored = state.lemma_applied.setdefault(courseid, {})
    for entry in entries:
        try:
            new = json.loads(entry["fingerprints"])
        except ValueError:
            new = None
        if not isinstance(new, dict) or not entry["key"].strip():
            raise invalid_parameter("fingerprints must be a JSON object with a key")
        stored[entry["key"]] = {**stored.get(entry["key"], {}), **new}


def _aspects(given: list[str], known: tuple[str, ...]) -> list[str]:
    out = list(dict.fromkeys(given))
    for aspect in out:
        if aspect not in known:
            raise invalid_parameter(f"unknown aspect '{aspect}'")
    return out


def _draft_files(state: State, userid: int, itemid: int) -> dict[str, bytes]:
    ctxid = state.context_id(CONTEXT_USER, userid)
    return {
        f["filepath"] + f["filename"]: f["content"]
        for f in state.files
        if f["contextid"] == ctxid
        and f["component"] == "user"
        and f["filearea"] == "draft"
        and f["itemid"] == itemid
    }


def _instance(state: State, cm: Record) -> Record:
    if cm["modname"] == "page":
        return state.pages[cm["instance"]]
    if cm["modname"] == "quiz":
        return state.quizzes[cm["instance"]]
    return state.instances[(cm["modname"], cm["instance"])]


def reset_completion(state: State, cm: Record) -> None:
    """completion_info::reset_all_state(): every learner's state worked out again, now."""
    now = state.now()
    for (cmid, userid), rec in list(state.completion.items()):
        if cmid != cm["id"]:
            continue
        rec["completionstate"] = 0
        rec["timemodified"] = 0
        if cm["completion"] == 2:
            update_completion_state(state, cm, userid, now)


def _set_completion(state: State, cm: Record, c: dict[str, int]) -> None:
    cm["completion"] = c["completion"]
    cm["completionview"] = c["completionview"]
    cm["completionusegrade"] = c["completionusegrade"]
    cm["completionpassgrade"] = c["completionpassgrade"]
    cm["rules"] = mbz_course.completion_rules(
        cm["modname"], c["completionview"], bool(c["completionusegrade"]), c["completionpassgrade"]
    )
    if cm["modname"] == "quiz":
        state.quizzes[cm["instance"]]["completionpass"] = c["completionpassgrade"]
    reset_completion(state, cm)


def regrade(state: State, quiz: Record) -> None:
    """quiz_update_grades(): every learner's quiz grade from their attempts, as now set up."""
    now = state.now()
    for item in state.grade_items.values():
        if item["itemmodule"] != "quiz" or item["iteminstance"] != quiz["id"]:
            continue
        item["grademax"] = quiz["grade"]
        for (itemid, userid), rec in state.grades.items():
            if itemid == item["id"]:
                grade = best_grade(state, quiz, userid)
                if grade != rec["finalgrade"]:
                    rec.update(finalgrade=grade, timemodified=now)


# --------------------------------------------------------------------------- reads


@plugin_function("local_lemma_update_state")
def update_state(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid, "moodle/course:manageactivities")
    sections = []
    for sec in sorted(
        (s for s in state.sections.values() if s["course"] == courseid), key=lambda s: s["section"]
    ):
        sections.append(
            {
                "id": sec["id"],
                "number": sec["section"],
                "name": sec.get("name") or "",
                "summary": sec.get("summary") or "",
                "visible": sec.get("visible", 1),
                "availability": sec.get("availability") or "",
                "cmids": [c for c in sec["sequence"] if c in state.modules],
            }
        )
    quizzes = []
    for cm in state.modules_in_course(courseid):
        if cm["modname"] != "quiz":
            continue
        quiz = state.quizzes[cm["instance"]]
        gradeitem = next(
            (
                g["id"]
                for g in state.grade_items.values()
                if g["itemmodule"] == "quiz" and g["iteminstance"] == quiz["id"]
            ),
            0,
        )
        slots = []
        for s in sorted(quiz.get("slotrefs") or (), key=lambda s: s["slot"]):
            qid, version = questionbank.latest(state, s["entryid"])
            slots.append(
                {
                    "slot": s["slot"],
                    "page": s["page"],
                    "maxmark": s["maxmark"],
                    "idnumber": state.question_bank_entries[s["entryid"]]["idnumber"],
                    "questionid": qid,
                    "version": version,
                }
            )
        quizzes.append(
            {
                "cmid": cm["id"],
                "quizid": quiz["id"],
                "gradeitemid": gradeitem,
                "attempts": sum(
                    1
                    for a in state.quiz_attempts.values()
                    if a["quiz"] == quiz["id"] and not a["preview"]
                ),
                "sumgrades": quiz["sumgrades"],
                "grade": quiz["grade"],
                "slots": slots,
            }
        )
    return {
        "courseid": courseid,
        "sections": sections,
        "quizzes": quizzes,
        "criteria": [c["cmid"] for c in state.course_completion_criteria.get(courseid, [])],
        "applied": [
            {"key": k, "fingerprints": json.dumps(v, sort_keys=True)}
            for k, v in sorted(state.lemma_applied.get(courseid, {}).items())
        ],
    }


# --------------------------------------------------------------------------- writes


@plugin_function("local_lemma_record_applied")
def record_applied(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid, "moodle/course:update")
    with state.transaction():
        if params["replace"]:
            state.lemma_applied.pop(courseid, None)
        merge_applied(state, courseid, params["applied"])
    return {"courseid": courseid, "recorded": len(params["applied"])}


@plugin_function("local_lemma_update_item")
def update_item(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    cm, _ctx = _cm(call, params["cmid"], "moodle/course:manageactivities")
    aspects = _aspects(
        params["aspects"], ("name", "text", "files", "completion", "visibility", "entries")
    )
    if "visibility" in aspects:
        call.require_capability("moodle/course:activityvisibility", _ctx)
    if cm["modname"] not in ITEM_MODULES:
        raise invalid_parameter(f"local_lemma_update_item does not update a {cm['modname']}")
    with state.transaction():
        inst = _instance(state, cm)
        if "name" in aspects and cm["modname"] != "label":
            cm["name"] = inst["name"] = params["name"]
        if "text" in aspects:
            inst["intro"] = params["intro"]
            if cm["modname"] == "page":
                inst["content"] = params["content"]
            if cm["modname"] == "url":
                inst["externalurl"] = params["externalurl"]
            inst["timemodified"] = state.now()
        if "files" in aspects and params["draftitemid"]:
            inst["files"] = _draft_files(state, call.userid, params["draftitemid"])
        if "completion" in aspects:
            _set_completion(state, cm, params["completion"])
        if "visibility" in aspects:
            cm["visible"] = params["visible"]
        if "entries" in aspects and cm["modname"] == "glossary":
            entries = inst.setdefault("entries", [])
            for given in params["entries"]:
                found = next((e for e in entries if e["concept"] == given["concept"]), None)
                if found is None:
                    entries.append(dict(given))
                else:
                    found.update(definition=given["definition"], aliases=list(given["aliases"]))
        merge_applied(state, cm["course"], params["applied"])
    return {"cmid": cm["id"], "changed": aspects}


def _parse_gift(text: str, idnumber: str) -> questionbank.Question:
    questions = [q for q in parse_text(text).moodle_questions() if q.get("qtype") != "category"]
    if len(questions) != 1:
        raise moodle_exception(
            "giftnotread",
            f"The GIFT text of question {idnumber} could not be read: no question in the text",
        )
    return questionbank.from_import(questions[0])


@plugin_function("local_lemma_update_quiz")
def update_quiz(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    cm, ctxid = _cm(call, params["cmid"], "moodle/course:manageactivities")
    if cm["modname"] != "quiz":
        raise missing_record("course_modules")
    aspects = _aspects(
        params["aspects"], ("name", "text", "settings", "questions", "completion", "visibility")
    )
    if "questions" in aspects:
        call.require_capability("moodle/question:editall", ctxid)
        call.require_capability("moodle/question:add", ctxid)
    if "visibility" in aspects:
        call.require_capability("moodle/course:activityvisibility", ctxid)
    quiz = state.quizzes[cm["instance"]]
    versions: list[dict[str, Any]] = []
    rebuilt = False
    with state.transaction():
        if "name" in aspects:
            cm["name"] = quiz["name"] = params["name"]
            for g in state.grade_items.values():
                if g["itemmodule"] == "quiz" and g["iteminstance"] == quiz["id"]:
                    g["itemname"] = params["name"]
        if "text" in aspects:
            quiz["intro"] = params["intro"]
        if "settings" in aspects:
            s = params["settings"]
            rescale = abs(quiz["grade"] - s["grade"]) > 1e-7
            method = quiz["grademethod"] != s["grademethod"]
            quiz.update(
                grade=s["grade"],
                attempts=s["attempts"],
                grademethod=s["grademethod"],
                questionsperpage=s["questionsperpage"],
                shuffleanswers=s["shuffleanswers"],
                gradepass=s["gradepass"],
                feedback=[dict(b) for b in params["feedback"]],
            )
            for g in state.grade_items.values():
                if g["itemmodule"] == "quiz" and g["iteminstance"] == quiz["id"]:
                    g["gradepass"] = s["gradepass"]
            if rescale or method:
                regrade(state, quiz)
        if "questions" in aspects:
            versions = _update_questions(state, cm, quiz, ctxid, params["questions"])
            rebuilt = _update_slots(state, quiz, ctxid, params["questions"], params["forcestructure"])
        if "completion" in aspects:
            _set_completion(state, cm, params["completion"])
        if "visibility" in aspects:
            cm["visible"] = params["visible"]
        merge_applied(state, cm["course"], params["applied"])
    return {"cmid": cm["id"], "changed": aspects, "versions": versions, "slotsrebuilt": rebuilt}


def _update_questions(
    state: State, cm: Record, quiz: Record, ctxid: int, questions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    stored = state.lemma_applied.get(cm["course"], {})
    out = []
    for given in questions:
        entry = questionbank.entry_by_idnumber(state, ctxid, given["idnumber"])
        if entry is not None and stored.get(given["key"], {}).get("question") == given["fingerprint"]:
            continue
        question = _parse_gift(given["gift"], given["idnumber"])
        if entry is None:
            eid = questionbank.add_entry(state, ctxid, given["idnumber"], question)
            qid, version = questionbank.latest(state, eid)
        else:
            qid, version = questionbank.add_version(state, entry["id"], question)
        out.append(
            {
                "idnumber": given["idnumber"],
                "questionid": qid,
                "version": version,
                "created": entry is None,
            }
        )
    return out


def _update_slots(
    state: State, quiz: Record, ctxid: int, questions: list[dict[str, Any]], force: bool
) -> bool:
    current = [
        (state.question_bank_entries[s["entryid"]]["idnumber"], round(float(s["maxmark"]), 7))
        for s in sorted(quiz["slotrefs"], key=lambda s: s["slot"])
    ]
    wanted = [(q["idnumber"], round(float(q["maxmark"]), 7)) for q in questions]
    if current == wanted:
        return False
    attempts = sum(1 for a in state.quiz_attempts.values() if a["quiz"] == quiz["id"])
    if attempts and not force:
        raise moodle_exception(
            "quizhasattempts",
            f'The questions of quiz "{quiz["name"]}" cannot be added, removed, reordered or '
            f"re-marked: it has {attempts} attempts. Nothing was changed.",
        )
    per_page = int(quiz.get("questionsperpage", 1))
    slotrefs = []
    for n, q in enumerate(questions, start=1):
        entry = questionbank.entry_by_idnumber(state, ctxid, q["idnumber"])
        assert entry is not None
        page = (n - 1) // per_page + 1 if per_page > 0 else 1
        slotrefs.append({"slot": n, "page": page, "maxmark": q["maxmark"], "entryid": entry["id"]})
    quiz["slotrefs"] = slotrefs
    quiz["questions"] = len(slotrefs)
    quiz["sumgrades"] = sum(s["maxmark"] for s in slotrefs)
    if attempts:
        regrade(state, quiz)
    return True


@plugin_function("local_lemma_restore_items")
def restore_items(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid, "moodle/restore:restorecourse", "moodle/course:manageactivities")

    def find(idnumber: str) -> Record | None:
        found = [
            cm
            for cm in state.modules.values()
            if cm["course"] == courseid and cm.get("idnumber") == idnumber
        ]
        return max(found, key=lambda cm: cm["id"]) if found else None

    missing = [i for i in params["idnumbers"] if find(i) is None]
    with state.transaction():
        if missing:
            files = _draft_files(state, call.userid, params["draftitemid"])
            if len(files) != 1:
                raise moodle_exception(
                    "restorenofile",
                    f"Draft area {params['draftitemid']} must hold exactly one course backup "
                    "(.mbz).",
                )
            mbz_course.restore(state, courseid, next(iter(files.values())))
        modules = []
        for idnumber in params["idnumbers"]:
            cm = find(idnumber)
            if cm is None:
                raise moodle_exception(
                    "restoremissing",
                    f"After the restore, the course has no module with idnumber {idnumber}.",
                )
            modules.append({"idnumber": idnumber, "cmid": cm["id"], "restored": idnumber in missing})
        merge_applied(state, courseid, params["applied"])
    return {"courseid": courseid, "modules": modules, "warnings": []}


def _move(state: State, cm: Record, section: Record, position: int) -> None:
    for sec in state.sections.values():
        if cm["id"] in sec["sequence"]:
            sec["sequence"].remove(cm["id"])
    section["sequence"].insert(position, cm["id"])
    cm["section"] = section["id"]
    cm["sectionnum"] = section["section"]


@plugin_function("local_lemma_update_sections")
def update_sections(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid, "moodle/course:update", "moodle/course:manageactivities")
    out = []
    with state.transaction():
        for given in params["sections"]:
            aspects = _aspects(given["aspects"], ("name", "summary", "availability", "order"))
            created = not any(
                s["course"] == courseid and s["section"] == given["number"]
                for s in state.sections.values()
            )
            section = seed.section_of(state, courseid, given["number"])
            changed = []
            if "name" in aspects and (section.get("name") or "") != given["name"]:
                section["name"] = given["name"] or None
                changed.append("name")
            if "summary" in aspects and (section.get("summary") or "") != given["summary"]:
                section["summary"] = given["summary"]
                changed.append("summary")
            availability = given["availability"] or None
            if "availability" in aspects and section.get("availability") != availability:
                section["availability"] = availability
                changed.append("availability")
            if "order" in aspects:
                cmids = list(given["cmids"])
                tail = section["sequence"][len(section["sequence"]) - len(cmids) :]
                if not (len(section["sequence"]) >= len(cmids) and tail == cmids):
                    for cmid in cmids:
                        cm = state.modules.get(cmid)
                        if cm is None or cm["course"] != courseid:
                            raise missing_record("course_modules")
                    start = len([c for c in section["sequence"] if c not in cmids])
                    for n, cmid in enumerate(cmids):
                        _move(state, state.modules[cmid], section, start + n)
                    changed.append("order")
            out.append(
                {
                    "number": section["section"],
                    "id": section["id"],
                    "created": created,
                    "changed": changed,
                }
            )
        merge_applied(state, courseid, params["applied"])
    return {"courseid": courseid, "sections": out}


@plugin_function("local_lemma_remove_items")
def remove_items(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid)
    out = []
    with state.transaction():
        stored = state.lemma_applied.get(courseid, {})
        for item in params["items"]:
            cm = state.modules.get(item["cmid"])
            stored.pop(item["key"], None)
            if not params["delete"] and cm is not None:
                stored[item["key"]] = {"removed": "hidden"}
            if cm is None or cm["course"] != courseid:
                out.append({"cmid": item["cmid"], "action": "gone"})
                continue
            ctxid = state.context_id(CONTEXT_MODULE, cm["id"])
            assert ctxid is not None
            if params["delete"]:
                call.require_capability("moodle/course:manageactivities", ctxid)
                for sec in state.sections.values():
                    if cm["id"] in sec["sequence"]:
                        sec["sequence"].remove(cm["id"])
                _delete_module(state, cm)
                for gid in [
                    g
                    for g, gi in state.grade_items.items()
                    if gi.get("cmid") == cm["id"] and gi["itemtype"] == "mod"
                ]:
                    del state.grade_items[gid]
                    for key in [k for k in state.grades if k[0] == gid]:
                        del state.grades[key]
                action = "deleted"
            else:
                call.require_capability("moodle/course:activityvisibility", ctxid)
                action = "hidden" if cm.get("visible", 1) else "unchanged"
                cm["visible"] = 0
            out.append({"cmid": cm["id"], "action": action})
    return {"courseid": courseid, "items": out}


@plugin_function("local_lemma_update_course_completion")
def update_course_completion(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    _course_ctx(call, courseid, "moodle/course:update")
    with state.transaction():
        existing = state.course_completion_criteria.get(courseid, [])
        wanted = list(dict.fromkeys(params["cmids"]))
        kept = [c for c in existing if c["cmid"] in wanted]
        removed = len(existing) - len(kept)
        added = 0
        for cmid in wanted:
            if any(c["cmid"] == cmid for c in kept):
                continue
            cm = state.modules.get(cmid)
            if cm is None or cm["course"] != courseid:
                raise missing_record("course_modules")
            kept.append({"type": 4, "cmid": cmid, "title": "Activity completion"})
            added += 1
        state.course_completion_criteria[courseid] = kept
    return {"courseid": courseid, "added": added, "removed": removed}
