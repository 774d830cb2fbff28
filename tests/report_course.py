"""A LEMMA-like course in the fake Moodle for the report tests: pages and quizzes in
sections, course completion on every tracked activity, and a seeded cohort of learners
(``seed.seed_cohort``) with background fields, views and attempts. User and attempt ids
start at distinctive values so that a leaked id is visible as a substring of any output."""

from __future__ import annotations

from dataclasses import dataclass

from lemma_pkg.moodle.functions import FUNCTIONS
from tests.fake_moodle import FakeMoodle, seed

NOW = 1_800_000_000
#: First user id / attempt id of the seeded learners (never small numbers in outputs).
FIRST_USERID = 730_001
FIRST_ATTEMPTID = 910_001


@dataclass
class SeededCourse:
    courseid: int
    shortname: str
    core_token: str
    bulk_token: str


def seed_course(
    fake: FakeMoodle,
    n: int = 60,
    *,
    seed_value: int = 7,
    quizzes: int = 2,
    pages: int = 3,
    shortname: str = "LEMMA",
) -> SeededCourse:
    st = fake.state
    st.clock = NOW
    with st.lock:
        course = seed.add_course(
            st, shortname, fullname="Multilevel modelling", startdate=NOW - 120 * 86400
        )
        cid = course["id"]
        for i in range(pages):
            page = seed.add_page(st, cid, i + 1, f"Lesson {i + 1}")
            st.modules[page["coursemodule"]]["idnumber"] = f"m{i + 1}/lesson"
        for i in range(quizzes):
            quiz = seed.add_quiz(st, cid, i + 1, f"Quiz {i + 1}", sumgrades=10.0, grade=10.0)
            st.modules[quiz["coursemodule"]]["idnumber"] = f"m{i + 1}/quiz"
        st.course_completion_criteria[cid] = [
            {"type": 4, "cmid": cm["id"], "title": "Activity completion"}
            for cm in st.modules_in_course(cid)
            if cm["completion"]
        ]
        st.seq.start("user", FIRST_USERID)
        st.seq.start("quiz_attempts", FIRST_ATTEMPTID)
        st.seq.start("question_usages", FIRST_ATTEMPTID + 40_000)
        seed.seed_cohort(st, cid, n, seed=seed_value, start=NOW - 100 * 86400, days=90)
    core = fake.issue_token("admin", list(FUNCTIONS))
    bulk = fake.issue_lemma_token("admin")
    return SeededCourse(cid, shortname, core, bulk)
