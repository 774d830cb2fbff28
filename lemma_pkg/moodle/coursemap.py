"""Every course module of a course with its idnumber: ``local_lemma_course_map``, or, without
the companion plugin, ``core_course_get_contents`` plus one ``core_course_get_course_module``
per module (get_contents has no idnumber)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import get_contents


@dataclass(frozen=True)
class MappedModule:
    cmid: int
    modname: str
    instance: int
    idnumber: str
    sectionnum: int
    name: str
    visible: bool
    completion: int = 0


@dataclass(frozen=True)
class CourseMap:
    courseid: int
    shortname: str
    idnumber: str
    modules: list[MappedModule] = field(default_factory=list)

    def by_idnumber(self) -> dict[str, MappedModule]:
        return {m.idnumber: m for m in self.modules if m.idnumber}


def get_course_map(client: MoodleClient, courseid: int) -> CourseMap:
    """``local_lemma_course_map``: the modules in section order."""
    data = client.call("local_lemma_course_map", {"courseid": courseid}, idempotent=True)
    return CourseMap(
        courseid=int(data["courseid"]),
        shortname=str(data.get("shortname") or ""),
        idnumber=str(data.get("idnumber") or ""),
        modules=[
            MappedModule(
                cmid=int(m["cmid"]),
                modname=str(m["modname"]),
                instance=int(m["instance"]),
                idnumber=str(m.get("idnumber") or ""),
                sectionnum=int(m["sectionnum"]),
                name=str(m.get("name") or ""),
                visible=bool(m.get("visible", 1)),
                completion=int(m.get("completion") or 0),
            )
            for m in data.get("modules") or []
        ],
    )


def get_course_map_core(client: MoodleClient, courseid: int) -> CourseMap:
    """The same map from core functions only: ``core_course_get_contents`` and, per module,
    ``core_course_get_course_module`` for its idnumber (fanned out with the client's
    concurrency limit)."""
    sections = get_contents(client, courseid)
    entries: list[tuple[int, dict[str, Any]]] = [
        (int(sec.get("section", 0)), dict(mod))
        for sec in sections
        for mod in sec.get("modules", [])
    ]

    def idnumber(cmid: int) -> str:
        data = client.call("core_course_get_course_module", {"cmid": cmid})
        return str(((data or {}).get("cm") or {}).get("idnumber") or "")

    idnumbers = client.map(idnumber, [int(m["id"]) for _num, m in entries])
    return CourseMap(
        courseid=courseid,
        shortname="",
        idnumber="",
        modules=[
            MappedModule(
                cmid=int(m["id"]),
                modname=str(m.get("modname") or ""),
                instance=int(m.get("instance") or 0),
                idnumber=idn,
                sectionnum=num,
                name=str(m.get("name") or ""),
                visible=bool(m.get("visible", 1)),
                completion=int(m.get("completion") or 0),
            )
            for (num, m), idn in zip(entries, idnumbers, strict=True)
        ],
    )
