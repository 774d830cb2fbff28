"""The shareable tier: aggregates by background group, k-anonymous, with small counts
and the counts that would reveal them suppressed (:mod:`lemma_pkg.report.suppress`).

One function per report; every count goes through :func:`_count_table`, and statistics
are given only where their count is published.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lemma_pkg.report.model import COMPLETION_COMPLETE_PASS, Activity, Learner, QuizInfo
from lemma_pkg.report.suppress import TOTAL, Item, Key, Protection, all_items, atom, protect
from lemma_pkg.report.tables import (
    ALL,
    MISSING,
    Column,
    ExportOptions,
    Facts,
    Table,
    mean,
    module_id,
    pct,
    quantile,
)


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


@dataclass
class _Share:
    """What every shareable table needs."""

    groups: Groups
    gcols: list[Column]
    note: str
    thr: int


def _uptake(s: _Share, facts: Facts) -> list[Table]:
    groups = s.groups
    gcols = s.gcols
    note = s.note
    thr = s.thr
    out: list[Table] = []
    t = Table(
        "uptake_by_background",
        f"Learners by background. {note}",
        [*gcols, Column("learners", "integer", "Enrolled learners")],
    )
    for item in groups.items():
        t.rows.append([*groups.labels(item), groups.size(item)])
    out.append(t)
    out.append(uptake_by_period(facts.learners, thr))
    return out


def _progress(s: _Share, facts: Facts) -> list[Table]:
    data = facts.data
    groups = s.groups
    gcols = s.gcols
    note = s.note
    thr = s.thr
    out: list[Table] = []
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
    subjects: list[tuple[list[Any], set[int], QuizInfo | None]] = []
    for a in facts.tracked():
        done = {lr.userid for lr in facts.learners if facts.completed(lr.userid, a.cmid)}
        quiz = next((q for q in data.quizzes if q.cmid == a.cmid), None)
        subjects.append(([module_id(a), a.name, a.modname, a.sectionnum], done, quiz))
    course_done = set(facts.course_done)
    subjects.append((["course", data.course.fullname, "course", None], course_done, None))
    for head, done, quiz in subjects:
        comp = _count_table(groups, done, thr)
        att_p = pass_p = None
        attempted: set[int] = set()
        quiz_id = quiz.id if quiz is not None else 0
        if quiz is not None:
            attempted = {u.userid for u in facts.learners if facts.finished(u.userid, quiz_id)}
            passed = {
                u.userid
                for u in facts.learners
                if facts.completions.get((u.userid, quiz.cmid), (0, 0))[0]
                == COMPLETION_COMPLETE_PASS
            }
            att_p = _count_table(groups, attempted, thr)
            pass_p = _count_table(groups, passed, thr)
        for item in groups.items():
            n = groups.size(item)
            c = comp.published(item)
            a_n = att_p.published(item) if att_p else None
            mean_best = None
            if a_n and a_n >= thr:
                mean_best = mean(
                    facts.best_pct(u, quiz_id) for u in groups.users(item) if u in attempted
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
    return out


def _attempts(s: _Share, facts: Facts) -> list[Table]:
    data = facts.data
    groups = s.groups
    gcols = s.gcols
    note = s.note
    thr = s.thr
    acts = {a.cmid: a for a in facts.data.activities}
    out: list[Table] = []
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
                    mean(pct(a.grade, q.grade) for a in fin) if show else None,
                    mean(pct(facts.finished(u, q.id)[0].grade, q.grade) for u in users)
                    if show
                    else None,
                    mean(facts.best_pct(u, q.id) for u in users) if show else None,
                    quantile([(a.timefinish - a.timestart) / 60 for a in fin], 0.5)
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
    return out


def _grades(s: _Share, facts: Facts) -> list[Table]:
    data = facts.data
    groups = s.groups
    gcols = s.gcols
    note = s.note
    thr = s.thr
    out: list[Table] = []
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
                    mean(vals) if show else None,
                    round(statistics.stdev(vals), 2) if show and len(vals) > 1 else None,
                ]
            )
    out.append(t)
    return out


def _trajectories(s: _Share, facts: Facts) -> list[Table]:
    groups = s.groups
    gcols = s.gcols
    note = s.note
    thr = s.thr
    out: list[Table] = []
    origin = "enrolment" if all(lr.timeenrolled for lr in facts.learners) else "course start"
    t = Table(
        "trajectories_by_group",
        "Milestones of each background group in the order its learners typically reach "
        f"them, with days after {origin}. {note}",
        [
            *gcols,
            Column("step", "integer", "Order in the group (by median days)"),
            Column("milestone", "string", "enrolled, completed, first_attempt, course_completed"),
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
        m: _count_table(groups, set(times), thr, binary=False) for m, times in milestones.items()
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
                    quantile(days, 0.5) if show else None,
                    quantile(days, 0.25) if show else None,
                    quantile(days, 0.75) if show else None,
                ]
            )
        rows.sort(key=lambda r: (r[4] is None, r[4] if r[4] is not None else 0))
        for step, r in enumerate(rows, start=1):
            t.rows.append([*groups.labels(item), step, *r])
    out.append(t)
    return out


REPORT_TABLES: dict[str, Callable[[_Share, Facts], list[Table]]] = {
    "uptake": _uptake,
    "progress": _progress,
    "attempts": _attempts,
    "grades": _grades,
    "trajectories": _trajectories,
}


def shareable_tables(report: str, facts: Facts, opts: ExportOptions) -> list[Table]:
    """The aggregate tables of ``report``, grouped by the background fields."""
    thr = opts.threshold
    groups = make_groups(facts, opts.k, thr)
    note = f"Counts below {thr} and counts that would reveal them are empty."
    return REPORT_TABLES[report](_Share(groups, _group_columns(groups), note, thr), facts)


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
