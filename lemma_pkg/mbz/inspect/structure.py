"""Checks of the archive's structure: moodle_backup.xml, the files each restore task reads,
sections, activities, blocks, contexts and files.

What restore reads depends on the backup type and its settings
(``backup/moodle2/restore_plan_builder.class.php``): a course backup restores the course
task (``course/``), every section task and their activities; a section backup one section
and its activities; an activity backup one activity. The root task (``files.xml``,
``roles.xml``, ``questions.xml``, ``groups.xml``, ``scales.xml``, ``outcomes.xml``) and the
final task run for every type. A ``restore_structure_step`` whose file is missing stops the
restore (``missing_moodle_backup_xml_file``) unless its ``execute_condition()`` checks for
the file first; the tables below follow those conditions in Moodle 4.5.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from lemma_pkg.mbz.inspect.info import (
    MIN_BACKUP_VERSION,
    MOODLE_45_BRANCH,
    NULL,
    BackupInfo,
    integer,
    line_of,
    number,
    read_info,
    release_before,
    text,
)
from lemma_pkg.mbz.inspect.rules import (
    ARCHIVE,
    COMPLETION,
    CONTEXTS,
    DETECTION,
    DUPLICATE,
    FILES,
    GRADES,
    INDEX,
    MISSING,
    MODULE,
    NOTNULL,
    ROLES,
    SECTION_TITLE,
    SETTINGS,
    STRUCTURE,
    VERSION,
    E,
    I,
    W,
)
from lemma_pkg.mbz.inspect.state import Activity, Inspection

#: The activity modules of a stock Moodle 4.5 (mod/).
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
#: The blocks of a stock Moodle 4.5 (blocks/).
CORE_BLOCKS = frozenset(
    [
        "accessreview",
        "activity_modules",
        "activity_results",
        "admin_bookmarks",
        "badges",
        "blog_menu",
        "blog_recent",
        "blog_tags",
        "calendar_month",
        "calendar_upcoming",
        "comments",
        "completionstatus",
        "course_list",
        "course_summary",
        "feedback",
        "globalsearch",
        "glossary_random",
        "html",
        "login",
        "lp",
        "mentees",
        "mnet_hosts",
        "myoverview",
        "myprofile",
        "navigation",
        "news_items",
        "online_users",
        "private_files",
        "recent_activity",
        "recentlyaccessedcourses",
        "recentlyaccesseditems",
        "rss_client",
        "search_forums",
        "section_links",
        "selfcompletion",
        "settings",
        "site_main_menu",
        "social_activities",
        "starredcourses",
        "tag_flickr",
        "tag_youtube",
        "tags",
        "timeline",
    ]
)
#: The course formats of a stock Moodle 4.5 (course/format/), plus 'site' (the front page).
CORE_FORMATS = frozenset(["singleactivity", "social", "topics", "weeks", "site"])
#: Course roles an administrator can assign in a course on a stock site
#: (restore_dbops::get_best_assignable_role() matches by short name, then archetype).
COURSE_ROLES = frozenset(["manager", "editingteacher", "teacher", "student"])
#: Files owned by something other than a course, section or activity context.
NON_TASK_COMPONENTS = ("question", "user", "group", "grouping", "badges", "grade")
#: Per task: (root setting, file) pairs restore reads only while the setting is on.
SETTING_FILES = {
    "course": (
        ("filters", "filters.xml"),
        ("comments", "comments.xml"),
        ("calendarevents", "calendar.xml"),
        ("contentbankcontent", "contentbank.xml"),
    ),
    "activity": (
        ("filters", "filters.xml"),
        ("comments", "comments.xml"),
        ("calendarevents", "calendar.xml"),
        ("xapistate", "xapistate.xml"),
    ),
    "block": (("comments", "comments.xml"),),
}
_ENCODED_LINK = re.compile(rb"\$@[A-Z0-9]+\*")


def check_archive(ins: Inspection) -> None:
    """What the container got wrong (MBZ101) and what its index says (MBZ121, notes)."""
    for member, message in ins.arc.faults:
        ins.add(member, 0, E, ARCHIVE, message)
    data = ins.arc.members.get(".ARCHIVE_INDEX")
    if data is None:
        return
    # tgz_extractor reads the index only for list_files() and the progress count; the
    # restore extracts every member whatever the index says.
    why = "restore ignores it (tgz_extractor reads it only to list the archive and count progress)"
    lines = data.decode("utf-8", "replace").splitlines()
    m = re.match(r"Moodle archive file index\. Count: (\d+)$", lines[0] if lines else "")
    if not m:
        ins.add(".ARCHIVE_INDEX", 1, I, INDEX, f"first line is not a Moodle index header: {why}")
        return
    entries = [ln for ln in lines[1:] if ln]
    absent: list[str] = []
    sizes: list[str] = []
    malformed = 0
    for ln in entries:
        parts = ln.split("\t")
        if len(parts) != 4 or parts[1] not in ("f", "d"):
            malformed += 1
            continue
        if parts[1] != "f":
            continue
        body = ins.arc.members.get(parts[0])
        if body is None:
            absent.append(parts[0])
        elif str(len(body)) != parts[2]:
            sizes.append(parts[0])
    findings = []
    if int(m.group(1)) != len(entries):
        findings.append(f"says Count: {m.group(1)} but lists {len(entries)} entries")
    if absent:
        findings.append(
            f"lists {len(absent)} files that are not in the archive (first: {absent[0]})"
        )
    if sizes:
        findings.append(f"gives {len(sizes)} files another size than they have (first: {sizes[0]})")
    if malformed:
        findings.append(f"has {malformed} malformed lines")
    if findings:
        ins.add(".ARCHIVE_INDEX", 1, I, INDEX, f"{'; '.join(findings)}: {why}")


def check_moodle_backup(ins: Inspection) -> BackupInfo | None:
    """Format detection, versions, type, settings and contents of moodle_backup.xml."""
    member = "moodle_backup.xml"
    data = ins.arc.members.get(member)
    if data is None:
        nested = [p for p in ins.arc.members if p.endswith("/moodle_backup.xml")]
        extra = f" (found {nested[0]}: the backup must not be inside a folder)" if nested else ""
        ins.add(member, 0, E, MISSING, f"moodle_backup.xml is not at the archive root{extra}")
        return None
    root = ins.xml(member)
    info_el = root.find("information") if root is not None else None
    if info_el is not None:
        ins.info = read_info(info_el)
    head = data[:200]
    if b'<?xml version="1.0" encoding="UTF-8"?>'.lower() not in head.lower():
        ins.add(
            member,
            1,
            E,
            DETECTION,
            "the first 200 bytes lack the literal declaration "
            '<?xml version="1.0" encoding="UTF-8"?> (double quotes): Moodle reports an '
            "unknown format (convert_helper::detect_moodle2_format())",
        )
    for needle in (b"<moodle_backup>", b"<information>"):
        if needle not in head:
            ins.add(
                member,
                1,
                E,
                DETECTION,
                f"the first 200 bytes lack {needle.decode()}: Moodle reports an unknown format",
            )
    if root is None:
        return None
    if info_el is None or ins.info is None:
        ins.add(member, line_of(root), E, DETECTION, "no <information> element")
        return None
    info = ins.info
    _check_versions(ins, info)
    _check_type(ins, info)
    _check_settings(ins, info)
    made = {
        "moodle_release": info.moodle_release,
        "moodle_version": info.moodle_version,
        "backup_release": info.backup_release,
        "backup_version": info.backup_version,
        "lemma": info.lemma_made,
    }
    ins.summary.update(
        {
            "type": info.type,
            "moodle_release": info.moodle_release,
            "backup_release": info.backup_release,
            "made_by": made,
        }
    )
    return info


def _check_versions(ins: Inspection, info: BackupInfo) -> None:
    member = "moodle_backup.xml"
    el = info.element
    if info.backup_version is None or info.backup_version < MIN_BACKUP_VERSION:
        ins.add(
            member,
            line_of(el.find("backup_version")),
            E,
            VERSION,
            f"backup_version {text(el, 'backup_version')!r} is below {MIN_BACKUP_VERSION}: "
            "restore refuses it (errorminbackup20version); a Moodle 1.9 backup is restored "
            "through Moodle's converter, not read as a Moodle 2 backup",
        )
    if info.build is None:
        ins.add(
            member,
            line_of(el.find("moodle_version")),
            E,
            VERSION,
            f"moodle_version {info.moodle_version!r} has no 8-digit build date: restore "
            "compares it to choose how to read questions, gradebook and sections",
        )
    elif info.build > MOODLE_45_BRANCH:
        ins.add(
            member,
            line_of(el.find("moodle_version")),
            W,
            VERSION,
            f"made by Moodle {info.moodle_release or info.moodle_version}, newer than 4.5: a "
            "4.5 site warns 'noticenewerbackup' and may not restore what the newer version "
            "added",
            "restore it on a site of the same or a newer Moodle version",
        )
    if text(el, "original_course_format") == "site" and info.type == "course":
        ins.add(
            member,
            line_of(el.find("original_course_format")),
            E,
            VERSION,
            "a front-page backup (original_course_format 'site'): restore refuses it into "
            "any course but the front page (errorrestorefrontpagebackup)",
            "restore it into the site front page, or back up a course instead",
        )
    if not (text(el, "original_wwwroot") or "").strip():
        linked = sorted(
            m for m, d in ins.arc.members.items() if m.endswith(".xml") and _ENCODED_LINK.search(d)
        )
        if linked:
            ins.add(
                member,
                line_of(el.find("original_wwwroot")),
                E,
                VERSION,
                f"original_wwwroot is empty and {linked[0]} holds an encoded link: restore "
                "stops (decode_rule_wwwroots_not_set)",
            )


def _check_type(ins: Inspection, info: BackupInfo) -> None:
    member = "moodle_backup.xml"
    if info.type not in ("course", "section", "activity"):
        ins.add(
            member,
            line_of(info.element.find("details/detail/type")),
            E,
            STRUCTURE,
            f"details/detail/type is {info.type!r}: restore knows course, section and activity "
            "backups only, and restores nothing else",
        )
    elif info.type == "course" and not info.has_course:
        ins.add(member, 0, E, STRUCTURE, "a course backup without contents/course: restore stops")
    elif info.type == "section" and not info.sections:
        ins.add(member, 0, E, STRUCTURE, "a section backup without contents/sections/section")
    elif info.type == "activity" and not info.activities:
        ins.add(member, 0, E, STRUCTURE, "an activity backup without contents/activities/activity")


def _check_settings(ins: Inspection, info: BackupInfo) -> None:
    member = "moodle_backup.xml"
    if info.activities and not info.on("activities"):
        ins.add(
            member,
            0,
            E,
            SETTINGS,
            "root setting 'activities' is not 1: no activity is restored "
            "(restore_activity_task::build())",
        )
    section_keys = {s.key for s in info.sections}
    activity_keys = {a.key for a in info.activities}
    for key in info.section_settings:
        if key not in section_keys:
            ins.add(
                member,
                0,
                E,
                SETTINGS,
                f"settings name section {key!r}, which is not in contents: PHP error before "
                "restore starts (backup_general_helper::get_backup_information())",
            )
    for key in info.activity_settings:
        if key not in activity_keys:
            ins.add(
                member,
                0,
                E,
                SETTINGS,
                f"settings name activity {key!r}, which is not in contents: PHP error before "
                "restore starts (backup_general_helper::get_backup_information())",
            )
    for keys, settings in (
        (section_keys, info.section_settings),
        (activity_keys, info.activity_settings),
    ):
        for key in sorted(keys):
            for suffix in ("included", "userinfo"):
                if f"{key}_{suffix}" not in settings.get(key, {}):
                    ins.add(
                        member,
                        0,
                        W,
                        SETTINGS,
                        f"setting {key}_{suffix} is missing: the restore page prints PHP warnings",
                    )


def check_root_files(ins: Inspection, info: BackupInfo) -> None:
    """The root task's files: read for every backup type."""
    for member, why in (
        ("files.xml", "restore_load_included_files"),
        ("roles.xml", "missing_roles_xml_file"),
        ("questions.xml", "missing_questions_xml_file"),
        ("groups.xml", "restore_groups_structure_step"),
        ("scales.xml", "restore_scales_structure_step"),
        ("outcomes.xml", "restore_outcomes_structure_step"),
    ):
        ins.xml(member, required=True, why=f"restore stops ({why})")
    if info.on("users"):
        ins.xml("users.xml", required=True, why="root 'users' is 1 (missing_users_xml_file)")
    _check_roles(ins)


def _check_roles(ins: Inspection) -> None:
    roles = ins.trees.get("roles.xml")
    if roles is None:
        return
    for role in roles.iterfind("role"):
        short, arch = text(role, "shortname") or "", text(role, "archetype") or ""
        if short in COURSE_ROLES or arch in COURSE_ROLES:
            continue
        ins.add(
            "roles.xml",
            line_of(role),
            W,
            ROLES,
            f"role {short!r} (archetype {arch or 'none'!r}) matches no role a stock site can "
            "assign in a course: restore warns 'cannotfindassignablerole' and skips its "
            "assignments and overrides",
        )


def _task_files(ins: Inspection, info: BackupInfo, base: str, kind: str) -> None:
    for setting, fname in SETTING_FILES[kind]:
        if info.on(setting):
            ins.xml(f"{base}/{fname}", required=True, why=f"root '{setting}' is 1")


def _collect_inforef(ins: Inspection, member: str) -> None:
    root = ins.xml(member)
    if root is None:
        return
    for xpath, into in (
        ("fileref/file", ins.fileref),
        ("question_categoryref/question_category", ins.categoryref),
    ):
        for ref in root.iterfind(xpath):
            value = integer(text(ref, "id"))
            if value is not None:
                into.add(value)


def check_course(ins: Inspection, info: BackupInfo) -> None:
    """The course task (course backups only): course/*.xml and the course's blocks."""
    if info.type != "course":
        return
    course = ins.xml("course/course.xml", required=True, why="restore stops")
    ins.xml("course/roles.xml", required=True, why="restore stops")
    _task_files(ins, info, "course", "course")
    course_ctx = integer(text(info.element, "original_course_contextid"))
    if course is not None:
        fmt = text(course, "format") or ""
        ins.summary["course"] = {
            "shortname": text(course, "shortname"),
            "fullname": text(course, "fullname"),
            "format": fmt,
            "startdate": integer(text(course, "startdate")),
            "enablecompletion": text(course, "enablecompletion"),
        }
        if fmt and fmt not in CORE_FORMATS:
            ins.add(
                "course/course.xml",
                line_of(course.find("format")),
                I,
                MODULE,
                f"course format {fmt!r} is not in a stock Moodle 4.5: a site without it shows "
                "the course in its default format",
            )
        cctx = integer(course.get("contextid"))
        if cctx is not None and course_ctx is not None and cctx != course_ctx:
            ins.add(
                "course/course.xml",
                line_of(course),
                E,
                CONTEXTS,
                f"course contextid {cctx} differs from original_course_contextid {course_ctx}",
            )
    _collect_inforef(ins, "course/inforef.xml")
    if info.on("blocks"):
        _check_blocks(ins, info, "course")
    if course is not None:
        _check_numsections(ins, info, course)


def _check_numsections(ins: Inspection, info: BackupInfo, course: Any) -> None:
    """Before 3.3, topics and weeks courses hid sections above ``numsections``; restore hides
    them again (restore_format_topics_plugin / _weeks_::after_restore_course())."""
    numsections = integer(text(course, "numsections"))
    fmt = text(info.element, "original_course_format")
    if numsections is None or fmt not in ("topics", "weeks"):
        return
    if not release_before(info.backup_release, "3.3"):
        return
    hidden = [s.title for s in info.sections if (integer(s.title) or 0) > numsections]
    if hidden:
        ins.add(
            "course/course.xml",
            line_of(course.find("numsections")),
            I,
            STRUCTURE,
            f"sections {', '.join(hidden)} are above numsections {numsections}: a backup from "
            "before 3.3 restores them hidden, as the original course did not show them",
        )


def _check_blocks(ins: Inspection, info: BackupInfo, base: str) -> None:
    """restore_block_task: each blocks/<name>_<id>/ holding a block.xml is restored."""
    prefix = f"{base}/blocks/"
    dirs = sorted(
        {
            m[len(prefix) :].split("/", 1)[0]
            for m in ins.arc.members
            if m.startswith(prefix)
            and m.endswith("/block.xml")
            and m.count("/") == prefix.count("/") + 1
        }
    )
    for d in dirs:
        name = re.sub(r"_\d+$", "", d)
        path = f"{prefix}{d}"
        if name not in CORE_BLOCKS:
            ins.add(
                f"{path}/block.xml",
                0,
                I,
                MODULE,
                f"block {name!r} is not in a stock Moodle 4.5: a site without it skips it",
            )
            continue
        block = ins.xml(f"{path}/block.xml")
        ins.xml(f"{path}/roles.xml", required=True, why="restore stops")
        _task_files(ins, info, path, "block")
        _collect_inforef(ins, f"{path}/inforef.xml")
        if block is not None:
            ctx = integer(block.get("contextid"))
            if ctx is not None:
                ins.context(ctx, f"block {d}", f"{path}/block.xml")


def check_sections(ins: Inspection, info: BackupInfo) -> None:
    """The section tasks: sections/section_<id>/section.xml."""
    out = []
    seen: set[int] = set()
    for s in info.restored_sections():
        sid = s.sectionid
        if sid is None:
            ins.add("moodle_backup.xml", s.line, E, STRUCTURE, "a section has no numeric sectionid")
            continue
        if sid in seen:
            ins.add("moodle_backup.xml", s.line, E, DUPLICATE, f"section id {sid} appears twice")
        seen.add(sid)
        if not s.title.strip() and s.parentcmid is None:
            ins.add(
                "moodle_backup.xml",
                s.line,
                W,
                SECTION_TITLE,
                f"section {sid} has an empty title: restore logs 'Section title missing in "
                "backup' (restore_section_task)",
            )
        expected = f"sections/section_{sid}"
        if s.directory != expected:
            ins.add(
                "moodle_backup.xml",
                s.line,
                E,
                STRUCTURE,
                f"section {sid} directory is {s.directory!r}; restore reads {expected}/",
            )
        member = f"{expected}/section.xml"
        root = ins.xml(member, required=True, why="restore stops")
        entry: dict[str, Any] = {"sectionid": sid, "title": s.title, "activities": 0}
        if root is not None:
            if integer(root.get("id")) != sid:
                ins.add(
                    member,
                    line_of(root),
                    E,
                    STRUCTURE,
                    f"<section id> is {root.get('id')!r}, moodle_backup.xml says {sid}",
                )
            entry["number"] = integer(text(root, "number"))
            name = text(root, "name")
            if name is not None and name != NULL and len(name) > 255:
                ins.add(member, 0, E, NOTNULL, "section name longer than 255 characters")
            avail = text(root, "availabilityjson")
            if avail not in (None, NULL, ""):
                entry["restricted"] = True
                ins.availability.append(
                    (member, line_of(root.find("availabilityjson")), avail or "")
                )
        _collect_inforef(ins, f"{expected}/inforef.xml")
        out.append(entry)
    ins.summary["sections"] = out


def check_activities(ins: Inspection, info: BackupInfo) -> None:
    """The activity tasks: module.xml, <modname>.xml, roles.xml, grades.xml and the rest."""
    kinds: Counter[str] = Counter(a.modname for a in info.activities)
    if info.type == "course":
        section_ids = {s.sectionid for s in info.sections}
        for a in info.activities:
            if a.sectionid not in section_ids:
                ins.add(
                    "moodle_backup.xml",
                    a.line,
                    E,
                    STRUCTURE,
                    f"activity {a.cmid} names section {a.sectionid}, which is not in contents: "
                    "it is silently not restored (restore_plan_builder::build_section_plan())",
                )
    seen: set[int] = set()
    missing_modules = []
    for a in info.restored_activities():
        if a.cmid is None:
            ins.add(
                "moodle_backup.xml",
                a.line,
                E,
                STRUCTURE,
                f"activity {a.title!r} has no numeric moduleid",
            )
            continue
        if a.cmid in seen:
            ins.add(
                "moodle_backup.xml",
                a.line,
                E,
                DUPLICATE,
                f"course module id {a.cmid} appears twice",
            )
        seen.add(a.cmid)
        if a.modname not in CORE_MODULES:
            missing_modules.append(a)
            ins.add(
                "moodle_backup.xml",
                a.line,
                W,
                MODULE,
                f"module {a.modname!r} is not in a stock Moodle 4.5: a site without it skips "
                f"{a.title!r}, and then restores none of the backup's gradebook, grade "
                "history, course completion and badges (restore_plan::set_missing_modules())",
            )
            continue
        expected = f"activities/{a.modname}_{a.cmid}"
        if a.directory != expected:
            ins.add(
                "moodle_backup.xml",
                a.line,
                E,
                STRUCTURE,
                f"activity {a.cmid} directory is {a.directory!r}; expected {expected}",
            )
        act = Activity(
            cmid=a.cmid,
            modname=a.modname,
            title=a.title,
            directory=a.directory,
            sectionid=a.sectionid,
            userinfo=info.activity_userinfo(a.key),
        )
        ins.activities.append(act)
        _check_activity_files(ins, info, act)
    ins.summary["activities"] = dict(sorted(kinds.items()))
    ins.summary["missing_modules"] = sorted({a.modname for a in missing_modules})
    if not ins.summary["missing_modules"]:
        del ins.summary["missing_modules"]
    for s in ins.summary.get("sections", []):
        s["activities"] = sum(1 for a in info.activities if a.sectionid == s["sectionid"])


def _check_activity_files(ins: Inspection, info: BackupInfo, act: Activity) -> None:
    base = act.directory
    module = ins.xml(f"{base}/module.xml", required=True, why="restore stops")
    body = ins.xml(f"{base}/{act.modname}.xml", required=True, why="restore stops")
    ins.xml(f"{base}/roles.xml", required=True, why="restore stops")
    grades = ins.xml(
        f"{base}/grades.xml",
        required=True,
        why="restore stops, for every module (restore_activity_grades_structure_step)",
    )
    _task_files(ins, info, base, "activity")
    _collect_inforef(ins, f"{base}/inforef.xml")
    if info.on("blocks"):
        _check_blocks(ins, info, base)
    if module is not None:
        m = f"{base}/module.xml"
        act.version = integer(module.get("version"))
        if integer(module.get("id")) != act.cmid:
            ins.add(
                m,
                line_of(module),
                E,
                STRUCTURE,
                f"<module id> is {module.get('id')!r}, moodle_backup.xml says {act.cmid}",
            )
        if info.type != "activity" and integer(text(module, "sectionid")) != act.sectionid:
            ins.add(
                m,
                line_of(module.find("sectionid")),
                E,
                STRUCTURE,
                f"module sectionid {text(module, 'sectionid')} differs from moodle_backup.xml "
                f"({act.sectionid}): the activity lands in another section",
            )
        if text(module, "modulename") != act.modname:
            ins.add(
                m,
                line_of(module.find("modulename")),
                E,
                STRUCTURE,
                f"modulename {text(module, 'modulename')!r} differs from moodle_backup.xml "
                f"({act.modname!r})",
            )
        avail = text(module, "availability")
        if avail not in (None, NULL, ""):
            ins.availability.append((m, line_of(module.find("availability")), avail or ""))
        if text(module, "completionpassgrade") == "1" and grades is not None:
            passes = [
                number(text(g, "gradepass")) or 0 for g in grades.iterfind("grade_items/grade_item")
            ]
            if not any(p > 0 for p in passes):
                ins.add(
                    m,
                    line_of(module.find("completionpassgrade")),
                    E,
                    COMPLETION,
                    "completion on pass grade, but no grade item has a pass grade: the activity "
                    "can never be completed",
                )
    if grades is not None:
        for gi in grades.iterfind("grade_items/grade_item"):
            gid = integer(gi.get("id"))
            if gid is not None:
                ins.grade_item_ids.add(gid)
    if body is not None:
        _check_activity_body(ins, act, body)


#: NOT NULL text columns without a default, per module (lib/db/install.xml of each).
_REQUIRED_TEXT = {
    "quiz": ("intro",),
    "label": ("intro",),
    "url": ("externalurl",),
    "page": ("content",),
}


def _check_activity_body(ins: Inspection, act: Activity, body: Any) -> None:
    member = f"{act.directory}/{act.modname}.xml"
    ctx = integer(body.get("contextid"))
    if ctx is None:
        ins.add(member, line_of(body), E, CONTEXTS, "<activity> has no numeric contextid")
    else:
        ins.context(ctx, f"activity {act.modname}_{act.cmid}", member)
    act.contextid = ctx
    if integer(body.get("moduleid")) != act.cmid:
        ins.add(
            member,
            line_of(body),
            E,
            STRUCTURE,
            f"<activity moduleid> is {body.get('moduleid')!r}, expected {act.cmid}",
        )
    rec = body.find(act.modname)
    if rec is None:
        ins.add(member, 0, E, STRUCTURE, f"no <{act.modname}> record inside <activity>")
        return
    name = text(rec, "name")
    if name is not None and len(name) > 255:
        ins.add(
            member,
            line_of(rec.find("name")),
            E,
            NOTNULL,
            f"{act.modname} name is longer than 255 characters",
        )
    for col in _REQUIRED_TEXT.get(act.modname, ()):
        if text(rec, col) in (None, NULL):
            ins.add(
                member,
                line_of(rec),
                E,
                NOTNULL,
                f"{act.modname}.{col} is missing or NULL (NOT NULL text column): restore stops "
                "with dml_write_exception",
            )
    if act.modname == "quiz":
        ins.quizzes.append({"activity": act, "member": member, "record": rec})
    elif act.modname == "glossary":
        for e in rec.iterfind("entries/entry"):
            concept = text(e, "concept")
            if concept is None or len(concept) > 255:
                ins.add(
                    member,
                    line_of(e),
                    E,
                    NOTNULL,
                    "glossary concept missing or longer than 255 characters",
                )
            if text(e, "definition") in (None, NULL):
                ins.add(member, line_of(e), E, NOTNULL, "glossary definition missing or NULL")
    elif act.modname == "resource":
        ins.summary.setdefault("resources", []).append(
            {"title": act.title, "display": integer(text(rec, "display"))}
        )


def check_contexts(ins: Inspection, info: BackupInfo) -> None:
    """System and course contexts must differ from each other and from every activity's."""
    el = info.element
    system = integer(text(el, "original_system_contextid"))
    course = integer(text(el, "original_course_contextid"))
    if system is not None:
        ins.context(system, "the system", "moodle_backup.xml")
    if course is not None:
        ins.context(course, "the course", "moodle_backup.xml")


def check_files(ins: Inspection, info: BackupInfo) -> None:
    """files.xml: every file restore is asked to create, and its body under files/."""
    root = ins.trees.get("files.xml")
    if root is None:
        return
    listing = []
    seen: set[int] = set()
    unlicensed: list[str] = []
    for f in root.iterfind("file"):
        fid = integer(f.get("id"))
        line = line_of(f)
        if fid in seen:
            ins.add("files.xml", line, E, DUPLICATE, f"file id {fid} appears twice")
        seen.add(fid or 0)
        filename = text(f, "filename") or ""
        filepath = text(f, "filepath") or ""
        component = text(f, "component") or ""
        if filename == ".":
            continue
        chash = (text(f, "contenthash") or "").lower()
        ctx = integer(text(f, "contextid"))
        shown = f"{component}/{text(f, 'filearea')}{filepath}{filename}"
        other_owner = component in NON_TASK_COMPONENTS or component.startswith("qtype_")
        if not other_owner and fid not in ins.fileref:
            ins.add(
                "files.xml",
                line,
                E,
                FILES,
                f"file {fid} ({shown}) is in no inforef fileref: it is silently not restored "
                "(restore_load_included_files)",
            )
        if not other_owner and (ctx is None or ctx not in ins.contexts):
            ins.add(
                "files.xml",
                line,
                E,
                FILES,
                f"file {fid} ({shown}) has context {ctx}, which is no context of this backup: "
                "it is not restored",
            )
        if not filepath.startswith("/") or not filepath.endswith("/"):
            ins.add(
                "files.xml",
                line,
                E,
                FILES,
                f"file {fid}: filepath {filepath!r} must start and end with '/' (storedfileproblem)",
            )
        if not filename or re.search(r'[\x00-\x1f\x7f/\\:*?"<>|]', filename):
            ins.add(
                "files.xml",
                line,
                E,
                FILES,
                f"file {fid}: filename {filename!r} is not valid (storedfileproblem)",
            )
        body = ins.arc.members.get(f"files/{chash[:2]}/{chash}")
        if info.include_files and body is None and text(f, "repositoryid") in (None, "", NULL):
            ins.add(
                "files.xml",
                line,
                E,
                FILES,
                f"file {fid} ({shown}): body files/{chash[:2]}/{chash} is missing: the restore "
                "ends with 'restorefileweremissing' and the file is not restored",
            )
        if text(f, "license") == NULL:
            unlicensed.append(shown)
        listing.append(
            {
                "id": fid,
                "component": component,
                "filearea": text(f, "filearea"),
                "path": f"{filepath}{filename}",
                "size": len(body) if body is not None else integer(text(f, "filesize")),
                "mimetype": text(f, "mimetype"),
            }
        )
    if listing and not info.include_files:
        ins.add(
            "moodle_backup.xml",
            line_of(info.element.find("include_files")),
            W,
            FILES,
            f"include_files is 0: the archive holds none of its {len(listing)} file bodies; "
            "restore takes them from the target site's files by content hash, so on another "
            "site they are missing ('restorefileweremissing')",
            "make the backup again with 'Include files' on",
        )
    if unlicensed:
        ins.add(
            "files.xml",
            0,
            I,
            FILES,
            f"{len(unlicensed)} file(s) have no licence (first: {unlicensed[0]}): restore "
            "gives them the site's default licence",
        )
    for ref in sorted(ins.fileref - seen):
        ins.add("files.xml", 0, E, FILES, f"inforef lists file {ref}, which is not in files.xml")
    ins.summary["files"] = listing


def check_gradebook(ins: Inspection, info: BackupInfo) -> None:
    """gradebook.xml may hold only course, category and manual items."""
    root = ins.xml("gradebook.xml")
    if root is None or not info.on("activities"):
        return
    for gi in root.iterfind("grade_items/grade_item"):
        if text(gi, "itemtype") not in ("course", "category", "manual"):
            ins.add(
                "gradebook.xml",
                line_of(gi),
                E,
                GRADES,
                f"gradebook.xml holds a {text(gi, 'itemtype')!r} grade item: restore stops "
                "(unexpected_grade_item_type)",
            )
