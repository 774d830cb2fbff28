"""The plan of an update: what differs between the build and the course on the site.

:func:`make_plan` compares a :class:`~lemma_pkg.update.spec.CourseSpec` with a
:class:`~lemma_pkg.update.live.LiveCourse`, item by item, matched by idnumber:

- **added**: in the build, not on the site;
- **changed**: on the site, with aspects whose fingerprint differs from the one lemma last
  applied (name, text, files, settings, questions, entries, completion, visibility); an item
  with no record is compared with the site where the site can tell (name, completion mode,
  visibility) and has everything else applied again;
- **moved**: in another section, or out of order (the fewest moves: items outside the longest
  common subsequence of the old and new order);
- **removed**: on the site with an idnumber lemma applied, no longer in the build;
- sections added or changed (name, summary, restriction), course completion criteria.

Blocking problems (a quiz whose slots would change after attempts, an item whose module type
changed) are ``refusals``: the update stops before its first write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lemma_pkg.moodle.coursemap import MappedModule
from lemma_pkg.update.live import (
    LiveCourse,
    item_key,
    question_key,
    section_key,
)
from lemma_pkg.update.spec import ITEM_ASPECTS, SECTION_ASPECTS, CourseSpec, ItemSpec, SectionSpec


@dataclass(frozen=True)
class QuestionChange:
    idnumber: str
    name: str
    change: Literal["changed", "added", "removed"]


@dataclass(frozen=True)
class ItemChange:
    idnumber: str
    title: str
    modname: str
    kind: Literal["added", "changed", "removed"]
    spec: ItemSpec | None = None
    live: MappedModule | None = None
    aspects: tuple[str, ...] = ()
    unrecorded: bool = False
    questions: tuple[QuestionChange, ...] = ()
    structure: bool = False  # the quiz's slots change (questions added, removed, reordered)
    attempts: int = 0


@dataclass(frozen=True)
class Move:
    idnumber: str
    title: str
    from_section: int
    to_section: int


@dataclass(frozen=True)
class SectionChange:
    number: int
    name: str
    kind: Literal["added", "changed"]
    aspects: tuple[str, ...] = ()


@dataclass
class Plan:
    courseid: int
    shortname: str
    added: list[ItemChange] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    criteria: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    reorder: bool = False  # some section's order differs (moves, or items added or removed)
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    baseline: bool = True
    prune: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to write to the site."""
        return not (
            self.added
            or self.changed
            or self.moved
            or self.removed
            or self.sections
            or self.criteria
            or self.reorder
        )

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "moved": len(self.moved),
            "removed": len(self.removed),
            "sections": len(self.sections),
        }

    def to_dict(self) -> dict[str, Any]:
        def item(c: ItemChange) -> dict[str, Any]:
            out: dict[str, Any] = {
                "idnumber": c.idnumber,
                "title": c.title,
                "module": c.modname,
            }
            if c.live is not None:
                out["cmid"] = c.live.cmid
            if c.kind == "changed":
                out["aspects"] = list(c.aspects)
                if c.unrecorded:
                    out["unrecorded"] = True
            if c.questions:
                out["questions"] = [
                    {"idnumber": q.idnumber, "name": q.name, "change": q.change}
                    for q in c.questions
                ]
            if c.structure:
                out["structure"] = True
                out["attempts"] = c.attempts
            return out

        return {
            "courseid": self.courseid,
            "shortname": self.shortname,
            "empty": self.empty,
            "added": [item(c) for c in self.added],
            "changed": [item(c) for c in self.changed],
            "moved": [
                {
                    "idnumber": m.idnumber,
                    "title": m.title,
                    "from_section": m.from_section,
                    "to_section": m.to_section,
                }
                for m in self.moved
            ],
            "removed": [
                dict(item(c), action="delete" if self.prune else "hide") for c in self.removed
            ],
            "sections": [
                {"number": s.number, "name": s.name, "change": s.kind, "aspects": list(s.aspects)}
                for s in self.sections
            ],
            "course_completion": (
                None
                if self.criteria is None
                else {"before": list(self.criteria[0]), "after": list(self.criteria[1])}
            ),
            "refusals": list(self.refusals),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- helpers


def lcs(a: Sequence[str], b: Sequence[str]) -> set[str]:
    """The members of a longest common subsequence of ``a`` and ``b`` (distinct values)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
            )
    out: set[str] = set()
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.add(a[i])
            i += 1
            j += 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


def availability_json(
    spec: CourseSpec, section: SectionSpec, live: LiveCourse, cmids: dict[str, int]
) -> str | None:
    """The section's availability JSON naming the live course module (or grade item) of its
    restriction's target; None for no restriction. ``cmids`` maps idnumbers to live cmids
    (items added by this update included). Raises KeyError for a target without a cmid."""
    r = section.restriction
    if r is None or not r.enforce:
        return None
    cmid = cmids[r.target]
    condition: dict[str, Any]
    if r.kind == "completion":
        condition = {"type": "completion", "cm": cmid, "e": 1}
    else:
        quiz = live.quizzes.get(cmid)
        if quiz is None or not quiz.gradeitemid:
            raise KeyError(r.target)
        condition = {"type": "grade", "id": quiz.gradeitemid}
        if r.min_percent is not None:
            value = float(r.min_percent)
            condition["min"] = int(value) if value.is_integer() else value
    return json.dumps({"op": "&", "c": [condition], "showc": [True]}, separators=(",", ":"))


def _same_json(a: str | None, b: str | None) -> bool:
    def load(text: str | None) -> Any:
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    return bool(load(a) == load(b))


def _question_changes(
    spec: ItemSpec, live: LiveCourse, lm: MappedModule
) -> tuple[tuple[QuestionChange, ...], bool, int]:
    quiz = live.quizzes.get(lm.cmid)
    slots = quiz.slots if quiz is not None else ()
    live_ids = [s.idnumber for s in slots]
    out: list[QuestionChange] = []
    for q in spec.questions:
        if q.idnumber not in live_ids:
            out.append(QuestionChange(q.idnumber, q.name, "added"))
            continue
        if not q.idnumber:
            continue  # not tracked one by one: the quiz's "questions" aspect covers it
        rec = live.recorded(question_key(spec.idnumber, q.idnumber))
        if rec is None or rec.get("question") != q.fingerprint:
            out.append(QuestionChange(q.idnumber, q.name, "changed"))
    wanted = {q.idnumber for q in spec.questions}
    for s in slots:
        if s.idnumber not in wanted:
            out.append(QuestionChange(s.idnumber, s.idnumber, "removed"))
    structure = [(s.idnumber, round(s.maxmark, 7)) for s in slots] != [
        (q.idnumber, round(q.maxmark, 7)) for q in spec.questions
    ]
    return tuple(out), structure, quiz.attempts if quiz is not None else 0


def _item_aspects(spec: ItemSpec, live: LiveCourse, lm: MappedModule) -> tuple[list[str], bool]:
    """The aspects of an item that differ, and whether the item had no record (then the
    aspects the site can tell are compared with it, the others all applied again)."""
    rec = live.recorded(item_key(spec.idnumber))
    present = [a for a in ITEM_ASPECTS if a in spec.aspects]
    if rec is not None:
        return [a for a in present if rec.get(a) != spec.aspects[a]], False
    on_site = {
        "name": spec.modname == "label" or lm.name == spec.title,  # a label's name is its text
        "completion": lm.completion == spec.completion.completion,
        "visibility": lm.visible == spec.visible,
    }
    return [a for a in present if not on_site.get(a, False)], True


def _section_order(spec: CourseSpec, live: LiveCourse) -> tuple[list[Move], bool]:
    """Items whose section or place among their neighbours changes, and whether any
    section's sequence changes at all."""
    moves: list[Move] = []
    reorder = False
    live_section: dict[str, int] = {}
    for m in live.modules:
        if m.idnumber in spec.items:
            live_section[m.idnumber] = m.sectionnum
    for section in spec.sections:
        wanted = [i for i in section.items if i in live_section]
        ls = live.section(section.number)
        current: list[str] = []
        if ls is not None:
            for cmid in ls.cmids:
                found = live.module(cmid)
                if found is not None and found.idnumber in spec.items:
                    current.append(found.idnumber)
        if current != list(section.items):
            reorder = True
        kept = lcs([c for c in current if c in wanted], wanted)
        for idn in wanted:
            if live_section[idn] != section.number or idn not in kept:
                moves.append(Move(idn, spec.items[idn].title, live_section[idn], section.number))
    return moves, reorder


# --------------------------------------------------------------------------- the plan


def make_plan(
    spec: CourseSpec,
    live: LiveCourse,
    *,
    prune: bool = False,
    force_quiz_structure: bool = False,
) -> Plan:
    """What an update of ``live`` to ``spec`` does."""
    plan = Plan(live.courseid, live.shortname, baseline=bool(live.applied), prune=prune)
    if not live.applied:
        plan.notes.append(
            "the course has no record of what lemma applied to it (it was not deployed by this "
            "lemma): the text, files, settings and questions of every item are applied again "
            "(every question gets a new version); names, completion rules and visibility are "
            "compared with the site"
        )
    for spec_item in spec.items.values():
        lm = live.by_idnumber(spec_item.idnumber)
        if lm is None:
            plan.added.append(
                ItemChange(
                    spec_item.idnumber, spec_item.title, spec_item.modname, "added", spec_item
                )
            )
            continue
        if lm.modname != spec_item.modname:
            plan.refusals.append(
                f"{spec_item.idnumber}: the site has a {lm.modname} with this idnumber (cmid "
                f"{lm.cmid}), the sources a {spec_item.modname}; an update cannot change a module's "
                "type in place: give the new item another idnumber (the old one is then hidden)"
            )
            continue
        aspects, unrecorded = _item_aspects(spec_item, live, lm)
        questions: tuple[QuestionChange, ...] = ()
        structure = False
        attempts = 0
        if spec_item.modname == "quiz":
            questions, structure, attempts = _question_changes(spec_item, live, lm)
            if (questions or structure) and "questions" not in aspects:
                aspects.append("questions")
            if unrecorded:
                questions = (
                    tuple(
                        QuestionChange(q.idnumber, q.name, "changed")
                        for q in spec_item.questions
                        if not any(c.idnumber == q.idnumber for c in questions)
                    )
                    + questions
                )
            if "questions" in aspects and spec_item.problems:
                plan.refusals.extend(spec_item.problems)
            if structure and attempts:
                if force_quiz_structure:
                    quiz = live.quizzes[lm.cmid]
                    new_total = sum(q.maxmark for q in spec_item.questions)
                    plan.notes.append(
                        f"--force-quiz-structure: the slots of quiz {spec_item.title!r} are "
                        f"rebuilt although it has {attempts} attempt(s); finished attempts keep "
                        "their questions and marks, and every learner's grade on it is "
                        "recomputed from their attempt marks out of the new total "
                        f"({quiz.sumgrades:g} -> {new_total:g} marks)"
                    )
                else:
                    plan.refusals.append(
                        f"quiz {spec_item.title!r} ({spec_item.idnumber}) has {attempts} "
                        "attempt(s): its questions cannot be added, removed, reordered or "
                        "re-marked without changing learners' grades; keep its question list "
                        "as on the site (text changes are fine), or pass --force-quiz-structure "
                        "(every learner's grade on it is then recomputed)"
                    )
        if not aspects:
            continue
        change = ItemChange(
            spec_item.idnumber,
            spec_item.title,
            spec_item.modname,
            "changed",
            spec_item,
            lm,
            tuple(aspects),
            unrecorded,
            questions,
            structure,
            attempts,
        )
        plan.changed.append(change)
        if "completion" in aspects and not unrecorded:
            plan.notes.append(
                f"the completion rules of {spec_item.title!r} change: Moodle recalculates every "
                "learner's completion of it"
            )
        if "settings" in aspects and spec_item.modname == "quiz":
            live_quiz = live.quizzes.get(lm.cmid)
            grade = float(spec_item.settings.get("grade", 0))
            if live_quiz is not None and abs(live_quiz.grade - grade) > 1e-7:
                plan.notes.append(
                    f"the maximum grade of quiz {spec_item.title!r} changes from "
                    f"{live_quiz.grade:g} to {grade:g}: Moodle rescales every learner's grade on it"
                )

    for lm in live.modules:
        if not lm.idnumber or lm.idnumber in spec.items:
            continue
        rec = live.recorded(item_key(lm.idnumber))
        if rec is None and live.applied:
            continue  # not lemma's: added on the site
        hidden_before = bool(rec.get("removed")) if rec is not None else not lm.visible
        if hidden_before and not prune:
            continue  # hidden by an earlier update
        plan.removed.append(
            ItemChange(lm.idnumber, lm.name, lm.modname, "removed", None, lm, attempts=0)
        )
    if prune and plan.removed:
        plan.notes.append(
            f"--prune deletes {len(plan.removed)} item(s) with their learner data, after "
            "exporting that data"
        )

    cmids = {m.idnumber: m.cmid for m in live.modules if m.idnumber}
    for section in spec.sections:
        ls = live.section(section.number)
        if ls is None:
            plan.sections.append(SectionChange(section.number, section.name, "added"))
            continue
        rec = live.recorded(section_key(section.number))
        aspects = []
        if rec is not None:
            aspects = [a for a in SECTION_ASPECTS if rec.get(a) != section.aspects[a]]
        else:
            if ls.name != section.name:
                aspects.append("name")
            if ls.summary != section.summary:
                aspects.append("summary")
        try:
            wanted = availability_json(spec, section, live, cmids)
            if not _same_json(ls.availability or None, wanted):
                aspects.append("restriction")
        except KeyError:
            aspects.append("restriction")  # its target is added by this update
        if aspects:
            plan.sections.append(
                SectionChange(section.number, section.name, "changed", tuple(aspects))
            )

    plan.moved, plan.reorder = _section_order(spec, live)
    by_cmid = {m.cmid: m.idnumber for m in live.modules}
    before = tuple(sorted(by_cmid.get(c, f"cmid {c}") for c in live.criteria))
    after = tuple(sorted(spec.completion_requires))
    if before != after:
        plan.criteria = (before, after)
    return plan


def _item_section(change: ItemChange) -> str:
    if change.spec is not None:
        return f"section {change.spec.section}"
    if change.live is not None:
        return f"section {change.live.sectionnum}"
    return ""


def plan_text(plan: Plan) -> str:
    """The plan for people: one line per change, then the notes and refusals."""
    c = plan.counts()
    lines = [
        f"update {plan.shortname} (course {plan.courseid}): {c['added']} added, "
        f"{c['changed']} changed, {c['moved']} moved, {c['removed']} removed, "
        f"{c['sections']} section(s) changed"
    ]
    if plan.empty:
        lines[0] = f"update {plan.shortname} (course {plan.courseid}): nothing to change"
    for ch in plan.added:
        lines.append(f"  + {ch.modname:<9} {ch.idnumber}  {ch.title!r}, {_item_section(ch)}")
    for ch in plan.changed:
        what = ", ".join(ch.aspects)
        if ch.unrecorded:
            what += " (no record of an earlier update)"
        lines.append(f"  ~ {ch.modname:<9} {ch.idnumber}  {what}")
        for q in ch.questions:
            kind = {"changed": "new version", "added": "new question", "removed": "slot removed"}
            lines.append(f"      question {q.idnumber} {q.name!r}: {kind[q.change]}")
        if ch.structure:
            lines.append(f"      the quiz's slots change ({ch.attempts} attempt(s) so far)")
    for m in plan.moved:
        where = (
            f"within section {m.to_section}"
            if m.from_section == m.to_section
            else f"section {m.from_section} -> {m.to_section}"
        )
        lines.append(f"  > {'':<9} {m.idnumber}  moved {where}")
    for ch in plan.removed:
        action = (
            "deleted (learner data exported first)" if plan.prune else "hidden (learner data kept)"
        )
        lines.append(f"  - {ch.modname:<9} {ch.idnumber}  {action}")
    for sec in plan.sections:
        what = "added" if sec.kind == "added" else ", ".join(sec.aspects)
        lines.append(f"  # section   {sec.number} {sec.name!r}  {what}")
    if plan.criteria is not None:
        before, after = set(plan.criteria[0]), set(plan.criteria[1])
        parts = [f"+{i}" for i in sorted(after - before)] + [
            f"-{i}" for i in sorted(before - after)
        ]
        lines.append(f"  * course completion criteria: {' '.join(parts)}")
    lines.extend(f"note: {n}" for n in plan.notes)
    lines.extend(f"refused: {r}" for r in plan.refusals)
    return "\n".join(lines) + "\n"


__all__ = [
    "ItemChange",
    "Move",
    "Plan",
    "QuestionChange",
    "SectionChange",
    "availability_json",
    "lcs",
    "make_plan",
    "plan_text",
]
