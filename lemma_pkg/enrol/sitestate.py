"""What the site already has, read in bulk before anything is planned or written: the
users of the roster (by username, and by email for new ones), each course with its manual
enrolment method, enrolments (status, dates, roles, groups) and groups, the cohorts and
their members. Reads only, in batches: at most one call per 500 users."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.courses import Course, get_course_by_field
from lemma_pkg.moodle.enrol import CourseEnrolments, get_course_enrolments
from lemma_pkg.moodle.groups import (
    Cohort,
    Group,
    get_cohort_members,
    get_cohorts,
    get_course_groups,
)
from lemma_pkg.moodle.siterules import SiteRules
from lemma_pkg.moodle.users import User, get_users_by_field

log = logging.getLogger("lemma.enrol")


@dataclass
class CourseState:
    course: Course
    enrolments: CourseEnrolments
    #: name -> group; group ids are in ``groups_by_id``.
    groups: dict[str, Group] = field(default_factory=dict)
    groups_by_id: dict[int, Group] = field(default_factory=dict)

    def group(self, ref: str) -> Group | None:
        """A group by name, or by id when ``ref`` is a number (as Moodle's Upload users does:
        numeric group names are not supported)."""
        if ref.isdigit():
            return self.groups_by_id.get(int(ref))
        return self.groups.get(ref)


@dataclass
class SiteState:
    rules: SiteRules
    #: username -> user, for the roster's users that exist.
    users: dict[str, User] = field(default_factory=dict)
    #: lower-case email -> users with that address (looked up for new users only).
    emails: dict[str, list[User]] = field(default_factory=dict)
    #: shortname -> course (None: no such course, or not visible to the token's user).
    courses: dict[str, CourseState | None] = field(default_factory=dict)
    cohorts_by_idnumber: dict[str, Cohort] = field(default_factory=dict)
    cohorts_by_id: dict[int, Cohort] = field(default_factory=dict)
    cohort_members: dict[int, set[int]] = field(default_factory=dict)

    def cohort(self, ref: str) -> Cohort | None:
        """A cohort by id when ``ref`` is a number, else by idnumber (Moodle's rule)."""
        if ref.isdigit():
            return self.cohorts_by_id.get(int(ref))
        return self.cohorts_by_idnumber.get(ref)


def read_users(client: MoodleClient, usernames: Iterable[str]) -> dict[str, User]:
    names = sorted(set(usernames))
    return {u["username"]: u for u in get_users_by_field(client, "username", names)}


def read_emails(client: MoodleClient, emails: Iterable[str]) -> dict[str, list[User]]:
    """Users holding each address. Moodle compares addresses without case when it creates
    a user, but this look-up is exact: each address is looked up as given and in lower
    case (what is still missed is caught when Moodle refuses the row)."""
    values = sorted({e for e in emails} | {e.lower() for e in emails})
    out: dict[str, list[User]] = {}
    seen: set[int] = set()
    for u in get_users_by_field(client, "email", values) if values else []:
        if u["id"] in seen:
            continue
        seen.add(u["id"])
        out.setdefault(str(u.get("email", "")).lower(), []).append(u)
    return out


def read_course(client: MoodleClient, shortname: str) -> CourseState | None:
    course = get_course_by_field(client, "shortname", shortname)
    if course is None:
        return None
    state = CourseState(course, get_course_enrolments(client, course.id))
    for g in get_course_groups(client, course.id):
        state.groups[g["name"]] = g
        state.groups_by_id[g["id"]] = g
    return state


def read_site_state(
    client: MoodleClient,
    rules: SiteRules,
    *,
    usernames: Iterable[str],
    courses: Iterable[str],
    cohort_refs: Iterable[str],
) -> SiteState:
    """Read users, courses and cohorts (email look-ups come later, for new users only)."""
    state = SiteState(rules)
    state.users = read_users(client, usernames)
    log.debug("%d of the roster's users exist", len(state.users))
    for shortname in sorted(set(courses)):
        state.courses[shortname] = read_course(client, shortname)
    refs = set(cohort_refs)
    if refs:
        for c in get_cohorts(client):
            state.cohorts_by_id[c["id"]] = c
            if c.get("idnumber"):
                state.cohorts_by_idnumber[c["idnumber"]] = c
        found = [state.cohort(ref) for ref in sorted(refs)]
        wanted = [c["id"] for c in found if c is not None]
        state.cohort_members = get_cohort_members(client, sorted(set(wanted)))
    return state
