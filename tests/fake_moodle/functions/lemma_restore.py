"""local_lemma_restore_course, local_lemma_restore_status, local_lemma_register_filetypes.

The companion plugin's restore as lemma deploy sees it (lemma_pkg/plugin/contract.yaml;
the PHP is classes/course_restore.php): the precheck answers at once; the restore itself is an
"adhoc task" that this fake runs one step per status call (``state.restore_auto``, on by
default), or when a test calls :func:`run_restores`. Error answers are the ones recorded from
the plugin on a real Moodle 4.5.6.

Test switches on the state: ``restore_auto`` (advance on each status call), ``restore_hold``
(no restore advances: cron stopped), ``restore_fail`` (a message: the next restore that runs
fails with it, as a restore exception would), ``restore_steps`` (status calls from queued to
finished, default 2). :func:`kill_restore` is the cron process killed mid-restore.
"""

from __future__ import annotations

import secrets
from typing import Any

from lemma_pkg.mbz.mimetypes import MOODLE_MIMETYPES

from .. import mbz_course, seed
from ..errors import invalid_parameter, missing_record, moodle_exception
from ..mbz import Backup, NotABackup, read_backup
from ..registry import Call
from ..state import CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_USER, Record, State
from .course import course_context, remove_course
from .course_import import delete_course_content
from .lemma_plugin import plugin_function

PENDING = ("queued", "running", "restored")


def _names_free(state: State, shortname: str, idnumber: str, courseid: int) -> None:
    for c in state.courses.values():
        if c["id"] == courseid:
            continue
        if c["shortname"] == shortname:
            raise moodle_exception(
                "shortnametaken", f"Short name is already used for another course ({shortname})"
            )
        if idnumber and c.get("idnumber") == idnumber:
            raise moodle_exception(
                "courseidnumbertaken", f"ID number is already used for another course ({idnumber})"
            )


def _draft_content(state: State, userid: int, itemid: int, filename: str) -> bytes:
    ctxid = state.context_id(CONTEXT_USER, userid)
    for f in state.files:
        if (f["contextid"], f["component"], f["filearea"], f["itemid"], f["filepath"]) == (
            ctxid,
            "user",
            "draft",
            itemid,
            "/",
        ) and f["filename"] == filename:
            return bytes(f.get("content", b""))
    raise moodle_exception(
        "errornodraftfile",
        f"No file {filename} in the draft area: upload it with webservice/upload.php first.",
    )


def _started(rec: Record, warnings: list[str]) -> dict[str, Any]:
    return {
        "restoreid": rec["restoreid"],
        "requestid": rec["requestid"],
        "courseid": rec["courseid"],
        "state": rec["state"],
        "errors": [],
        "warnings": warnings,
    }


@plugin_function("local_lemma_restore_course")
def restore_course(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    p = params
    if not p["requestid"] or not p["shortname"].strip() or not p["fullname"].strip():
        raise invalid_parameter("requestid, fullname and shortname must not be empty")
    if p["target"] == "new":
        if p["categoryid"] not in state.categories:
            raise missing_record("course_categories")
        ctxid = state.context_id(CONTEXT_COURSECAT, p["categoryid"])
        assert ctxid is not None
        call.require_capability("moodle/restore:restorecourse", ctxid)
        call.require_capability("moodle/course:create", ctxid)
    elif p["target"] == "replace":
        ctxid = course_context(call, p["courseid"])
        call.require_capability("moodle/restore:restorecourse", ctxid)
        call.require_capability("moodle/course:update", ctxid)
    else:
        raise invalid_parameter("target must be new or replace")
    with state.lock:
        for rec in state.lemma_restores.values():
            if rec["requestid"] == p["requestid"]:
                return _started(rec, [])
        isnew = p["target"] == "new"
        _names_free(state, p["shortname"], p["idnumber"], 0 if isnew else p["courseid"])
        if not isnew and any(
            r["courseid"] == p["courseid"] and r["state"] in PENDING
            for r in state.lemma_restores.values()
        ):
            raise moodle_exception(
                "errorrestorerunning", "A restore into this course has not finished yet."
            )
        content = _draft_content(state, call.userid, p["draftitemid"], p["filename"])
        try:
            backup = read_backup(content)
        except NotABackup:
            raise moodle_exception(
                "errornotabackup",
                f"The file {p['filename']} cannot be unpacked as a Moodle backup.",
            ) from None
        errors: list[str] = []
        if backup is None:
            errors.append(
                "This is not a Moodle 2 course backup (moodle_backup.xml is missing or of "
                "another format)."
            )
        elif backup.type != "course":
            errors.append(f'This is a backup of type "{backup.type}", not a course backup.')
        warnings = list(state.restore_precheck_warnings)
        if errors or p["precheckonly"]:
            return {
                "restoreid": "",
                "requestid": p["requestid"],
                "courseid": 0,
                "state": "refused" if errors else "prechecked",
                "errors": errors,
                "warnings": warnings,
            }
        with state.transaction():
            courseid = p["courseid"]
            categoryid = p["categoryid"]
            if isnew:
                course = seed.add_course(
                    state,
                    p["shortname"],
                    fullname=p["fullname"],
                    categoryid=p["categoryid"],
                    numsections=0,
                    default_enrol=False,
                    visible=0,
                    idnumber=p["idnumber"],
                )
                courseid = course["id"]
            else:
                categoryid = state.courses[courseid]["category"]
            now = state.now()
            rec: Record = {
                "restoreid": secrets.token_hex(16),
                "requestid": p["requestid"],
                "courseid": courseid,
                "categoryid": categoryid,
                "target": p["target"],
                "state": "queued",
                "progress": 0.0,
                "fullname": p["fullname"],
                "shortname": p["shortname"],
                "idnumber": p["idnumber"],
                "visible": 1 if p["visible"] else 0,
                "sha256": p["sha256"],
                "message": "",
                "warnings": [],
                "timecreated": now,
                "timemodified": now,
                "userid": call.userid,
                "backup": backup,
                "content": content,
                "steps": 0,
                "task": True,  # the adhoc task exists
                "killed": False,
            }
            state.lemma_restores[rec["restoreid"]] = rec
        return _started(rec, warnings)


def _context_of(state: State, rec: Record) -> int:
    return (
        state.context_id(CONTEXT_COURSE, rec["courseid"])
        or state.context_id(CONTEXT_COURSECAT, rec["categoryid"])
        or 1
    )


DIED = "The cron process that ran this restore (pid 4242) has ended without finishing it."
GONE = "The adhoc task of this restore is gone before the restore finished."


def _status(rec: Record) -> dict[str, Any]:
    state, message = rec["state"], rec["message"]
    if state in PENDING and not rec["task"]:
        state, message = "failed", GONE
    elif state in PENDING and rec["killed"]:
        state, message = "failed", DIED
    return {
        "restoreid": rec["restoreid"],
        "requestid": rec["requestid"],
        "courseid": rec["courseid"],
        "categoryid": rec["categoryid"],
        "target": rec["target"],
        "state": state,
        "progress": 1.0 if rec["state"] == "finished" else rec["progress"],
        "fullname": rec["fullname"],
        "shortname": rec["shortname"],
        "idnumber": rec["idnumber"],
        "visible": rec["visible"],
        "sha256": rec["sha256"],
        "message": message,
        "warnings": list(rec["warnings"]),
        "timecreated": rec["timecreated"],
        "timemodified": rec["timemodified"],
    }


@plugin_function("local_lemma_restore_status")
def restore_status(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    if params["restoreid"]:
        match = lambda r: r["restoreid"] == params["restoreid"]  # noqa: E731
    elif params["requestid"]:
        match = lambda r: r["requestid"] == params["requestid"]  # noqa: E731
    elif params["courseid"] > 0:
        match = lambda r: r["courseid"] == params["courseid"]  # noqa: E731
    else:
        raise invalid_parameter("give a restoreid, a requestid or a courseid")
    with state.lock:
        if state.restore_auto:
            run_restores(state)
        # newest first: ORDER BY timecreated DESC, id DESC (ids in insertion order)
        found = [
            r
            for _i, r in sorted(
                ((i, r) for i, r in enumerate(state.lemma_restores.values()) if match(r)),
                key=lambda ir: (ir[1]["timecreated"], ir[0]),
                reverse=True,
            )
        ]
        out = []
        for rec in found:
            call.require_capability("moodle/restore:restorecourse", _context_of(state, rec))
            out.append(_status(rec))
        return {"restores": out}


def kill_restore(state: State, restoreid: str) -> None:
    """The cron process dies in the middle of the restore. As on a real site, nothing runs
    the task again (Moodle marks it failed after an hour, in a nightly task, and never
    retries it); the status reports it failed; local_lemma_restore_cleanup removes it."""
    with state.lock:
        rec = state.lemma_restores[restoreid]
        rec["state"] = "running"
        rec["killed"] = True


@plugin_function("local_lemma_restore_cleanup")
def restore_cleanup(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    with state.lock:
        rec = state.lemma_restores.get(params["restoreid"])
        if rec is None:
            raise missing_record("local_lemma_restores")
        call.require_capability("moodle/restore:restorecourse", _context_of(state, rec))
        status = _status(rec)
        if status["state"] == "finished":
            return status
        if status["state"] != "failed":
            raise moodle_exception(
                "errorrestorerunning", "A restore into this course has not finished yet."
            )
        if rec["state"] != "failed" or rec["courseid"] in state.courses:
            _fail(state, rec, status["message"])
        return _status(rec)


def run_restores(state: State) -> None:
    """One cron run: every pending restore advances one step (queued -> running ->
    finished), unless ``state.restore_hold``."""
    if state.restore_hold:
        return
    steps = state.restore_steps
    for rec in list(state.lemma_restores.values()):
        if rec["state"] not in PENDING or not rec["task"] or rec["killed"]:
            continue
        rec["steps"] += 1
        rec["timemodified"] = state.now()
        if state.restore_fail:
            message, state.restore_fail = state.restore_fail, None
            _fail(state, rec, message)
            continue
        if rec["steps"] < steps:
            rec["state"] = "running"
            rec["progress"] = round(rec["steps"] / steps, 2)
            continue
        _apply(state, rec)
        rec["state"] = "finished"
        rec["progress"] = 1.0
        rec["task"] = False


def _fail(state: State, rec: Record, message: str) -> None:
    if rec["target"] == "new" and rec["courseid"] in state.courses:
        remove_course(state, rec["courseid"])
        message += " The new course has been deleted again."
    rec.update(state="failed", message=message, task=False, timemodified=state.now())


def site_mimetype(state: State, filename: str, content: bytes) -> str:
    """The type Moodle stores: from the extension (core's table plus the site's own types),
    else sniffed from the content."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext in state.filetypes:
        return state.filetypes[ext]
    if ext in MOODLE_MIMETYPES:
        return MOODLE_MIMETYPES[ext]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain" if b"\0" not in content else "application/octet-stream"


def _apply(state: State, rec: Record) -> None:
    """Run the restore plan, then finish: sections and activities from the backup, the final
    names (and visibility of a new course)."""
    backup: Backup = rec["backup"]
    courseid = rec["courseid"]
    course = state.courses[courseid]
    if rec["target"] == "replace":
        delete_course_content(state, courseid, keep_users=True)
    else:
        seed.add_enrol_instance(state, courseid, "manual", 0)
        seed.add_enrol_instance(state, courseid, "guest", 1)
        seed.add_enrol_instance(state, courseid, "self", 1)
    numbers: dict[int, int] = {}
    for sec in backup.sections:
        numbers[sec.sectionid] = sec.number
        target = seed.section_of(state, courseid, sec.number)
        target.update(name=sec.name, summary=sec.summary)
    for act in backup.activities:
        num = numbers.get(act.sectionid, 0)
        view = act.completion == 2 and bool(act.completionview)
        if act.modname == "page":
            page = seed.add_page(state, courseid, num, act.title, completionview=view)
            cm = state.modules[page["coursemodule"]]
        elif act.modname == "quiz":
            quiz = seed.add_quiz(
                state,
                courseid,
                num,
                act.title,
                sumgrades=act.sumgrades,
                grade=act.grade,
                gradepass=act.gradepass,
                questions=act.slots,
                completionpass=act.completion == 2,
            )
            cm = state.modules[quiz["coursemodule"]]
        else:
            instance = state.seq.next(act.modname)
            rules = [{"rulename": "completionview", "description": "View"}] if view else []
            cm = seed.add_module(
                state,
                courseid,
                num,
                act.modname,
                instance,
                act.title,
                completion=act.completion,
                rules=rules,
            )
            if act.modname == "resource":
                state.resources[instance] = {
                    "id": instance,
                    "coursemodule": cm["id"],
                    "course": courseid,
                    "name": act.title,
                    "display": act.display,
                    "revision": 1,
                }
                for bf in backup.files_of(act.contextid, "mod_resource"):
                    now = state.now()
                    state.files.append(
                        {
                            "contextid": cm["contextid"],
                            "component": "mod_resource",
                            "filearea": bf.filearea,
                            "itemid": 0,
                            "filepath": bf.filepath,
                            "filename": bf.filename,
                            "filesize": len(bf.content),
                            "content": bf.content,
                            "mimetype": site_mimetype(state, bf.filename, bf.content),
                            "userid": rec["userid"],
                            "author": "",
                            "license": "",
                            "timecreated": now,
                            "timemodified": now,
                        }
                    )
        cm["idnumber"] = act.idnumber
        cm["visible"] = act.visible
    # what else a real restore creates (question banks, texts, rules): tests/fake_moodle/mbz_course.py
    mbz_course.complete(state, courseid, rec["content"])
    course.update(fullname=rec["fullname"], shortname=rec["shortname"])
    if rec["idnumber"]:
        course["idnumber"] = rec["idnumber"]
    if rec["target"] == "new":
        course["visible"] = rec["visible"]
    course["timemodified"] = state.now()


@plugin_function("local_lemma_register_filetypes")
def register_filetypes(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    call.require_capability("moodle/site:config", 1)
    out = []
    with state.lock:
        for t in params["types"]:
            ext = t["extension"].strip().lower()
            if not ext or not t["mimetype"].strip():
                raise invalid_parameter("extension and mimetype must not be empty")
            known = state.filetypes.get(ext) or MOODLE_MIMETYPES.get(ext)
            if known:
                out.append({"extension": ext, "mimetype": known, "status": "exists"})
                continue
            state.filetypes[ext] = t["mimetype"].strip()
            out.append({"extension": ext, "mimetype": t["mimetype"].strip(), "status": "added"})
    return out
