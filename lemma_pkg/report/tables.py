"""What every report table is built from: columns and tables, export options, learners'
background categories and per-learner facts; :func:`build_tables` hands them to the
tier's module (:mod:`lemma_pkg.report.restricted` or :mod:`lemma_pkg.report.shareable`).

No table carries a name, email, username, idnumber, Moodle user id, attempt id, IP address
or free text: learners are keyed pseudonyms (:mod:`lemma_pkg.report.privacy`); background
fields are categories (text fields keep only values that at least k learners share, date
fields only the year; long text is refused).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal

from lemma_pkg.errors import UsageError
from lemma_pkg.report.model import (
    COMPLETE_STATES,
    COMPLETION_COMPLETE_FAIL,
    Activity,
    Attempt,
    CourseData,
    Learner,
)
from lemma_pkg.report.privacy import StudyKey

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


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.fmean(vals), 2) if vals else None


def quantile(values: Sequence[float], q: float) -> float | None:
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
        """Whether the activity counts as complete for the learner, as Moodle decides it
        (cm_completion_details::is_overall_complete): "complete, failed" counts only where
        no pass grade is required. A quiz with a grade to pass is taken to require it
        (lemma builds pass-grade completion from ``pass:``)."""
        state = self.completions.get((userid, cmid), (0, 0))[0]
        if state == COMPLETION_COMPLETE_FAIL:
            return cmid not in self._needs_pass
        return state in COMPLETE_STATES

    @cached_property
    def _needs_pass(self) -> frozenset[int]:
        return frozenset(q.cmid for q in self.data.quizzes if q.gradepass)

    def finished(self, userid: int, quizid: int) -> list[Attempt]:
        return [a for a in self.attempts.get((userid, quizid), []) if a.state == "finished"]

    def best_pct(self, userid: int, quizid: int) -> float | None:
        quiz = self.data.quiz(quizid)
        grades = [a.grade for a in self.finished(userid, quizid) if a.grade is not None]
        return pct(max(grades), quiz.grade) if grades and quiz else None

    def tracked(self) -> list[Activity]:
        return [a for a in self.data.activities if a.completion]


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
        from lemma_pkg.report.restricted import restricted_tables

        return restricted_tables(report, facts, opts), bg
    from lemma_pkg.report.shareable import shareable_tables

    return shareable_tables(report, facts, opts), bg
