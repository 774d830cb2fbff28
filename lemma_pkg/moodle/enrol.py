"""Enrolment: ``enrol_manual_*`` and ``core_enrol_get_enrolled_users``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient

STUDENT_ROLE = 5


class ManualEnrolment(TypedDict):
    roleid: int
    userid: int
    courseid: int
    timestart: NotRequired[int]
    timeend: NotRequired[int]
    suspend: NotRequired[int]


class Unenrolment(TypedDict):
    userid: int
    courseid: int
    roleid: NotRequired[int]


class Role(TypedDict, total=False):
    roleid: int
    name: str  # "" for the standard roles: use shortname
    shortname: str
    sortorder: int


class EnrolledUser(TypedDict, total=False):
    id: int
    username: str
    firstname: str
    lastname: str
    fullname: str
    email: str
    idnumber: str
    firstaccess: int
    lastaccess: int
    lastcourseaccess: int
    roles: list[Role]
    groups: list[dict[str, Any]]
    customfields: list[dict[str, Any]]


def enrol_users(client: MoodleClient, rows: Sequence[ManualEnrolment]) -> None:
    """``enrol_manual_enrol_users``: all-or-nothing per call; enrolling again updates the
    enrolment, so a retry is safe. Needs an enabled manual instance in each course
    (``wsnoinstance``) and a role the token may assign (``wsusercannotassign``)."""
    client.call_batched(
        "enrol_manual_enrol_users", "enrolments", cast(Sequence[dict[str, Any]], rows)
    )


def unenrol_users(client: MoodleClient, rows: Sequence[Unenrolment]) -> None:
    """``enrol_manual_unenrol_users``: removes manual enrolments; not enrolled is a no-op."""
    client.call_batched(
        "enrol_manual_unenrol_users", "enrolments", cast(Sequence[dict[str, Any]], rows)
    )


def get_enrolled_users(
    client: MoodleClient,
    courseid: int,
    *,
    userfields: Sequence[str] | None = None,
    onlyactive: bool | None = None,
    groupid: int | None = None,
    withcapability: str | None = None,
    limitfrom: int | None = None,
    limitnumber: int | None = None,
) -> list[EnrolledUser]:
    """``core_enrol_get_enrolled_users``: participants of a course, ordered by user id."""
    options: list[dict[str, str]] = []
    for name, value in (
        ("userfields", ",".join(userfields) if userfields else None),
        ("onlyactive", None if onlyactive is None else ("1" if onlyactive else "0")),
        ("groupid", groupid),
        ("withcapability", withcapability),
        ("limitfrom", limitfrom),
        ("limitnumber", limitnumber),
    ):
        if value is not None:
            options.append({"name": name, "value": str(value)})
    params: dict[str, Any] = {"courseid": courseid}
    if options:
        params["options"] = options
    return cast(list[EnrolledUser], client.call("core_enrol_get_enrolled_users", params) or [])


def iter_enrolled_users(
    client: MoodleClient,
    courseid: int,
    *,
    page_size: int = 500,
    userfields: Sequence[str] | None = None,
) -> Iterator[EnrolledUser]:
    """All participants, page by page. A page can be short because Moodle drops users the
    caller cannot see after its SQL limit, so this stops at an *empty* page, not a short one."""
    start = 0
    while True:
        page = get_enrolled_users(
            client, courseid, userfields=userfields, limitfrom=start, limitnumber=page_size
        )
        if not page:
            return
        yield from page
        start += page_size


@dataclass(frozen=True)
class UserEnrolment:
    """One enrolment of a user in a course: method instance, status and dates."""

    enrolid: int
    method: str
    status: int  # 0 active, 1 suspended
    timestart: int
    timeend: int


@dataclass(frozen=True)
class Participant:
    userid: int
    enrolments: tuple[UserEnrolment, ...]
    roleids: frozenset[int]
    groupids: frozenset[int]


@dataclass(frozen=True)
class ManualMethod:
    """The course's manual enrolment method (``id`` 0: none)."""

    id: int
    enabled: bool
    roleid: int
    enrolperiod: int


@dataclass(frozen=True)
class CourseEnrolments:
    """What ``local_lemma_course_enrolments`` reports for a course, all pages together."""

    courseid: int
    manual: ManualMethod
    #: role id -> shortname, for the roles the caller may assign in the course
    assignable: dict[int, str]
    participants: dict[int, Participant]


def get_course_enrolments(
    client: MoodleClient, courseid: int, *, page_size: int = 5000
) -> CourseEnrolments:
    """``local_lemma_course_enrolments`` (companion plugin): the manual method, assignable
    roles and every enrolled user with their enrolments' status and dates, roles and
    groups, read in pages of ``page_size`` users."""
    participants: dict[int, Participant] = {}
    start = 0
    while True:
        data = client.call(
            "local_lemma_course_enrolments",
            {"courseid": courseid, "limitfrom": start, "limitnumber": page_size},
        )
        for u in data.get("users") or []:
            participants[int(u["userid"])] = Participant(
                userid=int(u["userid"]),
                enrolments=tuple(
                    UserEnrolment(
                        int(e["enrolid"]),
                        str(e["method"]),
                        int(e["status"]),
                        int(e["timestart"]),
                        int(e["timeend"]),
                    )
                    for e in u.get("enrolments") or []
                ),
                roleids=frozenset(int(r) for r in u.get("roleids") or []),
                groupids=frozenset(int(g) for g in u.get("groupids") or []),
            )
        page = len(data.get("users") or [])
        start += page
        if page < page_size or start >= int(data.get("totalusers", 0)):
            break
    m = data.get("manual") or {}
    return CourseEnrolments(
        courseid=courseid,
        manual=ManualMethod(
            int(m.get("id", 0)),
            bool(m.get("enabled")),
            int(m.get("roleid", 0)),
            int(m.get("enrolperiod", 0)),
        ),
        assignable={int(r["id"]): str(r["shortname"]) for r in data.get("assignableroles") or []},
        participants=participants,
    )
