"""What to change on the site, and only that: accounts to create, fields to update (as
``--update`` says), enrolments to make or change, groups and cohorts to create, memberships
to add; or, with ``--remove`` / ``--suspend``, enrolments to end or suspend. Everything the
site already has is counted as unchanged, so the same roster twice plans nothing.

Each :class:`Step` has a stable ``key`` (the ledger's), the roster rows behind it and the
web-service row it becomes; a user or group created in the same run is referred to by
username or group key and resolved when the step is sent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.enrol import rules as mrules
from lemma_pkg.enrol.checks import Options, role_for
from lemma_pkg.enrol.problems import Problems
from lemma_pkg.enrol.roster import Row, Secret, Slot
from lemma_pkg.enrol.sitestate import CourseState, SiteState
from lemma_pkg.moodle.enrol import Participant, UserEnrolment
from lemma_pkg.moodle.siterules import SiteRules
from lemma_pkg.moodle.users import User

#: The order steps are sent in (cohort membership before enrolment, as Moodle's tool).
OPS = (
    "create_cohort",
    "create_user",
    "update_user",
    "add_cohort_member",
    "create_group",
    "enrol",
    "add_group_member",
    "unenrol",
    "suspend",
)
#: Fields core_user_get_users_by_field returns and core_user_update_users sets: the ones
#: lemma can compare, hence update. Others are set when an account is created only.
UPDATABLE = (
    "firstname",
    "lastname",
    "email",
    "idnumber",
    "institution",
    "department",
    "city",
    "country",
    "lang",
    "timezone",
    "phone1",
    "phone2",
    "address",
    "auth",
    "theme",
    "mailformat",
)
#: Fields core_user_create_users takes from a roster row.
CREATABLE = (
    *UPDATABLE,
    "maildisplay",
    "description",
    "interests",
    "firstnamephonetic",
    "lastnamephonetic",
    "middlename",
    "alternatename",
)
INT_FIELDS = ("mailformat", "maildisplay")
DAY = 86400


@dataclass
class Step:
    op: str
    key: str
    rows: list[int]
    #: The account the step is about ("" for creating a group or cohort).
    user: str
    #: The web-service row; ``userid`` / ``groupid`` may be missing and resolved when sent.
    params: dict[str, Any]
    detail: str = ""
    secret: Secret | None = None
    #: For a membership of a group created in the same run: that group's step key.
    group_key: str | None = None
    course: str = ""


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    unchanged: Counter[str] = field(default_factory=Counter)
    #: Existing accounts whose fields differ from the roster but --update none leaves.
    not_updated: int = 0

    def count(self) -> Counter[str]:
        return Counter(s.op for s in self.steps)

    @property
    def empty(self) -> bool:
        return not self.steps

    def by_op(self, op: str) -> list[Step]:
        return [s for s in self.steps if s.op == op]


def _days(value: str) -> int:
    return int(value) if value.isdigit() else 0


def _existing_values(user: User, rules: SiteRules) -> dict[str, str]:
    """The user's standard and profile values as comparable strings (date fields as
    YYYY-MM-DD in the token user's time zone, as Moodle stored them)."""
    out = {k: str(v) for k, v in user.items() if k in UPDATABLE and v is not None}
    for cf in user.get("customfields") or []:
        short = str(cf.get("shortname", ""))
        value = str(cf.get("value", ""))
        pf = rules.profilefields.get(short)
        if pf is not None and pf.datatype == "datetime" and value.lstrip("-").isdigit():
            value = mrules.day_of(int(value), rules.usertimezone).isoformat() if int(value) else ""
        out["profile_field_" + short] = value
    return out


def _new_user_params(row: Row, rules: SiteRules) -> tuple[dict[str, Any], Secret | None]:
    params: dict[str, Any] = {"username": row.username}
    for name in CREATABLE:
        value = row.value(name)
        if value:
            params[name] = int(value) if name in INT_FIELDS else value
    custom = [
        {"type": short, "value": value}
        for short, value in row.profile.items()
        if value and short in rules.profilefields
    ]
    if custom:
        params["customfields"] = custom
    auth = rules.auths.get(row.value("auth") or "manual")
    secret = None
    if auth is None or auth.internal:
        if row.password is not None:
            secret = row.password
        else:
            params["createpassword"] = 1
    return params, secret


def _updates(row: Row, user: User, rules: SiteRules, mode: str) -> dict[str, tuple[str, str]]:
    """column -> (old, new) of the changes ``--update`` asks for. An empty cell never
    erases a value."""
    old = _existing_values(user, rules)
    changes: dict[str, tuple[str, str]] = {}
    wanted = [(n, row.value(n)) for n in UPDATABLE] + [
        ("profile_field_" + s, v) for s, v in row.profile.items() if s in rules.profilefields
    ]
    for column, new in wanted:
        if not new:
            continue
        before = old.get(column, "")
        if column == "email" and before.lower() == new.lower():
            continue  # Moodle keeps the case it has
        if before == new:
            continue
        if mode == "missing" and (before or column == "auth"):
            continue
        changes[column] = (before, new)
    return changes


def _update_params(userid: int, changes: dict[str, tuple[str, str]]) -> dict[str, Any]:
    params: dict[str, Any] = {"id": userid}
    custom = []
    for column, (_old, new) in changes.items():
        if column.startswith("profile_field_"):
            custom.append({"type": column[len("profile_field_") :], "value": new})
        else:
            params[column] = int(new) if column in INT_FIELDS else new
    if custom:
        params["customfields"] = custom
    return params


def _manual(participant: Participant | None, course: CourseState) -> UserEnrolment | None:
    if participant is None:
        return None
    for e in participant.enrolments:
        if e.method == "manual" and e.enrolid == course.enrolments.manual.id:
            return e
    return None


def build_plan(
    rows: list[Row],
    state: SiteState,
    options: Options,
    *,
    now: dt.datetime,
    notes: Problems | None = None,
) -> Plan:
    """The steps that bring the site to what ``rows`` say (rows must be checked)."""
    notes = notes if notes is not None else Problems()
    plan = Plan()
    if options.mode != "enrol":
        _plan_remove_or_suspend(rows, state, options, plan, notes)
        return plan
    rules = state.rules
    today = mrules.midnight(now.astimezone(mrules.zone(rules.usertimezone)), rules.usertimezone)
    by_key: dict[str, Step] = {}

    def add(step: Step) -> None:
        """Add a step; one already planned (a group or cohort several rows need) gains the
        rows."""
        known = by_key.get(step.key)
        if known is not None:
            known.rows.extend(r for r in step.rows if r not in known.rows[-1:])
            return
        by_key[step.key] = step
        plan.steps.append(step)

    for row in rows:
        user = state.users.get(row.username)
        uid = int(user["id"]) if user is not None else None
        if user is None:
            params, secret = _new_user_params(row, rules)
            add(
                Step(
                    "create_user",
                    f"user:{row.username}",
                    [row.row],
                    row.username,
                    params,
                    "new account"
                    + (" (Moodle mails a password)" if "createpassword" in params else ""),
                    secret,
                )
            )
        else:
            changes = _updates(row, user, rules, options.update)
            if changes and options.update == "none":
                plan.not_updated += 1
                plan.unchanged["accounts"] += 1
            elif changes:
                assert uid is not None
                detail = "; ".join(f"{c}: {o!r} -> {n!r}" for c, (o, n) in changes.items())
                add(
                    Step(
                        "update_user",
                        f"update:{row.username}",
                        [row.row],
                        row.username,
                        _update_params(uid, changes),
                        detail,
                    )
                )
            else:
                plan.unchanged["accounts"] += 1
        _plan_cohorts(row, uid, state, options, plan, add)
        by_course: dict[str, list[Slot]] = {}
        for slot in row.slots:
            by_course.setdefault(slot.course, []).append(slot)
        for shortname, slots in by_course.items():
            course = state.courses.get(shortname)
            if course is None:
                continue
            participant = course.enrolments.participants.get(uid) if uid else None
            _plan_enrolment(row, slots, course, participant, rules, today, plan, add, notes)
            for slot in slots:
                if slot.group:
                    _plan_group(row, slot, course, participant, plan, add)
    return plan


def _plan_cohorts(
    row: Row, uid: int | None, state: SiteState, options: Options, plan: Plan, add: Any
) -> None:
    for _column, ref in row.cohorts:
        cohort = state.cohort(ref)
        if cohort is None:
            if not options.create_cohorts or ref.isdigit():
                continue
            add(
                Step(
                    "create_cohort",
                    f"cohort:{ref}",
                    [row.row],
                    "",
                    {"categorytype": {"type": "system", "value": ""}, "name": ref, "idnumber": ref},
                    f"new cohort {ref!r} (system)",
                )
            )
            cohorttype = {"type": "idnumber", "value": ref}
        else:
            if uid is not None and uid in state.cohort_members.get(cohort["id"], set()):
                plan.unchanged["cohort memberships"] += 1
                continue
            cohorttype = {"type": "id", "value": str(cohort["id"])}
        add(
            Step(
                "add_cohort_member",
                f"cohortmember:{row.username}:{ref}",
                [row.row],
                row.username,
                {"cohorttype": cohorttype, "usertype": {"type": "username", "value": row.username}},
                f"cohort {ref!r}",
            )
        )


def _plan_enrolment(
    row: Row,
    slots: list[Slot],
    course: CourseState,
    participant: Participant | None,
    rules: SiteRules,
    today: int,
    plan: Plan,
    add: Any,
    notes: Problems,
) -> None:
    shortname = course.course.shortname
    courseid = course.course.id
    roleids = []
    for slot in slots:
        roleid, _why = role_for(slot, course, rules)
        if roleid is not None and roleid not in roleids:
            roleids.append(roleid)
    if not roleids:
        return
    given_start = next((s.enroltimestart for s in slots if s.enroltimestart), "")
    days = next((_days(s.enrolperiod) for s in slots if _days(s.enrolperiod)), 0)
    status_text = next((s.enrolstatus for s in slots if s.enrolstatus), "")
    start = mrules.parse_datetime(given_start, rules.servertimezone) if given_start else None
    manual = course.enrolments.manual
    current = _manual(participant, course)
    have = participant.roleids if participant else frozenset()
    if current is None:
        timestart = start if start is not None else today
        timeend = (
            timestart + days * DAY
            if days
            else (timestart + manual.enrolperiod if manual.enrolperiod > 0 else 0)
        )
        status = int(status_text) if status_text else 0
        send = roleids
        what = "enrol"
    else:
        timestart = start if start is not None else current.timestart
        timeend = timestart + days * DAY if days else current.timeend
        status = int(status_text) if status_text else current.status
        if status == 1 and current.status == 0:
            notes.warning(
                row.row,
                row.line,
                slots[0].column("enrolstatus"),
                "suspend-refused",
                f"{row.username!r} is active in {shortname!r}: a roster never suspends "
                "an enrolment",
                "to suspend it, run `lemma enrol --suspend` with this row",
            )
            status = 0
        changed = (timestart, timeend, status) != (
            current.timestart,
            current.timeend,
            current.status,
        )
        missing = [r for r in roleids if r not in have]
        if not changed and not missing:
            plan.unchanged["enrolments"] += 1
            return
        send = missing or [next((r for r in roleids if r in have), roleids[0])]
        parts = []
        if missing:
            parts.append("add role " + ", ".join(str(r) for r in missing))
        if changed:
            parts.append(_dates_detail(current, timestart, timeend, status, rules))
        what = "; ".join(parts)
    for roleid in send:
        role = next((r.shortname for r in rules.roles if r.id == roleid), str(roleid))
        add(
            Step(
                "enrol",
                f"enrol:{row.username}:{shortname}:{roleid}",
                [row.row],
                row.username,
                {
                    "roleid": roleid,
                    "courseid": courseid,
                    "timestart": timestart,
                    "timeend": timeend,
                    "suspend": status,
                },
                f"{shortname} as {role}"
                + ("" if what == "enrol" else f" ({what})")
                + (" suspended" if status and what == "enrol" else ""),
                course=shortname,
            )
        )


def _dates_detail(
    current: UserEnrolment, start: int, end: int, status: int, rules: SiteRules
) -> str:
    def day(t: int) -> str:
        return mrules.day_of(t, rules.servertimezone).isoformat() if t else "none"

    parts = []
    if start != current.timestart:
        parts.append(f"start {day(current.timestart)} -> {day(start)}")
    if end != current.timeend:
        parts.append(f"end {day(current.timeend)} -> {day(end)}")
    if status != current.status:
        parts.append("reactivate" if status == 0 else "suspend")
    return ", ".join(parts)


def _plan_group(
    row: Row, slot: Slot, course: CourseState, participant: Participant | None, plan: Plan, add: Any
) -> None:
    shortname = course.course.shortname
    group = course.group(slot.group)
    group_key = None
    if group is None:
        group_key = f"group:{shortname}:{slot.group}"
        add(
            Step(
                "create_group",
                group_key,
                [row.row],
                "",
                {"courseid": course.course.id, "name": slot.group, "description": ""},
                f"new group {slot.group!r} in {shortname}",
                course=shortname,
            )
        )
    elif participant is not None and group["id"] in participant.groupids:
        plan.unchanged["group memberships"] += 1
        return
    params: dict[str, Any] = {"groupid": group["id"]} if group is not None else {}
    add(
        Step(
            "add_group_member",
            f"member:{row.username}:{shortname}:{slot.group}",
            [row.row],
            row.username,
            params,
            f"group {slot.group!r} in {shortname}",
            group_key=group_key,
            course=shortname,
        )
    )


def _plan_remove_or_suspend(
    rows: list[Row], state: SiteState, options: Options, plan: Plan, notes: Problems
) -> None:
    for row in rows:
        user = state.users.get(row.username)
        if user is None:
            continue
        uid = int(user["id"])
        for shortname in dict.fromkeys(s.course for s in row.slots):
            course = state.courses.get(shortname)
            if course is None:
                continue
            participant = course.enrolments.participants.get(uid)
            current = _manual(participant, course)
            if current is None:
                plan.unchanged["enrolments"] += 1
                notes.warning(
                    row.row,
                    row.line,
                    "username",
                    "not-enrolled",
                    f"{row.username!r} has no manual enrolment in {shortname!r}: nothing to "
                    + ("unenrol" if options.mode == "remove" else "suspend"),
                )
                continue
            if options.mode == "remove":
                plan.steps.append(
                    Step(
                        "unenrol",
                        f"unenrol:{row.username}:{shortname}",
                        [row.row],
                        row.username,
                        {"userid": uid, "courseid": course.course.id},
                        f"unenrol from {shortname}",
                        course=shortname,
                    )
                )
                continue
            if current.status == 1:
                plan.unchanged["enrolments"] += 1
                continue
            assert participant is not None
            assignable = course.enrolments.assignable
            roleid = next(
                (r for r in sorted(participant.roleids) if r in assignable),
                course.enrolments.manual.roleid,
            )
            plan.steps.append(
                Step(
                    "suspend",
                    f"suspend:{row.username}:{shortname}",
                    [row.row],
                    row.username,
                    {
                        "roleid": roleid,
                        "userid": uid,
                        "courseid": course.course.id,
                        "timestart": current.timestart,
                        "timeend": current.timeend,
                        "suspend": 1,
                    },
                    f"suspend in {shortname}",
                    course=shortname,
                )
            )
