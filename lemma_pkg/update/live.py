"""What a course on the site is now, as the companion plugin reports it.

Two reads: ``local_lemma_course_map`` (:func:`~lemma_pkg.moodle.coursemap.get_course_map`:
every module with its idnumber, section, visibility and completion mode) and ``local_lemma_update_state`` (sections with their modules in order,
each quiz's slots and attempt count, the course completion criteria, and the fingerprints
lemma last applied, see :mod:`lemma_pkg.update.spec`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.coursemap import MappedModule, get_course_map
from lemma_pkg.moodle.errors import UnexpectedResponseError

COURSE_KEY = "course"


def item_key(idnumber: str) -> str:
    return f"item:{idnumber}"


def section_key(number: int) -> str:
    return f"section:{number}"


def question_key(quiz: str, question: str) -> str:
    return f"question:{quiz}/{question}"


@dataclass(frozen=True)
class LiveSection:
    id: int
    number: int
    name: str
    summary: str
    visible: bool
    availability: str
    cmids: tuple[int, ...]


@dataclass(frozen=True)
class LiveSlot:
    slot: int
    page: int
    maxmark: float
    idnumber: str
    questionid: int
    version: int


@dataclass(frozen=True)
class LiveQuiz:
    cmid: int
    quizid: int
    gradeitemid: int
    attempts: int
    sumgrades: float
    grade: float
    slots: tuple[LiveSlot, ...]


@dataclass(frozen=True)
class LiveCourse:
    courseid: int
    shortname: str
    modules: tuple[MappedModule, ...]
    sections: tuple[LiveSection, ...]
    quizzes: dict[int, LiveQuiz]  # by cmid
    criteria: tuple[int, ...]  # cmids
    applied: dict[str, dict[str, str]] = field(default_factory=dict)

    def by_idnumber(self, idnumber: str) -> MappedModule | None:
        """The module with ``idnumber`` (the newest when a restore left two)."""
        found = [m for m in self.modules if m.idnumber == idnumber]
        return max(found, key=lambda m: m.cmid) if found else None

    def module(self, cmid: int) -> MappedModule | None:
        for m in self.modules:
            if m.cmid == cmid:
                return m
        return None

    def section(self, number: int) -> LiveSection | None:
        for s in self.sections:
            if s.number == number:
                return s
        return None

    def recorded(self, key: str) -> dict[str, str] | None:
        return self.applied.get(key)


def _bad(what: str) -> UnexpectedResponseError:
    return UnexpectedResponseError(
        f"the companion plugin answered an unexpected {what}",
        "install the local_lemma release that matches this lemma (`lemma plugin zip`)",
    )


def _fingerprints(text: Any) -> dict[str, str]:
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def read_live(client: MoodleClient, courseid: int) -> LiveCourse:
    """The course as it is on the site now."""
    cmap = get_course_map(client, courseid)
    state = client.call("local_lemma_update_state", {"courseid": courseid})
    if not isinstance(state, dict):
        raise _bad("course state")
    try:
        sections = tuple(
            LiveSection(
                id=int(s["id"]),
                number=int(s["number"]),
                name=str(s.get("name") or ""),
                summary=str(s.get("summary") or ""),
                visible=bool(int(s.get("visible", 1))),
                availability=str(s.get("availability") or ""),
                cmids=tuple(int(c) for c in s.get("cmids") or ()),
            )
            for s in state["sections"]
        )
        quizzes = {
            int(q["cmid"]): LiveQuiz(
                cmid=int(q["cmid"]),
                quizid=int(q["quizid"]),
                gradeitemid=int(q.get("gradeitemid") or 0),
                attempts=int(q.get("attempts") or 0),
                sumgrades=float(q.get("sumgrades") or 0),
                grade=float(q.get("grade") or 0),
                slots=tuple(
                    LiveSlot(
                        slot=int(s["slot"]),
                        page=int(s["page"]),
                        maxmark=float(s["maxmark"]),
                        idnumber=str(s.get("idnumber") or ""),
                        questionid=int(s.get("questionid") or 0),
                        version=int(s.get("version") or 0),
                    )
                    for s in q.get("slots") or ()
                ),
            )
            for q in state["quizzes"]
        }
        applied = {str(a["key"]): _fingerprints(a["fingerprints"]) for a in state["applied"]}
        return LiveCourse(
            courseid=int(courseid),
            shortname=cmap.shortname,
            modules=tuple(cmap.modules),
            sections=sections,
            quizzes=quizzes,
            criteria=tuple(int(c) for c in state.get("criteria") or ()),
            applied=applied,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"course state ({exc})") from exc


def recorded_archive(client: MoodleClient, courseid: int) -> str | None:
    """The sha256 of the archive lemma last deployed or updated course ``courseid`` to, as
    the plugin recorded it (None: no record)."""
    state = client.call("local_lemma_update_state", {"courseid": courseid})
    for row in (state or {}).get("applied", []) if isinstance(state, dict) else []:
        if row.get("key") == COURSE_KEY:
            return _fingerprints(row.get("fingerprints")).get("archive") or None
    return None


__all__ = [
    "COURSE_KEY",
    "LiveCourse",
    "LiveQuiz",
    "LiveSection",
    "LiveSlot",
    "item_key",
    "question_key",
    "read_live",
    "recorded_archive",
    "section_key",
]
