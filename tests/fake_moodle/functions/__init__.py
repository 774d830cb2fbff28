"""The web-service functions, one module per Moodle component. Importing registers them."""

from __future__ import annotations

from . import (  # noqa: F401
    cohort,
    completion,
    course,
    course_import,
    enrol,
    files,
    grades,
    group,
    lemma_plugin,
    lemma_restore,
    lemma_update,
    mobile,
    page,
    quiz,
    user,
    webservice,
)
