"""Read any .mbz (ours or Moodle's), describe it, and check it against Moodle's restore rules.

The checks follow the pitfalls of ``shared/notes/moodle-backup-format.md`` §7 (the number in
each code's summary); each one is what a stock Moodle 4.5 restore fails on, silently
loses, or warns about. Problems are :class:`~lemma_pkg.diagnostics.Diagnostic` values with
``path`` = ``<archive>:<member>`` and the XML line, so every output format works.

The archive is read the way ``tgz_extractor`` reads it (raw ustar headers), not through
:mod:`tarfile`, so headers Moodle cannot read are seen as Moodle sees them.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from lemma_pkg.diagnostics import Diagnostic, Severity, register_rule
from lemma_pkg.errors import LemmaError

E = Severity.ERROR
W = Severity.WARNING
I = Severity.INFO  # noqa: E741

NULL = "$@NULL@$"
CORE_MODULES = frozenset(
    [
        "assign",
        "bigbluebuttonbn",
        "book",
        "chat",
        "choice",
        "data",
        "feedback",
        "folder",
        "forum",
        "glossary",
        "h5pactivity",
        "imscp",
        "label",
        "lesson",
        "lti",
        "page",
        "quiz",
        "resource",
        "scorm",
        "subsection",
        "survey",
        "url",
        "wiki",
        "workshop",
    ]
)
CORE_QTYPES = frozenset(
    [
        "calculated",
        "calculatedmulti",
        "calculatedsimple",
        "ddimageortext",
        "ddmarker",
        "ddwtos",
        "description",
        "essay",
        "gapselect",
        "match",
        "missingtype",
        "multianswer",
        "multichoice",
        "numerical",
        "ordering",
        "random",
        "randomsamatch",
        "shortanswer",
        "truefalse",
    ]
)
QUESTION_COMPONENTS = ("question", "user", "group", "grouping", "badges", "grade")
# Moodle 4.5's branch date: a backup from a later branch warns `noticenewerbackup` on 4.5.
MOODLE_45_BRANCH = 20241007


def _rule(code: str, name: str, severity: Severity, summary: str) -> str:
    register_rule(code, name, severity, summary)
    return code


ARCHIVE = _rule(
    "MBZ101", "archive-unreadable", E, "Archive or tar header Moodle cannot read (pitfalls 2, 3)."
)
DETECTION = _rule(
    "MBZ102",
    "format-detection",
    E,
    "moodle_backup.xml would not be detected as a Moodle 2 backup (pitfall 1).",
)
XML = _rule("MBZ103", "xml-not-well-formed", E, "An XML file is not well-formed UTF-8 (pitfall 4).")
MISSING = _rule("MBZ104", "missing-file", E, "A file restore requires is missing (pitfall 5).")
SETTINGS = _rule("MBZ105", "settings", E, "Backup settings restore cannot use (pitfalls 6, 7).")
STRUCTURE = _rule(
    "MBZ106",
    "structure-link",
    E,
    "Sections, activities and their directories do not link up (pitfall 8).",
)
MODULE = _rule(
    "MBZ107",
    "unknown-module",
    E,
    "An activity or question type a stock Moodle 4.5 does not have (pitfall 9).",
)
VERSION = _rule(
    "MBZ108",
    "version",
    E,
    "Version or origin fields that make restore fail or warn (pitfalls 10, 11).",
)
CONTEXTS = _rule("MBZ109", "context-collision", E, "Two contexts share an id (pitfall 12).")
FILES = _rule(
    "MBZ110",
    "files",
    E,
    "A file is not listed in an inforef, has a wrong context, name or body (pitfall 13).",
)
QUESTIONS = _rule(
    "MBZ111",
    "question-references",
    E,
    "Question categories, bank entries or references do not link up (pitfalls 14-16).",
)
NOTNULL = _rule(
    "MBZ112",
    "not-null-or-too-long",
    E,
    "A NOT NULL column is missing/NULL or a value is longer than its column (pitfall 17).",
)
ORDER = _rule(
    "MBZ113",
    "answer-order",
    E,
    "A record points to an answer that is not written before it (pitfall 18).",
)
DUPLICATE = _rule("MBZ114", "duplicate-id", E, "Two records of one kind share an id (pitfall 19).")
GRADES = _rule(
    "MBZ115", "grades", E, "sumgrades, grade items or gradebook.xml are wrong (pitfalls 20, 21)."
)
GLOSSARY = _rule(
    "MBZ116",
    "glossary-entries-dropped",
    W,
    "Glossary entries that restore will drop because user data is off (pitfall 22).",
)
AVAILABILITY = _rule(
    "MBZ117",
    "availability",
    E,
    "Availability JSON Moodle rejects at the end of restore, or that points nowhere (pitfall 23).",
)
ATTEMPTS = _rule(
    "MBZ118",
    "quiz-attempts-field",
    W,
    "quiz.xml uses `attempts` instead of `attempts_number` (pitfall 24).",
)
SECTION_TITLE = _rule(
    "MBZ119", "section-title", W, "A section without a title in moodle_backup.xml (pitfall 25)."
)
COURSE_BANK = _rule(
    "MBZ120",
    "course-level-bank",
    I,
    "Question categories outside module contexts: 5.x restores them into a fallback bank with a warning each (pitfall 26).",
)
INDEX = _rule("MBZ121", "archive-index", E, ".ARCHIVE_INDEX does not match the archive.")
COMPLETION = _rule(
    "MBZ122", "completion", E, "Course completion criteria or activity completion that cannot work."
)


# --------------------------------------------------------------------------- reading


@dataclass
class Archive:
    name: str
    members: dict[str, bytes] = field(default_factory=dict)
    directories: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)
    container: str = "tar.gz"


class InspectError(LemmaError):
    """The file is not an archive at all."""


def _octal(field_bytes: bytes) -> int:
    text = field_bytes.rstrip(b"\0 ").strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        return -1


def read_archive(data: bytes, name: str, problems: list[Diagnostic]) -> Archive:
    """Members of a .mbz as Moodle's extractors see them."""
    arc = Archive(name)
    if data[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InspectError(
                f"{name}: not a readable gzip file: {exc}",
                hint="the file is truncated or damaged; copy or download it again",
            ) from exc
        _read_tar(raw, arc, problems)
    else:
        arc.container = "zip"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        arc.directories.add(info.filename.rstrip("/"))
                        continue
                    arc.members[info.filename] = zf.read(info)
                    arc.order.append(info.filename)
        except zipfile.BadZipFile as exc:
            raise InspectError(
                f"{name}: neither a gzip'd tar nor a zip archive",
                hint="a Moodle backup (.mbz) starts with the gzip magic bytes 1f 8b",
            ) from exc
        except (OSError, EOFError, zlib.error, NotImplementedError) as exc:
            raise InspectError(
                f"{name}: a damaged zip archive: {exc}",
                hint="the file is truncated or damaged; copy or download it again",
            ) from exc
    return arc


def _read_tar(raw: bytes, arc: Archive, problems: list[Diagnostic]) -> None:
    pos = 0
    while pos + 512 <= len(raw):
        header = raw[pos : pos + 512]
        pos += 512
        if header == b"\0" * 512:
            continue
        magic = header[257:263]
        name = header[0:100].split(b"\0", 1)[0].decode("utf-8", "replace")
        prefix = header[345:500].split(b"\0", 1)[0].decode("utf-8", "replace")
        size = _octal(header[124:136])
        flag = header[156:157]
        if magic not in (b"ustar\x00", b"ustar "):
            problems.append(
                _diag(
                    arc.name,
                    "",
                    0,
                    E,
                    ARCHIVE,
                    f"tar header of {name!r} has no ustar magic: Moodle stops with 'errorprocessingarchive'",
                )
            )
            return
        if size < 0:
            problems.append(
                _diag(arc.name, "", 0, E, ARCHIVE, f"tar header of {name!r} has an unreadable size")
            )
            return
        path = f"{prefix}/{name}" if prefix else name
        body = raw[pos : pos + size]
        pos += (size + 511) // 512 * 512
        if flag in (b"x", b"g", b"L", b"K"):
            problems.append(
                _diag(
                    arc.name,
                    path,
                    0,
                    E,
                    ARCHIVE,
                    f"tar member {path!r} is a PAX/GNU extension header (type {flag.decode()!r}): Moodle extracts it as a junk file and keeps the truncated name",
                )
            )
        if flag in (b"1", b"2", b"3", b"4", b"6", b"7"):
            continue
        clean = str(PurePosixPath(path))
        if flag == b"5":
            arc.directories.add(clean.rstrip("/"))
            continue
        arc.members[clean] = body
        arc.order.append(clean)


def _diag(
    archive: str,
    member: str,
    line: int,
    severity: Severity,
    code: str,
    message: str,
    hint: str = "",
) -> Diagnostic:
    path = f"{archive}:{member}" if member else archive
    return Diagnostic(path, line, 0, severity, code, message, hint)


# --------------------------------------------------------------------------- the checker


def _t(el: etree._Element | None, tag: str, default: str | None = None) -> str | None:
    """Text of child ``tag`` ('' for an empty element, default when absent)."""
    if el is None:
        return default
    child = el.find(tag)
    if child is None:
        return default
    return child.text or ""


def _line(el: Any) -> int:
    """The source line of an element (0 when unknown)."""
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else 0


def _int(value: str | None) -> int | None:
    if value is None or value == NULL:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    if value is None or value == NULL:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


@dataclass
class Report:
    """What is inside the archive, and what is wrong with it."""

    archive: str
    summary: dict[str, Any]
    problems: list[Diagnostic]

    @property
    def failed(self) -> bool:
        return any(p.severity in (Severity.ERROR, Severity.WARNING) for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            **self.summary,
            "problems": [p.to_dict() for p in self.problems],
        }


class Checker:
    def __init__(self, arc: Archive, problems: list[Diagnostic]) -> None:
        self.arc = arc
        self.problems = problems
        self.trees: dict[str, etree._Element] = {}
        self.summary: dict[str, Any] = {}
        self.root_settings: dict[str, str] = {}
        self.activity_settings: dict[str, dict[str, str]] = defaultdict(dict)
        self.section_settings: dict[str, dict[str, str]] = defaultdict(dict)
        self.contexts: dict[int, str] = {}
        self.activities: list[dict[str, Any]] = []
        self.sections: list[dict[str, Any]] = []
        self.fileref: set[int] = set()
        self.categoryref: set[int] = set()
        self.grade_item_ids: set[int] = set()
        self.info: etree._Element | None = None
        self.course_contextid: int | None = None
        self.system_contextid: int | None = None
        self._pending_availability: list[tuple[str, int, str]] = []
        self.quizzes: list[dict[str, Any]] = []

    def add(
        self, member: str, line: int, severity: Severity, code: str, message: str, hint: str = ""
    ) -> None:
        if not hint and severity is not Severity.INFO:
            hint = (
                "the tool that wrote this archive made it wrongly: rebuild it (`lemma build` for "
                f"lemma courses) or report it to that tool; {code} in docs/backup.md says more"
            )
        self.problems.append(_diag(self.arc.name, member, line, severity, code, message, hint))

    def xml(self, member: str, required: bool = False, why: str = "") -> etree._Element | None:
        if member in self.trees:
            return self.trees[member]
        data = self.arc.members.get(member)
        if data is None:
            if required:
                self.add(member, 0, E, MISSING, f"{member} is missing{': ' + why if why else ''}")
            return None
        if not data:
            self.add(
                member,
                0,
                W,
                XML,
                f"{member} is empty: Moodle never parses a 0-byte file, so nothing in it is restored",
            )
            return None
        try:
            parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or 0
            self.add(member, line, E, XML, f"not well-formed XML: {exc.msg}")
            return None
        self.trees[member] = root
        return root

    # ------------------------------------------------------------------ run

    def run(self) -> dict[str, Any]:
        self.check_index()
        mb = self.check_moodle_backup()
        if mb is None:
            return self.summary
        self.check_root_files()
        self.check_course()
        self.check_sections()
        self.check_activities()
        self.check_contexts()
        self.check_files()
        self.check_questions()
        self.check_course_completion()
        self.check_gradebook()
        return self.summary

    def check_index(self) -> None:
        data = self.arc.members.get(".ARCHIVE_INDEX")
        if data is None:
            return
        lines = data.decode("utf-8", "replace").splitlines()
        m = re.match(r"Moodle archive file index\. Count: (\d+)$", lines[0] if lines else "")
        if not m:
            self.add(
                ".ARCHIVE_INDEX",
                1,
                E,
                INDEX,
                "first line is not 'Moodle archive file index. Count: N'",
            )
            return
        entries = [ln for ln in lines[1:] if ln]
        if int(m.group(1)) != len(entries):
            self.add(
                ".ARCHIVE_INDEX",
                1,
                E,
                INDEX,
                f"says Count: {m.group(1)} but lists {len(entries)} entries",
            )
        for n, ln in enumerate(entries, start=2):
            parts = ln.split("\t")
            if len(parts) != 4 or parts[1] not in ("f", "d"):
                self.add(".ARCHIVE_INDEX", n, E, INDEX, f"malformed entry {ln!r}")
                continue
            path, kind, size = parts[0], parts[1], parts[2]
            if kind == "f":
                body = self.arc.members.get(path)
                if body is None:
                    self.add(
                        ".ARCHIVE_INDEX", n, E, INDEX, f"lists {path} which is not in the archive"
                    )
                elif str(len(body)) != size:
                    self.add(
                        ".ARCHIVE_INDEX",
                        n,
                        E,
                        INDEX,
                        f"gives {path} size {size}, the archive has {len(body)} bytes",
                    )

    def check_moodle_backup(self) -> etree._Element | None:
        member = "moodle_backup.xml"
        data = self.arc.members.get(member)
        if data is None:
            nested = [p for p in self.arc.members if p.endswith("/moodle_backup.xml")]
            extra = (
                f" (found {nested[0]}: the backup must not be inside a folder)" if nested else ""
            )
            self.add(member, 0, E, MISSING, f"moodle_backup.xml is not at the archive root{extra}")
            return None
        head = data[:200]
        if b'<?xml version="1.0" encoding="UTF-8"?>'.lower() not in head.lower():
            self.add(
                member,
                1,
                E,
                DETECTION,
                'the first 200 bytes lack the literal declaration <?xml version="1.0" encoding="UTF-8"?> (double quotes): Moodle reports an unknown format',
            )
        for needle in (b"<moodle_backup>", b"<information>"):
            if needle not in head:
                self.add(
                    member,
                    1,
                    E,
                    DETECTION,
                    f"the first 200 bytes lack {needle.decode()}: Moodle reports an unknown format",
                )
        root = self.xml(member)
        if root is None:
            return None
        info = root.find("information")
        if info is None:
            self.add(member, _line(root), E, DETECTION, "no <information> element")
            return None
        self.info = info
        bv = _int(_t(info, "backup_version"))
        if bv is None or bv < 2010072300:
            self.add(
                member,
                0,
                E,
                VERSION,
                f"backup_version {_t(info, 'backup_version')!r} is below 2010072300: restore refuses it (errorminbackup20version)",
            )
        mv = _t(info, "moodle_version") or ""
        if len(mv) >= 8 and mv[:8].isdigit() and int(mv[:8]) > MOODLE_45_BRANCH:
            self.add(
                member,
                0,
                W,
                VERSION,
                f"moodle_version {mv} is newer than 4.5: a 4.5 site warns 'noticenewerbackup'",
            )
        if mv[:8].isdigit() and int(mv[:8]) < 20220202:
            self.add(
                member,
                0,
                E,
                VERSION,
                f"moodle_version {mv} is before 4.0: restore ignores the 4.x question bank layout",
            )
        release = _t(info, "backup_release") or ""
        try:
            major = tuple(int(x) for x in release.split(".")[:2])
        except ValueError:
            major = (0,)
        if major < (4, 0):
            self.add(
                member,
                0,
                E,
                VERSION,
                f"backup_release {release!r} is older than 4.0: restore expects the pre-4.0 question layout",
            )
        if _t(info, "original_course_format") == "site":
            self.add(
                member,
                0,
                E,
                VERSION,
                "original_course_format 'site': only restorable into the front page",
            )
        if not (_t(info, "original_wwwroot") or "").strip():
            self.add(
                member,
                0,
                E,
                VERSION,
                "original_wwwroot is empty: any encoded link makes restore fail (decode_rule_wwwroots_not_set)",
            )
        self.course_contextid = _int(_t(info, "original_course_contextid"))
        self.system_contextid = _int(_t(info, "original_system_contextid"))
        detail = info.find("details/detail")
        dtype = _t(detail, "type")
        if dtype != "course":
            self.add(
                member,
                0,
                E,
                STRUCTURE,
                f"details/detail/type is {dtype!r}; lemma inspects course backups",
            )
        self.summary["moodle_release"] = _t(info, "moodle_release")
        self.summary["backup_release"] = release
        # settings
        for s in info.iterfind("settings/setting"):
            level, name, value = _t(s, "level"), _t(s, "name") or "", _t(s, "value") or ""
            if level == "root":
                self.root_settings[name] = value
            elif level == "section":
                self.section_settings[_t(s, "section") or ""][name] = value
            elif level == "activity":
                self.activity_settings[_t(s, "activity") or ""][name] = value
        if self.root_settings.get("activities") != "1":
            self.add(
                member,
                0,
                E,
                SETTINGS,
                "root setting 'activities' is not 1: no activity would be restored",
            )
        # contents
        for a in info.iterfind("contents/activities/activity"):
            self.activities.append(
                {
                    "cmid": _int(_t(a, "moduleid")),
                    "sectionid": _int(_t(a, "sectionid")),
                    "modname": _t(a, "modulename") or "",
                    "title": _t(a, "title") or "",
                    "directory": _t(a, "directory") or "",
                    "line": _line(a),
                }
            )
        for s in info.iterfind("contents/sections/section"):
            self.sections.append(
                {
                    "sectionid": _int(_t(s, "sectionid")),
                    "title": _t(s, "title") or "",
                    "directory": _t(s, "directory") or "",
                    "line": _line(s),
                }
            )
        if info.find("contents/course") is None:
            self.add(member, 0, E, STRUCTURE, "contents has no <course>: a course backup needs one")
        section_keys = {PurePosixPath(s["directory"]).name for s in self.sections}
        activity_keys = {PurePosixPath(a["directory"]).name for a in self.activities}
        for key, _values in self.section_settings.items():
            if key not in section_keys:
                self.add(
                    member,
                    0,
                    E,
                    SETTINGS,
                    f"settings name section {key!r}, which is not in contents: PHP error before restore starts",
                )
        for key, _values in self.activity_settings.items():
            if key not in activity_keys:
                self.add(
                    member,
                    0,
                    E,
                    SETTINGS,
                    f"settings name activity {key!r}, which is not in contents: PHP error before restore starts",
                )
        for key in sorted(section_keys):
            for suffix in ("included", "userinfo"):
                if f"{key}_{suffix}" not in self.section_settings.get(key, {}):
                    self.add(
                        member,
                        0,
                        W,
                        SETTINGS,
                        f"setting {key}_{suffix} is missing: the restore page prints PHP warnings",
                    )
        for key in sorted(activity_keys):
            for suffix in ("included", "userinfo"):
                if f"{key}_{suffix}" not in self.activity_settings.get(key, {}):
                    self.add(
                        member,
                        0,
                        W,
                        SETTINGS,
                        f"setting {key}_{suffix} is missing: the restore page prints PHP warnings",
                    )
        return root

    def _setting_on(self, name: str) -> bool:
        return self.root_settings.get(name) == "1"

    def check_root_files(self) -> None:
        for member, why in (
            ("files.xml", "restore_load_included_files"),
            ("roles.xml", "missing_roles_xml_file"),
            ("questions.xml", "missing_questions_xml_file"),
            ("groups.xml", "restore_groups_structure_step"),
            ("scales.xml", "restore_scales_structure_step"),
            ("outcomes.xml", "restore_outcomes_structure_step"),
        ):
            self.xml(member, required=True, why=f"restore stops ({why})")
        if self._setting_on("users"):
            self.xml("users.xml", required=True, why="root 'users' is 1 (missing_users_xml_file)")

    def _task_files(self, base: str, kind: str) -> None:
        pairs = [
            ("filters", "filters.xml"),
            ("calendarevents", "calendar.xml"),
            ("comments", "comments.xml"),
        ]
        if kind == "activity":
            pairs.append(("xapistate", "xapistate.xml"))
        if kind == "course":
            pairs.append(("contentbankcontent", "contentbank.xml"))
        for setting, fname in pairs:
            if self._setting_on(setting):
                self.xml(f"{base}/{fname}", required=True, why=f"root '{setting}' is 1")

    def check_course(self) -> None:
        course = self.xml("course/course.xml", required=True, why="restore stops")
        self.xml("course/roles.xml", required=True, why="restore stops")
        self._task_files("course", "course")
        if course is not None:
            self.summary["course"] = {
                "shortname": _t(course, "shortname"),
                "fullname": _t(course, "fullname"),
                "format": _t(course, "format"),
                "startdate": _int(_t(course, "startdate")),
                "enablecompletion": _t(course, "enablecompletion"),
            }
            cctx = _int(course.get("contextid"))
            if (
                cctx is not None
                and self.course_contextid is not None
                and cctx != self.course_contextid
            ):
                self.add(
                    "course/course.xml",
                    _line(course),
                    E,
                    CONTEXTS,
                    f"course contextid {cctx} differs from original_course_contextid {self.course_contextid}",
                )
        self._collect_inforef("course/inforef.xml")

    def _collect_inforef(self, member: str) -> None:
        root = self.xml(member)
        if root is None:
            return
        for f in root.iterfind("fileref/file"):
            v = _int(_t(f, "id"))
            if v is not None:
                self.fileref.add(v)
        for c in root.iterfind("question_categoryref/question_category"):
            v = _int(_t(c, "id"))
            if v is not None:
                self.categoryref.add(v)

    def check_sections(self) -> None:
        out = []
        seen: set[int] = set()
        for s in self.sections:
            sid = s["sectionid"]
            if sid is None:
                self.add(
                    "moodle_backup.xml",
                    s["line"],
                    E,
                    STRUCTURE,
                    "a section has no numeric sectionid",
                )
                continue
            if sid in seen:
                self.add(
                    "moodle_backup.xml", s["line"], E, DUPLICATE, f"section id {sid} appears twice"
                )
            seen.add(sid)
            if not s["title"].strip():
                self.add(
                    "moodle_backup.xml",
                    s["line"],
                    W,
                    SECTION_TITLE,
                    f"section {sid} has an empty title: restore logs 'Section title missing'",
                )
            expected = f"sections/section_{sid}"
            if s["directory"] != expected:
                self.add(
                    "moodle_backup.xml",
                    s["line"],
                    E,
                    STRUCTURE,
                    f"section {sid} directory is {s['directory']!r}; restore reads {expected}/",
                )
            member = f"{expected}/section.xml"
            root = self.xml(member, required=True, why="restore stops")
            info: dict[str, Any] = {"sectionid": sid, "title": s["title"], "activities": 0}
            if root is not None:
                if _int(root.get("id")) != sid:
                    self.add(
                        member,
                        _line(root),
                        E,
                        STRUCTURE,
                        f"<section id> is {root.get('id')!r}, moodle_backup.xml says {sid}",
                    )
                info["number"] = _int(_t(root, "number"))
                name = _t(root, "name")
                if name is not None and name != NULL and len(name) > 255:
                    self.add(member, 0, E, NOTNULL, "section name longer than 255 characters")
                avail = _t(root, "availabilityjson")
                if avail not in (None, NULL, ""):
                    el = root.find("availabilityjson")
                    info["restricted"] = True
                    self._pending_availability.append((member, _line(el), avail or ""))
            self._collect_inforef(f"{expected}/inforef.xml")
            out.append(info)
        self.summary["sections"] = out

    def check_activities(self) -> None:
        section_ids = {s["sectionid"] for s in self.sections}
        kinds: Counter[str] = Counter()
        seen_cm: set[int] = set()
        for a in self.activities:
            cmid, modname, directory = a["cmid"], a["modname"], a["directory"]
            kinds[modname] += 1
            if cmid is None:
                self.add(
                    "moodle_backup.xml",
                    a["line"],
                    E,
                    STRUCTURE,
                    f"activity {a['title']!r} has no numeric moduleid",
                )
                continue
            if cmid in seen_cm:
                self.add(
                    "moodle_backup.xml",
                    a["line"],
                    E,
                    DUPLICATE,
                    f"course module id {cmid} appears twice",
                )
            seen_cm.add(cmid)
            if modname not in CORE_MODULES:
                self.add(
                    "moodle_backup.xml",
                    a["line"],
                    E,
                    MODULE,
                    f"module {modname!r} is not in a stock Moodle 4.5: the activity is skipped and gradebook/completion restore is disabled",
                )
            if a["sectionid"] not in section_ids:
                self.add(
                    "moodle_backup.xml",
                    a["line"],
                    E,
                    STRUCTURE,
                    f"activity {cmid} names section {a['sectionid']}, which is not in contents: it is silently not restored",
                )
            expected = f"activities/{modname}_{cmid}"
            if directory != expected:
                self.add(
                    "moodle_backup.xml",
                    a["line"],
                    E,
                    STRUCTURE,
                    f"activity {cmid} directory is {directory!r}; expected {expected}",
                )
            base = directory
            module = self.xml(f"{base}/module.xml", required=True, why="restore stops")
            body = self.xml(f"{base}/{modname}.xml", required=True, why="restore stops")
            self.xml(f"{base}/roles.xml", required=True, why="restore stops")
            grades = self.xml(
                f"{base}/grades.xml", required=True, why="restore stops, for every module"
            )
            self._task_files(base, "activity")
            self._collect_inforef(f"{base}/inforef.xml")
            if module is not None:
                m = f"{base}/module.xml"
                if _int(module.get("id")) != cmid:
                    self.add(
                        m,
                        _line(module),
                        E,
                        STRUCTURE,
                        f"<module id> is {module.get('id')!r}, moodle_backup.xml says {cmid}",
                    )
                if _int(_t(module, "sectionid")) != a["sectionid"]:
                    self.add(
                        m,
                        0,
                        E,
                        STRUCTURE,
                        f"module sectionid {_t(module, 'sectionid')} differs from moodle_backup.xml ({a['sectionid']}): the activity lands in another section",
                    )
                if _t(module, "modulename") != modname:
                    self.add(
                        m,
                        0,
                        E,
                        STRUCTURE,
                        f"modulename {_t(module, 'modulename')!r} differs from moodle_backup.xml ({modname!r})",
                    )
                avail = _t(module, "availability")
                if avail not in (None, NULL, ""):
                    self._pending_availability.append((m, 0, avail or ""))
                if modname == "quiz":
                    v = _int(module.get("version"))
                    if v is not None and v < 2022020300:
                        self.add(
                            m,
                            0,
                            E,
                            VERSION,
                            f"quiz module version {v} < 2022020300: restore takes the pre-4.0 slot path",
                        )
                if _t(module, "completionpassgrade") == "1" and grades is not None:
                    passes = [
                        _float(_t(g, "gradepass")) or 0
                        for g in grades.iterfind("grade_items/grade_item")
                    ]
                    if not any(p > 0 for p in passes):
                        self.add(
                            m,
                            0,
                            E,
                            COMPLETION,
                            "completion on pass grade, but no grade item has a pass grade",
                        )
            if body is not None:
                self._check_activity_body(a, base, body, grades)
        self.summary["activities"] = dict(sorted(kinds.items()))
        for s in self.summary.get("sections", []):
            s["activities"] = sum(1 for a in self.activities if a["sectionid"] == s["sectionid"])

    def _check_activity_body(
        self, a: dict[str, Any], base: str, body: etree._Element, grades: etree._Element | None
    ) -> None:
        member = f"{base}/{a['modname']}.xml"
        modname = a["modname"]
        ctx = _int(body.get("contextid"))
        if ctx is None:
            self.add(member, _line(body), E, CONTEXTS, "<activity> has no numeric contextid")
        else:
            self._context(ctx, f"activity {modname}_{a['cmid']}", member)
        a["contextid"] = ctx
        if _int(body.get("moduleid")) != a["cmid"]:
            self.add(
                member,
                _line(body),
                E,
                STRUCTURE,
                f"<activity moduleid> is {body.get('moduleid')!r}, expected {a['cmid']}",
            )
        rec = body.find(modname)
        if rec is None:
            self.add(member, 0, E, STRUCTURE, f"no <{modname}> record inside <activity>")
            return
        name = _t(rec, "name")
        if name is not None and len(name) > 255:
            self.add(member, 0, E, NOTNULL, f"{modname} name is longer than 255 characters")
        required_text = {
            "quiz": ("intro",),
            "label": ("intro",),
            "url": ("externalurl",),
            "page": ("content",),
        }.get(modname, ())
        for col in required_text:
            if _t(rec, col) in (None, NULL):
                self.add(
                    member,
                    0,
                    E,
                    NOTNULL,
                    f"{modname}.{col} is missing or NULL (NOT NULL text column)",
                )
        if grades is not None:
            for gi in grades.iterfind("grade_items/grade_item"):
                gid = _int(gi.get("id"))
                if gid is not None:
                    self.grade_item_ids.add(gid)
        if modname == "quiz":
            self._check_quiz(a, member, rec, grades)
        elif modname == "glossary":
            entries = rec.findall("entries/entry")
            for e in entries:
                concept = _t(e, "concept")
                if concept is None or len(concept) > 255:
                    self.add(
                        member,
                        _line(e),
                        E,
                        NOTNULL,
                        "glossary concept missing or longer than 255 characters",
                    )
                if _t(e, "definition") in (None, NULL):
                    self.add(member, _line(e), E, NOTNULL, "glossary definition missing or NULL")
            key = PurePosixPath(a["directory"]).name
            userinfo = self.activity_settings.get(key, {}).get(f"{key}_userinfo")
            if entries and userinfo != "1":
                self.add(
                    member,
                    0,
                    W,
                    GLOSSARY,
                    f"{len(entries)} glossary entries will be dropped silently: {key}_userinfo is not 1",
                    "set the glossary's own _userinfo setting to 1 (verified on 4.5.6)",
                )
        elif modname == "resource":
            self.summary.setdefault("resources", []).append(
                {"title": a["title"], "display": _int(_t(rec, "display"))}
            )

    def _check_quiz(
        self, a: dict[str, Any], member: str, rec: etree._Element, grades: etree._Element | None
    ) -> None:
        attempts = rec.find("attempts")
        if (
            rec.find("attempts_number") is None
            and attempts is not None
            and (attempts.text or "").strip()
        ):
            self.add(
                member, 0, W, ATTEMPTS, "quiz.xml writes 'attempts' instead of 'attempts_number'"
            )
        slots: list[dict[str, Any]] = []
        seen_slot: set[int] = set()
        ids_seen: set[int] = set()
        for inst in rec.iterfind("question_instances/question_instance"):
            iid = _int(inst.get("id"))
            slot = _int(_t(inst, "slot"))
            line = _line(inst)
            if iid in ids_seen:
                self.add(member, line, E, DUPLICATE, f"question_instance id {iid} appears twice")
            ids_seen.add(iid or 0)
            if slot is None or _int(_t(inst, "page")) is None:
                self.add(member, line, E, NOTNULL, "slot or page missing (NOT NULL, no default)")
            elif slot in seen_slot:
                self.add(
                    member,
                    line,
                    E,
                    DUPLICATE,
                    f"slot {slot} appears twice: unique index (quizid, slot) fails",
                )
            seen_slot.add(slot or 0)
            ref = inst.find("question_reference")
            maxmark = _float(_t(inst, "maxmark")) or 0.0
            entry = None
            if ref is None:
                if inst.find("question_set_reference") is None:
                    self.add(member, line, E, QUESTIONS, f"slot {slot} has no question_reference")
            else:
                entry = _int(_t(ref, "questionbankentryid"))
                using = _int(_t(ref, "usingcontextid"))
                if using != a.get("contextid"):
                    self.add(
                        member,
                        _line(ref),
                        E,
                        QUESTIONS,
                        f"slot {slot}: usingcontextid {using} is not the quiz's context {a.get('contextid')}: the reference is stored with context 0",
                    )
            slots.append({"slot": slot, "entry": entry, "maxmark": maxmark, "line": line})
        firsts: set[int] = set()
        for sec in rec.iterfind("sections/section"):
            fs = _int(_t(sec, "firstslot"))
            if fs in firsts:
                self.add(
                    member,
                    _line(sec),
                    E,
                    DUPLICATE,
                    f"two quiz sections start at slot {fs}",
                )
            firsts.add(fs or 0)
        total = sum(s["maxmark"] for s in slots)
        sumgrades = _float(_t(rec, "sumgrades"))
        if sumgrades is None or abs(sumgrades - total) > 1e-6:
            self.add(
                member,
                0,
                E,
                GRADES,
                f"sumgrades {_t(rec, 'sumgrades')} is not the sum of the slots' maxmark ({total:g}): grades are scaled wrongly",
            )
        grade = _float(_t(rec, "grade")) or 0.0
        items = (
            []
            if grades is None
            else [
                gi
                for gi in grades.iterfind("grade_items/grade_item")
                if _t(gi, "itemmodule") == "quiz" and _t(gi, "itemnumber") == "0"
            ]
        )
        if not items:
            self.add(
                f"{a['directory']}/grades.xml",
                0,
                E,
                GRADES,
                "the quiz has no grade item (itemmodule quiz, itemnumber 0): no gradebook column, pass-grade completion never met",
            )
        else:
            gmax = _float(_t(items[0], "grademax"))
            if gmax is not None and abs(gmax - grade) > 1e-6:
                self.add(
                    f"{a['directory']}/grades.xml",
                    0,
                    E,
                    GRADES,
                    f"grade item grademax {gmax:g} differs from the quiz grade {grade:g}",
                )
        fbs = []
        for fb in rec.iterfind("feedbacks/feedback"):
            if _t(fb, "feedbacktext") in (None, NULL):
                self.add(member, _line(fb), E, NOTNULL, "quiz feedbacktext missing or NULL")
            lo, hi = _float(_t(fb, "mingrade")), _float(_t(fb, "maxgrade"))
            if lo is not None and hi is not None:
                fbs.append((lo, hi, _line(fb)))
        fbs.sort()
        for (lo1, hi1, _), (lo2, _, line2) in itertools.pairwise(fbs):
            if lo2 < hi1:
                self.add(
                    member,
                    line2,
                    E,
                    GRADES,
                    f"overall feedback bands overlap ({lo1:g}-{hi1:g} and from {lo2:g})",
                )
        self.quizzes.append(
            {"member": member, "slots": slots, "contextid": a.get("contextid"), "title": a["title"]}
        )

    def _context(self, ctx: int, owner: str, member: str) -> None:
        other = self.contexts.get(ctx)
        if other is not None and other != owner:
            self.add(
                member,
                0,
                E,
                CONTEXTS,
                f"context id {ctx} of {owner} is also the context of {other}: files and question banks get remapped silently",
            )
        else:
            self.contexts[ctx] = owner

    def check_contexts(self) -> None:
        if self.system_contextid is not None:
            self._context(self.system_contextid, "the system", "moodle_backup.xml")
        if self.course_contextid is not None:
            self._context(self.course_contextid, "the course", "moodle_backup.xml")

    def check_files(self) -> None:
        root = self.trees.get("files.xml")
        if root is None:
            return
        listing = []
        seen: set[int] = set()
        for f in root.iterfind("file"):
            fid = _int(f.get("id"))
            line = _line(f)
            if fid in seen:
                self.add("files.xml", line, E, DUPLICATE, f"file id {fid} appears twice")
            seen.add(fid or 0)
            filename = _t(f, "filename") or ""
            filepath = _t(f, "filepath") or ""
            component = _t(f, "component") or ""
            if filename == ".":
                continue
            chash = (_t(f, "contenthash") or "").lower()
            ctx = _int(_t(f, "contextid"))
            shown = f"{component}/{_t(f, 'filearea')}{filepath}{filename}"
            is_question = component in QUESTION_COMPONENTS or component.startswith("qtype_")
            if not is_question and fid not in self.fileref:
                self.add(
                    "files.xml",
                    line,
                    E,
                    FILES,
                    f"file {fid} ({shown}) is in no inforef fileref: it is silently not restored",
                )
            if (ctx is None or ctx not in self.contexts) and not is_question:
                self.add(
                    "files.xml",
                    line,
                    E,
                    FILES,
                    f"file {fid} ({shown}) has context {ctx}, which is no context of this backup",
                )
            if not filepath.startswith("/") or not filepath.endswith("/"):
                self.add(
                    "files.xml",
                    line,
                    E,
                    FILES,
                    f"file {fid}: filepath {filepath!r} must start and end with '/'",
                )
            if not filename or re.search(r'[\x00-\x1f\x7f/\\:*?"<>|]', filename):
                self.add(
                    "files.xml",
                    line,
                    E,
                    FILES,
                    f"file {fid}: filename {filename!r} is not valid (storedfileproblem)",
                )
            body = self.arc.members.get(f"files/{chash[:2]}/{chash}")
            if self.info is not None and _t(self.info, "include_files") == "1" and body is None:
                self.add(
                    "files.xml",
                    line,
                    E,
                    FILES,
                    f"file {fid} ({shown}): body files/{chash[:2]}/{chash} is missing (restorefileweremissing)",
                )
            if _t(f, "license") == NULL:
                self.add(
                    "files.xml",
                    line,
                    I,
                    FILES,
                    f"file {fid} ({shown}) has no licence: it is stored with licence NULL",
                )
            listing.append(
                {
                    "id": fid,
                    "component": component,
                    "filearea": _t(f, "filearea"),
                    "path": f"{filepath}{filename}",
                    "size": len(body) if body is not None else _int(_t(f, "filesize")),
                    "mimetype": _t(f, "mimetype"),
                }
            )
        for ref in sorted(self.fileref - seen):
            self.add(
                "files.xml", 0, E, FILES, f"inforef lists file {ref}, which is not in files.xml"
            )
        self.summary["files"] = listing

    def check_questions(self) -> None:
        root = self.trees.get("questions.xml")
        if root is None:
            return
        member = "questions.xml"
        cats: dict[int, dict[str, Any]] = {}
        entries: dict[int, int] = {}
        top_per_context: Counter[int] = Counter()
        qtypes: Counter[str] = Counter()
        seen: dict[str, set[int]] = defaultdict(set)

        def unique(kind: str, value: int | None, line: int) -> None:
            if value is None:
                self.add(member, line, E, DUPLICATE, f"{kind} without a numeric id")
                return
            if value in seen[kind]:
                self.add(
                    member,
                    line,
                    E,
                    DUPLICATE,
                    f"{kind} id {value} appears twice: the later one overwrites the mapping",
                )
            seen[kind].add(value)

        for cat in root.iterfind("question_category"):
            cid = _int(cat.get("id"))
            line = _line(cat)
            unique("question_category", cid, line)
            ctx = _int(_t(cat, "contextid"))
            level = _int(_t(cat, "contextlevel"))
            parent = _int(_t(cat, "parent"))
            if parent == 0 and ctx is not None:
                top_per_context[ctx] += 1
            if _t(cat, "info") in (None, NULL):
                self.add(member, line, E, NOTNULL, f"category {cid}: info is missing or NULL")
            if len(_t(cat, "name") or "") > 255:
                self.add(
                    member, line, E, NOTNULL, f"category {cid}: name longer than 255 characters"
                )
            cats[cid or 0] = {"contextid": ctx, "level": level, "line": line, "questions": 0}
            if level is not None and level != 70:
                self._course_banks = getattr(self, "_course_banks", 0) + 1
            for entry in cat.iterfind("question_bank_entries/question_bank_entry"):
                eid = _int(entry.get("id"))
                unique("question_bank_entry", eid, _line(entry))
                entries[eid or 0] = cid or 0
                for ver in entry.iterfind("question_version/question_versions"):
                    unique("question_versions", _int(ver.get("id")), _line(ver))
                    for q in ver.iterfind("questions/question"):
                        cats[cid or 0]["questions"] += 1
                        self._check_question(q, unique, qtypes)
        for ctx, n in top_per_context.items():
            if n > 1:
                self.add(
                    member,
                    0,
                    E,
                    QUESTIONS,
                    f"context {ctx} has {n} top categories (parent 0): restore stops with 'restoremultipletopcats'",
                )
        for ref in sorted(self.categoryref - set(cats)):
            self.add(
                member,
                0,
                E,
                QUESTIONS,
                f"inforef lists question category {ref}, which is not in questions.xml",
            )
        for cid, cinfo in cats.items():
            if cinfo["questions"] and cid not in self.categoryref:
                self.add(
                    member,
                    cinfo["line"],
                    E,
                    QUESTIONS,
                    f"category {cid} holds {cinfo['questions']} questions but is in no question_categoryref: its questions are silently not restored",
                )
            if (
                cinfo["level"] == 70
                and cinfo["contextid"] not in {q["contextid"] for q in self.quizzes}
                and cinfo["contextid"] not in self.contexts
            ):
                self.add(
                    member,
                    cinfo["line"],
                    E,
                    QUESTIONS,
                    f"category {cid} is in module context {cinfo['contextid']}, which is no activity of this backup",
                )
        levels = {c["level"] for c in cats.values() if c["level"] != 70}
        if levels:
            self.add(
                member,
                0,
                I,
                COURSE_BANK,
                f"{sum(1 for c in cats.values() if c['level'] != 70)} question categories are outside module contexts (levels {sorted(levels)}): 5.x moves them into a fallback question bank with one warning each",
            )
        for quiz in self.quizzes:
            for s in quiz["slots"]:
                if s["entry"] is None:
                    continue
                cid = entries.get(s["entry"])
                if cid is None:
                    self.add(
                        quiz["member"],
                        s["line"],
                        E,
                        QUESTIONS,
                        f"slot {s['slot']} references bank entry {s['entry']}, which is not in questions.xml: 'missing question'",
                    )
                elif cid not in self.categoryref:
                    self.add(
                        quiz["member"],
                        s["line"],
                        E,
                        QUESTIONS,
                        f"slot {s['slot']}: its category {cid} is in no question_categoryref",
                    )
        self.summary["questions"] = dict(sorted(qtypes.items()))
        self.summary["quizzes"] = [
            {
                "title": q["title"],
                "slots": len(q["slots"]),
                "sumgrades": round(sum(s["maxmark"] for s in q["slots"]), 7),
            }
            for q in self.quizzes
        ]

    def _check_question(self, q: etree._Element, unique: Any, qtypes: Counter[str]) -> None:
        member = "questions.xml"
        qid = _int(q.get("id"))
        line = _line(q)
        unique("question", qid, line)
        qtype = _t(q, "qtype") or ""
        qtypes[qtype] += 1
        if qtype not in CORE_QTYPES:
            self.add(
                member,
                line,
                E,
                MODULE,
                f"question {qid}: type {qtype!r} is not in a stock Moodle 4.5",
            )
        for col in ("questiontext", "generalfeedback"):
            if _t(q, col) in (None, NULL):
                self.add(member, line, E, NOTNULL, f"question {qid}: {col} is missing or NULL")
        if len(_t(q, "name") or "") > 255:
            self.add(member, line, E, NOTNULL, f"question {qid}: name longer than 255 characters")
        plugin = q.find(f"plugin_qtype_{qtype}_question")
        if plugin is None:
            if qtype not in ("description", "random"):
                self.add(
                    member,
                    line,
                    E,
                    NOTNULL,
                    f"question {qid} ({qtype}) has no plugin_qtype_{qtype}_question data",
                )
            return
        seen_answers: set[int] = set()
        for ans in plugin.iterfind("answers/answer"):
            aid = _int(ans.get("id"))
            unique("question_answer", aid, _line(ans))
            seen_answers.add(aid or 0)
            for col in ("answertext", "feedback"):
                if _t(ans, col) in (None, NULL):
                    self.add(
                        member,
                        _line(ans),
                        E,
                        NOTNULL,
                        f"answer {aid}: {col} is missing or NULL",
                    )
        # Records that point to answers must come after them (document order).
        order = list(plugin.iter())
        answer_pos = {
            (_int(a.get("id")) or 0): order.index(a) for a in plugin.iterfind("answers/answer")
        }
        pointers: list[tuple[etree._Element, str]] = []
        tf = plugin.find("truefalse")
        if tf is not None:
            pointers += [(tf, "trueanswer"), (tf, "falseanswer")]
        for rec in plugin.iterfind("numerical_records/numerical_record"):
            pointers.append((rec, "answer"))
        for rec, col in pointers:
            target = _int(_t(rec, col))
            pos = answer_pos.get(target or 0)
            if target is None or pos is None or pos > order.index(rec):
                self.add(
                    member,
                    _line(rec),
                    E,
                    ORDER,
                    f"question {qid}: {rec.tag}.{col} = {_t(rec, col)} is not an answer written before it: it maps to 0",
                )
        for opt_tag in ("multichoice", "matchoptions", "ordering"):
            opt = plugin.find(opt_tag)
            if opt is not None:
                for col in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
                    if _t(opt, col) in (None, NULL):
                        self.add(
                            member,
                            _line(opt),
                            E,
                            NOTNULL,
                            f"question {qid}: {col} is missing or NULL",
                        )
        if qtype == "match":
            if plugin.find("matchoptions") is None:
                self.add(member, line, E, NOTNULL, f"question {qid}: match without matchoptions")
            for m in plugin.iterfind("matches/match"):
                unique("qtype_match_subquestions", _int(m.get("id")), _line(m))
                if _t(m, "questiontext") in (None, NULL):
                    self.add(
                        member,
                        _line(m),
                        E,
                        NOTNULL,
                        f"question {qid}: match subquestion text missing",
                    )
                if len(_t(m, "answertext") or "") > 255:
                    self.add(
                        member,
                        _line(m),
                        E,
                        NOTNULL,
                        f"question {qid}: match answer longer than 255 characters",
                    )
        for hint in q.iterfind("question_hints/question_hint"):
            if _t(hint, "hint") in (None, NULL):
                self.add(
                    member,
                    _line(hint),
                    E,
                    NOTNULL,
                    f"question {qid}: hint text missing or NULL",
                )

    def check_course_completion(self) -> None:
        root = self.xml("completion.xml")
        cms = {a["cmid"]: a for a in self.activities}
        if root is not None:
            for crit in root.iterfind("course_completion_criteria"):
                if _t(crit, "criteriatype") == "4":
                    cm = _int(_t(crit, "moduleinstance"))
                    if cm not in cms:
                        self.add(
                            "completion.xml",
                            _line(crit),
                            E,
                            COMPLETION,
                            f"criterion names course module {cm}, which is not an activity of this backup",
                        )
                    elif cms[cm]["modname"] != _t(crit, "module"):
                        self.add(
                            "completion.xml",
                            _line(crit),
                            E,
                            COMPLETION,
                            f"criterion for module {cm} says {_t(crit, 'module')!r}, the activity is {cms[cm]['modname']!r}",
                        )
            self.summary["course_completion_criteria"] = len(
                root.findall("course_completion_criteria")
            )
        for member, line, text in self._pending_availability:
            self._check_availability(member, line, text, cms)

    def _check_availability(self, member: str, line: int, text: str, cms: dict[Any, Any]) -> None:
        try:
            tree = json.loads(text)
        except json.JSONDecodeError as exc:
            self.add(
                member,
                line,
                E,
                AVAILABILITY,
                f"availability is not JSON ({exc.msg}): restore ends with coding_exception",
            )
            return
        for msg in _availability_errors(tree, True, cms, self.grade_item_ids):
            self.add(member, line, E, AVAILABILITY, msg)

    def check_gradebook(self) -> None:
        root = self.xml("gradebook.xml")
        if root is None:
            return
        for gi in root.iterfind("grade_items/grade_item"):
            if _t(gi, "itemtype") not in ("course", "category", "manual"):
                self.add(
                    "gradebook.xml",
                    _line(gi),
                    E,
                    GRADES,
                    f"gradebook.xml holds a {_t(gi, 'itemtype')!r} grade item: restore stops (unexpected_grade_item_type)",
                )


def _availability_errors(
    tree: Any, root: bool, cms: dict[Any, Any], grade_items: set[int]
) -> list[str]:
    """What ``core_availability\\tree`` and the core conditions reject in ``tree``."""
    out: list[str] = []
    if not isinstance(tree, dict):
        return ["availability tree is not a JSON object"]
    if "type" in tree:  # a condition
        kind = tree["type"]
        if kind == "completion":
            cm, e = tree.get("cm"), tree.get("e")
            if not isinstance(cm, int) or isinstance(cm, bool):
                out.append("completion condition: 'cm' must be an integer")
            elif cm != -1 and cm not in cms:
                out.append(
                    f"completion condition names course module {cm}, which is not in this backup: restore logs a warning and it becomes 0"
                )
            if e not in (0, 1, 2, 3):
                out.append("completion condition: 'e' must be 0, 1, 2 or 3")
        elif kind == "grade":
            gid = tree.get("id")
            if not isinstance(gid, int) or isinstance(gid, bool):
                out.append("grade condition: 'id' must be an integer (a string throws)")
            elif gid not in grade_items:
                out.append(f"grade condition names grade item {gid}, which is not in this backup")
            for key in ("min", "max"):
                if key in tree and (
                    not isinstance(tree[key], int | float) or isinstance(tree[key], bool)
                ):
                    out.append(f"grade condition: '{key}' must be a number")
        return out
    op = tree.get("op")
    if op not in ("&", "|", "!&", "!|"):
        return [f"availability 'op' {op!r} is not one of & | !& !|"]
    conds = tree.get("c")
    if not isinstance(conds, list):
        return ["availability 'c' must be a list"]
    if root:
        if op in ("&", "!|"):
            showc = tree.get("showc")
            if (
                not isinstance(showc, list)
                or len(showc) != len(conds)
                or not all(isinstance(x, bool) for x in showc)
            ):
                out.append("availability 'showc' must be a list of booleans as long as 'c'")
        elif not isinstance(tree.get("show"), bool):
            out.append("availability 'show' must be a boolean for | and !&")
    for child in conds:
        out += _availability_errors(child, False, cms, grade_items)
    return out


def inspect_bytes(data: bytes, name: str = "backup.mbz") -> Report:
    """Describe and check a .mbz given as bytes."""
    problems: list[Diagnostic] = []
    arc = read_archive(data, name, problems)
    checker = Checker(arc, problems)
    summary: dict[str, Any] = {
        "container": arc.container,
        "members": len(arc.members),
        "size": len(data),
    }
    if not any(p.code == ARCHIVE and p.severity is E for p in problems) or arc.members:
        summary.update(checker.run())
    problems.sort(key=Diagnostic.sort_key)
    return Report(name, summary, problems)


def inspect_file(path: Path) -> Report:
    """Describe and check the .mbz at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InspectError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return inspect_bytes(data, str(path))


def format_report_text(report: Report) -> str:
    """A human summary of what is inside (problems are printed separately)."""
    s = report.summary
    lines = [
        f"{report.archive}: {s.get('container')}, {s.get('members', 0)} files, {s.get('size', 0)} bytes"
    ]
    course = s.get("course") or {}
    if course:
        lines.append(
            f"course: {course.get('fullname')} ({course.get('shortname')}), format {course.get('format')}"
        )
    if s.get("backup_release"):
        lines.append(
            f"made by: Moodle {s.get('moodle_release')} (backup release {s.get('backup_release')})"
        )
    sections = s.get("sections") or []
    lines.append(f"sections: {len(sections)}")
    for sec in sections:
        flag = " [restricted]" if sec.get("restricted") else ""
        lines.append(
            f"  {sec.get('number')}: {sec.get('title')} ({sec.get('activities', 0)} activities){flag}"
        )
    acts = s.get("activities") or {}
    lines.append("activities: " + (", ".join(f"{k} {v}" for k, v in acts.items()) or "none"))
    qs = s.get("questions") or {}
    lines.append(
        f"questions: {sum(qs.values())}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in qs.items()) + ")" if qs else "")
    )
    for q in s.get("quizzes") or []:
        lines.append(f"  quiz {q['title']}: {q['slots']} slots, sumgrades {q['sumgrades']:g}")
    files = s.get("files") or []
    lines.append(f"files: {len(files)}")
    for f in files:
        lines.append(
            f"  {f['component']}/{f['filearea']}{f['path']}  {f['size']} bytes  {f['mimetype']}"
        )
    if "course_completion_criteria" in s:
        lines.append(f"course completion criteria: {s['course_completion_criteria']}")
    return "\n".join(lines) + "\n"
