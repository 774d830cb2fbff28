"""``lemma report``: pull a course's learner data through web services and write research
exports (pseudonymous row-level or k-anonymous aggregates), and raw snapshots for admins.

The API other commands build on::

    from lemma_pkg.report import CourseData, pull_course_data, read_snapshot, write_snapshot
"""

from lemma_pkg.report.model import CourseData
from lemma_pkg.report.pull import pull_course_data
from lemma_pkg.report.snapshot import read_snapshot, write_snapshot

__all__ = ["CourseData", "pull_course_data", "read_snapshot", "write_snapshot"]
