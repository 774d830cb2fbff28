"""User data in a backup: what it holds, and what restore does with records of absent users.

Restore maps every user id through users.xml (``restore_dbops::load_users_to_tempids()``,
only while the root setting ``users`` is on). A record whose user does not map is
skipped or stored with user id 0, depending on the step:

- quiz attempts: skipped (``process_quiz_attempt()``: "Mapped user ID not found ...
  Skipping quiz attempt", a log line only);
- quiz grades: stored with user id 0 (``process_quiz_grade()``);
- activity grades: skipped, with a developer debugging message ("Mapped user id not found
  for user id ..., grade item id ...", ``process_grade_grade()``);
- glossary entries: stored with user id 0 (``process_glossary_entry()``), which the web
  page shows but ``mod_glossary_get_entries_by_letter`` (what the Moodle app calls) fails
  on for learners ("User id is required when printing user avatar image").

An activity's user data is restored at all only when its own ``<key>_userinfo`` setting
is on (notes §10 V1b: the root ``users`` setting does not switch it off).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from lemma_pkg.mbz.inspect.info import BackupInfo, integer, line_of, text
from lemma_pkg.mbz.inspect.rules import GLOSSARY, USERS, I, W
from lemma_pkg.mbz.inspect.state import Activity, Inspection

#: Per module: (what, path under <activity>/<modname>) of the user data the summary counts.
USER_RECORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "quiz": (("attempts", "attempts/attempt"),),
    "glossary": (("entries", "entries/entry"),),
    "forum": (("posts", "discussions/discussion/posts/post"),),
    "assign": (("submissions", "submissions/submission"),),
    "choice": (("answers", "answers/answer"),),
    "data": (("records", "records/record"),),
    "lesson": (("attempts", "pages/page/answers/answer/attempts/attempt"),),
    "feedback": (("responses", "completeds/completed"),),
    "wiki": (("pages", "subwikis/subwiki/pages/page"),),
    "workshop": (("submissions", "submissions/submission"),),
}


def _users(ins: Inspection, info: BackupInfo) -> tuple[set[int] | None, bool]:
    """The ids restore can map (None: user data maps to nobody, users are off), and whether
    they are known: a missing or broken users.xml is reported already and stops restore."""
    if not info.on("users"):
        return None, True
    root = ins.trees.get("users.xml")
    if root is None:
        return set(), False
    return {v for u in root.iterfind("user") if (v := integer(u.get("id"))) is not None}, True


def check_user_data(ins: Inspection, info: BackupInfo) -> None:
    """Summarise the user data and report records restore drops or gives user id 0."""
    users, readable = _users(ins, info)
    summary: dict[str, Any] = {
        "included": info.on("users"),
        "anonymized": info.on("anonymize"),
        "users": len(users) if users is not None else 0,
    }
    enrolments = ins.xml("course/enrolments.xml")
    if info.type == "course" and enrolments is not None:
        records = enrolments.findall("enrols/enrol/user_enrolments/enrolment")
        summary["enrolment_methods"] = sorted(
            {text(e, "enrol") or "" for e in enrolments.iterfind("enrols/enrol")}
        )
        summary["enrolments"] = len(records)
        if users is not None and readable:
            _report_absent(
                ins,
                "course/enrolments.xml",
                records,
                users,
                "enrolments",
                "restore skips them (restore_enrolments_structure_step)",
            )
    assignments = 0
    for member, root in sorted(ins.trees.items()):
        if member != "roles.xml" and member.endswith("roles.xml"):
            records = root.findall("role_assignments/assignment")
            assignments += len(records)
            if users is not None and readable and info.on("role_assignments"):
                _report_absent(
                    ins,
                    member,
                    records,
                    users,
                    "role assignments",
                    "restore skips them (restore_ras_and_caps_structure_step)",
                )
    summary["role_assignments"] = assignments
    grades = 0
    per_activity = []
    for act in ins.activities:
        counts = _activity_user_data(ins, info, act, users, readable)
        per_activity.append(
            {"cmid": act.cmid, "modname": act.modname, "title": act.title, "user_data": counts}
        )
        for what, n in counts.items():
            if what == "grades":
                grades += n
                continue
            key = f"{act.modname}_{what}"
            summary[key] = summary.get(key, 0) + n
    gradebook = ins.xml("gradebook.xml")
    if gradebook is not None:
        grades += len(gradebook.findall("grade_items/grade_item/grade_grades/grade_grade"))
    summary["grades"] = grades
    ins.summary["user_data"] = summary
    ins.summary["activity_list"] = per_activity


def _activity_user_data(
    ins: Inspection, info: BackupInfo, act: Activity, users: set[int] | None, check: bool
) -> dict[str, int]:
    """Count ``act``'s user data; with ``check``, report what restore drops or orphans."""
    counts: dict[str, int] = {}
    body = ins.trees.get(f"{act.directory}/{act.modname}.xml")
    rec = body.find(act.modname) if body is not None else None
    grades_xml = ins.trees.get(f"{act.directory}/grades.xml")
    grade_grades = (
        grades_xml.findall("grade_items/grade_item/grade_grades/grade_grade")
        if grades_xml is not None
        else []
    )
    if rec is not None:
        for what, path in USER_RECORDS.get(act.modname, ()):
            n = len(rec.findall(path))
            if n:
                counts[what] = n
    if grade_grades:
        counts["grades"] = len(grade_grades)
    if rec is None or not check:
        return counts
    if act.modname == "glossary":
        _check_glossary(ins, info, act, rec, users)
    if not act.userinfo:
        return counts
    member = f"{act.directory}/{act.modname}.xml"
    if act.modname == "quiz":
        _report_absent(
            ins,
            member,
            rec.findall("attempts/attempt"),
            users,
            "quiz attempts",
            "restore skips them ('Mapped user ID not found ... Skipping quiz attempt')",
        )
        _report_absent(
            ins,
            member,
            rec.findall("grades/grade"),
            users,
            "quiz grades",
            "restore stores them with user id 0",
        )
    _report_absent(
        ins,
        f"{act.directory}/grades.xml",
        grade_grades,
        users,
        "grades",
        "restore skips them with a debugging message ('Mapped user id not found for user "
        "id ..., grade item id ...')",
    )
    return counts


def _report_absent(
    ins: Inspection,
    member: str,
    records: list[etree._Element],
    users: set[int] | None,
    what: str,
    effect: str,
) -> None:
    absent = sorted(
        {
            uid
            for r in records
            if (uid := integer(text(r, "userid"))) is not None
            and (users is None or uid not in users)
        }
    )
    if not absent:
        return
    first = next(r for r in records if integer(text(r, "userid")) in absent)
    whose = (
        "user data is off (root setting 'users' 0), so no user maps"
        if users is None
        else f"users {', '.join(map(str, absent[:5]))}{' ...' if len(absent) > 5 else ''} "
        "are not in users.xml"
    )
    n = sum(1 for r in records if integer(text(r, "userid")) in absent)
    ins.add(member, line_of(first), W, USERS, f"{n} {what}: {whose}: {effect}")


def _check_glossary(
    ins: Inspection, info: BackupInfo, act: Activity, rec: etree._Element, users: set[int] | None
) -> None:
    member = f"{act.directory}/glossary.xml"
    entries = rec.findall("entries/entry")
    if not entries:
        return
    if not act.userinfo:
        ins.add(
            member,
            line_of(entries[0]),
            W,
            GLOSSARY,
            f"{len(entries)} glossary entries are dropped without a message: they are user "
            f"data and {act.directory.rsplit('/', 1)[-1]}_userinfo is 0 "
            "(restore_glossary_activity_structure_step)",
            "set that activity's _userinfo setting to 1 (verified on 4.5.6), or make the "
            "backup again with user data",
        )
        return
    authorless = [e for e in entries if users is None or integer(text(e, "userid")) not in users]
    if not authorless:
        return
    why = (
        "user data is off (root 'users' 0)"
        if users is None
        else "their authors are not in users.xml"
    )
    ins.add(
        member,
        line_of(authorless[0]),
        I if info.lemma_made else W,
        GLOSSARY,
        f"{len(authorless)} glossary entries restore with user id 0, since {why}: the "
        "glossary page lists them, but mod_glossary_get_entries_by_letter (the Moodle app) "
        "fails for learners with 'User id is required when printing user avatar image'",
        "restore it with `lemma deploy`, which gives these entries the deploying user; after "
        "a hand restore, give them an author (docs/backup.md, 'Restoring by hand')",
    )
