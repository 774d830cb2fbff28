"""Quizzes: ``mod_quiz_get_*`` (read-only; never the ``*_view_*`` functions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypedDict, cast

from lemma_pkg.moodle.client import MoodleClient

AttemptStatus = Literal["all", "finished", "unfinished"]


class Quiz(TypedDict, total=False):
    id: int
    coursemodule: int
    course: int
    name: str
    sumgrades: float
    grade: float
    grademethod: int
    attempts: int


class Attempt(TypedDict, total=False):
    id: int
    quiz: int
    userid: int
    attempt: int
    uniqueid: int
    state: str
    timestart: int
    timefinish: int
    timemodified: int
    #: Raw marks, out of the quiz's ``sumgrades`` (None while in progress).
    sumgrades: float | None


class BestGrade(TypedDict, total=False):
    hasgrade: bool
    grade: float
    gradetopass: float


def get_quizzes_by_courses(client: MoodleClient, courseids: Sequence[int] = ()) -> list[Quiz]:
    """``mod_quiz_get_quizzes_by_courses`` (no ids: every course the caller can see)."""
    params: dict[str, Any] = {"courseids": list(courseids)} if courseids else {}
    data = client.call("mod_quiz_get_quizzes_by_courses", params)
    return cast(list[Quiz], (data or {}).get("quizzes", []))


def get_user_attempts(
    client: MoodleClient,
    quizid: int,
    userid: int,
    *,
    status: AttemptStatus = "all",
    includepreviews: bool = False,
) -> list[Attempt]:
    """``mod_quiz_get_user_attempts`` for one user and quiz; ``status`` defaults to ``all``
    (Moodle's default is ``finished``)."""
    data = client.call(
        "mod_quiz_get_user_attempts",
        {
            "quizid": quizid,
            "userid": userid,
            "status": status,
            "includepreviews": includepreviews,
        },
    )
    return cast(list[Attempt], (data or {}).get("attempts", []))


def get_user_best_grade(client: MoodleClient, quizid: int, userid: int) -> BestGrade:
    """``mod_quiz_get_user_best_grade`` (on the quiz's grade scale)."""
    data = client.call("mod_quiz_get_user_best_grade", {"quizid": quizid, "userid": userid})
    return cast(BestGrade, data or {})


class ReviewQuestion(TypedDict, total=False):
    slot: int
    type: str
    #: The mark as the quiz formats it ("0.67"; "" when there is none); only with marks shown.
    mark: str
    maxmark: float
    state: str


def get_attempt_review(client: MoodleClient, attemptid: int) -> list[ReviewQuestion]:
    """``mod_quiz_get_attempt_review`` (all pages): the questions of a finished attempt with
    their marks. Heavy (Moodle renders every question's HTML): one call per attempt."""
    data = client.call("mod_quiz_get_attempt_review", {"attemptid": attemptid, "page": -1})
    return cast(list[ReviewQuestion], (data or {}).get("questions", []))
