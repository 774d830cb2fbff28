"""Enrolment: ``enrol_manual_*`` and ``core_enrol_get_enrolled_users``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
