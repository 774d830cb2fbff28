"""The fake site's data: a small in-memory model of the Moodle tables the functions touch.

Records are plain dicts keyed by id, so a whole :class:`State` can be snapshotted with
``copy.deepcopy`` for Moodle's delegated transactions (all-or-nothing batches). Id sequences live
outside the snapshot, like PostgreSQL sequences: a rolled-back insert still consumes its id, which
is why the recorded site's ids have gaps.

Context levels follow Moodle: 10 system, 30 user, 40 category, 50 course, 70 module.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

CONTEXT_SYSTEM = 10
CONTEXT_USER = 30
CONTEXT_COURSECAT = 40
CONTEXT_COURSE = 50
CONTEXT_MODULE = 70

ROLE_MANAGER = 1
ROLE_COURSECREATOR = 2
ROLE_EDITINGTEACHER = 3
ROLE_TEACHER = 4
ROLE_STUDENT = 5
ROLE_GUEST = 6
ROLE_USER = 7
ROLE_FRONTPAGE = 8

CORE_VERSION = "2024100706"
PLUGIN_VERSION = "2024100700"
RELEASE = "4.5.6 (Build: 20250811)"
THEME_REV = 1795668241

Record = dict[str, Any]

# Capabilities the implemented functions check, with the names Moodle shows in
# required_capability_exception messages.
CAPABILITY_NAMES: dict[str, str] = {
    "moodle/user:create": "Create users",
    "moodle/user:update": "Update user profiles",
    "moodle/user:delete": "Delete users",
    "moodle/user:viewdetails": "View user profiles",
    "moodle/user:viewalldetails": "View user full information",
    "moodle/site:viewuseridentity": "See full user identity in lists",
    "moodle/category:manage": "Manage categories",
    "moodle/category:viewhiddencategories": "See hidden categories",
    "moodle/course:create": "Create courses",
    "moodle/course:update": "Update course settings",
    "moodle/course:delete": "Delete courses",
    "moodle/course:view": "View courses without participation",
    "moodle/course:viewhiddencourses": "View hidden courses",
    "moodle/course:viewhiddensections": "View hidden sections",
    "moodle/course:viewparticipants": "View participants",
    "moodle/course:enrolreview": "Review course enrolments",
    "moodle/course:managegroups": "Manage groups",
    "moodle/course:viewsuspendedusers": "View suspended users",
    "moodle/course:manageactivities": "Manage activities",
    "moodle/cohort:manage": "Create, delete and move cohorts",
    "moodle/cohort:assign": "Add and remove cohort members",
    "moodle/cohort:view": "View site-wide cohorts",
    "moodle/role:assign": "Assign roles to users",
    "moodle/role:review": "Review permissions for others",
    "moodle/site:accessallgroups": "Access all groups",
    "moodle/grade:viewall": "View grades of other users",
    "moodle/grade:view": "View own grades",
    "gradereport/user:view": "View your own grade report",
    "enrol/manual:enrol": "Enrol users",
    "enrol/manual:unenrol": "Unenrol users from the course",
    "report/progress:view": "View activity completion reports",
    "report/completion:view": "View course completion report",
    "mod/quiz:viewreports": "View quiz reports",
    "mod/quiz:attempt": "Attempt quizzes",
    "mod/quiz:view": "View quiz information",
    "mod/quiz:reviewmyattempts": "Review your own attempts",
    "mod/page:view": "View page",
    "moodle/restore:restorecourse": "Restore courses",
    "moodle/backup:backupcourse": "Backup courses",
    "moodle/backup:backuptargetimport": "Back up for import",
    "moodle/restore:restoretargetimport": "Restore for import",
    "webservice/rest:use": "Use REST protocol",
    "moodle/user:manageownfiles": "Manage files in private file areas",
    "moodle/course:activityvisibility": "Hide/show activities",
    "moodle/question:editall": "Edit all questions",
    "moodle/question:add": "Add new questions",
    "moodle/site:config": "Change site configuration",
    "local/lemma:exportlearnerdata": "Export the learner data of a course in bulk (lemma report)",
}

STUDENT_CAPS = {
    "moodle/course:viewparticipants",
    "moodle/grade:view",
    "gradereport/user:view",
    "mod/quiz:attempt",
    "mod/quiz:view",
    "mod/quiz:reviewmyattempts",
    "mod/page:view",
}
TEACHER_CAPS = STUDENT_CAPS | {
    "moodle/course:managegroups",
    "moodle/course:enrolreview",
    "moodle/course:viewsuspendedusers",
    "moodle/course:viewhiddencourses",
    "moodle/course:viewhiddensections",
    "moodle/site:accessallgroups",
    "moodle/grade:viewall",
    "report/progress:view",
    "report/completion:view",
    "mod/quiz:viewreports",
    "moodle/role:review",
    "moodle/site:viewuseridentity",
    "moodle/user:viewdetails",
}
EDITINGTEACHER_CAPS = TEACHER_CAPS | {
    "moodle/course:update",
    "moodle/course:manageactivities",
    "enrol/manual:enrol",
    "enrol/manual:unenrol",
    "moodle/role:assign",
    "moodle/backup:backupcourse",
    "moodle/restore:restorecourse",
    "moodle/backup:backuptargetimport",
    "moodle/restore:restoretargetimport",
    "moodle/course:activityvisibility",
    "moodle/question:editall",
    "moodle/question:add",
}
# moodle/site:config belongs to site administrators only (no archetype has it).
MANAGER_CAPS = set(CAPABILITY_NAMES) - {"mod/quiz:attempt", "moodle/site:config"}
USER_CAPS = {"webservice/rest:use", "moodle/user:manageownfiles"}


class SiteConfig:
    """Site settings ($CFG) the fake honours. Change them freely in tests."""

    def __init__(self) -> None:
        self.sitename = "Acceptance Moodle"
        self.release = RELEASE
        self.version = CORE_VERSION
        self.debug = False  # True = DEBUG_DEVELOPER: error bodies carry debuginfo
        self.maxbytes = 0  # site maxbytes, 0 = PHP limit only
        self.upload_max_filesize = 128 * 1024 * 1024
        self.post_max_size = 128 * 1024 * 1024
        self.max_input_vars = 5000
        self.max_file_uploads = 20  # PHP drops file fields past this many, silently
        self.allowaccountssameemail = False
        self.userquota = 104857600
        self.enablecompletion = True
        self.enablewebservices = True
        self.rest_enabled = True
        self.maintenance = False  # $CFG->maintenance_enabled: sitemaintenance errors
        self.extendedusernamechars = False
        self.passwordpolicy = True
        self.timezone = "UTC"  # core_date::get_server_timezone(); also the users' default
        self.courseduration = 365 * 24 * 3600
        self.grade_report_showonlyactiveenrol = True
        self.advancedfeatures: list[tuple[str, int]] = [
            ("usecomments", 1),
            ("usetags", 1),
            ("enablenotes", 1),
            ("messaging", 1),
            ("enableblogs", 1),
            ("enablecompletion", 1),
            ("enablebadges", 1),
            ("messagingallusers", 0),
            ("enablecustomreports", 1),
            ("enableglobalsearch", 0),
            ("mnet_dispatcher_mode", 0),
            ("enablecompetencies", 1),
        ]


@dataclass
class Sequences:
    """Id sequences; never rolled back."""

    counters: dict[str, itertools.count[int]] = field(default_factory=dict)

    def start(self, table: str, first: int) -> None:
        self.counters[table] = itertools.count(first)

    def next(self, table: str) -> int:
        if table not in self.counters:
            self.counters[table] = itertools.count(1)
        return next(self.counters[table])


class State:
    """All tables of the fake site. Use :meth:`transaction` around writes."""

    _TABLES = (
        "contexts",
        "categories",
        "courses",
        "sections",
        "modules",
        "enrol",
        "user_enrolments",
        "role_assignments",
        "roles",
        "users",
        "profile_categories",
        "profile_fields",
        "profile_data",
        "preferences",
        "groups",
        "group_members",
        "cohorts",
        "cohort_members",
        "files",
        "completion",
        "course_completion_criteria",
        "quizzes",
        "quiz_attempts",
        "pages",
        "grade_items",
        "grades",
        "services",
        "tokens",
        "role_allow_assign",
        "siteadmins",
        "question_bank_entries",
        "question_versions",
        "questions",
        "instances",
        "lemma_applied",
        "resources",
        "lemma_restores",
        "filetypes",
    )

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.config = SiteConfig()
        self.seq = Sequences()
        self.url = "http://127.0.0.1"
        self.contexts: dict[int, Record] = {}
        self.categories: dict[int, Record] = {}
        self.courses: dict[int, Record] = {}
        self.sections: dict[int, Record] = {}
        self.modules: dict[int, Record] = {}  # course_modules, keyed by cmid
        self.enrol: dict[int, Record] = {}
        self.user_enrolments: dict[tuple[int, int], Record] = {}  # (enrolid, userid)
        self.role_assignments: list[Record] = []
        self.roles: dict[int, Record] = {}
        self.users: dict[int, Record] = {}
        self.profile_categories: dict[int, Record] = {}  # user_info_category
        self.profile_fields: dict[int, Record] = {}
        self.profile_data: dict[tuple[int, int], str] = {}  # (userid, fieldid)
        self.preferences: dict[tuple[int, str], str] = {}
        self.groups: dict[int, Record] = {}
        self.group_members: dict[tuple[int, int], Record] = {}  # (groupid, userid)
        self.cohorts: dict[int, Record] = {}
        self.cohort_members: dict[tuple[int, int], Record] = {}  # (cohortid, userid)
        self.files: list[Record] = []
        self.completion: dict[tuple[int, int], Record] = {}  # (cmid, userid)
        self.course_completion_criteria: dict[int, list[Record]] = {}  # courseid -> criteria
        self.quizzes: dict[int, Record] = {}
        self.quiz_attempts: dict[int, Record] = {}
        self.pages: dict[int, Record] = {}
        self.grade_items: dict[int, Record] = {}
        self.grades: dict[tuple[int, int], Record] = {}  # (itemid, userid)
        self.services: dict[int, Record] = {}
        self.tokens: dict[str, Record] = {}
        self.role_allow_assign: set[tuple[int, int]] = set()  # (fromroleid, toroleid)
        self.siteadmins: set[int] = set()
        self.resources: dict[int, Record] = {}  # mod_resource instances
        # local_lemma_restores rows by restoreid (functions/lemma_restore.py)
        self.lemma_restores: dict[str, Record] = {}
        self.filetypes: dict[str, str] = {}  # extensions registered on the site -> MIME type
        # the companion plugin's restores (functions/lemma_restore.py): each status call runs
        # "cron" once (restore_auto); restore_hold stops cron; restore_fail makes the next
        # restore fail with that message; restore_steps cron runs from queued to finished
        self.restore_auto = True
        self.restore_hold = False
        self.restore_fail: str | None = None
        self.restore_steps = 2
        self.restore_precheck_warnings: list[str] = []
        self.draft_itemids: set[int] = set()
        self.draft_itemid_queue: list[int] = []  # next draft itemids to hand out (tests)
        self.clock: float | None = None  # fixed time for tests, None = real time
        # question bank (tests/fake_moodle/questionbank.py)
        self.question_bank_entries: dict[int, Record] = {}
        self.question_versions: dict[int, Record] = {}
        self.questions: dict[int, Record] = {}
        # instances of labels, urls, resources and glossaries: (modname, id) -> record
        self.instances: dict[tuple[str, int], Record] = {}
        # local_lemma_applied: courseid -> {key: {aspect: fingerprint}}
        self.lemma_applied: dict[int, dict[str, dict[str, str]]] = {}
        # versions of plugins the fake pretends to have, e.g. {"local_lemma": "2026112600"}:
        # site info lists their functions with this version
        self.component_versions: dict[str, str] = {}

    # ------------------------------------------------------------------ time
    def now(self) -> int:
        return int(self.clock if self.clock is not None else time.time())

    # ------------------------------------------------------------ transactions
    def _snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(getattr(self, name)) for name in self._TABLES}

    def _restore(self, snap: dict[str, Any]) -> None:
        for name, value in snap.items():
            setattr(self, name, value)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A delegated transaction: any exception rolls every table back (not the sequences)."""
        with self.lock:
            snap = self._snapshot()
            try:
                yield
            except BaseException:
                self._restore(snap)
                raise

    # --------------------------------------------------------------- contexts
    def new_context(self, level: int, instanceid: int, parent: int | None) -> int:
        ctxid = self.seq.next("context")
        self.add_context(ctxid, level, instanceid, parent)
        return ctxid

    def add_context(self, ctxid: int, level: int, instanceid: int, parent: int | None) -> None:
        parent_path = self.contexts[parent]["path"] if parent else ""
        self.contexts[ctxid] = {
            "id": ctxid,
            "contextlevel": level,
            "instanceid": instanceid,
            "path": f"{parent_path}/{ctxid}",
        }

    def context_id(self, level: int, instanceid: int) -> int | None:
        for ctx in self.contexts.values():
            if ctx["contextlevel"] == level and ctx["instanceid"] == instanceid:
                return int(ctx["id"])
        return None

    def context_of(self, level: int, instanceid: int) -> Record:
        ctxid = self.context_id(level, instanceid)
        if ctxid is None:
            raise KeyError((level, instanceid))
        return self.contexts[ctxid]

    def parent_context_ids(self, ctxid: int) -> list[int]:
        return [int(p) for p in self.contexts[ctxid]["path"].split("/") if p]

    # ------------------------------------------------------------------ users
    def user_by_username(self, username: str) -> Record | None:
        for u in self.users.values():
            if u["username"] == username and not u["deleted"]:
                return u
        return None

    def fullname(self, user: Record) -> str:
        return f"{user['firstname']} {user['lastname']}"

    def is_siteadmin(self, userid: int) -> bool:
        return userid in self.siteadmins

    # ------------------------------------------------------------ enrolments
    def manual_instance(self, courseid: int, enabled_only: bool = True) -> Record | None:
        for inst in sorted(self.enrol.values(), key=lambda r: r["id"]):
            if inst["courseid"] == courseid and inst["enrol"] == "manual":
                if enabled_only and inst["status"] != 0:
                    continue
                return inst
        return None

    def user_enrolments_in(self, courseid: int) -> list[tuple[Record, Record]]:
        """(instance, user_enrolment) pairs of a course."""
        out = []
        for (enrolid, _userid), ue in self.user_enrolments.items():
            inst = self.enrol.get(enrolid)
            if inst and inst["courseid"] == courseid:
                out.append((inst, ue))
        return out

    def is_enrolled(self, courseid: int, userid: int, onlyactive: bool = False) -> bool:
        now = self.now()
        for inst, ue in self.user_enrolments_in(courseid):
            if ue["userid"] != userid:
                continue
            if not onlyactive:
                return True
            if (
                inst["status"] == 0
                and ue["status"] == 0
                and ue["timestart"] <= now
                and (ue["timeend"] == 0 or ue["timeend"] > now)
            ):
                return True
        return False

    def enrolled_userids(self, courseid: int, onlyactive: bool = False) -> list[int]:
        ids = {ue["userid"] for _inst, ue in self.user_enrolments_in(courseid)}
        return sorted(u for u in ids if self.is_enrolled(courseid, u, onlyactive))

    def roles_in_course(self, courseid: int, userid: int) -> list[int]:
        ctxid = self.context_id(CONTEXT_COURSE, courseid)
        return [
            ra["roleid"]
            for ra in self.role_assignments
            if ra["contextid"] == ctxid and ra["userid"] == userid
        ]

    # ----------------------------------------------------------- capabilities
    def has_capability(self, userid: int, capability: str, ctxid: int) -> bool:
        """Site admins have everything; otherwise any role assigned in the context path."""
        if self.is_siteadmin(userid):
            return True
        user = self.users.get(userid)
        if user is None or user["deleted"]:
            return False
        path = set(self.parent_context_ids(ctxid)) if ctxid in self.contexts else {1}
        roleids = {ROLE_USER}
        for ra in self.role_assignments:
            if ra["userid"] == userid and ra["contextid"] in path:
                roleids.add(ra["roleid"])
        return any(capability in self.roles[r]["caps"] for r in roleids if r in self.roles)

    # ---------------------------------------------------------------- helpers
    def profile_field_by_shortname(self, shortname: str) -> Record | None:
        for f in self.profile_fields.values():
            if f["shortname"] == shortname:
                return f
        return None

    def course_module(self, cmid: int) -> Record | None:
        return self.modules.get(cmid)

    def modules_in_course(self, courseid: int) -> list[Record]:
        out = []
        for section in sorted(
            (s for s in self.sections.values() if s["course"] == courseid),
            key=lambda s: s["section"],
        ):
            for cmid in section["sequence"]:
                cm = self.modules.get(cmid)
                if cm is not None and not cm.get("deletioninprogress"):
                    out.append(cm)
        return out
