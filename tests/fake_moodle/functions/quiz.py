"""mod_quiz_*: quizzes, attempts (start, data, process), best grades.

Grading is deliberately simple: every slot with marks has an answer key (``quiz["key"]``: slot ->
{field suffix: value}); a slot scores its mark when every keyed field was submitted with that
value. The REF1 quiz's key is the recorded submission of transcript 136 with slot 7 wrong, which
reproduces the recorded 10 of 11 marks. Seeded attempts (``seed.record_quiz_attempt``) set marks
directly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import invalid_parameter, missing_record, moodle_exception
from ..params import Multiple, Params, Single, Value, dflt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, CONTEXT_MODULE, Record, State
from .course import can_access_course, course_context

DATA = Path(__file__).resolve().parent.parent / "data"


def num(x: float | None) -> float | int | None:
    """PHP prints whole floats without a fraction in these answers (10, not 10.0)."""
    if x is None:
        return None
    x = round(float(x), 5)
    return int(x) if x.is_integer() else x


def quiz_or_fail(state: State, quizid: int) -> Record:
    quiz = state.quizzes.get(quizid)
    if quiz is None:
        raise missing_record("quiz")
    return quiz


def slots(quiz: Record) -> int:
    return int(quiz.get("slots") or quiz["questions"])


def layout(quiz: Record) -> str:
    return ",".join(f"{i},0" for i in range(1, slots(quiz) + 1))


def new_attempt(state: State, quiz: Record, userid: int, when: int) -> Record:
    aid = state.seq.next("quiz_attempts")
    number = 1 + len(
        [
            a
            for a in state.quiz_attempts.values()
            if a["quiz"] == quiz["id"] and a["userid"] == userid
        ]
    )
    state.quiz_attempts[aid] = {
        "id": aid,
        "quiz": quiz["id"],
        "userid": userid,
        "attempt": number,
        "uniqueid": state.seq.next("question_usages"),
        "layout": layout(quiz),
        "currentpage": 0,
        "preview": 0,
        "state": "inprogress",
        "timestart": when,
        "timefinish": 0,
        "timemodified": when,
        "timemodifiedoffline": when,
        "timecheckstate": None,
        "sumgrades": None,
        "gradednotificationsenttime": None,
        "responses": {},
    }
    if quiz.get("slotrefs") is not None:
        # A quiz with a question bank: the attempt pins each slot's latest question version.
        from ..mbz_course import pin_questions, quiz_layout

        state.quiz_attempts[aid].update(
            layout=quiz_layout(quiz), questions=pin_questions(state, quiz)
        )
    return state.quiz_attempts[aid]


def attempt_grade(quiz: Record, attempt: Record) -> float | None:
    if attempt["sumgrades"] is None or not quiz["sumgrades"]:
        return None
    return round(float(attempt["sumgrades"]) / float(quiz["sumgrades"]) * float(quiz["grade"]), 5)


def best_grade(state: State, quiz: Record, userid: int) -> float | None:
    grades = [
        attempt_grade(quiz, a)
        for a in state.quiz_attempts.values()
        if a["quiz"] == quiz["id"]
        and a["userid"] == userid
        and a["state"] == "finished"
        and not a["preview"]
    ]
    values = [g for g in grades if g is not None]
    if not values:
        return None
    method = quiz.get("grademethod", 1)
    if method == 2:
        return round(sum(values) / len(values), 5)
    if method == 3:
        return values[0]
    if method == 4:
        return values[-1]
    return max(values)


def marked_slots(quiz: Record) -> list[int]:
    """Slots that carry marks (REF1's slot 12 is a description: its key is empty)."""
    key = quiz.get("key")
    if key:
        return [int(slot) for slot, expected in key.items() if expected]
    return list(range(1, slots(quiz) + 1))


def max_mark(quiz: Record) -> float:
    """Every marked slot of a fake quiz is worth the same."""
    marked = marked_slots(quiz)
    return float(quiz["sumgrades"]) / len(marked) if marked else 0.0


def spread_marks(quiz: Record, marks: float) -> dict[int, float]:
    """Per-slot marks adding up to ``marks``: full marks on the first slots, the rest after."""
    each = max_mark(quiz)
    out: dict[int, float] = {}
    left = marks
    for slot in marked_slots(quiz):
        out[slot] = round(min(each, max(left, 0.0)), 7)
        left -= out[slot]
    return out


def finish_attempt(
    state: State,
    attempt: Record,
    marks: float,
    when: int,
    slotmarks: dict[int, float] | None = None,
) -> None:
    from .completion import update_state

    quiz = state.quizzes[attempt["quiz"]]
    attempt.update(
        state="finished",
        timefinish=when,
        timemodified=when,
        timemodifiedoffline=when,
        sumgrades=marks,
        gradednotificationsenttime=when,
        slotmarks=slotmarks if slotmarks is not None else spread_marks(quiz, marks),
    )
    grade = best_grade(state, quiz, attempt["userid"])
    for item in state.grade_items.values():
        if item["itemmodule"] == "quiz" and item["iteminstance"] == quiz["id"]:
            rec = state.grades.setdefault(
                (item["id"], attempt["userid"]),
                {
                    "itemid": item["id"],
                    "userid": attempt["userid"],
                    "finalgrade": None,
                    "timecreated": when,
                    "timemodified": when,
                    "datesubmitted": when,
                    "feedback": "",
                    "overridden": 0,
                    "hidden": 0,
                    "locked": 0,
                },
            )
            rec.update(finalgrade=grade, timemodified=when, datesubmitted=when)
    cm = state.modules.get(quiz["coursemodule"])
    if cm is not None:
        update_state(state, cm, attempt["userid"], when)


def _attempt_out(attempt: Record) -> dict[str, Any]:
    out = {
        k: attempt[k]
        for k in (
            "id",
            "quiz",
            "userid",
            "attempt",
            "uniqueid",
            "layout",
            "currentpage",
            "preview",
            "state",
            "timestart",
            "timefinish",
            "timemodified",
            "timemodifiedoffline",
            "timecheckstate",
            "sumgrades",
        )
    }
    out["sumgrades"] = num(attempt["sumgrades"])
    if attempt["state"] == "finished":
        out["gradeitemmarks"] = []
    out["gradednotificationsenttime"] = attempt["gradednotificationsenttime"]
    return out


def _quiz_context(call: Call, quiz: Record) -> int:
    course_context(call, quiz["course"])
    ctxid = call.state.context_id(CONTEXT_MODULE, quiz["coursemodule"])
    assert ctxid is not None
    return ctxid


STUDENT_FIELDS = (
    "id",
    "coursemodule",
    "course",
    "name",
    "intro",
    "introformat",
    "introfiles",
    "section",
    "visible",
    "groupmode",
    "groupingid",
    "lang",
    "timeopen",
    "timeclose",
    "timelimit",
    "overduehandling",
    "graceperiod",
    "preferredbehaviour",
    "canredoquestions",
    "attempts",
    "attemptonlast",
    "grademethod",
    "decimalpoints",
    "questiondecimalpoints",
    "reviewattempt",
    "reviewcorrectness",
    "reviewmaxmarks",
    "reviewmarks",
    "reviewspecificfeedback",
    "reviewgeneralfeedback",
    "reviewrightanswer",
    "reviewoverallfeedback",
    "questionsperpage",
    "navmethod",
    "sumgrades",
    "grade",
    "browsersecurity",
    "delay1",
    "delay2",
    "showuserpicture",
    "showblocks",
    "completionattemptsexhausted",
    "completionpass",
    "allowofflineattempts",
    "autosaveperiod",
    "hasfeedback",
    "hasquestions",
)


def quiz_record(call: Call, quiz: Record) -> dict[str, Any]:
    state = call.state
    cm = state.modules[quiz["coursemodule"]]
    full: dict[str, Any] = {
        "id": quiz["id"],
        "coursemodule": quiz["coursemodule"],
        "course": quiz["course"],
        "name": quiz["name"],
        "intro": quiz["intro"],
        "introformat": 1,
        "introfiles": [],
        "section": cm["sectionnum"],
        "visible": bool(cm["visible"]),
        "groupmode": 0,
        "groupingid": 0,
        "lang": "",
        "timeopen": 0,
        "timeclose": 0,
        "timelimit": 0,
        "overduehandling": "autosubmit",
        "graceperiod": 0,
        "preferredbehaviour": "deferredfeedback",
        "canredoquestions": 0,
        "attempts": quiz["attempts"],
        "attemptonlast": 0,
        "grademethod": quiz["grademethod"],
        "decimalpoints": 2,
        "questiondecimalpoints": -1,
        "reviewattempt": 69904,
        "reviewcorrectness": 69904,
        "reviewmaxmarks": 69904,
        "reviewmarks": 69904,
        "reviewspecificfeedback": 69904,
        "reviewgeneralfeedback": 69904,
        "reviewrightanswer": 69904,
        "reviewoverallfeedback": 4368,
        "questionsperpage": 1,
        "navmethod": "free",
        "sumgrades": num(quiz["sumgrades"]),
        "grade": num(quiz["grade"]),
        "browsersecurity": "-",
        "delay1": 0,
        "delay2": 0,
        "showuserpicture": 0,
        "showblocks": 0,
        "completionattemptsexhausted": 0,
        "completionpass": quiz["completionpass"],
        "allowofflineattempts": 0,
        "autosaveperiod": 60,
        "hasfeedback": 1,
        "hasquestions": 1 if slots(quiz) else 0,
    }
    ctxid = state.context_id(CONTEXT_MODULE, cm["id"]) or 1
    if call.has_capability("moodle/course:manageactivities", ctxid):
        full.update(
            shuffleanswers=1,
            timecreated=cm["added"],
            timemodified=cm["added"],
            password="",
            subnet="",
        )
    return full


@wsfunction(
    "mod_quiz_get_quizzes_by_courses",
    Params({"courseids": dflt(Multiple(Value("int")), [])}),
)
def get_quizzes_by_courses(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    warnings = []
    courseids = params["courseids"]
    if not courseids:
        courseids = [
            c
            for c in state.courses
            if c != 1 and state.is_enrolled(c, call.userid, onlyactive=True)
        ]
    quizzes = []
    for cid in courseids:
        if cid not in state.courses or not can_access_course(call, cid):
            warnings.append(
                {
                    "item": "course",
                    "itemid": cid,
                    "warningcode": "1",
                    "message": "No access rights in course context",
                }
            )
            continue
        for quiz in sorted(state.quizzes.values(), key=lambda q: q["id"]):
            if quiz["course"] == cid:
                quizzes.append(quiz_record(call, quiz))
    return {"quizzes": quizzes, "warnings": warnings}


@wsfunction(
    "mod_quiz_get_user_attempts",
    Params(
        {
            "quizid": Value("int"),
            "userid": dflt(Value("int"), 0),
            "status": dflt(Value("alpha"), "finished"),
            "includepreviews": dflt(Value("bool"), False),
        }
    ),
)
def get_user_attempts(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    quiz = quiz_or_fail(state, params["quizid"])
    ctxid = _quiz_context(call, quiz)
    userid = params["userid"] or call.userid
    status = params["status"]
    if status not in ("all", "finished", "unfinished"):
        raise invalid_parameter("Invalid status value")
    user = state.users.get(userid)
    if user is None:
        from ..errors import invalid_user

        raise invalid_user()
    if userid != call.userid:
        call.require_capability("mod/quiz:viewreports", ctxid)
    out = []
    for a in sorted(state.quiz_attempts.values(), key=lambda a: a["id"]):
        if a["quiz"] != quiz["id"] or a["userid"] != userid:
            continue
        if a["preview"] and not params["includepreviews"]:
            continue
        finished = a["state"] in ("finished", "abandoned")
        if status == "finished" and not finished:
            continue
        if status == "unfinished" and finished:
            continue
        out.append(_attempt_out(a))
    return {"attempts": out, "warnings": []}


@wsfunction(
    "mod_quiz_get_user_best_grade",
    Params({"quizid": Value("int"), "userid": dflt(Value("int"), 0)}),
)
def get_user_best_grade(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    quiz = quiz_or_fail(state, params["quizid"])
    ctxid = _quiz_context(call, quiz)
    userid = params["userid"] or call.userid
    if userid != call.userid:
        call.require_capability("mod/quiz:viewreports", ctxid)
    grade = best_grade(state, quiz, userid)
    out: dict[str, Any] = {"hasgrade": grade is not None}
    if grade is not None:
        out["grade"] = num(grade)
    if quiz["gradepass"]:
        out["gradetopass"] = num(quiz["gradepass"])
    out["warnings"] = []
    return out


PREFLIGHT = dflt(Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")})), [])


@wsfunction(
    "mod_quiz_start_attempt",
    Params(
        {"quizid": Value("int"), "preflightdata": PREFLIGHT, "forcenew": dflt(Value("bool"), False)}
    ),
)
def start_attempt(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    quiz = quiz_or_fail(state, params["quizid"])
    ctxid = _quiz_context(call, quiz)
    call.require_capability("mod/quiz:attempt", ctxid)
    for a in state.quiz_attempts.values():
        if a["quiz"] == quiz["id"] and a["userid"] == call.userid and a["state"] == "inprogress":
            raise moodle_exception("attemptstillinprogress", "Attempt still in progress")
    if quiz["attempts"]:
        done = [
            a
            for a in state.quiz_attempts.values()
            if a["quiz"] == quiz["id"] and a["userid"] == call.userid
        ]
        if len(done) >= quiz["attempts"]:
            raise moodle_exception("attempterrorinvalid", "Invalid attempt ID")
    attempt = new_attempt(state, quiz, call.userid, state.now())
    return {"attempt": _attempt_out(attempt), "warnings": []}


def _attempt_for_user(call: Call, attemptid: int) -> tuple[Record, Record]:
    state = call.state
    attempt = state.quiz_attempts.get(attemptid)
    if attempt is None:
        raise missing_record("quiz_attempts")
    quiz = state.quizzes[attempt["quiz"]]
    _quiz_context(call, quiz)
    if attempt["userid"] != call.userid:
        raise moodle_exception("notyourattempt", "This is not your attempt!")
    return attempt, quiz


def _question(state: State, quiz: Record, attempt: Record, slot: int) -> dict[str, Any]:
    if attempt.get("questions") is not None:
        return _bank_question(state, quiz, attempt, slot)
    if quiz["id"] == 1 and quiz["course"] == 2 and slot == 1:
        tmpl = json.loads((DATA / "ref1_quiz_slot1.json").read_text(encoding="utf-8"))
        text = json.dumps(tmpl).replace("{wwwroot}", state.url)
        q: dict[str, Any] = json.loads(text)
        q["lastactiontime"] = attempt["timestart"]
        return q
    prefix = f"q{attempt['uniqueid']}:{slot}_"
    html = (
        f'<div id="question-{attempt["uniqueid"]}-{slot}" class="que shortanswer '
        f'deferredfeedback notyetanswered"><div class="content"><input type="hidden" '
        f'name="{prefix}:sequencecheck" value="1" /><div class="qtext"><p>Question {slot}'
        f'</p></div><input type="text" name="{prefix}answer" value="" /></div></div>'
    )
    return {
        "slot": slot,
        "type": "shortanswer",
        "page": slot - 1,
        "questionnumber": str(slot),
        "number": slot,
        "html": html,
        "responsefileareas": [],
        "sequencecheck": 1,
        "lastactiontime": attempt["timestart"],
        "hasautosavedstep": False,
        "flagged": False,
        "state": "todo",
        "stateclass": "notyetanswered",
        "status": "Not yet answered",
        "blockedbyprevious": False,
        "mark": "",
        "maxmark": 1,
        "settings": "{}",
    }


@wsfunction(
    "mod_quiz_get_attempt_data",
    Params({"attemptid": Value("int"), "page": Value("int"), "preflightdata": PREFLIGHT}),
)
def get_attempt_data(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    attempt, quiz = _attempt_for_user(call, params["attemptid"])
    if attempt["state"] != "inprogress":
        raise moodle_exception("attemptalreadyclosed", "This attempt has already been finished.")
    page = params["page"]
    nslots = slots(quiz)
    if page < 0 or page >= nslots:
        raise moodle_exception("Invalid page number", "Invalid page number")
    attempt["currentpage"] = page
    return {
        "attempt": _attempt_out(attempt),
        "messages": [],
        "nextpage": page + 1 if page + 1 < nslots else -1,
        "questions": [_question(state, quiz, attempt, page + 1)],
        "warnings": [],
    }


@wsfunction(
    "mod_quiz_process_attempt",
    Params(
        {
            "attemptid": Value("int"),
            "data": dflt(Multiple(Single({"name": Value("raw"), "value": Value("raw")})), []),
            "finishattempt": dflt(Value("bool"), False),
            "timeup": dflt(Value("bool"), False),
            "preflightdata": PREFLIGHT,
        }
    ),
)
def process_attempt(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    attempt, quiz = _attempt_for_user(call, params["attemptid"])
    if attempt["state"] != "inprogress":
        raise moodle_exception("attemptalreadyclosed", "This attempt has already been finished.")
    prefix = f"q{attempt['uniqueid']}:"
    for item in params["data"]:
        name = item["name"]
        if name.startswith(prefix):
            attempt["responses"][name[len(prefix) :]] = item["value"]
    now = state.now()
    attempt["timemodified"] = now
    if params["finishattempt"] or params["timeup"]:
        per_slot = (
            bank_marks(state, quiz, attempt)
            if attempt.get("questions") is not None
            else slot_marks(quiz, attempt["responses"])
        )
        finish_attempt(state, attempt, round(sum(per_slot.values()), 5), now, per_slot)
    return {"state": attempt["state"], "warnings": []}


# --- quizzes with a question bank (restored from a backup, see ../questionbank.py) ------


def slot_responses(attempt: Record, slot: int) -> dict[str, str]:
    prefix = f"{slot}_"
    return {k[len(prefix) :]: v for k, v in attempt["responses"].items() if k.startswith(prefix)}


def slot_maxmark(quiz: Record, slot: int) -> float:
    for s in quiz.get("slotrefs") or ():
        if s["slot"] == slot:
            return float(s["maxmark"])
    return 1.0


def _bank_question(
    state: State, quiz: Record, attempt: Record, slot: int, review: bool = False
) -> dict[str, Any]:
    """A slot of an attempt, rendered from the question version the attempt pinned."""
    from ..questionbank import render

    question = state.questions[attempt["questions"][str(slot)]]
    prefix = f"q{attempt['uniqueid']}:{slot}_"
    out: dict[str, Any] = {
        "slot": slot,
        "type": question["qtype"],
        "page": slot - 1,
        "questionnumber": str(slot),
        "number": slot,
        "html": f'<div id="question-{attempt["uniqueid"]}-{slot}">'
        + render(question, prefix, slot_responses(attempt, slot))
        + "</div>",
        "responsefileareas": [],
        "sequencecheck": 1,
        "lastactiontime": attempt["timemodified"],
        "hasautosavedstep": False,
        "flagged": False,
        "state": "todo",
        "status": "Not yet answered",
        "blockedbyprevious": False,
        "maxmark": num(slot_maxmark(quiz, slot)),
        "settings": "{}",
    }
    if review:
        got = (attempt.get("slotmarks") or {}).get(slot)
        full = got is not None and got >= slot_maxmark(quiz, slot)
        out.update(state="gradedright" if full else "gradedwrong", status="Complete")
        out["mark"] = "" if got is None else f"{got:.2f}"
    return out


def bank_marks(state: State, quiz: Record, attempt: Record) -> dict[int, float]:
    """Each slot's mark: the pinned question's fraction for the responses, times its mark."""
    from ..questionbank import fraction

    return {
        int(slot): round(
            fraction(state.questions[qid], slot_responses(attempt, int(slot)))
            * slot_maxmark(quiz, int(slot)),
            7,
        )
        for slot, qid in attempt["questions"].items()
    }


def slot_marks(quiz: Record, responses: dict[str, str]) -> dict[int, float]:
    """The marks of each marked slot: full marks when every keyed field was answered."""
    key: dict[str, dict[str, str]] = quiz.get("key") or {
        str(s): {"answer": "1"} for s in range(1, slots(quiz) + 1)
    }
    each = max_mark(quiz)
    out: dict[int, float] = {}
    for slot, expected in key.items():
        if expected:
            right = all(responses.get(f"{slot}_{k}") == v for k, v in expected.items())
            out[int(slot)] = each if right else 0.0
    return out


def mark(quiz: Record, responses: dict[str, str]) -> float:
    return sum(slot_marks(quiz, responses).values())


@wsfunction(
    "mod_quiz_get_attempt_review",
    Params({"attemptid": Value("int"), "page": dflt(Value("int"), -1)}),
)
def get_attempt_review(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """The review of an attempt: every question with its mark formatted as the quiz does
    (two decimals) and its maximum; the attempt's owner or mod/quiz:viewreports."""
    state = call.state
    attempt = state.quiz_attempts.get(params["attemptid"])
    if attempt is None:
        raise missing_record("quiz_attempts")
    quiz = state.quizzes[attempt["quiz"]]
    ctxid = _quiz_context(call, quiz)
    reports = call.has_capability("mod/quiz:viewreports", ctxid)
    if attempt["userid"] != call.userid and not reports:
        raise moodle_exception("noreviewattempt", "You are not allowed to review this attempt.")
    if attempt["state"] != "finished" and not reports:
        raise moodle_exception("noreviewuntil", "You are not allowed to review this quiz")
    grade = attempt_grade(quiz, attempt)
    if attempt.get("questions") is not None:
        pinned = sorted(int(slot) for slot in attempt["questions"])
        if params["page"] >= 0:
            pinned = [slot for slot in pinned if slot - 1 == params["page"]]
        return {
            "grade": "notyetgraded" if grade is None else f"{grade:.2f}",
            "attempt": _attempt_out(attempt),
            "additionaldata": [],
            "questions": [_bank_question(state, quiz, attempt, s, review=True) for s in pinned],
            "warnings": [],
        }
    marks = attempt.get("slotmarks") or {}
    each = max_mark(quiz)
    page = params["page"]
    nslots = slots(quiz)
    wanted = range(1, nslots + 1) if page == -1 else [min(max(page, 0), nslots - 1) + 1]
    questions = []
    for slot in wanted:
        marked = slot in marks or slot in marked_slots(quiz)
        q = {
            "slot": slot,
            "type": "shortanswer" if marked else "description",
            "page": slot - 1,
            "questionnumber": str(slot) if marked else "i",
            "html": f'<div class="que"><div class="qtext"><p>Question {slot}</p></div></div>',
            "sequencecheck": 2,
            "lastactiontime": attempt["timefinish"] or attempt["timestart"],
            "hasautosavedstep": False,
            "flagged": False,
            "blockedbyprevious": False,
            "maxmark": num(each if marked else 0.0),
        }
        if marked:
            q["number"] = slot
            got = marks.get(slot)
            q["state"] = "gradedright" if got and got >= each else "gradedwrong"
            q["mark"] = "" if got is None else f"{got:.2f}"
        questions.append(q)
    grade = attempt_grade(quiz, attempt)
    return {
        "grade": "notyetgraded" if grade is None else f"{grade:.2f}",
        "attempt": _attempt_out(attempt),
        "additionaldata": [],
        "questions": questions,
        "warnings": [],
    }


def course_of_quiz(state: State, quiz: Record) -> int:
    ctxid = state.context_id(CONTEXT_COURSE, quiz["course"])
    assert ctxid is not None
    return ctxid
