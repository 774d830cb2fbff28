"""The restricted tier: row-level tables in which learners are keyed pseudonyms.

One function per report; each row starts with the learner's pseudonym and background
(:func:`_who`). No name, email, username, idnumber, Moodle user or attempt id, IP
address or free text is ever written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lemma_pkg.errors import UsageError
from lemma_pkg.report.model import (
    COMPLETION_COMPLETE_PASS,
    STATE_NAMES,
    Activity,
    CourseData,
    Learner,
)
from lemma_pkg.report.privacy import StudyKey, require_study_key
from lemma_pkg.report.tables import (
    Background,
    Column,
    ExportOptions,
    Facts,
    Table,
    TimeMode,
    iso,
    mean,
    module_id,
    pct,
)


class Timeline:
    """Times as the export shows them: ISO 8601 UTC, or seconds after enrolment/start."""

    def __init__(self, data: CourseData, mode: TimeMode) -> None:
        self.mode = mode
        self.data = data
        if mode == "enrolment" and any(lr.timeenrolled is None for lr in data.learners):
            raise UsageError(
                "--times enrolment needs enrolment times, which only the bulk path gives",
                "install the companion plugin, or use --times course (seconds after the "
                "course start)",
            )

    @property
    def type(self) -> str:
        return "datetime" if self.mode == "absolute" else "seconds"

    def describe(self, what: str) -> str:
        if self.mode == "absolute":
            return f"{what} (ISO 8601, UTC)"
        origin = "the learner's enrolment" if self.mode == "enrolment" else "the course start"
        return f"{what}, in seconds after {origin}"

    def __call__(self, ts: int | None, learner: Learner) -> str | int | None:
        if not ts:
            return None
        if self.mode == "absolute":
            return iso(ts)
        origin = learner.timeenrolled if self.mode == "enrolment" else self.data.course.startdate
        return ts - (origin or 0)


def _who(
    key: StudyKey, data: CourseData, bg: Background
) -> tuple[list[Column], Callable[[Learner], list[Any]]]:
    cols = [Column("learner", "string", "Pseudonym of the learner (keyed HMAC-SHA256)")]
    cols += [Column(f, "string", f"Background: profile field {f}") for f in bg.fields]

    def who(lr: Learner) -> list[Any]:
        return [key.pseudonym(data.site.url, lr.userid), *bg.of(lr.userid)]

    return cols, who


@dataclass
class _Rows:
    """What every restricted table needs."""

    key: StudyKey
    data: CourseData
    bg: Background
    tl: Timeline
    cols: list[Column]
    who: Callable[[Learner], list[Any]]
    learners: list[Learner]


def _progress(r: _Rows, facts: Facts) -> list[Table]:
    data = r.data
    tl = r.tl
    cols = r.cols
    who = r.who
    learners = r.learners
    T = r.tl.type
    quiz_of_cm = {q.cmid: q for q in r.data.quizzes}
    out: list[Table] = []
    t = Table(
        "progress_learners",
        "One row per learner: completion and quiz results.",
        [
            *cols,
            Column("enrolled", T, tl.describe("Enrolment")),
            Column("last_course_access", T, tl.describe("Last access to the course")),
            Column("activities_tracked", "integer", "Activities with completion tracking"),
            Column("activities_completed", "integer", "Of those, completed"),
            Column("course_completed", "boolean", "Course completion reached"),
            Column("course_completed_at", T, tl.describe("Course completion")),
            Column("quizzes_attempted", "integer", "Quizzes with a finished attempt"),
            Column("quizzes_passed", "integer", "Quizzes completed with a pass"),
            Column(
                "mean_best_quiz_pct",
                "number",
                "Mean of the best grade of each quiz attempted, % of its maximum",
            ),
        ],
    )
    tracked = facts.tracked()
    for lr in learners:
        u = lr.userid
        bests = [facts.best_pct(u, q.id) for q in data.quizzes]
        t.rows.append(
            [
                *who(lr),
                tl(lr.timeenrolled, lr),
                tl(lr.lastcourseaccess, lr),
                len(tracked),
                sum(facts.completed(u, a.cmid) for a in tracked),
                u in facts.course_done,
                tl(facts.course_done.get(u), lr),
                sum(1 for b in bests if b is not None),
                sum(
                    facts.completions.get((u, q.cmid), (0, 0))[0] == COMPLETION_COMPLETE_PASS
                    for q in data.quizzes
                ),
                mean(bests),
            ]
        )
    out.append(t)
    t = Table(
        "progress_activities",
        "One row per learner and tracked activity.",
        [
            *cols,
            Column("section", "integer", "Course section"),
            Column("module", "string", "Activity idnumber"),
            Column("module_name", "string", "Activity name"),
            Column("module_type", "string", "Activity type"),
            Column(
                "state",
                "string",
                "Completion state: incomplete, complete, complete_pass, complete_fail",
            ),
            Column(
                "completed",
                "boolean",
                "Complete as Moodle counts it (a failed attempt does not complete a quiz "
                "that requires a pass grade)",
            ),
            Column("completed_at", T, tl.describe("Last change of the completion state")),
            Column("attempts", "integer", "Quiz attempts (quizzes only)"),
            Column("best_grade_pct", "number", "Best quiz grade, % of the maximum (quizzes only)"),
        ],
    )
    for lr in learners:
        for a in tracked:
            state, when = facts.completions.get((lr.userid, a.cmid), (0, 0))
            quiz = quiz_of_cm.get(a.cmid)
            t.rows.append(
                [
                    *who(lr),
                    a.sectionnum,
                    module_id(a),
                    a.name,
                    a.modname,
                    STATE_NAMES.get(state, str(state)),
                    facts.completed(lr.userid, a.cmid),
                    tl(when, lr) if state else None,
                    len(facts.attempts.get((lr.userid, quiz.id), [])) if quiz else None,
                    facts.best_pct(lr.userid, quiz.id) if quiz else None,
                ]
            )
    out.append(t)
    return out


def _attempts(r: _Rows, facts: Facts) -> list[Table]:
    key = r.key
    data = r.data
    tl = r.tl
    cols = r.cols
    who = r.who
    learners = r.learners
    T = r.tl.type
    acts = {a.cmid: a for a in r.data.activities}
    out: list[Table] = []
    t = Table(
        "attempts",
        "One row per quiz attempt, in every state.",
        [
            *cols,
            Column("quiz", "string", "Quiz idnumber"),
            Column("quiz_name", "string", "Quiz name"),
            Column("attempt", "integer", "Attempt number of this learner at this quiz"),
            Column("state", "string", "inprogress, overdue, finished or abandoned"),
            Column("started_at", T, tl.describe("Start")),
            Column("finished_at", T, tl.describe("Finish")),
            Column("duration_s", "integer", "Seconds from start to finish"),
            Column("marks", "number", "Raw marks"),
            Column("max_marks", "number", "Total marks of the quiz"),
            Column("grade", "number", "Grade scaled to the quiz's maximum grade"),
            Column("max_grade", "number", "The quiz's maximum grade"),
            Column("grade_pct", "number", "Grade, % of the maximum"),
        ],
    )
    q_rows = Table(
        "attempt_questions",
        "Marks per question slot of each attempt.",
        [
            Column("learner", "string", "Pseudonym of the learner"),
            Column("quiz", "string", "Quiz idnumber"),
            Column("attempt", "integer", "Attempt number"),
            Column("slot", "integer", "Question slot"),
            Column("mark", "number", "Marks awarded (empty: not graded)"),
            Column("max_mark", "number", "Maximum mark"),
        ],
    )
    for lr in learners:
        p = key.pseudonym(data.site.url, lr.userid)
        for q in data.quizzes:
            qid = module_id(acts[q.cmid]) if q.cmid in acts else f"quiz-{q.cmid}"
            for at in facts.attempts.get((lr.userid, q.id), []):
                t.rows.append(
                    [
                        *who(lr),
                        qid,
                        q.name,
                        at.attempt,
                        at.state,
                        tl(at.timestart, lr),
                        tl(at.timefinish, lr),
                        at.timefinish - at.timestart if at.timefinish else None,
                        at.sumgrades,
                        q.sumgrades,
                        None if at.grade is None else round(at.grade, 5),
                        q.grade,
                        pct(at.grade, q.grade),
                    ]
                )
                for qm in at.questions or ():
                    q_rows.rows.append([p, qid, at.attempt, qm.slot, qm.mark, qm.maxmark])
    out += [t, q_rows]
    return out


def _grades(r: _Rows, facts: Facts) -> list[Table]:
    data = r.data
    tl = r.tl
    cols = r.cols
    who = r.who
    learners = r.learners
    T = r.tl.type
    out: list[Table] = []
    t = Table(
        "grades",
        "One row per learner and grade item with a grade.",
        [
            *cols,
            Column("item", "string", "Grade item idnumber, or course for the course total"),
            Column("item_name", "string", "Grade item name"),
            Column("item_type", "string", "course, mod, manual or category"),
            Column("grade", "number", "Final grade"),
            Column("grade_max", "number", "Maximum grade of the item"),
            Column("grade_pct", "number", "Grade, % of the range"),
            Column("graded_at", T, tl.describe("When graded")),
            Column("overridden", "boolean", "Overridden in the gradebook"),
        ],
    )
    items = {g.id: g for g in data.grade_items}
    by_user: dict[int, list[Any]] = defaultdict(list)
    for row in data.grades:
        by_user[row.userid].append(row)
    for lr in learners:
        for gr in sorted(by_user.get(lr.userid, []), key=lambda r: r.itemid):
            it = items.get(gr.itemid)
            if it is None:
                continue
            name = it.idnumber or ("course" if it.itemtype == "course" else f"item-{it.id}")
            span = it.grademax - it.grademin
            t.rows.append(
                [
                    *who(lr),
                    name,
                    it.name or ("Course total" if it.itemtype == "course" else ""),
                    it.itemtype,
                    gr.grade,
                    it.grademax,
                    pct((gr.grade or 0) - it.grademin, span) if gr.grade is not None else None,
                    tl(gr.timegraded, lr),
                    gr.overridden,
                ]
            )
    out.append(t)
    return out


def _trajectories(r: _Rows, facts: Facts) -> list[Table]:
    tl = r.tl
    cols = r.cols
    who = r.who
    learners = r.learners
    T = r.tl.type
    out: list[Table] = []
    t = Table(
        "trajectories",
        "Each learner's events in time order: enrolled, completions, attempt starts and "
        "finishes (with the grade), course completion.",
        [
            *cols,
            Column("seq", "integer", "Order of the event for this learner"),
            Column("time", T, tl.describe("When")),
            Column(
                "event",
                "string",
                "enrolled, completed, attempt_started, attempt_finished, course_completed",
            ),
            Column("module", "string", "Activity idnumber (completion and attempt events)"),
            Column("module_name", "string", "Activity name"),
            Column("attempt", "integer", "Attempt number (attempt events)"),
            Column("grade_pct", "number", "Grade of a finished attempt, % of the maximum"),
        ],
    )
    for lr in learners:
        for seq, (when, event, act, num, g) in enumerate(_events(facts, lr), start=1):
            t.rows.append(
                [
                    *who(lr),
                    seq,
                    tl(when, lr),
                    event,
                    module_id(act) if act else None,
                    act.name if act else None,
                    num,
                    g,
                ]
            )
    out.append(t)
    return out


def _uptake(r: _Rows, facts: Facts) -> list[Table]:
    tl = r.tl
    cols = r.cols
    who = r.who
    learners = r.learners
    T = r.tl.type
    out: list[Table] = []
    t = Table(
        "uptake_learners",
        "One row per learner: enrolment and background.",
        [
            *cols,
            Column("enrolled", T, tl.describe("Enrolment")),
            Column("first_access", T, tl.describe("First access to the site")),
            Column("last_course_access", T, tl.describe("Last access to the course")),
            Column("suspended", "boolean", "Every enrolment suspended (empty: unknown)"),
        ],
    )
    for lr in learners:
        t.rows.append(
            [
                *who(lr),
                tl(lr.timeenrolled, lr),
                tl(lr.firstaccess, lr),
                tl(lr.lastcourseaccess, lr),
                lr.suspended,
            ]
        )
    out.append(t)
    return out


REPORT_TABLES: dict[str, Callable[[_Rows, Facts], list[Table]]] = {
    "progress": _progress,
    "attempts": _attempts,
    "grades": _grades,
    "trajectories": _trajectories,
    "uptake": _uptake,
}


def restricted_tables(report: str, facts: Facts, opts: ExportOptions) -> list[Table]:
    """The row-level tables of ``report`` (needs the study key)."""
    key = require_study_key(opts.key)
    data, bg = facts.data, facts.bg
    tl = Timeline(data, opts.times)
    cols, who = _who(key, data, bg)
    learners = sorted(facts.learners, key=lambda lr: key.pseudonym(data.site.url, lr.userid))
    rows = _Rows(key, data, bg, tl, cols, who, learners)
    return REPORT_TABLES[report](rows, facts)


Event = tuple[int, str, Activity | None, int | None, float | None]


def _events(facts: Facts, lr: Learner) -> list[Event]:
    """A learner's events sorted by time (ties: enrolment first, then as listed)."""
    data = facts.data
    acts = {a.cmid: a for a in data.activities}
    events: list[Event] = []
    if lr.timeenrolled:
        events.append((lr.timeenrolled, "enrolled", None, None, None))
    for a in facts.tracked():
        _state, when = facts.completions.get((lr.userid, a.cmid), (0, 0))
        if facts.completed(lr.userid, a.cmid) and when:
            events.append((when, "completed", a, None, None))
    for q in data.quizzes:
        act = acts.get(q.cmid)
        for att in facts.attempts.get((lr.userid, q.id), []):
            events.append((att.timestart, "attempt_started", act, att.attempt, None))
            if att.timefinish:
                g = pct(att.grade, q.grade) if att.state == "finished" else None
                events.append((att.timefinish, "attempt_finished", act, att.attempt, g))
    done = facts.course_done.get(lr.userid)
    if done:
        events.append((done, "course_completed", None, None, None))
    order = {"enrolled": 0, "attempt_started": 1, "attempt_finished": 2, "completed": 3}
    events.sort(key=lambda e: (e[0], order.get(e[1], 4)))
    return events
