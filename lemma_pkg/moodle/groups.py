"""Groups and cohorts: ``core_group_*`` and ``core_cohort_*``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient
from lemma_pkg.moodle.errors import MoodleRemoteError
from lemma_pkg.moodle.types import WsWarning, warnings_of


class NewGroup(TypedDict):
    courseid: int
    name: str
    #: Required by Moodle 4.5 (may be "").
    description: str
    descriptionformat: NotRequired[int]
    idnumber: NotRequired[str]
    enrolmentkey: NotRequired[str]


class Group(TypedDict, total=False):
    id: int
    courseid: int
    name: str
    description: str
    idnumber: str
    enrolmentkey: str
    visibility: int
    participation: bool


class GroupMember(TypedDict):
    groupid: int
    userid: int


class TypedRef(TypedDict):
    type: str  # "id" | "idnumber" | "username" | "system"
    value: str


class NewCohort(TypedDict):
    categorytype: TypedRef
    name: str
    idnumber: str
    description: NotRequired[str]
    visible: NotRequired[int]


class Cohort(TypedDict, total=False):
    id: int
    name: str
    idnumber: str
    description: str
    visible: bool


class CohortMember(TypedDict):
    cohorttype: TypedRef
    usertype: TypedRef


def get_course_groups(client: MoodleClient, courseid: int) -> list[Group]:
    """``core_group_get_course_groups``."""
    return cast(list[Group], client.call("core_group_get_course_groups", {"courseid": courseid}))


def find_created_groups(
    client: MoodleClient, batch: Sequence[Mapping[str, Any]]
) -> list[Group] | None:
    """After a ``core_group_create_groups`` call whose outcome is unknown: the groups when
    they all exist now (looked up by name), None when none does."""
    by_course: dict[int, dict[str, Group]] = {}
    for r in batch:
        if r["courseid"] not in by_course:
            by_course[r["courseid"]] = {
                g["name"]: g for g in get_course_groups(client, r["courseid"])
            }
    found = [by_course[r["courseid"]].get(str(r["name"]).strip()) for r in batch]
    if all(found):
        return [g for g in found if g is not None]
    if any(found):
        raise MoodleRemoteError("core_group_create_groups: only part of a batch exists")
    return None


def create_groups(client: MoodleClient, rows: Sequence[NewGroup]) -> list[Group]:
    """``core_group_create_groups``: all-or-nothing per call; a duplicate name in the course is
    ``invalidparameter``. After a timeout the course's groups are looked up by name."""

    def reconcile(batch: Sequence[Any]) -> list[Group] | None:
        return find_created_groups(client, batch)

    out: list[Group] = []
    for answer in client.call_batched(
        "core_group_create_groups",
        "groups",
        cast(Sequence[dict[str, Any]], rows),
        one_result_per_row=True,
        reconcile=reconcile,
    ):
        out.extend(answer)
    return out


def add_group_members(client: MoodleClient, rows: Sequence[GroupMember]) -> None:
    """``core_group_add_group_members``: members must be enrolled; an existing member is a
    no-op. All-or-nothing per call."""
    client.call_batched(
        "core_group_add_group_members", "members", cast(Sequence[dict[str, Any]], rows)
    )


def create_cohorts(client: MoodleClient, rows: Sequence[NewCohort]) -> list[Cohort]:
    """``core_cohort_create_cohorts`` (a duplicate idnumber is ``invalidparameter``). After a
    timeout the cohorts are looked up by idnumber before anything is resent."""
    out: list[Cohort] = []
    for answer in client.call_batched(
        "core_cohort_create_cohorts",
        "cohorts",
        cast(Sequence[dict[str, Any]], rows),
        one_result_per_row=True,
        reconcile=lambda batch: find_created_cohorts(client, batch),
    ):
        out.extend(answer)
    return out


def add_cohort_members(client: MoodleClient, rows: Sequence[CohortMember]) -> list[WsWarning]:
    """``core_cohort_add_cohort_members``: per-row warnings (``warningcode`` "1" bad type, "2"
    not found, "3" already a member) instead of an exception."""
    warnings: list[WsWarning] = []
    for answer in client.call_batched(
        "core_cohort_add_cohort_members", "members", cast(Sequence[dict[str, Any]], rows)
    ):
        warnings.extend(warnings_of(answer))
    return warnings


def get_cohorts(client: MoodleClient) -> list[Cohort]:
    """``core_cohort_get_cohorts`` without ids: every cohort the caller may view."""
    return cast(list[Cohort], client.call("core_cohort_get_cohorts") or [])


def get_cohort_members(client: MoodleClient, cohortids: Sequence[int]) -> dict[int, set[int]]:
    """``core_cohort_get_cohort_members``: cohort id -> member user ids (no call for no ids)."""
    out: dict[int, set[int]] = {}
    ids = list(cohortids)
    size = max(1, min(500, client.max_fields - BASE_FIELDS))
    for i in range(0, len(ids), size):
        data = client.call("core_cohort_get_cohort_members", {"cohortids": ids[i : i + size]})
        for c in data or []:
            out[int(c["cohortid"])] = {int(u) for u in c.get("userids") or []}
    return out


def find_created_cohorts(
    client: MoodleClient, batch: Sequence[Mapping[str, Any]]
) -> list[Cohort] | None:
    """After a ``core_cohort_create_cohorts`` call whose outcome is unknown: the cohorts when
    they all exist now (looked up by idnumber), None when none does."""
    existing = {c.get("idnumber"): c for c in get_cohorts(client)}
    found = [existing.get(r["idnumber"]) for r in batch]
    if all(found):
        return [c for c in found if c is not None]
    if any(found):
        raise MoodleRemoteError("core_cohort_create_cohorts: only part of a batch exists")
    return None
