"""Every web-service function lemma calls: what it is for and whether resending it is safe.

``lemma doctor`` checks the token's service against this table, and the client uses
``idempotent`` to decide what may be retried. ``read`` and ``write`` follow the ``type`` in
Moodle's ``db/services.php``; a write is ``idempotent`` when sending it twice leaves the site
as sending it once (checked in the transcripts: re-enrolling updates the enrolment, adding an
existing group member or cohort member is a no-op, deleting a deleted course is a warning).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WsFunction:
    name: str
    kind: str  # "read" | "write"
    idempotent: bool
    features: tuple[str, ...]
    purpose: str
    required: bool = True


_F = WsFunction

FUNCTIONS: dict[str, WsFunction] = {
    f.name: f
    for f in (
        _F("core_webservice_get_site_info", "read", True, ("doctor",), "site, version, functions"),
        _F("core_course_get_categories", "read", True, ("deploy",), "find a category"),
        _F("core_course_create_categories", "write", False, ("deploy",), "create a category"),
        _F(
            "core_course_get_courses_by_field",
            "read",
            True,
            ("deploy", "enrol", "report"),
            "find a course by shortname/idnumber/id",
        ),
        _F("core_course_create_courses", "write", False, ("deploy",), "create a course"),
        _F(
            "core_course_get_contents",
            "read",
            True,
            ("deploy", "report"),
            "sections and activities (cmids)",
        ),
        _F(
            "core_course_update_courses",
            "write",
            True,
            ("deploy",),
            "hide the previous version (deploy --hide-previous), rename (--via cli)",
            required=False,
        ),
        _F(
            "core_course_get_course_module",
            "read",
            True,
            ("deploy",),
            "activity idnumbers without the companion plugin (deploy --via cli)",
            required=False,
        ),
        _F(
            "core_course_delete_courses",
            "write",
            True,
            ("deploy",),
            "delete a course",
            required=False,
        ),
        _F(
            "core_files_get_files",
            "read",
            True,
            ("deploy",),
            "check an uploaded draft",
            required=False,
        ),
        _F("core_user_get_users_by_field", "read", True, ("enrol",), "find users"),
        _F("core_user_create_users", "write", False, ("enrol",), "create users"),
        _F("core_user_update_users", "write", True, ("enrol",), "update users"),
        _F("enrol_manual_enrol_users", "write", True, ("enrol",), "enrol users"),
        _F("enrol_manual_unenrol_users", "write", True, ("enrol",), "unenrol users"),
        _F("core_enrol_get_enrolled_users", "read", True, ("enrol", "report"), "list participants"),
        _F("core_group_get_course_groups", "read", True, ("enrol",), "find groups", required=False),
        _F("core_group_create_groups", "write", False, ("enrol",), "create groups"),
        _F("core_group_add_group_members", "write", True, ("enrol",), "add group members"),
        _F(
            "core_cohort_create_cohorts",
            "write",
            False,
            ("enrol",),
            "create cohorts",
            required=False,
        ),
        _F(
            "core_cohort_add_cohort_members",
            "write",
            True,
            ("enrol",),
            "add cohort members",
            required=False,
        ),
        _F(
            "core_completion_get_activities_completion_status",
            "read",
            True,
            ("report",),
            "activity completion per user",
        ),
        _F(
            "core_completion_get_course_completion_status",
            "read",
            True,
            ("report",),
            "course completion per user",
        ),
        _F("mod_quiz_get_quizzes_by_courses", "read", True, ("report",), "quizzes of a course"),
        _F("mod_quiz_get_user_attempts", "read", True, ("report",), "quiz attempts per user"),
        _F(
            "mod_quiz_get_user_best_grade",
            "read",
            True,
            ("report",),
            "best quiz grade per user",
            required=False,
        ),
        _F(
            "mod_quiz_get_attempt_review",
            "read",
            True,
            ("report",),
            "marks per question of an attempt (core path)",
            required=False,
        ),
        _F(
            "gradereport_user_get_grade_items",
            "read",
            True,
            ("report",),
            "grades of every user of a course",
        ),
    )
}

#: Functions of lemma's companion plugin start with this; the plugin is optional for now.
COMPANION_PREFIX = "local_lemma_"

#: Moodle 4.5 LTS (version.php $version of 4.5.0).
MIN_VERSION = 2024100700
MIN_RELEASE = "4.5"


def is_idempotent(wsfunction: str) -> bool:
    """Whether resending ``wsfunction`` is safe. Unknown functions: only ``*_get_*`` reads."""
    f = FUNCTIONS.get(wsfunction)
    if f is not None:
        return f.idempotent
    return "_get_" in wsfunction or wsfunction.endswith("_get")


def required_functions() -> list[WsFunction]:
    return [f for f in FUNCTIONS.values() if f.required]
