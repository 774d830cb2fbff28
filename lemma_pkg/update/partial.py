"""A backup holding only some items of a course: how an update adds items.

The plugin restores it into the live course (``local_lemma_restore_items``, Moodle's restore
controller adding to an existing course), which creates each item with the same settings,
files, completion rules and question bank a full restore of the build would give it.

Every section is kept (with only the chosen items), so that each item is restored into its
own section by number; Moodle leaves the name and summary of a section that already exists
alone. Section restrictions and course completion criteria are left out: they name other
items, whose live ids only the update knows, and it rewrites them afterwards.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Collection

from lemma_pkg.content.model import Course
from lemma_pkg.mbz.archive import write_mbz
from lemma_pkg.mbz.writer import course_members


def partial_course(course: Course, idnumbers: Collection[str]) -> Course:
    """``course`` with only the items ``idnumbers`` (and no restrictions or criteria)."""
    sections = tuple(
        dataclasses.replace(
            s, items=tuple(i for i in s.items if i.idnumber in idnumbers), restriction=None
        )
        for s in course.sections
    )
    return dataclasses.replace(course, sections=sections, completion_requires=())


def partial_backup(course: Course, idnumbers: Collection[str], epoch: int) -> bytes:
    """The .mbz of :func:`partial_course` (deterministic, like every build)."""
    members = course_members(partial_course(course, idnumbers), epoch)
    buf = io.BytesIO()
    write_mbz(members, buf, epoch)
    return buf.getvalue()


__all__ = ["partial_backup", "partial_course"]
