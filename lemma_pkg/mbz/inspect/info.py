"""What moodle_backup.xml says about a backup, read as Moodle 4.5's restore reads it.

``backup_general_helper::get_backup_information()`` builds the restore's view of a backup:
versions, type, contents and settings. The version tests are those of
``restore_plan::backup_version_compare()`` (the first 8 digits of ``moodle_version``, a
date) and ``backup_release_compare()`` (PHP ``version_compare`` on ``backup_release``);
restore steps branch on them to read older layouts (questions before 4.0, question
categories before 3.5, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from lemma_pkg.mbz.writer import ORIGINAL_WWWROOT, SITE_IDENTIFIER_HASH

NULL = "$@NULL@$"

#: restore_create_categories_and_questions: questions in 4.0+ layout from this build on.
QUESTIONS_40_BUILD = 20220202
#: restore_dbops::prechek_precheck_qbanks_by_level(): one top category per context from 3.5.
TOPCATS_35_BUILD = 20180205
#: restore_prechecks_helper: the oldest backup_version restore accepts (errorminbackup20version).
MIN_BACKUP_VERSION = 2010072300
#: Moodle 4.5's branch date: a backup from a later branch warns `noticenewerbackup` on 4.5.
MOODLE_45_BRANCH = 20241007


def text(el: Any, tag: str, default: str | None = None) -> str | None:
    """Text of child ``tag`` ('' for an empty element, ``default`` when absent)."""
    if el is None:
        return default
    child = el.find(tag)
    if child is None:
        return default
    return child.text or ""


def integer(value: str | None) -> int | None:
    if value is None or value == NULL:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def number(value: str | None) -> float | None:
    if value is None or value == NULL:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def line_of(el: Any) -> int:
    """The source line of an element (0 when unknown)."""
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else 0


def truthy(value: str | None) -> bool:
    """PHP's truth of a setting value as restore reads it ('' and '0' are false)."""
    return value not in (None, "", "0", NULL)


def _release_key(release: str) -> tuple[tuple[int, int], ...]:
    """A sort key that orders releases as PHP's version_compare does for '3.10', '4.0'.

    Numbers compare as numbers; a number followed by letters ('3.5dev') sorts below the
    plain number, as PHP ranks 'dev' below any number.
    """
    out: list[tuple[int, int]] = []
    for part in re.split(r"[.\-+_ ]", release.strip()):
        m = re.match(r"(\d+)(.*)", part)
        if m:
            out.append((int(m.group(1)), -1 if m.group(2) else 0))
        elif part:
            out.append((-1, -1))
    return tuple(out)


def release_before(release: str, than: str) -> bool:
    """``version_compare(release, than, '<')`` for Moodle release strings."""
    return _release_key(release) < _release_key(than)


@dataclass
class ActivityRef:
    cmid: int | None
    sectionid: int | None
    modname: str
    title: str
    directory: str
    line: int

    @property
    def key(self) -> str:
        """The key restore files this activity's settings under: basename(directory)."""
        return PurePosixPath(self.directory).name


@dataclass
class SectionRef:
    sectionid: int | None
    title: str
    directory: str
    parentcmid: int | None
    line: int

    @property
    def key(self) -> str:
        return PurePosixPath(self.directory).name


@dataclass
class BackupInfo:
    """moodle_backup.xml's ``<information>`` as restore uses it."""

    element: etree._Element
    type: str
    moodle_version: str
    moodle_release: str
    backup_version: int | None
    backup_release: str
    lemma_made: bool
    include_files: bool
    root_settings: dict[str, str] = field(default_factory=dict)
    section_settings: dict[str, dict[str, str]] = field(default_factory=dict)
    activity_settings: dict[str, dict[str, str]] = field(default_factory=dict)
    activities: list[ActivityRef] = field(default_factory=list)
    sections: list[SectionRef] = field(default_factory=list)
    has_course: bool = False

    @property
    def build(self) -> int | None:
        """The first 8 digits of moodle_version (a date), as backup_version_compare() takes them."""
        m = re.search(r"(\d{8})", self.moodle_version)
        return int(m.group(1)) if m else None

    def _build_before(self, date: int) -> bool:
        return self.build is not None and self.build < date

    @property
    def before40(self) -> bool:
        """Questions in the pre-4.0 layout (no bank entries, slots name questions)."""
        return release_before(self.backup_release, "4.0") or self._build_before(QUESTIONS_40_BUILD)

    @property
    def after35(self) -> bool:
        """One 'top' category per context is enforced (restoremultipletopcats)."""
        return (
            not release_before(self.backup_release, "3.5")
            and self.build is not None
            and self.build > TOPCATS_35_BUILD
        )

    def on(self, setting: str) -> bool:
        """The restore value of a root setting: on only when the backup has it on."""
        return truthy(self.root_settings.get(setting))

    def activity_userinfo(self, key: str) -> bool:
        """``<key>_userinfo`` on: that activity's user data is restored (notes §10 V1b)."""
        return truthy(self.activity_settings.get(key, {}).get(f"{key}_userinfo"))

    def restored_activities(self) -> list[ActivityRef]:
        """The activities restore builds a task for (restore_plan_builder::build_plan()).

        A course backup restores every activity whose section is in the backup; a section
        backup the activities of its first section (and of the sections they delegate);
        an activity backup its first activity.
        """
        if self.type == "activity":
            return self.activities[:1]
        if self.type == "section":
            if not self.sections:
                return []
            first = self.sections[0].sectionid
            out = [a for a in self.activities if a.sectionid == first]
            cmids = {a.cmid for a in out}
            delegated = {s.sectionid for s in self.sections if s.parentcmid in cmids}
            return out + [a for a in self.activities if a.sectionid in delegated]
        ids = {s.sectionid for s in self.sections}
        return [a for a in self.activities if a.sectionid in ids]

    def restored_sections(self) -> list[SectionRef]:
        """The sections restore builds a task for."""
        if self.type == "course":
            return list(self.sections)
        if self.type == "section":
            cmids = {a.cmid for a in self.restored_activities()}
            return [
                s
                for i, s in enumerate(self.sections)
                if i == 0 or (s.parentcmid is not None and s.parentcmid in cmids)
            ]
        cmids = {a.cmid for a in self.restored_activities()}
        return [s for s in self.sections if s.parentcmid is not None and s.parentcmid in cmids]


def read_info(info: etree._Element) -> BackupInfo:
    """Parse ``<information>`` of moodle_backup.xml."""
    detail = info.find("details/detail")
    files = text(info, "include_files")
    result = BackupInfo(
        element=info,
        type=text(detail, "type") or "",
        moodle_version=text(info, "moodle_version") or "",
        moodle_release=text(info, "moodle_release") or "",
        backup_version=integer(text(info, "backup_version")),
        backup_release=text(info, "backup_release") or "",
        lemma_made=(
            text(info, "original_site_identifier_hash") == SITE_IDENTIFIER_HASH
            and text(info, "original_wwwroot") == ORIGINAL_WWWROOT
        ),
        # get_backup_information(): include_files came with 2.6; before, files were included.
        include_files=True if files is None else truthy(files),
        has_course=info.find("contents/course") is not None,
    )
    for s in info.iterfind("settings/setting"):
        level, name, value = text(s, "level"), text(s, "name") or "", text(s, "value") or ""
        if level == "root":
            result.root_settings[name] = value
        elif level == "section":
            result.section_settings.setdefault(text(s, "section") or "", {})[name] = value
        elif level == "activity":
            result.activity_settings.setdefault(text(s, "activity") or "", {})[name] = value
    for a in info.iterfind("contents/activities/activity"):
        result.activities.append(
            ActivityRef(
                cmid=integer(text(a, "moduleid")),
                sectionid=integer(text(a, "sectionid")),
                modname=text(a, "modulename") or "",
                title=text(a, "title") or "",
                directory=text(a, "directory") or "",
                line=line_of(a),
            )
        )
    for s in info.iterfind("contents/sections/section"):
        result.sections.append(
            SectionRef(
                sectionid=integer(text(s, "sectionid")),
                title=text(s, "title") or "",
                directory=text(s, "directory") or "",
                parentcmid=integer(text(s, "parentcmid")) or None,
                line=line_of(s),
            )
        )
    return result
