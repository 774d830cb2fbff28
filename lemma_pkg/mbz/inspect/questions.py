"""Checks of the question bank (questions.xml) and of quiz slots, for every layout restore reads.

Moodle 4.5 reads two layouts (``restore_create_categories_and_questions::define_structure()``):

- before 4.0 (``backup_release`` < 4.0 or a ``moodle_version`` build before 20220202):
  ``question_category/questions/question``; restore makes a bank entry and version 1 for
  each question;
- from 4.0: ``question_category/question_bank_entries/question_bank_entry/question_version/
  question_versions/questions/question``.

Quiz slots follow the quiz module's own version (``module.xml`` ``version``,
``restore_quiz_activity_structure_step``): before 2022020300 a slot names its question
(``questionid``; ``question`` and ``grade`` before 2.7, when the slot order came from the
quiz's ``questions`` list) and restore turns it into a reference; from 2022020300 a slot
holds a ``question_reference`` (a bank entry) or a ``question_set_reference`` (random).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from lxml import etree

from lemma_pkg.mbz.inspect.info import NULL, BackupInfo, integer, line_of, number, text
from lemma_pkg.mbz.inspect.rules import (
    ATTEMPTS,
    COURSE_BANK,
    DUPLICATE,
    GRADES,
    MODULE,
    NOTNULL,
    ORDER,
    QUESTIONS,
    VERSION,
    E,
    I,
    W,
)
from lemma_pkg.mbz.inspect.state import Inspection

#: The question types of a stock Moodle 4.5 (question/type/).
CORE_QTYPES = frozenset(
    [
        "calculated",
        "calculatedmulti",
        "calculatedsimple",
        "ddimageortext",
        "ddmarker",
        "ddwtos",
        "description",
        "essay",
        "gapselect",
        "match",
        "missingtype",
        "multianswer",
        "multichoice",
        "numerical",
        "ordering",
        "random",
        "randomsamatch",
        "shortanswer",
        "truefalse",
    ]
)
#: quiz module versions: slots hold references from this one on (process_quiz_question_instance()).
QUIZ_REFERENCES_VERSION = 2022020300
MODULE_CONTEXT = 70
_LEGACY_PATH = "questions/question"
_BANK_PATH = "question_bank_entries/question_bank_entry"

Unique = Callable[[str, int | None, int], None]


class _Bank:
    """What questions.xml holds: categories, questions and bank entries by id."""

    def __init__(self) -> None:
        self.categories: dict[int, dict[str, Any]] = {}
        #: question id -> (category id, qtype)
        self.questions: dict[int, tuple[int, str]] = {}
        #: bank entry id -> category id
        self.entries: dict[int, int] = {}
        self.qtypes: Counter[str] = Counter()


def check_questions(ins: Inspection, info: BackupInfo) -> None:
    """questions.xml, then every restored quiz's slots against it."""
    root = ins.trees.get("questions.xml")
    bank = _Bank()
    if root is not None:
        _read_bank(ins, info, root, bank)
    for quiz in ins.quizzes:
        _check_quiz(ins, info, quiz, bank)
    ins.summary["questions"] = dict(sorted(bank.qtypes.items()))
    ins.summary["quizzes"] = [
        {
            "title": q["activity"].title,
            "slots": len(q["slots"]),
            "sumgrades": round(sum(s["maxmark"] for s in q["slots"]), 7),
        }
        for q in ins.quizzes
    ]


def _read_bank(ins: Inspection, info: BackupInfo, root: etree._Element, bank: _Bank) -> None:
    member = "questions.xml"
    seen: dict[str, set[int]] = defaultdict(set)

    def unique(kind: str, value: int | None, line: int) -> None:
        if value is None:
            ins.add(member, line, E, DUPLICATE, f"{kind} without a numeric id")
            return
        if value in seen[kind]:
            ins.add(
                member,
                line,
                E,
                DUPLICATE,
                f"{kind} id {value} appears twice: the later one overwrites the mapping",
            )
        seen[kind].add(value)

    top_per_context: Counter[int] = Counter()
    wrong_layout: list[int] = []
    for cat in root.iterfind("question_category"):
        cid = integer(cat.get("id"))
        line = line_of(cat)
        unique("question_category", cid, line)
        ctx = integer(text(cat, "contextid"))
        level = integer(text(cat, "contextlevel"))
        referenced = cid in ins.categoryref
        if integer(text(cat, "parent")) == 0 and ctx is not None and referenced:
            top_per_context[ctx] += 1
        if text(cat, "info") in (None, NULL):
            ins.add(member, line, E, NOTNULL, f"category {cid}: info is missing or NULL")
        if len(text(cat, "name") or "") > 255:
            ins.add(member, line, E, NOTNULL, f"category {cid}: name longer than 255 characters")
        entry: dict[str, Any] = {"contextid": ctx, "level": level, "line": line, "questions": 0}
        bank.categories[cid or 0] = entry
        legacy = cat.findall(_LEGACY_PATH)
        entries = cat.findall(_BANK_PATH)
        if referenced and (entries if info.before40 else legacy):
            wrong_layout.append(cid or 0)
        if info.before40:
            for q in legacy:
                qid = integer(q.get("id"))
                bank.questions[qid or 0] = (cid or 0, text(q, "qtype") or "")
                entry["questions"] += 1
                _check_question(ins, q, unique, bank.qtypes)
        else:
            for be in entries:
                eid = integer(be.get("id"))
                unique("question_bank_entry", eid, line_of(be))
                bank.entries[eid or 0] = cid or 0
                for ver in be.iterfind("question_version/question_versions"):
                    unique("question_versions", integer(ver.get("id")), line_of(ver))
                    for q in ver.iterfind("questions/question"):
                        qid = integer(q.get("id"))
                        bank.questions[qid or 0] = (cid or 0, text(q, "qtype") or "")
                        entry["questions"] += 1
                        _check_question(ins, q, unique, bank.qtypes)
    if wrong_layout:
        read, other = (
            ("question_category/questions/question", "question bank entries (4.0+)")
            if info.before40
            else ("question_bank_entries", "question_category/questions (before 4.0)")
        )
        ins.add(
            member,
            0,
            E,
            VERSION,
            f"backup_release {info.backup_release!r} and moodle_version "
            f"{info.moodle_version!r} make restore read questions from {read}, but "
            f"{len(wrong_layout)} categories hold {other}: restore creates the categories and "
            "none of their questions (restore_create_categories_and_questions)",
        )
    for ctx, n in top_per_context.items():
        if n > 1 and info.after35:
            ins.add(
                member,
                0,
                E,
                QUESTIONS,
                f"context {ctx} has {n} top categories (parent 0): restore stops with "
                "'restoremultipletopcats' (backups from 3.5 on)",
            )
    dangling = sorted(ins.categoryref - set(bank.categories))
    if dangling:
        ins.add(
            member,
            0,
            I,
            QUESTIONS,
            f"inforef files list {len(dangling)} question categories that are not in "
            f"questions.xml (first: {dangling[0]}): restore ignores them",
        )
    quiz_contexts = {q["activity"].contextid for q in ins.quizzes}
    outside = 0
    levels: set[int] = set()
    for cid, cinfo in bank.categories.items():
        if cinfo["questions"] and cid not in ins.categoryref:
            ins.add(
                member,
                cinfo["line"],
                E,
                QUESTIONS,
                f"category {cid} holds {cinfo['questions']} questions but is in no "
                "question_categoryref: its questions are silently not restored",
            )
        if cid not in ins.categoryref:
            continue
        if cinfo["level"] == MODULE_CONTEXT:
            if cinfo["contextid"] not in quiz_contexts and cinfo["contextid"] not in ins.contexts:
                ins.add(
                    member,
                    cinfo["line"],
                    E,
                    QUESTIONS,
                    f"category {cid} is in module context {cinfo['contextid']}, which is no "
                    "activity of this backup",
                )
        elif cinfo["level"] is not None:
            outside += 1
            levels.add(cinfo["level"])
    if outside:
        ins.add(
            member,
            0,
            I,
            COURSE_BANK,
            f"{outside} question categories are outside module contexts (levels "
            f"{sorted(levels)}): 5.x moves them into a fallback question bank with one "
            "warning each",
        )


def _check_question(
    ins: Inspection, q: etree._Element, unique: Unique, qtypes: Counter[str]
) -> None:
    member = "questions.xml"
    qid = integer(q.get("id"))
    line = line_of(q)
    unique("question", qid, line)
    qtype = text(q, "qtype") or ""
    qtypes[qtype] += 1
    if qtype not in CORE_QTYPES:
        ins.add(
            member,
            line,
            W,
            MODULE,
            f"question {qid}: type {qtype!r} is not in a stock Moodle 4.5: a site without it "
            "restores the question without its answers and shows it as a missing type",
        )
    for col in ("questiontext", "generalfeedback"):
        if text(q, col) in (None, NULL):
            ins.add(member, line, E, NOTNULL, f"question {qid}: {col} is missing or NULL")
    if len(text(q, "name") or "") > 255:
        ins.add(member, line, E, NOTNULL, f"question {qid}: name longer than 255 characters")
    plugin = q.find(f"plugin_qtype_{qtype}_question")
    if plugin is None:
        if qtype in CORE_QTYPES and qtype not in ("description", "random", "missingtype"):
            ins.add(
                member,
                line,
                E,
                NOTNULL,
                f"question {qid} ({qtype}) has no plugin_qtype_{qtype}_question data: it "
                "restores without its answers and options",
            )
        _check_hints(ins, q, qid)
        return
    for ans in plugin.iterfind("answers/answer"):
        aid = integer(ans.get("id"))
        unique("question_answer", aid, line_of(ans))
        for col in ("answertext", "feedback"):
            if text(ans, col) in (None, NULL):
                ins.add(member, line_of(ans), E, NOTNULL, f"answer {aid}: {col} is missing or NULL")
    # Records that point to answers must come after them (document order).
    order = list(plugin.iter())
    answer_pos = {
        (integer(a.get("id")) or 0): order.index(a) for a in plugin.iterfind("answers/answer")
    }
    pointers: list[tuple[etree._Element, str]] = []
    tf = plugin.find("truefalse")
    if tf is not None:
        pointers += [(tf, "trueanswer"), (tf, "falseanswer")]
    for rec in plugin.iterfind("numerical_records/numerical_record"):
        pointers.append((rec, "answer"))
    for rec, col in pointers:
        target = integer(text(rec, col))
        pos = answer_pos.get(target or 0)
        if target is None or pos is None or pos > order.index(rec):
            ins.add(
                member,
                line_of(rec),
                E,
                ORDER,
                f"question {qid}: {rec.tag}.{col} = {text(rec, col)} is not an answer written "
                "before it: it maps to 0",
            )
    for opt_tag in ("multichoice", "matchoptions", "ordering"):
        opt = plugin.find(opt_tag)
        if opt is None:
            continue
        for col in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            if text(opt, col) in (None, NULL):
                ins.add(
                    member, line_of(opt), E, NOTNULL, f"question {qid}: {col} is missing or NULL"
                )
    if qtype == "match":
        if plugin.find("matchoptions") is None:
            ins.add(member, line, E, NOTNULL, f"question {qid}: match without matchoptions")
        for m in plugin.iterfind("matches/match"):
            unique("qtype_match_subquestions", integer(m.get("id")), line_of(m))
            if text(m, "questiontext") in (None, NULL):
                ins.add(
                    member,
                    line_of(m),
                    E,
                    NOTNULL,
                    f"question {qid}: match subquestion text missing",
                )
            if len(text(m, "answertext") or "") > 255:
                ins.add(
                    member,
                    line_of(m),
                    E,
                    NOTNULL,
                    f"question {qid}: match answer longer than 255 characters",
                )
    _check_hints(ins, q, qid)


def _check_hints(ins: Inspection, q: etree._Element, qid: int | None) -> None:
    for hint in q.iterfind("question_hints/question_hint"):
        if text(hint, "hint") in (None, NULL):
            ins.add(
                "questions.xml",
                line_of(hint),
                E,
                NOTNULL,
                f"question {qid}: hint text missing or NULL",
            )


def _legacy_layout(rec: etree._Element) -> dict[int, tuple[int, int]]:
    """Question id -> (slot, page) from a pre-2.7 quiz's ``questions`` list ('1,2,0,3,0')."""
    out: dict[int, tuple[int, int]] = {}
    page = slot = 1
    for item in (text(rec, "questions") or "").split(","):
        value = integer(item)
        if value is None:
            continue
        if value == 0:
            page += 1
            continue
        out.setdefault(value, (slot, page))
        slot += 1
    return out


def _check_quiz(ins: Inspection, info: BackupInfo, quiz: dict[str, Any], bank: _Bank) -> None:
    act = quiz["activity"]
    member: str = quiz["member"]
    rec: etree._Element = quiz["record"]
    legacy = (act.version or 0) < QUIZ_REFERENCES_VERSION
    attempts = rec.find("attempts")
    if (
        rec.find("attempts_number") is None
        and attempts is not None
        and (attempts.text or "").strip()
    ):
        ins.add(
            member,
            line_of(attempts),
            W,
            ATTEMPTS,
            "quiz.xml writes 'attempts' instead of 'attempts_number': the value can be lost "
            "when user data is restored",
        )
    layout = _legacy_layout(rec)
    slots: list[dict[str, Any]] = []
    seen_slot: set[int] = set()
    ids_seen: set[int] = set()
    for inst in rec.iterfind("question_instances/question_instance"):
        iid = integer(inst.get("id"))
        line = line_of(inst)
        qid = integer(text(inst, "questionid", text(inst, "question")))
        maxmark = number(text(inst, "maxmark", text(inst, "grade"))) or 0.0
        slot, page = integer(text(inst, "slot")), integer(text(inst, "page"))
        if inst.find("slot") is None:
            # Before 2.7: the slot and page come from the quiz's questions list; an instance
            # not in the list is dropped with a log line (nothing in the quiz used it).
            if qid not in layout:
                continue
            slot, page = layout[qid or 0]
        if iid in ids_seen:
            ins.add(member, line, E, DUPLICATE, f"question_instance id {iid} appears twice")
        ids_seen.add(iid or 0)
        if slot is None or page is None:
            ins.add(member, line, E, NOTNULL, "slot or page missing (NOT NULL, no default)")
        elif slot in seen_slot:
            ins.add(
                member,
                line,
                E,
                DUPLICATE,
                f"slot {slot} appears twice: unique index (quizid, slot) fails",
            )
        seen_slot.add(slot or 0)
        entry = None
        if legacy and qid is not None:
            _check_legacy_slot(ins, member, line, slot, qid, bank)
        else:
            entry = _check_slot_reference(ins, member, inst, act, slot, legacy)
            if entry is not None:
                cid = bank.entries.get(entry)
                if cid is None:
                    ins.add(
                        member,
                        line,
                        E,
                        QUESTIONS,
                        f"slot {slot} references bank entry {entry}, which is not in "
                        "questions.xml: the quiz shows 'missing question'",
                    )
                elif cid not in ins.categoryref:
                    ins.add(
                        member,
                        line,
                        E,
                        QUESTIONS,
                        f"slot {slot}: its category {cid} is in no question_categoryref: the "
                        "quiz shows 'missing question'",
                    )
        slots.append({"slot": slot, "entry": entry, "maxmark": maxmark, "line": line})
    quiz["slots"] = slots
    _check_quiz_sections(ins, member, rec)
    _check_quiz_grades(ins, member, rec, act, slots)


def _check_legacy_slot(
    ins: Inspection, member: str, line: int, slot: int | None, qid: int, bank: _Bank
) -> None:
    found = bank.questions.get(qid)
    if found is None or found[0] not in ins.categoryref:
        where = (
            "is not in questions.xml"
            if found is None
            else f"is in category {found[0]}, which no question_categoryref lists"
        )
        ins.add(
            member,
            line,
            E,
            QUESTIONS,
            f"slot {slot} names question {qid}, which {where}: restore stops with a database "
            "error (process_quiz_question_legacy_instance() finds no question to reference)",
        )


def _check_slot_reference(
    ins: Inspection,
    member: str,
    inst: etree._Element,
    act: Any,
    slot: int | None,
    legacy: bool,
) -> int | None:
    """The bank entry a 4.0+ slot references (None for random or broken slots)."""
    line = line_of(inst)
    ref = inst.find("question_reference")
    setref = inst.find("question_set_reference")
    if ref is not None:
        using = integer(text(ref, "usingcontextid"))
        if using != act.contextid:
            ins.add(
                member,
                line_of(ref),
                E,
                QUESTIONS,
                f"slot {slot}: usingcontextid {using} is not the quiz's context "
                f"{act.contextid}: the reference is stored with context 0",
            )
        return integer(text(ref, "questionbankentryid"))
    if setref is not None:
        qctx = integer(text(setref, "questionscontextid"))
        if qctx not in ins.contexts:
            ins.add(
                member,
                line_of(setref),
                W,
                QUESTIONS,
                f"slot {slot}: the random question draws from context {qctx}, which is not "
                "in the backup: restore logs a warning and keeps the old context id, so the "
                "slot draws from nothing on another site",
            )
        try:
            cond = json.loads(text(setref, "filtercondition") or "")
        except json.JSONDecodeError:
            cond = None
        if not isinstance(cond, dict):
            ins.add(
                member,
                line_of(setref),
                E,
                QUESTIONS,
                f"slot {slot}: filtercondition is not a JSON object: restore stops",
            )
        return None
    ins.add(
        member,
        line,
        E,
        QUESTIONS,
        f"slot {slot} has no question_reference or question_set_reference"
        + (" and no questionid" if legacy else "")
        + ": the quiz shows 'missing question'",
    )
    return None


def _check_quiz_sections(ins: Inspection, member: str, rec: etree._Element) -> None:
    firsts: set[int] = set()
    for sec in rec.iterfind("sections/section"):
        fs = integer(text(sec, "firstslot"))
        if fs in firsts:
            ins.add(member, line_of(sec), E, DUPLICATE, f"two quiz sections start at slot {fs}")
        firsts.add(fs or 0)


def _check_quiz_grades(
    ins: Inspection, member: str, rec: etree._Element, act: Any, slots: list[dict[str, Any]]
) -> None:
    total = sum(s["maxmark"] for s in slots)
    sumgrades = number(text(rec, "sumgrades"))
    if sumgrades is None or abs(sumgrades - total) > 1e-6:
        ins.add(
            member,
            line_of(rec.find("sumgrades")),
            I,
            GRADES,
            f"sumgrades {text(rec, 'sumgrades')} is not the sum of the slots' marks "
            f"({total:g}): restore keeps it, so attempts are graded out of "
            f"{text(rec, 'sumgrades')} until the quiz's questions are next edited",
        )
    grade = number(text(rec, "grade")) or 0.0
    grades = ins.trees.get(f"{act.directory}/grades.xml")
    items = (
        []
        if grades is None
        else [
            gi
            for gi in grades.iterfind("grade_items/grade_item")
            if text(gi, "itemmodule") == "quiz" and text(gi, "itemnumber") == "0"
        ]
    )
    if grades is not None and not items:
        ins.add(
            f"{act.directory}/grades.xml",
            0,
            E,
            GRADES,
            "the quiz has no grade item (itemmodule quiz, itemnumber 0): no gradebook column, "
            "pass-grade completion never met (restore_activity_grades_structure_step)",
        )
    elif items:
        gmax = number(text(items[0], "grademax"))
        if gmax is not None and abs(gmax - grade) > 1e-6:
            ins.add(
                f"{act.directory}/grades.xml",
                line_of(items[0]),
                I,
                GRADES,
                f"grade item grademax {gmax:g} differs from the quiz grade {grade:g}: restore "
                "keeps both until the quiz is next saved or graded",
            )
    bands = []
    for fb in rec.iterfind("feedbacks/feedback"):
        if text(fb, "feedbacktext") in (None, NULL):
            ins.add(member, line_of(fb), E, NOTNULL, "quiz feedbacktext missing or NULL")
        lo, hi = number(text(fb, "mingrade")), number(text(fb, "maxgrade"))
        if lo is not None and hi is not None:
            bands.append((lo, hi, line_of(fb)))
    bands.sort()
    for (lo1, hi1, _), (lo2, _, line2) in itertools.pairwise(bands):
        if lo2 < hi1:
            ins.add(
                member,
                line2,
                E,
                GRADES,
                f"overall feedback bands overlap ({lo1:g}-{hi1:g} and from {lo2:g})",
            )
