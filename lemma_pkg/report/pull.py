"""Pull the learner data of a course through web services: :func:`pull_course_data`.

Two paths give the same :class:`~lemma_pkg.report.model.CourseData`:

- **core**: Moodle's own functions only. Participants page by page, then per learner (with
  the client's bounded concurrency) activity completion, course completion, the attempts
  at every quiz (``status=all``) and, for finished attempts, their marks per question
  (``mod_quiz_get_attempt_review``, one call per attempt); grades of everyone in one call.
  No core function returns enrolment times, so ``Learner.timeenrolled`` is None here.
- **bulk**: the companion plugin's ``local_lemma_course_learner_data``, which returns
  learners with their enrolment times and profile fields, completion rows, attempts with
  per-question marks, grades and course completions, a page of learners per call.

``since`` makes a pull incremental: with a cache (:class:`~lemma_pkg.report.cache.PullCache`)
holding an earlier pull of the same course, only what changed at or after ``since`` is
fetched (bulk: rows by their modification time; core: the learners who accessed the course
since then, plus new ones) and merged into the cached data. With a cache, an interrupted
pull started again with the same settings resumes from its journal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lemma_pkg import __version__
from lemma_pkg.errors import LemmaError
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.completion import (
    get_activities_completion_status,
    get_course_completion_status,
)
from lemma_pkg.moodle.courses import get_contents, get_courses_by_field
from lemma_pkg.moodle.enrol import EnrolledUser, iter_enrolled_users
from lemma_pkg.moodle.errors import MoodleError
from lemma_pkg.moodle.grades import get_grade_items
from lemma_pkg.moodle.quiz import (
    get_attempt_review,
    get_quizzes_by_courses,
    get_user_attempts,
    get_user_best_grade,
)
from lemma_pkg.moodle.site import SiteInfo, get_site_info
from lemma_pkg.report.cache import Journal, PullCache
from lemma_pkg.report.model import (
    Activity,
    ActivityCompletion,
    Attempt,
    CourseCompletionRow,
    CourseData,
    CourseRef,
    GradeItemInfo,
    GradeRow,
    Learner,
    ProfileField,
    PullInfo,
    PullPath,
    QuestionMark,
    QuizInfo,
    SiteRef,
)
from lemma_pkg.report.snapshot import from_jsonable, to_jsonable

log = logging.getLogger("lemma.report")

#: The companion plugin's paged read function (bulk path).
BULK_FUNCTION = "local_lemma_course_learner_data"
COURSE_MAP_FUNCTION = "local_lemma_course_map"
#: Learners per bulk page (the plugin accepts 1..1000).
BULK_PAGE = 250
#: Participants per core_enrol_get_enrolled_users page.
CORE_PAGE = 500

#: progress(stage, done, total): called as learners (core) or pages (bulk) arrive.
ProgressCallback = Callable[[str, int, int], None]

#: What core_enrol_get_enrolled_users is asked for.
USER_FIELDS = (
    "id",
    "username",
    "firstname",
    "lastname",
    "email",
    "idnumber",
    "firstaccess",
    "lastaccess",
    "lastcourseaccess",
    "customfields",
    "roles",
)


class PullError(LemmaError):
    """The data cannot be pulled as asked (exit 3: a site set-up problem)."""

    exit_code = 3


@dataclass
class _Recorder:
    """Which functions a pull called."""

    functions: set[str] = field(default_factory=set)

    def use(self, *names: str) -> None:
        self.functions.update(names)


def choose_path(site: SiteInfo, path: Literal["auto", "core", "bulk"]) -> PullPath:
    """``auto``: the bulk path when the token's service has the plugin's function."""
    has_bulk = BULK_FUNCTION in site.functions
    if path == "bulk" and not has_bulk:
        raise PullError(
            f"the bulk path needs {BULK_FUNCTION}, which is not in the token's service",
            "install or upgrade the companion plugin (lemma plugin zip) and use a token for "
            "its service 'lemma', or pull with --path core",
        )
    if path == "auto":
        return "bulk" if has_bulk else "core"
    return path


def pull_course_data(
    client: MoodleClient,
    courseid: int,
    *,
    path: Literal["auto", "core", "bulk"] = "auto",
    since: int | None = None,
    progress: ProgressCallback | None = None,
    question_marks: bool = True,
    learner_roles: Sequence[str] = ("student",),
    cache: PullCache | None = None,
) -> CourseData:
    """Pull everything lemma's reports and snapshots need about course ``courseid``.

    ``path``: ``core`` (Moodle's functions only), ``bulk`` (the companion plugin) or
    ``auto`` (bulk when the plugin is there). ``since`` (Unix time) fetches only what
    changed since then and merges it into ``cache``'s earlier pull (without a cached pull,
    the pull is full). ``question_marks=False`` skips the per-attempt review calls of the
    core path. ``learner_roles``: course roles (shortnames) that count as learners.
    ``cache``: where earlier pulls and the resume journal live; the result is saved there.
    """
    started = int(time.time())
    calls_before = client.requests_sent
    rec = _Recorder()
    rec.use("core_webservice_get_site_info")
    site = get_site_info(client)
    chosen = choose_path(site, path)
    previous = cache.load() if cache is not None else None
    if since is not None and previous is None:
        log.info("no earlier pull of this course in the cache: pulling everything")
        since = None
    header = {
        "started_at": started,
        "path": chosen,
        "since": since,
        "question_marks": question_marks,
        "roles": sorted(learner_roles),
    }
    journal = cache.journal(header) if cache is not None else None
    if journal is not None:
        journal.open()
        started = journal.started_at
    siteref = SiteRef(
        url=client.url, sitename=site.sitename, release=site.release, version=site.version
    )
    if chosen == "bulk":
        data = _pull_bulk(client, courseid, siteref, since, progress, rec, journal)
    else:
        data = _pull_core(
            client,
            courseid,
            siteref,
            site,
            since,
            previous,
            progress,
            rec,
            journal,
            question_marks,
        )
    learners = tuple(lr for lr in data.learners if set(lr.roles) & set(learner_roles))
    data = replace(data, learners=learners)
    if chosen == "bulk" and since is not None and previous is not None:
        data = merge(previous, data)
    data = _only_learners(data)
    data = replace(
        data,
        learners=tuple(sorted(data.learners, key=lambda r: r.userid)),
        completions=tuple(sorted(data.completions, key=lambda r: (r.userid, r.cmid))),
        attempts=tuple(sorted(data.attempts, key=lambda r: (r.userid, r.quizid, r.id))),
        grade_items=tuple(sorted(data.grade_items, key=lambda r: r.id)),
        grades=tuple(sorted(data.grades, key=lambda r: (r.userid, r.itemid))),
        course_completions=tuple(sorted(data.course_completions, key=lambda r: r.userid)),
        pull=PullInfo(
            path=chosen,
            pulled_at=started,
            since=since,
            functions=tuple(sorted(rec.functions)),
            calls=client.requests_sent - calls_before,
            lemma_version=__version__,
            question_marks=question_marks or chosen == "bulk",
            learner_roles=tuple(learner_roles),
            notes=data.pull.notes,
        ),
    )
    if cache is not None:
        cache.save(data)
    if journal is not None:
        journal.discard()
    return data


def _pending(path: PullPath, since: int | None, notes: Sequence[str] = ()) -> PullInfo:
    """What a path knows of its pull; :func:`pull_course_data` completes it."""
    return PullInfo(
        path=path,
        pulled_at=0,
        since=since,
        functions=(),
        calls=0,
        lemma_version=__version__,
        question_marks=True,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- core path


def _course_ref(client: MoodleClient, courseid: int, rec: _Recorder) -> CourseRef:
    rec.use("core_course_get_courses_by_field")
    found = get_courses_by_field(client, "id", courseid)
    if not found:
        raise PullError(
            f"course {courseid} does not exist or the token's user cannot see it",
            "check the course shortname (lemma report --course SHORTNAME)",
        )
    c = found[0]
    return CourseRef(
        id=c.id,
        shortname=c.shortname,
        fullname=c.fullname,
        idnumber=c.idnumber,
        startdate=c.startdate,
        enddate=c.enddate,
    )


def _activities(
    client: MoodleClient, courseid: int, site: SiteInfo, rec: _Recorder
) -> tuple[Activity, ...]:
    rec.use("core_course_get_contents")
    idnumbers: dict[int, str] = {}
    if COURSE_MAP_FUNCTION in site.functions:
        rec.use(COURSE_MAP_FUNCTION)
        cmap = client.call(COURSE_MAP_FUNCTION, {"courseid": courseid}) or {}
        idnumbers = {int(m["cmid"]): str(m.get("idnumber") or "") for m in cmap.get("modules", [])}
    out = []
    for section in get_contents(client, courseid):
        for m in section.get("modules", []):
            cmid = int(m["id"])
            out.append(
                Activity(
                    cmid=cmid,
                    modname=str(m.get("modname", "")),
                    instance=int(m.get("instance", 0)),
                    name=str(m.get("name", "")),
                    sectionnum=int(section.get("section", 0)),
                    idnumber=idnumbers.get(cmid) if idnumbers else None,
                    completion=int(m.get("completion", 0) or 0),
                    visible=bool(m.get("visible", 1)),
                )
            )
    return tuple(out)


def _quizzes(
    client: MoodleClient, courseid: int, site: SiteInfo, rec: _Recorder
) -> tuple[QuizInfo, ...]:
    rec.use("mod_quiz_get_quizzes_by_courses")
    quizzes = []
    for q in get_quizzes_by_courses(client, [courseid]):
        if int(q.get("course", courseid)) != courseid:
            continue
        gradepass = None
        if "mod_quiz_get_user_best_grade" in site.functions:
            rec.use("mod_quiz_get_user_best_grade")
            best = get_user_best_grade(client, int(q["id"]), 0)
            if "gradetopass" in best:
                gradepass = float(best["gradetopass"])
        quizzes.append(
            QuizInfo(
                id=int(q["id"]),
                cmid=int(q.get("coursemodule", 0)),
                name=str(q.get("name", "")),
                sumgrades=float(q.get("sumgrades") or 0.0),
                grade=float(q.get("grade") or 0.0),
                gradepass=gradepass,
                grademethod=int(q.get("grademethod", 1)),
                attempts=int(q.get("attempts", 0)),
            )
        )
    return tuple(quizzes)


def _learner_from_ws(u: EnrolledUser) -> Learner:
    profile = {
        str(f["shortname"]): str(f.get("value", ""))
        for f in u.get("customfields", []) or []
        if f.get("shortname")
    }
    return Learner(
        userid=int(u["id"]),
        username=str(u.get("username", "")),
        firstname=str(u.get("firstname", "")),
        lastname=str(u.get("lastname", "")),
        email=str(u.get("email", "")),
        idnumber=str(u.get("idnumber", "") or ""),
        profile=profile,
        roles=tuple(sorted(str(r.get("shortname", "")) for r in u.get("roles", []) or [])),
        firstaccess=int(u.get("firstaccess", 0) or 0),
        lastaccess=int(u.get("lastaccess", 0) or 0),
        lastcourseaccess=int(u.get("lastcourseaccess", 0) or 0),
    )


def _profile_fields(users: Iterable[EnrolledUser]) -> tuple[ProfileField, ...]:
    seen: dict[str, ProfileField] = {}
    for u in users:
        for f in u.get("customfields", []) or []:
            short = str(f.get("shortname", ""))
            if short and short not in seen:
                seen[short] = ProfileField(short, str(f.get("name", "")), str(f.get("type", "")))
    return tuple(seen.values())


def _parse_mark(text: Any) -> float | None:
    """A mark as mod_quiz formats it ("0.67", "0,67" in some languages, "" for none)."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


def _course_completion_time(cc: dict[str, Any]) -> int | None:
    times = [int(c["timecompleted"]) for c in cc.get("completions", []) if c.get("timecompleted")]
    return max(times) if times and cc.get("completed") else None


@dataclass
class _CoreLearnerRows:
    completions: list[ActivityCompletion]
    attempts: list[Attempt]
    course_completion: CourseCompletionRow | None


def _pull_core(
    client: MoodleClient,
    courseid: int,
    siteref: SiteRef,
    site: SiteInfo,
    since: int | None,
    previous: CourseData | None,
    progress: ProgressCallback | None,
    rec: _Recorder,
    journal: Journal | None,
    question_marks: bool,
) -> CourseData:
    course = _course_ref(client, courseid, rec)
    activities = _activities(client, courseid, site, rec)
    quizzes = _quizzes(client, courseid, site, rec)
    rec.use("core_enrol_get_enrolled_users")
    users = list(
        iter_enrolled_users(client, courseid, page_size=CORE_PAGE, userfields=list(USER_FIELDS))
    )
    learners = [_learner_from_ws(u) for u in users]
    notes: list[str] = ["enrolment times are not available without the companion plugin"]
    quiz_by_id = {q.id: q for q in quizzes}

    todo = list(learners)
    done: dict[int, _CoreLearnerRows] = {}
    if since is not None and previous is not None:
        # Learners who have not been in the course since then keep their earlier rows.
        known = {lr.userid for lr in previous.learners}
        todo = [lr for lr in learners if lr.userid not in known or lr.lastcourseaccess >= since]
        log.info("%d of %d learners accessed the course since then", len(todo), len(learners))
        again = {lr.userid for lr in todo}
        for lr in learners:
            if lr.userid in again:
                continue
            done[lr.userid] = _CoreLearnerRows(
                [r for r in previous.completions if r.userid == lr.userid],
                [r for r in previous.attempts if r.userid == lr.userid],
                next((r for r in previous.course_completions if r.userid == lr.userid), None),
            )
    if journal is not None:
        for entry in journal.entries:
            done[int(entry["userid"])] = _rows_from_json(entry)
    todo = [lr for lr in todo if lr.userid not in done]

    criteria = True
    if todo:
        rec.use("core_completion_get_course_completion_status")
        try:
            get_course_completion_status(client, courseid, todo[0].userid)
        except MoodleError as err:
            if err.errorcode in ("nocriteriaset", "completionnotenabled"):
                criteria = False
                notes.append("the course has no completion criteria: no course completion")
            elif err.errorcode != "usernotenroled":
                raise
    if todo:
        rec.use("core_completion_get_activities_completion_status")
    if todo and quizzes:
        rec.use("mod_quiz_get_user_attempts")

    total = len(todo) + len(done)
    counter = [len(done)]

    def one(learner: Learner) -> _CoreLearnerRows:
        uid = learner.userid
        completions = []
        for st in get_activities_completion_status(client, courseid, uid):
            state = int(st.get("state", 0))
            tm = int(st.get("timecompleted", 0) or 0)
            if state or tm:
                completions.append(
                    ActivityCompletion(
                        cmid=int(st["cmid"]),
                        userid=uid,
                        state=state,
                        timemodified=tm,
                        overrideby=int(st.get("overrideby") or 0) or None,
                    )
                )
        attempts = []
        for quiz in quizzes:
            for a in get_user_attempts(client, quiz.id, uid, status="all"):
                sumgrades = None if a.get("sumgrades") is None else float(a["sumgrades"] or 0)
                questions: tuple[QuestionMark, ...] | None = None
                if question_marks and a.get("state") == "finished":
                    rec.use("mod_quiz_get_attempt_review")
                    questions = tuple(
                        QuestionMark(
                            slot=int(q["slot"]),
                            mark=_parse_mark(q.get("mark")),
                            maxmark=float(q["maxmark"]) if q.get("maxmark") is not None else None,
                        )
                        for q in get_attempt_review(client, int(a["id"]))
                    )
                attempts.append(
                    Attempt(
                        id=int(a["id"]),
                        quizid=quiz.id,
                        userid=uid,
                        attempt=int(a.get("attempt", 0)),
                        state=str(a.get("state", "")),
                        timestart=int(a.get("timestart", 0) or 0),
                        timefinish=int(a.get("timefinish", 0) or 0),
                        timemodified=int(a.get("timemodified", 0) or 0),
                        sumgrades=sumgrades,
                        grade=quiz_by_id[quiz.id].scale(sumgrades),
                        questions=questions,
                    )
                )
        cc_row = None
        if criteria:
            try:
                cc = get_course_completion_status(client, courseid, uid)
                if cc.get("completed"):
                    cc_row = CourseCompletionRow(
                        userid=uid,
                        completed=True,
                        timecompleted=_course_completion_time(dict(cc)),
                    )
            except MoodleError as err:
                if err.errorcode not in ("usernotenroled", "nocriteriaset"):
                    raise
        rows = _CoreLearnerRows(completions, attempts, cc_row)
        if journal is not None:
            journal.append({"userid": uid, **_rows_to_json(rows)})
        counter[0] += 1
        if progress is not None:
            progress("learners", counter[0], total)
        return rows

    for learner, rows in zip(todo, client.map(one, todo), strict=True):
        done[learner.userid] = rows

    rec.use("gradereport_user_get_grade_items")
    grade_items, grades = _grades(client, courseid)
    profile_fields = _profile_fields(users)
    return CourseData(
        site=siteref,
        course=course,
        pull=_pending("core", since, notes),
        profile_fields=profile_fields,
        learners=tuple(learners),
        activities=activities,
        quizzes=quizzes,
        completions=tuple(c for r in done.values() for c in r.completions),
        attempts=tuple(a for r in done.values() for a in r.attempts),
        grade_items=grade_items,
        grades=grades,
        course_completions=tuple(
            r.course_completion for r in done.values() if r.course_completion is not None
        ),
    )


def _rows_to_json(rows: _CoreLearnerRows) -> dict[str, Any]:
    return {
        "completions": to_jsonable(rows.completions),
        "attempts": to_jsonable(rows.attempts),
        "course_completion": to_jsonable(rows.course_completion),
    }


def _rows_from_json(entry: dict[str, Any]) -> _CoreLearnerRows:
    cc = entry.get("course_completion")
    return _CoreLearnerRows(
        [from_jsonable(ActivityCompletion, c) for c in entry.get("completions", [])],
        [from_jsonable(Attempt, a) for a in entry.get("attempts", [])],
        from_jsonable(CourseCompletionRow, cc) if cc else None,
    )


def _grades(
    client: MoodleClient, courseid: int
) -> tuple[tuple[GradeItemInfo, ...], tuple[GradeRow, ...]]:
    items: dict[int, GradeItemInfo] = {}
    rows: list[GradeRow] = []
    for ug in get_grade_items(client, courseid, 0):
        uid = int(ug["userid"])
        for gi in ug.get("gradeitems", []):
            iid = int(gi["id"])
            if iid not in items:
                items[iid] = GradeItemInfo(
                    id=iid,
                    itemtype=str(gi.get("itemtype", "")),
                    name=str(gi.get("itemname") or ""),
                    itemmodule=gi.get("itemmodule") or None,
                    iteminstance=gi.get("iteminstance"),
                    cmid=gi.get("cmid"),
                    idnumber=str(gi.get("idnumber") or ""),
                    grademin=float(gi.get("grademin", 0) or 0),
                    grademax=float(gi.get("grademax", 0) or 0),
                )
            raw = gi.get("graderaw")
            if raw is None:
                continue
            rows.append(
                GradeRow(
                    itemid=iid,
                    userid=uid,
                    grade=float(raw),
                    timegraded=gi.get("gradedategraded"),
                    timesubmitted=gi.get("gradedatesubmitted"),
                    hidden=bool(gi.get("gradeishidden")),
                    overridden=bool(gi.get("gradeisoverridden")),
                )
            )
    return tuple(items.values()), tuple(rows)


# --------------------------------------------------------------------------- bulk path


def _pull_bulk(
    client: MoodleClient,
    courseid: int,
    siteref: SiteRef,
    since: int | None,
    progress: ProgressCallback | None,
    rec: _Recorder,
    journal: Journal | None,
) -> CourseData:
    rec.use(BULK_FUNCTION)
    pages: list[dict[str, Any]] = list(journal.entries) if journal is not None else []
    after = int(pages[-1]["nextafteruserid"]) if pages else 0
    more = bool(pages[-1]["hasmore"]) if pages else True
    while more:
        page = client.call(
            BULK_FUNCTION,
            {"courseid": courseid, "since": since or 0, "afteruserid": after, "limit": BULK_PAGE},
        )
        if not isinstance(page, dict):
            raise PullError(f"{BULK_FUNCTION}: unexpected answer")
        if journal is not None:
            journal.append(page)
        pages.append(page)
        after = int(page.get("nextafteruserid", 0))
        more = bool(page.get("hasmore"))
        if progress is not None:
            total = int(page.get("totalusers", 0))
            done = sum(len(p.get("users", [])) for p in pages)
            progress("learners", min(done, total), total)
    return bulk_pages_to_data(pages, siteref, since)


def bulk_pages_to_data(
    pages: Sequence[dict[str, Any]], siteref: SiteRef, since: int | None
) -> CourseData:
    """The :class:`CourseData` of the plugin's pages (structure from the first page)."""
    first = pages[0]
    c = first["course"]
    course = CourseRef(
        id=int(c["id"]),
        shortname=str(c["shortname"]),
        fullname=str(c.get("fullname", "")),
        idnumber=str(c.get("idnumber") or ""),
        startdate=int(c.get("startdate", 0)),
        enddate=int(c.get("enddate", 0)),
    )
    quizzes = tuple(
        QuizInfo(
            id=int(q["id"]),
            cmid=int(q["cmid"]),
            name=str(q["name"]),
            sumgrades=float(q["sumgrades"]),
            grade=float(q["grade"]),
            gradepass=float(q["gradepass"]) if q.get("gradepass") else None,
            grademethod=int(q.get("grademethod", 1)),
            attempts=int(q.get("attempts", 0)),
        )
        for q in first.get("quizzes", [])
    )
    quiz_by_id = {q.id: q for q in quizzes}
    learners: list[Learner] = []
    completions: list[ActivityCompletion] = []
    attempts: list[Attempt] = []
    grades: list[GradeRow] = []
    ccs: list[CourseCompletionRow] = []
    for page in pages:
        for u in page.get("users", []):
            learners.append(
                Learner(
                    userid=int(u["id"]),
                    username=str(u["username"]),
                    firstname=str(u.get("firstname", "")),
                    lastname=str(u.get("lastname", "")),
                    email=str(u.get("email", "")),
                    idnumber=str(u.get("idnumber") or ""),
                    profile={str(p["shortname"]): str(p["value"]) for p in u.get("profile", [])},
                    roles=tuple(sorted(str(r) for r in u.get("roles", []))),
                    timeenrolled=int(u["timeenrolled"]) if u.get("timeenrolled") else None,
                    suspended=bool(u.get("suspended")),
                    firstaccess=int(u.get("firstaccess", 0)),
                    lastaccess=int(u.get("lastaccess", 0)),
                    lastcourseaccess=int(u.get("lastcourseaccess", 0)),
                )
            )
        for r in page.get("completions", []):
            completions.append(
                ActivityCompletion(
                    cmid=int(r["cmid"]),
                    userid=int(r["userid"]),
                    state=int(r["completionstate"]),
                    timemodified=int(r["timemodified"]),
                    overrideby=int(r["overrideby"]) if r.get("overrideby") else None,
                )
            )
        for a in page.get("attempts", []):
            quiz = quiz_by_id.get(int(a["quiz"]))
            sumgrades = None if a.get("sumgrades") is None else float(a["sumgrades"])
            attempts.append(
                Attempt(
                    id=int(a["id"]),
                    quizid=int(a["quiz"]),
                    userid=int(a["userid"]),
                    attempt=int(a["attempt"]),
                    state=str(a["state"]),
                    timestart=int(a["timestart"]),
                    timefinish=int(a["timefinish"]),
                    timemodified=int(a["timemodified"]),
                    sumgrades=sumgrades,
                    grade=quiz.scale(sumgrades) if quiz else None,
                    # Marks of finished attempts only, as on the core path (review).
                    questions=tuple(
                        QuestionMark(
                            slot=int(q["slot"]),
                            mark=None if q.get("mark") is None else float(q["mark"]),
                            maxmark=None if q.get("maxmark") is None else float(q["maxmark"]),
                        )
                        for q in a.get("questions", [])
                    )
                    if a["state"] == "finished"
                    else None,
                )
            )
        for g in page.get("grades", []):
            if g.get("finalgrade") is None:
                continue
            grades.append(
                GradeRow(
                    itemid=int(g["itemid"]),
                    userid=int(g["userid"]),
                    grade=float(g["finalgrade"]),
                    timegraded=int(g["timemodified"]) if g.get("timemodified") else None,
                    timesubmitted=int(g["datesubmitted"]) if g.get("datesubmitted") else None,
                    hidden=bool(g.get("hidden")),
                    overridden=bool(g.get("overridden")),
                )
            )
        for r in page.get("coursecompletions", []):
            if not r.get("timecompleted"):
                continue  # only completions, as on the core path
            ccs.append(
                CourseCompletionRow(
                    userid=int(r["userid"]),
                    completed=bool(r.get("timecompleted")),
                    timecompleted=int(r["timecompleted"]) if r.get("timecompleted") else None,
                    timestarted=int(r["timestarted"]) if r.get("timestarted") else None,
                )
            )
    return CourseData(
        site=siteref,
        course=course,
        pull=_pending("bulk", since),
        profile_fields=tuple(
            ProfileField(str(f["shortname"]), str(f.get("name", "")), str(f.get("datatype", "")))
            for f in first.get("profilefields", [])
        ),
        learners=tuple(learners),
        activities=tuple(
            Activity(
                cmid=int(m["cmid"]),
                modname=str(m["modname"]),
                instance=int(m["instance"]),
                name=str(m["name"]),
                sectionnum=int(m.get("sectionnum", 0)),
                idnumber=str(m.get("idnumber") or ""),
                completion=int(m.get("completion", 0)),
                visible=bool(m.get("visible", 1)),
            )
            for m in first.get("modules", [])
        ),
        quizzes=quizzes,
        completions=tuple(completions),
        attempts=tuple(attempts),
        grade_items=tuple(
            GradeItemInfo(
                id=int(g["id"]),
                itemtype=str(g["itemtype"]),
                name=str(g.get("name") or ""),
                itemmodule=g.get("itemmodule") or None,
                iteminstance=g.get("iteminstance"),
                cmid=g.get("cmid") or None,
                idnumber=str(g.get("idnumber") or ""),
                grademin=float(g.get("grademin", 0)),
                grademax=float(g.get("grademax", 0)),
            )
            for g in first.get("gradeitems", [])
        ),
        grades=tuple(grades),
        course_completions=tuple(ccs),
    )


# --------------------------------------------------------------------------- merging


def _only_learners(data: CourseData) -> CourseData:
    """Drop rows of users who are not (or no longer) learners of the course."""
    ids = {lr.userid for lr in data.learners}
    return replace(
        data,
        completions=tuple(r for r in data.completions if r.userid in ids),
        attempts=tuple(r for r in data.attempts if r.userid in ids),
        grades=tuple(r for r in data.grades if r.userid in ids),
        course_completions=tuple(r for r in data.course_completions if r.userid in ids),
    )


def merge(old: CourseData, new: CourseData) -> CourseData:
    """``new`` (an incremental bulk pull: rows changed since a time) over ``old``:
    structure and learners from ``new``, rows keyed by what identifies them, ``new``
    winning; rows of users who are no longer learners are dropped afterwards."""

    def keep(
        old_rows: Iterable[Any], new_rows: Iterable[Any], key: Callable[[Any], Any]
    ) -> tuple[Any, ...]:
        merged = {key(r): r for r in old_rows}
        merged.update({key(r): r for r in new_rows})
        return tuple(merged[k] for k in sorted(merged))

    return replace(
        new,
        completions=keep(old.completions, new.completions, lambda r: (r.userid, r.cmid)),
        attempts=keep(old.attempts, new.attempts, lambda r: (r.userid, r.quizid, r.id)),
        grades=keep(old.grades, new.grades, lambda r: (r.userid, r.itemid)),
        course_completions=keep(old.course_completions, new.course_completions, lambda r: r.userid),
    )
