"""Categories and courses: ``core_course_*``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import MoodleRemoteError
from lemma_pkg.moodle.types import WsWarning, warnings_of


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    idnumber: str | None
    parent: int
    path: str = ""
    coursecount: int = 0
    visible: bool = True


class NewCategory(TypedDict):
    name: str
    parent: NotRequired[int]
    idnumber: NotRequired[str]
    description: NotRequired[str]
    descriptionformat: NotRequired[int]
    theme: NotRequired[str]


class CreatedRef(TypedDict):
    id: int
    name: str


@dataclass(frozen=True)
class Course:
    id: int
    shortname: str
    fullname: str
    categoryid: int
    idnumber: str = ""
    visible: bool = True
    format: str = ""
    startdate: int = 0
    enddate: int = 0
    enablecompletion: bool = False
    #: Enabled enrolment methods of enabled plugins ("manual", "self", ...).
    enrollmentmethods: list[str] = field(default_factory=list)


class FormatOption(TypedDict):
    name: str
    value: str


class NewCourse(TypedDict):
    fullname: str
    shortname: str
    categoryid: int
    idnumber: NotRequired[str]
    summary: NotRequired[str]
    summaryformat: NotRequired[int]
    format: NotRequired[str]
    showgrades: NotRequired[int]
    startdate: NotRequired[int]
    enddate: NotRequired[int]
    visible: NotRequired[int]
    enablecompletion: NotRequired[int]
    completionnotify: NotRequired[int]
    lang: NotRequired[str]
    courseformatoptions: NotRequired[list[FormatOption]]


class CreatedCourse(TypedDict):
    id: int
    shortname: str


class Module(TypedDict, total=False):
    id: int  # cmid
    name: str
    instance: int
    modname: str
    visible: int
    uservisible: bool
    completion: int
    contextid: int


class Section(TypedDict, total=False):
    id: int
    name: str
    section: int
    visible: int
    summary: str
    uservisible: bool
    component: str | None
    itemid: int | None
    modules: list[Module]


def _category(d: dict[str, Any]) -> Category:
    return Category(
        id=int(d["id"]),
        name=str(d.get("name", "")),
        idnumber=d.get("idnumber") or None,
        parent=int(d.get("parent", 0)),
        path=str(d.get("path", "")),
        coursecount=int(d.get("coursecount", 0)),
        visible=bool(d.get("visible", 1)),
    )


def get_categories(
    client: MoodleClient,
    *,
    id: int | None = None,
    idnumber: str | None = None,
    name: str | None = None,
    parent: int | None = None,
) -> list[Category]:
    """``core_course_get_categories``: categories matching every given criterion (all the
    caller can see when none is given), without subcategories."""
    criteria = [
        {"key": k, "value": str(v)}
        for k, v in (("id", id), ("idnumber", idnumber), ("name", name), ("parent", parent))
        if v is not None
    ]
    params: dict[str, Any] = {"addsubcategories": 0}
    if criteria:
        params["criteria"] = criteria
    data = client.call("core_course_get_categories", params)
    return [_category(d) for d in data or []]


def create_categories(client: MoodleClient, rows: Sequence[NewCategory]) -> list[CreatedRef]:
    """``core_course_create_categories`` (one transaction per call). If the call times out,
    categories with an idnumber are looked up before anything is resent."""

    def reconcile(batch: Sequence[Any]) -> list[CreatedRef] | None:
        if not all(r.get("idnumber") for r in batch):
            return None
        found = [get_categories(client, idnumber=r["idnumber"]) for r in batch]
        if all(found):
            return [{"id": f[0].id, "name": f[0].name} for f in found]
        if any(found):
            raise MoodleRemoteError("core_course_create_categories: only part of a batch exists")
        return None

    out: list[CreatedRef] = []
    for answer in client.call_batched(
        "core_course_create_categories",
        "categories",
        cast(Sequence[dict[str, Any]], rows),
        one_result_per_row=True,
        reconcile=reconcile,
    ):
        out.extend(answer)
    return out


def _course(d: dict[str, Any]) -> Course:
    return Course(
        id=int(d["id"]),
        shortname=str(d.get("shortname", "")),
        fullname=str(d.get("fullname", "")),
        categoryid=int(d.get("categoryid", 0)),
        idnumber=str(d.get("idnumber") or ""),
        visible=bool(d.get("visible", 1)),
        format=str(d.get("format", "")),
        startdate=int(d.get("startdate", 0)),
        enddate=int(d.get("enddate", 0)),
        enablecompletion=bool(d.get("enablecompletion", 0)),
        enrollmentmethods=[str(m) for m in d.get("enrollmentmethods", [])],
    )


def get_courses_by_field(
    client: MoodleClient, field: str = "", value: str | int = ""
) -> list[Course]:
    """``core_course_get_courses_by_field``: ``field`` is id, ids (comma list), shortname,
    idnumber or category; unknown values give an empty list, not an error."""
    params: dict[str, Any] = {}
    if field:
        params = {"field": field, "value": str(value)}
    data = client.call("core_course_get_courses_by_field", params)
    return [_course(d) for d in (data or {}).get("courses", [])]


def get_course_by_field(client: MoodleClient, field: str, value: str | int) -> Course | None:
    """The one course with ``field`` = ``value``, or ``None``."""
    found = get_courses_by_field(client, field, value)
    return found[0] if found else None


def create_courses(client: MoodleClient, rows: Sequence[NewCourse]) -> list[CreatedCourse]:
    """``core_course_create_courses`` (all-or-nothing per call). After a timeout the
    shortnames are looked up before anything is resent."""

    def reconcile(batch: Sequence[Any]) -> list[CreatedCourse] | None:
        found = [get_course_by_field(client, "shortname", r["shortname"]) for r in batch]
        if all(found):
            return [{"id": c.id, "shortname": c.shortname} for c in found if c]
        if any(found):
            raise MoodleRemoteError("core_course_create_courses: only part of a batch exists")
        return None

    out: list[CreatedCourse] = []
    for answer in client.call_batched(
        "core_course_create_courses",
        "courses",
        cast(Sequence[dict[str, Any]], rows),
        one_result_per_row=True,
        reconcile=reconcile,
    ):
        out.extend(answer)
    return out


def get_contents(
    client: MoodleClient,
    courseid: int,
    *,
    excludemodules: bool = False,
    excludecontents: bool = True,
    modname: str | None = None,
) -> list[Section]:
    """``core_course_get_contents``: sections with their modules (``id`` is the cmid)."""
    options = [
        {"name": "excludemodules", "value": "1" if excludemodules else "0"},
        {"name": "excludecontents", "value": "1" if excludecontents else "0"},
    ]
    if modname:
        options.append({"name": "modname", "value": modname})
    data = client.call("core_course_get_contents", {"courseid": courseid, "options": options})
    return cast(list[Section], data or [])


class CourseUpdate(TypedDict):
    id: int
    fullname: NotRequired[str]
    shortname: NotRequired[str]
    idnumber: NotRequired[str]
    visible: NotRequired[int]
    categoryid: NotRequired[int]


def update_courses(client: MoodleClient, rows: Sequence[CourseUpdate]) -> None:
    """``core_course_update_courses``: each course is saved on its own; Moodle reports a
    course it could not save as a warning, raised here as :class:`MoodleRemoteError`."""
    if not rows:
        return
    warnings = warnings_of(client.call("core_course_update_courses", {"courses": list(rows)}))
    if warnings:
        w = warnings[0]
        raise MoodleRemoteError(
            f"core_course_update_courses: course {w.get('itemid')}: {w.get('message', '')}",
            "check the names are free and the token's user may update the course",
            wsfunction="core_course_update_courses",
            errorcode=str(w.get("warningcode") or "") or None,
        )


def delete_courses(client: MoodleClient, courseids: Sequence[int]) -> list[WsWarning]:
    """``core_course_delete_courses``: unknown or already deleted ids come back as warnings."""
    if not courseids:
        return []
    return warnings_of(client.call("core_course_delete_courses", {"courseids": list(courseids)}))
