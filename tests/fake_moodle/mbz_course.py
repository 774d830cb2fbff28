"""Restore a course backup (.mbz) into a fake course, the parts Moodle's restore creates.

Sections (by number; an existing section keeps a name and summary it already has, as
``restore_section_structure_step`` does), course modules with idnumbers, completion rules and
visibility, instances (pages in ``state.pages``, quizzes in ``state.quizzes``, labels, URLs,
files and glossaries in ``state.instances``), each quiz's question bank in its module context
(entries with version 1, :mod:`tests.fake_moodle.questionbank`) and slots, grade items, and
course completion criteria. New cmids, instance ids and question ids come from the fake's
sequences, as a real restore gives new ids.
"""

from __future__ import annotations

import io
import tarfile

from lxml import etree

from . import questionbank, seed
from .state import CONTEXT_MODULE, Record, State

RULES = {
    "completionview": "View",
    "completionusegrade": "Receive a grade",
    "completionpassgrade": "Receive a passing grade",
}


def read_members(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                fh = tar.extractfile(m)
                assert fh is not None
                out[m.name.removeprefix("./")] = fh.read()
    return out


def _xml(members: dict[str, bytes], path: str) -> etree._Element:
    return etree.fromstring(members[path])


def _text(el: etree._Element, path: str, default: str = "") -> str:
    found = el.findtext(path)
    return default if found is None or found == "$@NULL@$" else found


def _int(el: etree._Element, path: str, default: int = 0) -> int:
    text = _text(el, path)
    try:
        return int(text)
    except ValueError:
        return default


def _float(el: etree._Element, path: str, default: float = 0.0) -> float:
    try:
        return float(_text(el, path))
    except ValueError:
        return default


def completion_rules(modname: str, view: int, usegrade: bool, passgrade: int) -> list[Record]:
    rules = []
    if view:
        rules.append({"rulename": "completionview", "description": RULES["completionview"]})
    if usegrade:
        rules.append({"rulename": "completionusegrade", "description": RULES["completionusegrade"]})
    if passgrade:
        rules.append(
            {"rulename": "completionpassgrade", "description": RULES["completionpassgrade"]}
        )
    return rules


def _bank(members: dict[str, bytes]) -> dict[str, list[tuple[str, etree._Element]]]:
    """Old category id -> [(bank entry idnumber, latest question element)]."""
    out: dict[str, list[tuple[str, etree._Element]]] = {}
    if "questions.xml" not in members:
        return out
    for cat in _xml(members, "questions.xml").iterfind("question_category"):
        rows = out.setdefault(cat.get("id") or "", [])
        for entry in cat.iterfind("question_bank_entries/question_bank_entry"):
            versions = entry.findall("question_version/question_versions")
            last = max(versions, key=lambda v: _int(v, "version"))
            rows.append((_text(entry, "idnumber"), last.find("questions/question")))
    return out


def _files(members: dict[str, bytes], contextid: str) -> dict[str, bytes]:
    """The files of an old context: "/path/name" -> bytes."""
    out: dict[str, bytes] = {}
    if "files.xml" not in members:
        return out
    for f in _xml(members, "files.xml").iterfind("file"):
        if _text(f, "contextid") != contextid or _text(f, "filename") == ".":
            continue
        digest = _text(f, "contenthash")
        out[_text(f, "filepath") + _text(f, "filename")] = members.get(
            f"files/{digest[:2]}/{digest}", b""
        )
    return out


def _sections(state: State, courseid: int, members: dict[str, bytes]) -> dict[str, Record]:
    """The backup's sections in the course by number: old section id -> live section."""
    info = _xml(members, "moodle_backup.xml")
    section_of: dict[str, Record] = {}
    for s in info.iterfind("information/contents/sections/section"):
        sec_xml = _xml(members, f"{_text(s, 'directory')}/section.xml")
        number = _int(sec_xml, "number")
        existing = any(
            x["course"] == courseid and x["section"] == number for x in state.sections.values()
        )
        live = seed.section_of(state, courseid, number)
        name = _text(sec_xml, "name") or None
        summary = _text(sec_xml, "summary")
        availability = _text(sec_xml, "availabilityjson") or None
        if not existing:
            live.update(name=name, summary=summary, availability=availability)
        else:
            if not live.get("name"):
                live["name"] = name
            if not live.get("summary"):
                live["summary"] = summary
            live.setdefault("availability", availability)
        section_of[_text(s, "sectionid")] = live
    return section_of


def _activities(members: dict[str, bytes]) -> list[tuple[etree._Element, etree._Element, etree._Element]]:
    """(moodle_backup.xml activity, module.xml, <mod>.xml) of every activity, in order."""
    info = _xml(members, "moodle_backup.xml")
    out = []
    for a in info.iterfind("information/contents/activities/activity"):
        directory = _text(a, "directory")
        modname = _text(a, "modulename")
        out.append(
            (
                a,
                _xml(members, f"{directory}/module.xml"),
                _xml(members, f"{directory}/{modname}.xml"),
            )
        )
    return out


def _fill(
    state: State,
    courseid: int,
    cm: Record,
    a: etree._Element,
    module: etree._Element,
    activity: etree._Element,
    members: dict[str, bytes],
    bank: dict[str, list[tuple[str, etree._Element]]],
) -> None:
    """What the restore of one activity gives its course module and instance."""
    modname = cm["modname"]
    inst = activity.find(modname)
    assert inst is not None
    usegrade = _text(module, "completiongradeitemnumber") != ""
    cm["completion"] = _int(module, "completion")
    cm["rules"] = completion_rules(
        modname, _int(module, "completionview"), usegrade, _int(module, "completionpassgrade")
    )
    cm["visible"] = _int(module, "visible", 1)
    cm["completionview"] = _int(module, "completionview")
    cm["completionusegrade"] = 1 if usegrade else 0
    cm["completionpassgrade"] = _int(module, "completionpassgrade")
    cm["availability"] = _text(module, "availability") or None
    ctxid = state.context_id(CONTEXT_MODULE, cm["id"])
    assert ctxid is not None
    files = _files(members, activity.get("contextid") or "")
    intro = _text(inst, "intro")
    instance = cm["instance"]
    if modname == "page":
        page = state.pages.setdefault(instance, {"id": instance, "course": courseid})
        page.update(
            coursemodule=cm["id"],
            name=cm["name"],
            intro=intro,
            content=_text(inst, "content"),
            timemodified=state.now(),
            files=files,
        )
    elif modname == "quiz":
        _restore_quiz(state, courseid, cm, inst, members, _text(a, "directory"), bank, ctxid)
    else:
        record: Record = {
            "id": instance,
            "course": courseid,
            "coursemodule": cm["id"],
            "name": cm["name"],
            "intro": intro,
            "files": files,
        }
        if modname == "url":
            record["externalurl"] = _text(inst, "externalurl")
        if modname == "glossary":
            record["entries"] = [
                {
                    "concept": _text(e, "concept"),
                    "definition": _text(e, "definition"),
                    "aliases": [_text(al, "alias_text") for al in e.iterfind("aliases/alias")],
                }
                for e in inst.iterfind("entries/entry")
            ]
        state.instances[(modname, instance)] = record


def _criteria(state: State, courseid: int, members: dict[str, bytes], old: dict[str, int]) -> None:
    if "completion.xml" not in members:
        return
    criteria = [
        old[_text(c, "moduleinstance")]
        for c in _xml(members, "completion.xml").iterfind("course_completion_criteria")
        if _text(c, "moduleinstance") in old
    ]
    if criteria and not state.course_completion_criteria.get(courseid):
        state.course_completion_criteria[courseid] = [
            {"type": 4, "cmid": cmid, "title": "Activity completion"} for cmid in criteria
        ]


def restore(state: State, courseid: int, data: bytes) -> dict[str, int]:
    """Restore ``data`` into course ``courseid`` (adding to it); the new cmids by idnumber."""
    members = read_members(data)
    section_of = _sections(state, courseid, members)
    bank = _bank(members)
    restored: dict[str, int] = {}
    old_cmids: dict[str, int] = {}
    for a, module, activity in _activities(members):
        modname = _text(a, "modulename")
        inst = activity.find(modname)
        assert inst is not None
        idnumber = _text(module, "idnumber")
        cm = seed.add_module(
            state,
            courseid,
            section_of[_text(a, "sectionid")]["section"],
            modname,
            state.seq.next(modname),
            _text(inst, "name"),
            idnumber=idnumber,
        )
        _fill(state, courseid, cm, a, module, activity, members, bank)
        old_cmids[_text(a, "moduleid")] = cm["id"]
        if idnumber:
            restored[idnumber] = cm["id"]
    _criteria(state, courseid, members, old_cmids)
    return restored


def complete(state: State, courseid: int, data: bytes) -> None:
    """Give a course restored by the plugin's restore (functions/lemma_restore.py) what a
    real restore also creates: section restrictions, completion rules, instance texts and
    files, quiz question banks and slots, course completion criteria (modules by idnumber)."""
    members = read_members(data)
    _sections(state, courseid, members)
    bank = _bank(members)
    live = {
        cm["idnumber"]: cm for cm in state.modules_in_course(courseid) if cm.get("idnumber")
    }
    old_cmids: dict[str, int] = {}
    for a, module, activity in _activities(members):
        cm = live.get(_text(module, "idnumber"))
        if cm is None or cm["modname"] != _text(a, "modulename"):
            continue
        _fill(state, courseid, cm, a, module, activity, members, bank)
        old_cmids[_text(a, "moduleid")] = cm["id"]
    _criteria(state, courseid, members, old_cmids)


def _restore_quiz(
    state: State,
    courseid: int,
    cm: Record,
    inst: etree._Element,
    members: dict[str, bytes],
    directory: str,
    bank: dict[str, list[tuple[str, etree._Element]]],
    ctxid: int,
) -> None:
    entries: dict[str, int] = {}  # old bank entry id -> new
    inforef = _xml(members, f"{directory}/inforef.xml")
    for ref in inforef.iterfind("question_categoryref/question_category"):
        for idnumber, question in bank.get(_text(ref, "id"), []):
            entry_el = question.getparent()
            while entry_el is not None and entry_el.tag != "question_bank_entry":
                entry_el = entry_el.getparent()
            assert entry_el is not None
            new = questionbank.add_entry(
                state, ctxid, idnumber, questionbank.from_backup_xml(question)
            )
            entries[entry_el.get("id") or ""] = new
    slotrefs = []
    for qi in inst.iterfind("question_instances/question_instance"):
        slotrefs.append(
            {
                "slot": _int(qi, "slot"),
                "page": _int(qi, "page"),
                "maxmark": _float(qi, "maxmark"),
                "entryid": entries[_text(qi, "question_reference/questionbankentryid")],
            }
        )
    gradepass = 0.0
    idnumber = ""
    grades = _xml(members, f"{directory}/grades.xml")
    for gi in grades.iterfind("grade_items/grade_item"):
        gradepass = _float(gi, "gradepass")
        idnumber = _text(gi, "idnumber")
    qid = cm["instance"]
    existing = state.quizzes.get(qid)
    state.quizzes[qid] = {
        "id": qid,
        "course": courseid,
        "coursemodule": cm["id"],
        "name": cm["name"],
        "intro": _text(inst, "intro"),
        "sumgrades": sum(s["maxmark"] for s in slotrefs),
        "grade": _float(inst, "grade"),
        "gradepass": gradepass,
        "attempts": _int(inst, "attempts_number"),
        "grademethod": _int(inst, "grademethod", 1),
        "questions": len(slotrefs),
        "completionpass": cm.get("completionpassgrade", 0),
        "section": cm["sectionnum"],
        "questionsperpage": _int(inst, "questionsperpage", 1),
        "shuffleanswers": _int(inst, "shuffleanswers", 1),
        "feedback": [
            {
                "text": _text(f, "feedbacktext"),
                "mingrade": _float(f, "mingrade"),
                "maxgrade": _float(f, "maxgrade"),
            }
            for f in inst.iterfind("feedbacks/feedback")
        ],
        "slotrefs": slotrefs,
    }
    if existing is not None:
        return  # restored by the plugin's restore, with its grade item
    seed.course_total_item(state, courseid)
    item = seed.add_grade_item(
        state,
        courseid,
        "mod",
        "quiz",
        qid,
        cm["name"],
        state.quizzes[qid]["grade"],
        gradepass,
        cm["id"],
    )
    item["idnumber"] = idnumber


def quiz_layout(quiz: Record) -> str:
    """Moodle's attempt layout for the quiz's slots: slots of a page, then 0."""
    out: list[str] = []
    page = None
    for s in sorted(quiz["slotrefs"], key=lambda s: s["slot"]):
        if page is not None and s["page"] != page:
            out.append("0")
        out.append(str(s["slot"]))
        page = s["page"]
    if out:
        out.append("0")
    return ",".join(out)


def pin_questions(state: State, quiz: Record) -> dict[str, int]:
    """Slot -> question id of the latest version: what an attempt starting now uses."""
    return {
        str(s["slot"]): questionbank.latest(state, s["entryid"])[0]
        for s in sorted(quiz["slotrefs"], key=lambda s: s["slot"])
    }


__all__ = ["complete", "pin_questions", "quiz_layout", "read_members", "restore"]
