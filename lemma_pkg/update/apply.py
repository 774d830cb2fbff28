"""Carry out an update plan through the companion plugin, in Moodle's own APIs.

Steps, each idempotent and keyed by idnumber (a rerun after an interruption reads the site
again, plans again and finds only what is left):

1. added items: a partial backup (:mod:`lemma_pkg.update.partial`) is uploaded and restored
   into the course (``local_lemma_restore_items``);
2. changed items, in place, same cmid: ``local_lemma_update_item`` (pages, labels, URLs,
   files, glossaries; their files from a draft area) and ``local_lemma_update_quiz`` (quiz
   settings, feedback, new question versions, slots);
3. sections: created, renamed, summaries and restrictions rewritten with the live ids, modules
   put in order (``local_lemma_update_sections``);
4. removed items hidden, or deleted with ``--prune`` (``local_lemma_remove_items``);
5. course completion criteria rewritten to the live cmids
   (``local_lemma_update_course_completion``);
6. the archive's hash recorded for the course (``local_lemma_record_applied``).

Every plugin write stores the fingerprints of what it applied in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.content.model import Course
from lemma_pkg.errors import LemmaError
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.upload import FilePart, upload_files
from lemma_pkg.update.live import (
    COURSE_KEY,
    LiveCourse,
    item_key,
    question_key,
    read_live,
    section_key,
)
from lemma_pkg.update.partial import partial_backup
from lemma_pkg.update.plan import ItemChange, Plan, availability_json
from lemma_pkg.update.spec import CourseSpec, ItemSpec

log = logging.getLogger("lemma.update")

Progress = Callable[[str], None]


class UpdateRefused(LemmaError):
    """The plan has blocking problems; nothing was written."""


@dataclass
class UpdateResult:
    plan: Plan
    steps: list[str] = field(default_factory=list)
    cmids: dict[str, int] = field(default_factory=dict)
    versions: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "steps": list(self.steps),
            "question_versions": list(self.versions),
        }


def _applied(key: str, fingerprints: dict[str, str]) -> dict[str, str]:
    return {"key": key, "fingerprints": json.dumps(fingerprints, sort_keys=True)}


def item_applied(spec: ItemSpec, aspects: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The fingerprints to store for ``spec`` (only ``aspects``; all by default), with those
    of its questions when its questions are applied."""
    names = list(spec.aspects) if aspects is None else [a for a in aspects if a in spec.aspects]
    # "removed" is set when an update hides the item; applying it again clears the mark.
    out = [
        _applied(item_key(spec.idnumber), {**{a: spec.aspects[a] for a in names}, "removed": ""})
    ]
    if "questions" in names:
        out.extend(
            _applied(question_key(spec.idnumber, q.idnumber), {"question": q.fingerprint})
            for q in spec.questions
            if q.idnumber
        )
    return out


def baseline_entries(spec: CourseSpec, archive_sha256: str) -> list[dict[str, str]]:
    """Everything a fresh restore of the build applied: what ``lemma deploy`` records."""
    out: list[dict[str, str]] = []
    for item in spec.items.values():
        out.extend(item_applied(item))
    for section in spec.sections:
        out.append(_applied(section_key(section.number), dict(section.aspects)))
    out.append(_applied(COURSE_KEY, {"archive": archive_sha256}))
    return out


def record_baseline(
    client: MoodleClient, courseid: int, spec: CourseSpec, archive_sha256: str
) -> None:
    """Record that the course is the build ``spec`` (call right after restoring it). A big
    course goes in several requests (PHP's ``max_input_vars``); the first replaces what was
    stored."""
    entries = baseline_entries(spec, archive_sha256)
    extra = {"courseid": courseid, "replace": True}
    for n, chunk in enumerate(client.batches("applied", entries, extra)):
        client.call(
            "local_lemma_record_applied",
            {"courseid": courseid, "applied": list(chunk), "replace": n == 0},
            idempotent=True,
        )


def _completion(spec: ItemSpec) -> dict[str, int]:
    c = spec.completion
    return {
        "completion": c.completion,
        "completionview": c.view,
        "completionusegrade": 0 if c.gradeitemnumber is None else 1,
        "completionpassgrade": c.passgrade,
    }


def _upload_item_files(client: MoodleClient, spec: ItemSpec) -> int:
    """Upload every file of the item into one new draft area; its itemid."""
    itemid = 0
    by_folder: dict[str, list[FilePart]] = {}
    for f in spec.files:
        by_folder.setdefault(f.filepath, []).append(FilePart(filename=f.filename, data=f.data))
    for folder, parts in sorted(by_folder.items()):
        result = upload_files(client, parts, filepath=folder, itemid=itemid)
        if result.itemid is not None:
            itemid = result.itemid
    return itemid


def _update_item(client: MoodleClient, change: ItemChange) -> None:
    spec, live = change.spec, change.live
    assert spec is not None and live is not None
    draft = 0
    if "files" in change.aspects and spec.files:
        draft = _upload_item_files(client, spec)
    params: dict[str, Any] = {
        "cmid": live.cmid,
        "aspects": list(change.aspects),
        "name": spec.title,
        "intro": spec.intro,
        "content": spec.content,
        "externalurl": spec.externalurl,
        "showdescription": 1 if spec.showdescription else 0,
        "draftitemid": draft,
        "completion": _completion(spec),
        "visible": 1 if spec.visible else 0,
        "entries": [
            {"concept": e.concept, "definition": e.definition, "aliases": list(e.aliases)}
            for e in spec.entries
        ],
        "applied": item_applied(spec, change.aspects),
    }
    client.call("local_lemma_update_item", params, idempotent=True)


def _update_quiz(client: MoodleClient, change: ItemChange, force: bool) -> list[dict[str, Any]]:
    spec, live = change.spec, change.live
    assert spec is not None and live is not None
    params: dict[str, Any] = {
        "cmid": live.cmid,
        "aspects": list(change.aspects),
        "name": spec.title,
        "intro": spec.intro,
        "settings": dict(spec.settings),
        "feedback": [
            {"text": b.text, "mingrade": b.mingrade, "maxgrade": b.maxgrade} for b in spec.feedback
        ],
        "completion": _completion(spec),
        "visible": 1 if spec.visible else 0,
        "questions": [
            {
                "idnumber": q.idnumber,
                "key": question_key(spec.idnumber, q.idnumber),
                "fingerprint": q.fingerprint,
                "gift": q.gift,
                "maxmark": q.maxmark,
            }
            for q in spec.questions
        ]
        if "questions" in change.aspects
        else [],
        "forcestructure": force,
        "applied": item_applied(spec, change.aspects),
    }
    answer = client.call("local_lemma_update_quiz", params, idempotent=True)
    versions = answer.get("versions", []) if isinstance(answer, dict) else []
    return [dict(v, quiz=spec.idnumber) for v in versions]


def section_sequences(spec: CourseSpec, live: LiveCourse) -> dict[int, list[int]]:
    """Every module of each section of the build, in the build's order, by cmid.

    Modules lemma does not manage (the announcements forum, an item an earlier update hid,
    anything added by hand) stay in their section, after the managed module they followed.
    """
    cm_of: dict[str, int] = {}
    for idnumber in spec.items:
        m = live.by_idnumber(idnumber)
        if m is not None:
            cm_of[idnumber] = m.cmid
    managed = set(cm_of.values())
    out: dict[int, list[int]] = {}
    for section in spec.sections:
        desired = [cm_of[i] for i in section.items if i in cm_of]
        ls = live.section(section.number)
        anchors: dict[int | None, list[int]] = {}
        prev: int | None = None
        for cmid in ls.cmids if ls is not None else ():
            if cmid in managed:
                if cmid in desired:
                    prev = cmid
                continue
            anchors.setdefault(prev, []).append(cmid)
        sequence = list(anchors.get(None, []))
        for cmid in desired:
            sequence.append(cmid)
            sequence.extend(anchors.get(cmid, []))
        out[section.number] = sequence
    return out


def check_refusals(plan: Plan) -> None:
    """Raise :class:`UpdateRefused` when the plan has blocking problems."""
    if plan.refusals:
        raise UpdateRefused(
            "the update was refused, nothing was changed:\n  " + "\n  ".join(plan.refusals),
            "change the sources (or pass the option named above), then run again",
        )


def apply_plan(
    client: MoodleClient,
    course: Course,
    spec: CourseSpec,
    plan: Plan,
    *,
    epoch: int,
    archive_sha256: str,
    force_quiz_structure: bool = False,
    export_removed: Callable[[list[ItemChange]], None] | None = None,
    progress: Progress | None = None,
) -> UpdateResult:
    """Apply ``plan`` (made by :func:`~lemma_pkg.update.plan.make_plan` from a fresh read of
    the course). Raises :class:`UpdateRefused` before any write when the plan has refusals."""
    say = progress or (lambda _msg: None)
    check_refusals(plan)
    result = UpdateResult(plan)
    courseid = plan.courseid

    if plan.added:
        idnumbers = [c.idnumber for c in plan.added]
        say(f"restoring {len(idnumbers)} new item(s)")
        data = partial_backup(course, set(idnumbers), epoch)
        upload = upload_files(client, [FilePart(filename="lemma-update.mbz", data=data)])
        applied: list[dict[str, str]] = []
        for c in plan.added:
            assert c.spec is not None
            applied.extend(item_applied(c.spec))
        answer = client.call(
            "local_lemma_restore_items",
            {
                "courseid": courseid,
                "draftitemid": upload.itemid,
                "idnumbers": idnumbers,
                "applied": applied,
            },
            idempotent=True,
        )
        for m in answer.get("modules", []):
            result.cmids[str(m["idnumber"])] = int(m["cmid"])
        for w in answer.get("warnings", []):
            log.warning("restore: %s", w.get("message"))
        result.steps.append(f"restored {len(idnumbers)} item(s)")

    for change in plan.changed:
        say(f"updating {change.idnumber} ({', '.join(change.aspects)})")
        if change.modname == "quiz":
            result.versions.extend(_update_quiz(client, change, force_quiz_structure))
        else:
            _update_item(client, change)
        result.steps.append(f"updated {change.idnumber}: {', '.join(change.aspects)}")

    live = read_live(client, courseid)
    cmids = {m.idnumber: m.cmid for m in sorted(live.modules, key=lambda m: m.cmid) if m.idnumber}
    sections = _section_rows(spec, live, plan, cmids)
    if sections:
        say(f"updating {len(sections)} section(s)")
        answer = client.call(
            "local_lemma_update_sections",
            {
                "courseid": courseid,
                "sections": sections,
                "applied": [
                    _applied(section_key(s.number), dict(s.aspects))
                    for s in spec.sections
                    if any(r["number"] == s.number for r in sections)
                ],
            },
            idempotent=True,
        )
        changed = [s for s in answer.get("sections", []) if s.get("changed") or s.get("created")]
        result.steps.append(f"updated {len(changed)} section(s)")

    if plan.removed:
        if plan.prune and export_removed is not None:
            export_removed(plan.removed)
        say(f"{'deleting' if plan.prune else 'hiding'} {len(plan.removed)} removed item(s)")
        client.call(
            "local_lemma_remove_items",
            {
                "courseid": courseid,
                "items": [
                    {"cmid": c.live.cmid, "key": item_key(c.idnumber)}
                    for c in plan.removed
                    if c.live is not None
                ],
                "delete": plan.prune,
            },
            idempotent=True,
        )
        result.steps.append(
            f"{'deleted' if plan.prune else 'hid'} {len(plan.removed)} removed item(s)"
        )

    if plan.criteria is not None:
        wanted = [cmids[i] for i in spec.completion_requires if i in cmids]
        client.call(
            "local_lemma_update_course_completion",
            {"courseid": courseid, "cmids": wanted},
            idempotent=True,
        )
        result.steps.append("rewrote the course completion criteria")

    client.call(
        "local_lemma_record_applied",
        {"courseid": courseid, "applied": [_applied(COURSE_KEY, {"archive": archive_sha256})]},
        idempotent=True,
    )
    result.cmids.update({i: cmids[i] for i in spec.items if i in cmids})
    return result


def _section_rows(
    spec: CourseSpec, live: LiveCourse, plan: Plan, cmids: dict[str, int]
) -> list[dict[str, Any]]:
    """The rows of ``local_lemma_update_sections``: sections the plan changes, and every
    section when the order of modules changes."""
    planned = {s.number: s for s in plan.sections}
    sequences = section_sequences(spec, live)
    rows = []
    for section in spec.sections:
        ls = live.section(section.number)
        aspects: list[str] = []
        change = planned.get(section.number)
        if change is not None:
            if change.kind == "added":
                aspects = ["name", "summary", "availability"]
            else:
                aspects = [a for a in change.aspects if a in ("name", "summary")]
                if "restriction" in change.aspects:
                    aspects.append("availability")
        if ls is None or list(ls.cmids) != sequences[section.number]:
            aspects.append("order")
        if not aspects:
            continue
        availability = availability_json(spec, section, live, cmids)
        rows.append(
            {
                "number": section.number,
                "aspects": aspects,
                "name": section.name,
                "summary": section.summary,
                "availability": availability or "",
                "cmids": sequences[section.number],
            }
        )
    return rows


__all__ = [
    "UpdateRefused",
    "UpdateResult",
    "apply_plan",
    "baseline_entries",
    "check_refusals",
    "item_applied",
    "record_baseline",
    "section_sequences",
]
