"""The report tables, built from :class:`CourseData`: row-level and pseudonymous for the
restricted tier, k-anonymous aggregates with suppression for the shareable tier.

No table carries a name, email, username, idnumber, Moodle user id, attempt id, IP address
or free text: learners are keyed pseudonyms (:mod:`lemma_pkg.report.privacy`); background
fields are categories (text fields keep only values that at least k learners share, date
fields only the year; long text is left out).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from lemma_pkg.errors import UsageError
from lemma_pkg.report.model import (
    COMPLETE_STATES,
    COMPLETION_COMPLETE_PASS,
    STATE_NAMES,
    Activity,
    Attempt,
    CourseData,
    Learner,
)
from lemma_pkg.report.privacy import StudyKey, require_study_key
from lemma_pkg.report.suppress import TOTAL, Item, Key, Protection, all_items, atom, protect

Tier = Literal["restricted", "shareable"]
TimeMode = Literal["absolute", "enrolment", "course"]
REPORTS = ("progress", "attempts", "grades", "trajectories", "uptake")
ALL = "(all)"
MISSING = "(not given)"
OTHER = "Other"
#: Profile field types that are categories as they are.
CATEGORICAL = ("menu", "checkbox")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string, integer, number, boolean, datetime, seconds
    description: str


@dataclass
class Table:
    name: str
    description: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ExportOptions:
    tier: Tier = "shareable"
    k: int = 5
    #: Smallest count published (default: k).
    min_cell: int | None = None
    #: Background fields to group by (shareable) / to include (restricted); None: default.
    fields: tuple[str, ...] | None = None
    times: TimeMode = "absolute"
    consent_field: str | None = None
    key: StudyKey | None = None

    @property
    def threshold(self) -> int:
        return self.min_cell if self.min_cell is not None else self.k


# --------------------------------------------------------------------------- background


def default_fields(data: CourseData, declared: Sequence[str] = ()) -> tuple[str, ...]:
    """The course's declared background fields that the site has, else its menu fields."""
    known = {f.shortname for f in data.profile_fields}
    if declared:
        return tuple(f for f in declared if f in known)
    return tuple(f.shortname for f in data.profile_fields if f.datatype == "menu")


def consenting(data: CourseData, consent_field: str | None) -> list[Learner]:
    if consent_field is None:
        return list(data.learners)
    if consent_field not in {f.shortname for f in data.profile_fields}:
        raise UsageError(
            f"--consent-field {consent_field}: the site has no profile field of that name",
            "name one of: " + ", ".join(f.shortname for f in data.profile_fields),
        )
    return [lr for lr in data.learners if lr.profile.get(consent_field) == "1"]


@dataclass
class Background:
    """Each learner's published background values, field by field."""

    fields: tuple[str, ...]
    values: dict[int, tuple[str, ...]]

    def of(self, userid: int) -> tuple[str, ...]:
        return self.values[userid]


def background(
    data: CourseData, learners: Sequence[Learner], fields: Sequence[str], k: int
) -> Background:
    """Categories per field: menu/checkbox values as they are, dates as years, text values
    shared by fewer than ``k`` learners (and values of rare categories) as "Other"."""
    types = {f.shortname: f.datatype for f in data.profile_fields}
    unknown = [f for f in fields if f not in types]
    if unknown:
        raise UsageError(
            f"unknown background field(s): {', '.join(unknown)}",
            "name one of: " + ", ".join(types) if types else "the site has no profile fields",
        )
    columns: list[list[str]] = []
    for name in fields:
        kind = types[name]
        if kind in ("textarea", "social"):
            raise UsageError(
                f"the profile field {name} is free text ({kind}) and is never exported",
                "choose categorical fields (menu, checkbox)",
            )
        raw = [_category(lr.profile.get(name), kind) for lr in learners]
        counts = Counter(raw)
        columns.append([v if v == MISSING or counts[v] >= k else OTHER for v in raw])
    values = {lr.userid: tuple(col[i] for col in columns) for i, lr in enumerate(learners)}
    return Background(tuple(fields), values)


def _category(value: str | None, kind: str) -> str:
    if value is None or value.strip() == "":
        return MISSING
    value = value.strip()
    if kind == "checkbox":
        return "yes" if value == "1" else "no"
    if kind == "datetime":
        try:
            return str(datetime.fromtimestamp(int(value), tz=UTC).year)
        except (ValueError, OverflowError, OSError):
            return MISSING
    return " ".join(value.split())


# --------------------------------------------------------------------------- helpers


def iso(ts: int | None) -> str | None:
    if not ts:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pct(value: float | None, maximum: float | None) -> float | None:
    if value is None or not maximum:
        return None
    return round(100.0 * value / maximum, 2)


def module_id(a: Activity) -> str:
    return a.idnumber or f"{a.modname}-{a.cmid}"


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.fmean(vals), 2) if vals else None


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    vals = sorted(values)
    pos = (len(vals) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(vals) - 1)
    return round(vals[lo] + (vals[hi] - vals[lo]) * (pos - lo), 2)


@dataclass
class Facts:
    """Per-learner facts every report uses."""

    data: CourseData
    learners: list[Learner]
    bg: Background
    completions: dict[tuple[int, int], tuple[int, int]]  # (userid, cmid) -> (state, time)
    attempts: dict[tuple[int, int], list[Attempt]]  # (userid, quizid) -> attempts by number
    course_done: dict[int, int | None]  # userid -> time (None: unknown), only completed

    @classmethod
    def of(cls, data: CourseData, learners: list[Learner], bg: Background) -> Facts:
        ids = {lr.userid for lr in learners}
        comp = {
            (r.userid, r.cmid): (r.state, r.timemodified)
            for r in data.completions
            if r.userid in ids
        }
        atts: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
        for a in data.attempts:
            if a.userid in ids:
                atts[(a.userid, a.quizid)].append(a)
        for lst in atts.values():
            lst.sort(key=lambda a: a.attempt)
        done = {r.userid: r.timecompleted for r in data.course_completions if r.completed}
        return cls(
            data, learners, bg, comp, dict(atts), {u: t for u, t in done.items() if u in ids}
        )

    def completed(self, userid: int, cmid: int) -> bool:
        return self.completions.get((userid, cmid), (0, 0))[0] in COMPLETE_STATES

    def finished(self, userid: int, quizid: int) -> list[Attempt]:
        return [a for a in self.attempts.get((userid, quizid), []) if a.state == "finished"]

    def best_pct(self, userid: int, quizid: int) -> float | None:
        quiz = self.data.quiz(quizid)
        grades = [a.grade for a in self.finished(userid, quizid) if a.grade is not None]
        return pct(max(grades), quiz.grade) if grades and quiz else None

    def tracked(self) -> list[Activity]:
        return [a for a in self.data.activities if a.completion]


# --------------------------------------------------------------------------- restricted


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


def restricted_tables(report: str, facts: Facts, opts: ExportOptions) -> list[Table]:
    key = require_study_key(opts.key)
    data, bg = facts.data, facts.bg
    tl = Timeline(data, opts.times)
    cols, who = _who(key, data, bg)
    T = tl.type
    by_quiz = {q.id: q for q in data.quizzes}
    quiz_of_cm = {q.cmid: q for q in data.quizzes}
    acts = {a.cmid: a for a in data.activities}
    out: list[Table] = []
    learners = sorted(facts.learners, key=lambda lr: key.pseudonym(data.site.url, lr.userid))
    if report == "progress":
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
                    _mean(bests),
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
                Column("completed", "boolean", "Completed (any complete state)"),
                Column("completed_at", T, tl.describe("Last change of the completion state")),
                Column("attempts", "integer", "Quiz attempts (quizzes only)"),
                Column(
                    "best_grade_pct", "number", "Best quiz grade, % of the maximum (quizzes only)"
                ),
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
                        state in COMPLETE_STATES,
                        tl(when, lr) if state else None,
                        len(facts.attempts.get((lr.userid, quiz.id), [])) if quiz else None,
                        facts.best_pct(lr.userid, quiz.id) if quiz else None,
                    ]
                )
        out.append(t)
    elif report == "attempts":
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
    elif report == "grades":
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
    elif report == "trajectories":
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
    elif report == "uptake":
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
    del by_quiz
    return out


Event = tuple[int, str, Activity | None, int | None, float | None]


def _events(facts: Facts, lr: Learner) -> list[Event]:
    """A learner's events sorted by time (ties: enrolment first, then as listed)."""
    data = facts.data
    acts = {a.cmid: a for a in data.activities}
    events: list[Event] = []
    if lr.timeenrolled:
        events.append((lr.timeenrolled, "enrolled", None, None, None))
    for a in facts.tracked():
        state, when = facts.completions.get((lr.userid, a.cmid), (0, 0))
        if state in COMPLETE_STATES and when:
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


# --------------------------------------------------------------------------- shareable


@dataclass
class Groups:
    """Learners by their (generalised) background, and which groups may be shown."""

    fields: tuple[str, ...]
    members: dict[Key, list[int]]
    protection: Protection
    k: int

    def items(self) -> list[Item]:
        return all_items(self.protection.atoms, len(self.fields))

    def labels(self, item: Item) -> list[str]:
        if item.kind == "a":
            return list(item.key)
        if item.kind == "m":
            return [item.value if d == item.dim else ALL for d in range(len(self.fields))]
        return [ALL] * len(self.fields)

    def users(self, item: Item) -> list[int]:
        return [u for key, us in self.members.items() if item.covers(key) for u in us]

    def size(self, item: Item) -> int | None:
        return self.protection.published(item)


def make_groups(facts: Facts, k: int, threshold: int) -> Groups:
    fields = facts.bg.fields
    members: dict[Key, list[int]] = defaultdict(list)
    for lr in facts.learners:
        members[facts.bg.of(lr.userid)].append(lr.userid)
    atoms = {key: len(us) for key, us in members.items()}
    if not atoms:
        atoms = {tuple(MISSING for _ in fields): 0}
    prot = protect(atoms, len(fields), threshold)
    return Groups(fields, dict(members), prot, k)


def _count_table(groups: Groups, hits: set[int], threshold: int, binary: bool = True) -> Protection:
    """Protect the counts of learners in ``hits`` per group: groups hidden in the group
    table stay hidden, counts below the threshold are hidden, and (for yes/no outcomes)
    so are counts whose complement in a published group is below it."""
    atoms = {key: sum(1 for u in us if u in hits) for key, us in groups.members.items()}
    if not atoms:
        return protect({(): 0}, 0, threshold)
    forced = {atom(key) for key in atoms if atom(key) in groups.protection.hidden}
    upper = {
        key: groups.protection.atoms[key]
        for key in atoms
        if atom(key) not in groups.protection.hidden
    }
    if binary:
        for item in groups.items():
            n = groups.size(item)
            c = sum(1 for u in groups.users(item) if u in hits)
            if n is None or 0 < n - c < threshold:
                forced.add(item)
    return protect(atoms, len(groups.fields), threshold, forced=forced, upper=upper)


def _group_columns(groups: Groups) -> list[Column]:
    return [
        Column(f, "string", f"Background group: profile field {f} ({ALL}: every value)")
        for f in groups.fields
    ]


def shareable_tables(report: str, facts: Facts, opts: ExportOptions) -> list[Table]:
    data = facts.data
    k, thr = opts.k, opts.threshold
    groups = make_groups(facts, k, thr)
    gcols = _group_columns(groups)
    note = f"Counts below {thr} and counts that would reveal them are empty."
    acts = {a.cmid: a for a in data.activities}
    out: list[Table] = []
    if report == "uptake":
        t = Table(
            "uptake_by_background",
            f"Learners by background. {note}",
            [*gcols, Column("learners", "integer", "Enrolled learners")],
        )
        for item in groups.items():
            t.rows.append([*groups.labels(item), groups.size(item)])
        out.append(t)
        out.append(uptake_by_period(facts.learners, thr))
    elif report == "progress":
        t = Table(
            "progress_by_module",
            f"Completion of each tracked activity and of the course, by background. {note}",
            [
                Column("module", "string", "Activity idnumber (course: course completion)"),
                Column("module_name", "string", "Activity name"),
                Column("module_type", "string", "Activity type"),
                Column("section", "integer", "Course section"),
                *gcols,
                Column("learners", "integer", "Learners in the group"),
                Column("completed", "integer", "Learners who completed it"),
                Column("completion_rate", "number", "completed / learners"),
                Column("attempted", "integer", "Quizzes: learners with a finished attempt"),
                Column("passed", "integer", "Quizzes: learners who completed it with a pass"),
                Column(
                    "mean_best_grade_pct",
                    "number",
                    "Quizzes: mean best grade of those who attempted, %",
                ),
            ],
        )
        subjects: list[tuple[list[Any], set[int], int | None]] = []
        for a in facts.tracked():
            done = {lr.userid for lr in facts.learners if facts.completed(lr.userid, a.cmid)}
            quiz = next((q for q in data.quizzes if q.cmid == a.cmid), None)
            subjects.append(
                ([module_id(a), a.name, a.modname, a.sectionnum], done, quiz.id if quiz else None)
            )
        course_done = set(facts.course_done)
        subjects.append((["course", data.course.fullname, "course", None], course_done, None))
        for head, done, quizid in subjects:
            comp = _count_table(groups, done, thr)
            att_p = pass_p = None
            attempted: set[int] = set()
            if quizid is not None:
                attempted = {
                    lr.userid for lr in facts.learners if facts.finished(lr.userid, quizid)
                }
                passed = {
                    lr.userid
                    for lr in facts.learners
                    if facts.completions.get(
                        (lr.userid, next(q.cmid for q in data.quizzes if q.id == quizid)), (0, 0)
                    )[0]
                    == COMPLETION_COMPLETE_PASS
                }
                att_p = _count_table(groups, attempted, thr)
                pass_p = _count_table(groups, passed, thr)
            for item in groups.items():
                n = groups.size(item)
                c = comp.published(item)
                a_n = att_p.published(item) if att_p else None
                mean_best = None
                if quizid is not None and a_n and a_n >= thr:
                    the_quiz = quizid
                    mean_best = _mean(
                        facts.best_pct(u, the_quiz) for u in groups.users(item) if u in attempted
                    )
                t.rows.append(
                    [
                        *head,
                        *groups.labels(item),
                        n,
                        c,
                        round(c / n, 4) if n and c is not None else None,
                        a_n,
                        pass_p.published(item) if pass_p else None,
                        mean_best,
                    ]
                )
        out.append(t)
    elif report == "attempts":
        t = Table(
            "attempts_by_quiz",
            f"Quiz attempts by background. {note}",
            [
                Column("quiz", "string", "Quiz idnumber"),
                Column("quiz_name", "string", "Quiz name"),
                *gcols,
                Column("learners_attempted", "integer", "Learners with a finished attempt"),
                Column("attempts", "integer", "Finished attempts of those learners"),
                Column("mean_attempts", "number", "Finished attempts per learner who attempted"),
                Column("mean_grade_pct", "number", "Mean grade of finished attempts, %"),
                Column("mean_first_grade_pct", "number", "Mean grade of first attempts, %"),
                Column("mean_best_grade_pct", "number", "Mean best grade, %"),
                Column("median_duration_min", "number", "Median minutes per finished attempt"),
            ],
        )
        dist = Table(
            "attempt_score_distribution",
            f"Learners by best grade band, per quiz. {note}",
            [
                Column("quiz", "string", "Quiz idnumber"),
                Column("quiz_name", "string", "Quiz name"),
                Column("band", "string", "Best grade band, % of the maximum"),
                Column("learners", "integer", "Learners whose best grade is in the band"),
            ],
        )
        for q in data.quizzes:
            qid = module_id(acts[q.cmid]) if q.cmid in acts else f"quiz-{q.cmid}"
            attempted = {lr.userid for lr in facts.learners if facts.finished(lr.userid, q.id)}
            prot = _count_table(groups, attempted, thr, binary=False)
            for item in groups.items():
                n = prot.published(item)
                users = [u for u in groups.users(item) if u in attempted]
                fin = [a for u in users for a in facts.finished(u, q.id)]
                show = bool(n and n >= thr)
                t.rows.append(
                    [
                        qid,
                        q.name,
                        *groups.labels(item),
                        n,
                        len(fin) if show else None,
                        round(len(fin) / len(users), 2) if show else None,
                        _mean(pct(a.grade, q.grade) for a in fin) if show else None,
                        _mean(pct(facts.finished(u, q.id)[0].grade, q.grade) for u in users)
                        if show
                        else None,
                        _mean(facts.best_pct(u, q.id) for u in users) if show else None,
                        _quantile([(a.timefinish - a.timestart) / 60 for a in fin], 0.5)
                        if show
                        else None,
                    ]
                )
            bands = [f"{lo}-{lo + 10}" for lo in range(0, 100, 10)]
            counts: dict[Key, int] = {(b,): 0 for b in bands}
            for u in attempted:
                best = facts.best_pct(u, q.id) or 0.0
                counts[(bands[min(int(best // 10), 9)],)] += 1
            bprot = protect(counts, 1, thr)
            for b in bands:
                dist.rows.append([qid, q.name, b, bprot.published(atom((b,)))])
            dist.rows.append([qid, q.name, ALL, bprot.published(TOTAL)])
        out += [t, dist]
    elif report == "grades":
        t = Table(
            "grades_by_item",
            f"Grades by background. {note}",
            [
                Column("item", "string", "Grade item idnumber, or course for the course total"),
                Column("item_name", "string", "Grade item name"),
                *gcols,
                Column("learners_graded", "integer", "Learners with a grade"),
                Column("mean_pct", "number", "Mean grade, % of the range"),
                Column("sd_pct", "number", "Standard deviation, percentage points"),
            ],
        )
        for it in data.grade_items:
            span = it.grademax - it.grademin
            g_of = {
                g.userid: pct((g.grade or 0) - it.grademin, span)
                for g in data.grades
                if g.itemid == it.id and g.grade is not None
            }
            prot = _count_table(groups, set(g_of), thr, binary=False)
            for item in groups.items():
                n = prot.published(item)
                vals = [v for u in groups.users(item) if (v := g_of.get(u)) is not None]
                show = bool(n and n >= thr)
                t.rows.append(
                    [
                        it.idnumber or ("course" if it.itemtype == "course" else f"item-{it.id}"),
                        it.name or ("Course total" if it.itemtype == "course" else ""),
                        *groups.labels(item),
                        n,
                        _mean(vals) if show else None,
                        round(statistics.stdev(vals), 2) if show and len(vals) > 1 else None,
                    ]
                )
        out.append(t)
    elif report == "trajectories":
        origin = "enrolment" if all(lr.timeenrolled for lr in facts.learners) else "course start"
        t = Table(
            "trajectories_by_group",
            "Milestones of each background group in the order its learners typically reach "
            f"them, with days after {origin}. {note}",
            [
                *gcols,
                Column("step", "integer", "Order in the group (by median days)"),
                Column(
                    "milestone", "string", "enrolled, completed, first_attempt, course_completed"
                ),
                Column("module", "string", "Activity idnumber"),
                Column("module_name", "string", "Activity name"),
                Column("learners", "integer", "Learners who reached it"),
                Column("median_days", "number", f"Median days after {origin}"),
                Column("p25_days", "number", "First quartile of the days"),
                Column("p75_days", "number", "Third quartile of the days"),
            ],
        )
        milestones = _milestones(facts, origin == "enrolment")
        protected = {
            m: _count_table(groups, set(times), thr, binary=False)
            for m, times in milestones.items()
        }
        for item in groups.items():
            rows = []
            users = groups.users(item)
            for (name, act), times in milestones.items():
                n = protected[(name, act)].published(item)
                days = [times[u] for u in users if u in times]
                show = bool(n and n >= thr)
                rows.append(
                    [
                        name,
                        module_id(act) if act else None,
                        act.name if act else None,
                        n,
                        _quantile(days, 0.5) if show else None,
                        _quantile(days, 0.25) if show else None,
                        _quantile(days, 0.75) if show else None,
                    ]
                )
            rows.sort(key=lambda r: (r[4] is None, r[4] if r[4] is not None else 0))
            for step, r in enumerate(rows, start=1):
                t.rows.append([*groups.labels(item), step, *r])
        out.append(t)
    return out


def _milestones(
    facts: Facts, from_enrolment: bool
) -> dict[tuple[str, Activity | None], dict[int, float]]:
    """Milestone -> {userid: days after enrolment (or course start)}."""
    data = facts.data
    start = data.course.startdate
    out: dict[tuple[str, Activity | None], dict[int, float]] = {}

    def days(u: Learner, ts: int) -> float:
        origin = u.timeenrolled if from_enrolment and u.timeenrolled else start
        return round((ts - origin) / 86400, 2)

    if from_enrolment:
        out[("enrolled", None)] = {lr.userid: 0.0 for lr in facts.learners}
    acts = {a.cmid: a for a in data.activities}
    for a in facts.tracked():
        out[("completed", a)] = {
            lr.userid: days(lr, facts.completions[(lr.userid, a.cmid)][1])
            for lr in facts.learners
            if facts.completed(lr.userid, a.cmid) and facts.completions[(lr.userid, a.cmid)][1]
        }
    for q in data.quizzes:
        first = {}
        for lr in facts.learners:
            atts = facts.attempts.get((lr.userid, q.id))
            if atts:
                first[lr.userid] = days(lr, atts[0].timestart)
        out[("first_attempt", acts.get(q.cmid))] = first
    out[("course_completed", None)] = {
        lr.userid: days(lr, t) for lr in facts.learners if (t := facts.course_done.get(lr.userid))
    }
    return out


def uptake_by_period(learners: Sequence[Learner], threshold: int) -> Table:
    """Registrations per period (see :func:`counts_by_period`)."""
    return counts_by_period(
        "uptake_by_period",
        "Registrations (enrolments) per period. Counts below the threshold, and counts that "
        "would reveal them, are empty; so is the running total where it would.",
        "registrations",
        "Learners enrolled in the period",
        [lr.timeenrolled for lr in learners if lr.timeenrolled],
        threshold,
    )


def counts_by_period(
    name: str, description: str, column: str, meaning: str, times: Sequence[int], threshold: int
) -> Table:
    """Events per week, month or quarter: the finest whose counts are all 0 or at least the
    threshold; small periods are hidden with a complement; the running total is given only
    where it reveals no hidden period."""
    t = Table(
        name,
        description,
        [
            Column("period_start", "string", "First day of the period (UTC)"),
            Column("period", "string", "week, month or quarter"),
            Column(column, "integer", meaning),
            Column("cumulative", "integer", "Running total up to the end of the period"),
        ],
    )
    if not times:
        return t
    for unit in ("week", "month", "quarter"):
        counts = Counter(_period(ts, unit) for ts in times)
        if all(c >= threshold for c in counts.values()):
            break
    periods = []
    p = min(counts)
    while p <= max(counts):
        periods.append(p)
        p = _next_period(p, unit)
    atoms: dict[Key, int] = {(p.isoformat(),): counts.get(p, 0) for p in periods}
    prot = protect(atoms, 1, threshold)
    hidden_total = sum(1 for p in periods if atom((p.isoformat(),)) in prot.hidden)
    seen_hidden = 0
    running = 0
    for p in periods:
        key = (p.isoformat(),)
        value = prot.published(atom(key))
        running += atoms[key]
        if value is None:
            seen_hidden += 1
        safe = seen_hidden in (0, hidden_total) and prot.published(TOTAL) is not None
        t.rows.append([p.isoformat(), unit, value, running if safe else None])
    return t


def _period(ts: int, unit: str) -> Any:
    d = datetime.fromtimestamp(ts, tz=UTC).date()
    if unit == "week":
        return d - timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    return d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1)


def _next_period(p: Any, unit: str) -> Any:
    if unit == "week":
        return p + timedelta(days=7)
    months = 1 if unit == "month" else 3
    m = p.month - 1 + months
    return p.replace(year=p.year + m // 12, month=m % 12 + 1)


def build_tables(
    report: str, data: CourseData, opts: ExportOptions, declared: Sequence[str] = ()
) -> tuple[list[Table], Background]:
    """The tables of ``report`` for the tier in ``opts``."""
    if report not in REPORTS:
        raise UsageError(f"unknown report {report!r}", "one of: " + ", ".join(REPORTS))
    learners = consenting(data, opts.consent_field)
    fields = opts.fields if opts.fields is not None else default_fields(data, declared)
    if opts.consent_field:
        fields = tuple(f for f in fields if f != opts.consent_field)
    bg = background(data, learners, fields, opts.k)
    facts = Facts.of(data, learners, bg)
    if opts.tier == "restricted":
        return restricted_tables(report, facts, opts), bg
    return shareable_tables(report, facts, opts), bg
