"""The learner data of one course as lemma pulls it: typed, identifiable records.

:class:`CourseData` is what :func:`lemma_pkg.report.pull.pull_course_data` returns and what
:mod:`lemma_pkg.report.snapshot` writes losslessly. It holds Moodle ids, usernames, names and
emails: it is the administrator's raw copy, never a research output (the report tables
are built from it by :mod:`lemma_pkg.report.tables`, which pseudonymise).

Times are Unix seconds (UTC); ``None`` means "not known on this path" and ``0`` "never"
(Moodle's own convention for, e.g., ``timefinish`` of an attempt in progress).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PullPath = Literal["core", "bulk"]

#: Moodle's activity completion states (completion/lib.php COMPLETION_*).
COMPLETION_INCOMPLETE = 0
COMPLETION_COMPLETE = 1
COMPLETION_COMPLETE_PASS = 2
COMPLETION_COMPLETE_FAIL = 3
COMPLETE_STATES = (COMPLETION_COMPLETE, COMPLETION_COMPLETE_PASS, COMPLETION_COMPLETE_FAIL)
STATE_NAMES = {0: "incomplete", 1: "complete", 2: "complete_pass", 3: "complete_fail"}


@dataclass(frozen=True)
class SiteRef:
    url: str
    sitename: str = ""
    release: str = ""
    version: int = 0


@dataclass(frozen=True)
class CourseRef:
    id: int
    shortname: str
    fullname: str = ""
    idnumber: str = ""
    startdate: int = 0
    enddate: int = 0


@dataclass(frozen=True)
class ProfileField:
    """A custom user profile field (``user_info_field``)."""

    shortname: str
    name: str = ""
    #: Moodle's datatype: menu, text, checkbox, datetime, textarea, social; "" if unknown.
    datatype: str = ""


@dataclass(frozen=True)
class Learner:
    """An enrolled user of the course, with the background they gave (profile fields)."""

    userid: int
    username: str
    firstname: str = ""
    lastname: str = ""
    email: str = ""
    idnumber: str = ""
    #: Profile field shortname -> raw value (menu option, 0/1, timestamp, text).
    profile: dict[str, str] = field(default_factory=dict)
    #: Role shortnames in the course (student, teacher, ...).
    roles: tuple[str, ...] = ()
    #: Earliest enrolment into the course (user_enrolments.timecreated); None on the core
    #: path (no core web service returns it).
    timeenrolled: int | None = None
    #: Whether every enrolment of the user in the course is suspended; None if unknown.
    suspended: bool | None = None
    firstaccess: int = 0
    lastaccess: int = 0
    lastcourseaccess: int = 0


@dataclass(frozen=True)
class Activity:
    """A course module."""

    cmid: int
    modname: str
    instance: int
    name: str
    sectionnum: int = 0
    #: lemma's stable idnumber (None when the site did not say: core path without the plugin).
    idnumber: str | None = None
    #: Completion tracking: 0 none, 1 manual, 2 automatic.
    completion: int = 0
    visible: bool = True


@dataclass(frozen=True)
class QuizInfo:
    id: int
    cmid: int
    name: str
    #: Total raw marks of the questions (attempt sumgrades are out of this).
    sumgrades: float
    #: The quiz's maximum grade (attempt grades are scaled to it).
    grade: float
    gradepass: float | None = None
    #: 1 highest, 2 average, 3 first, 4 last.
    grademethod: int = 1
    #: Attempts allowed (0 = unlimited).
    attempts: int = 0

    def scale(self, sumgrades: float | None) -> float | None:
        """Moodle's quiz_rescale_grade() without formatting."""
        if sumgrades is None:
            return None
        if self.sumgrades >= 0.00001:
            return sumgrades * self.grade / self.sumgrades
        return 0.0


@dataclass(frozen=True)
class ActivityCompletion:
    """One row of course_modules_completion: the *current* state and when it last changed."""

    cmid: int
    userid: int
    state: int
    #: course_modules_completion.timemodified: the last state change (0: never).
    timemodified: int
    overrideby: int | None = None


@dataclass(frozen=True)
class QuestionMark:
    slot: int
    #: Marks awarded (None: not graded, e.g. in progress or needing manual grading).
    mark: float | None
    maxmark: float | None


@dataclass(frozen=True)
class Attempt:
    id: int
    quizid: int
    userid: int
    #: 1 for the learner's first attempt at the quiz, 2 for the second, ...
    attempt: int
    #: inprogress, overdue, finished or abandoned.
    state: str
    timestart: int
    timefinish: int
    timemodified: int
    #: Raw marks out of the quiz's sumgrades (None while not graded).
    sumgrades: float | None
    #: Grade scaled to the quiz's maximum grade (quiz_rescale_grade).
    grade: float | None
    #: Marks per question slot; None when they were not pulled.
    questions: tuple[QuestionMark, ...] | None = None


@dataclass(frozen=True)
class GradeItemInfo:
    id: int
    #: course, mod, manual, category.
    itemtype: str
    name: str
    itemmodule: str | None = None
    iteminstance: int | None = None
    cmid: int | None = None
    idnumber: str = ""
    grademin: float = 0.0
    grademax: float = 100.0


@dataclass(frozen=True)
class GradeRow:
    itemid: int
    userid: int
    #: The final grade (None: no grade).
    grade: float | None
    #: When it was graded (0/None: unknown).
    timegraded: int | None = None
    timesubmitted: int | None = None
    hidden: bool = False
    overridden: bool = False


@dataclass(frozen=True)
class CourseCompletionRow:
    """A learner who completed the course (learners who did not have no row)."""

    userid: int
    completed: bool
    #: course_completions.timecompleted (None: not completed, or unknown on the core path,
    #: where only criteria times exist: then the latest criterion time of a completed course).
    timecompleted: int | None = None
    timestarted: int | None = None


@dataclass(frozen=True)
class PullInfo:
    path: PullPath
    #: Unix time the pull started (rows modified later may be missing).
    pulled_at: int
    #: Rows changed before this time were taken from the cache (None: a full pull).
    since: int | None
    #: Every web-service function called, sorted.
    functions: tuple[str, ...]
    calls: int
    lemma_version: str
    question_marks: bool
    #: Roles that count as learners.
    learner_roles: tuple[str, ...] = ("student",)
    #: Things the pull could not get, for the manifest (e.g. "no course completion criteria").
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CourseData:
    """Everything pulled for one course: the input of every report and of snapshots."""

    site: SiteRef
    course: CourseRef
    pull: PullInfo
    profile_fields: tuple[ProfileField, ...] = ()
    learners: tuple[Learner, ...] = ()
    activities: tuple[Activity, ...] = ()
    quizzes: tuple[QuizInfo, ...] = ()
    completions: tuple[ActivityCompletion, ...] = ()
    attempts: tuple[Attempt, ...] = ()
    grade_items: tuple[GradeItemInfo, ...] = ()
    grades: tuple[GradeRow, ...] = ()
    course_completions: tuple[CourseCompletionRow, ...] = ()

    def learner(self, userid: int) -> Learner | None:
        for learner in self.learners:
            if learner.userid == userid:
                return learner
        return None

    def quiz(self, quizid: int) -> QuizInfo | None:
        for quiz in self.quizzes:
            if quiz.id == quizid:
                return quiz
        return None
