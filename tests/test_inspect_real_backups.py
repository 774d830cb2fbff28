"""`lemma inspect` on backups Moodle made: it agrees with Moodle 4.5.6's own restore.

Fixtures (tests/fixtures/mbz/README.md): three archives exported from a Moodle 4.5.6 with
its own backup code (a course with users, quiz attempts, glossary entries and a forum post;
the quiz as an activity backup; a section with users), and the quiz rewritten in the
layouts of Moodle 3.11 and 2.6. Each was restored on a real 4.5.6 with no error, warning or
lost item; every variant below states what that restore did with it.

With ``LEMMA_MOODLE_TREE`` pointing at a Moodle source tree, every ``*.mbz`` in it is
inspected too (Moodle's own test fixtures, 2.6 to 4.3), against what a real 4.5.6 restore
did with each (docs/backup.md, "Checked against Moodle's own archives").
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from lemma_pkg.cli import main
from lemma_pkg.mbz.archive import Member, write_mbz
from lemma_pkg.mbz.inspect import Report, inspect_bytes, inspect_file
from lemma_pkg.mbz.xmlwriter import to_bytes
from tests.fixtures.mbz.course_factory import HERE
from tests.fixtures.mbz.legacy_layout import as_moodle_26, as_moodle_311

Members = dict[str, bytes]
COURSE = HERE / "moodle45_course_users.mbz"
ACTIVITY = HERE / "moodle45_quiz_activity.mbz"
SECTION = HERE / "moodle45_section_users.mbz"


def load(path: Path) -> Members:
    with tarfile.open(path, "r:gz") as tar:
        return {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.isfile() and m.name != ".ARCHIVE_INDEX"
        }


def pack(members: Members) -> bytes:
    buf = io.BytesIO()
    write_mbz([Member(p, d) for p, d in members.items()], buf, 1700000000)
    return buf.getvalue()


def inspect(members: Members) -> Report:
    return inspect_bytes(pack(members), "x.mbz")


def edit(members: Members, path: str, fn: Callable[[etree._Element], None]) -> None:
    root = etree.fromstring(members[path])
    fn(root)
    members[path] = to_bytes(root)


def one(root: etree._Element, xpath: str) -> etree._Element:
    found = root.xpath(xpath)
    assert isinstance(found, list) and found, xpath
    el = found[0]
    assert isinstance(el, etree._Element)
    return el


def setting(members: Members, name: str, value: str) -> None:
    edit(
        members,
        "moodle_backup.xml",
        lambda r: setattr(one(r, f"//setting[level='root'][name='{name}']/value"), "text", value),
    )


def member(members: Members, prefix: str, suffix: str) -> str:
    return next(p for p in sorted(members) if p.startswith(prefix) and p.endswith(suffix))


def counted(report: Report) -> list[tuple[str, str]]:
    """(code, severity) of every error and warning."""
    return sorted((p.code, p.severity.value) for p in report.problems if p.severity.value != "info")


# --------------------------------------------------------------------------- clean archives


@pytest.mark.parametrize("path", [COURSE, ACTIVITY, SECTION], ids=lambda p: p.stem)
def test_moodle_45_backups_have_nothing_wrong(path: Path) -> None:
    report = inspect_file(path)
    assert report.problems == []


def test_summary_of_a_course_with_users() -> None:
    s = inspect_file(COURSE).summary
    assert s["type"] == "course"
    assert s["made_by"] == {
        "moodle_release": "4.5.6 (Build: 20250811)",
        "moodle_version": "2024100706",
        "backup_release": "4.5",
        "backup_version": 2024100700,
        "lemma": False,
    }
    assert s["activities"] == {"forum": 1, "glossary": 1, "page": 1, "quiz": 1}
    assert s["questions"] == {"shortanswer": 1, "truefalse": 3}
    assert s["quizzes"] == [{"title": "Check", "slots": 3, "sumgrades": 3.0}]
    ud = s["user_data"]
    assert ud["included"] is True and ud["anonymized"] is False
    assert ud["users"] == 3
    assert (ud["enrolments"], ud["enrolment_methods"]) == (3, ["guest", "manual", "self"])
    assert ud["role_assignments"] == 3
    assert (ud["quiz_attempts"], ud["glossary_entries"], ud["forum_posts"]) == (2, 2, 1)
    assert [f["path"] for f in s["files"]] == ["/dot.png"]
    quiz = next(a for a in s["activity_list"] if a["modname"] == "quiz")
    assert quiz["user_data"] == {"attempts": 2, "grades": 2}


def test_summary_of_activity_and_section_backups() -> None:
    activity = inspect_file(ACTIVITY).summary
    assert activity["type"] == "activity"
    assert activity["user_data"]["included"] is False
    assert activity["sections"] == []
    section = inspect_file(SECTION).summary
    assert section["type"] == "section"
    assert [s["activities"] for s in section["sections"]] == [2]
    assert section["activities"] == {"forum": 1, "glossary": 1}


def test_cli_text_says_type_version_and_user_data() -> None:
    result = CliRunner().invoke(main, ["inspect", str(COURSE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        "course backup made by Moodle 4.5.6 (Build: 20250811) (moodle_version 2024100706, "
        "backup release 4.5)"
    ) in lines
    assert (
        "user data: 3 users, 3 enrolments, 3 role assignments, 4 grades, 2 quiz attempts, "
        "2 glossary entries, 1 forum posts"
    ) in lines
    assert "no problems found" in result.stderr
    result = CliRunner().invoke(main, ["inspect", str(ACTIVITY)])
    assert "user data: not included" in result.stdout.splitlines()


# --------------------------------------------------------------------------- older layouts


@pytest.mark.parametrize("convert", [as_moodle_311, as_moodle_26], ids=["3.11", "2.6"])
def test_older_layouts_restore_clean(convert: Callable[[Members], Members]) -> None:
    """Restored on 4.5.6: 3 slots (2 questions, 1 random), no error, warning or lost slot."""
    report = inspect(convert(load(ACTIVITY)))
    assert report.problems == []
    assert report.summary["quizzes"] == [{"title": "Check", "slots": 3, "sumgrades": 3.0}]
    assert report.summary["questions"] == {"random": 1, "shortanswer": 1, "truefalse": 3}


def test_legacy_slot_naming_no_question_stops_restore() -> None:
    """4.5.6: PHP warnings, then dml_write_exception (question_references.questionbankentryid
    NULL) in process_quiz_question_legacy_instance()."""
    members = as_moodle_311(load(ACTIVITY))
    quiz = member(members, "activities/quiz_", "/quiz.xml")
    edit(members, quiz, lambda r: setattr(one(r, "//questionid"), "text", "999999"))
    report = inspect(members)
    assert counted(report) == [("MBZ111", "error")]
    assert "names question 999999" in report.problems[0].message


def test_26_instance_not_in_the_quiz_layout_is_dropped_quietly() -> None:
    """Restore logs 'was associated with quiz ... but not actually used' and skips it."""
    members = as_moodle_26(load(ACTIVITY))
    quiz = member(members, "activities/quiz_", "/quiz.xml")
    edit(members, quiz, lambda r: setattr(one(r, "//quiz/questions"), "text", "0"))
    report = inspect(members)
    assert counted(report) == []
    assert report.summary["quizzes"][0]["slots"] == 0


def test_version_fields_that_contradict_the_question_layout() -> None:
    """4.5.6, backup_release 3.11 over 4.x questions: no question is created and both slots
    reference nothing of the new course."""
    members = load(ACTIVITY)
    edit(
        members,
        "moodle_backup.xml",
        lambda r: setattr(one(r, "//backup_release"), "text", "3.11"),
    )
    report = inspect(members)
    assert ("MBZ108", "error") in counted(report)
    assert any("make restore read questions from" in p.message for p in report.problems)


def test_two_top_categories_fail_only_from_35_on() -> None:
    def two_tops(members: Members) -> Members:
        edit(
            members,
            "questions.xml",
            lambda r: setattr(one(r, "//question_category[name='Pool']/parent"), "text", "0"),
        )
        return members

    assert ("MBZ111", "error") in counted(inspect(two_tops(load(ACTIVITY))))
    old = as_moodle_311(load(ACTIVITY))
    edit(old, "moodle_backup.xml", lambda r: setattr(one(r, "//backup_release"), "text", "3.4"))
    edit(
        old,
        "moodle_backup.xml",
        lambda r: setattr(one(r, "//moodle_version"), "text", "2017111300"),
    )
    assert counted(inspect(two_tops(old))) == []


def test_sections_above_numsections_before_33_are_noted() -> None:
    """4.5.6 on Moodle's deadlock.mbz (3.2, topics) with numsections 2: sections 3 and 4
    restored hidden (restore_format_topics_plugin::after_restore_course())."""
    members = load(COURSE)
    edit(members, "moodle_backup.xml", lambda r: setattr(one(r, "//backup_release"), "text", "3.2"))

    def numsections(course: etree._Element) -> None:
        etree.SubElement(course, "numsections").text = "1"

    edit(members, "course/course.xml", numsections)
    notes = [p for p in inspect(members).problems if "numsections" in p.message]
    assert [(p.code, p.severity.value) for p in notes] == [("MBZ106", "info")]
    assert notes[0].message.startswith("sections 2 are above numsections 1")


# --------------------------------------------------------------------------- by backup type


def test_activity_backup_reads_the_files_its_settings_ask_for() -> None:
    """4.5.6: an activity backup with calendarevents 1 and no calendar.xml stops the restore
    (missing_moodle_backup_xml_file); with calendarevents 0 the file is never read. No
    course/ files are read for an activity backup."""
    members = load(ACTIVITY)
    assert not any(p.endswith("/calendar.xml") for p in members)  # calendarevents was off
    assert counted(inspect(members)) == []
    setting(members, "calendarevents", "1")
    report = inspect(members)
    assert counted(report) == [("MBZ104", "error")]
    assert "calendar.xml is missing: root 'calendarevents' is 1" in report.problems[0].message


def test_section_backup_needs_its_section_xml() -> None:
    members = load(SECTION)
    del members[member(members, "sections/section_", "/section.xml")]
    assert counted(inspect(members)) == [("MBZ104", "error")]


# --------------------------------------------------------------------------- user data


def _drop_user(members: Members, username: str) -> None:
    def fn(root: etree._Element) -> None:
        user = one(root, f"//user[username='{username}']")
        parent = user.getparent()
        assert parent is not None
        parent.remove(user)

    edit(members, "users.xml", fn)


def test_user_data_of_users_not_in_users_xml() -> None:
    """4.5.6 (Moodle's question_attempts_missing_users fixture, and this variant): attempts
    and activity grades of absent users skipped, quiz grades stored with user 0, their
    enrolments and role assignments skipped, their glossary entries with user 0."""
    members = load(COURSE)
    _drop_user(members, "fixstudent1")
    report = inspect(members)
    messages = [p.message for p in report.problems if p.code == "MBZ123"]
    assert len(messages) == 5
    assert any(m.startswith("1 quiz attempts:") and "Skipping quiz attempt" in m for m in messages)
    assert any(m.startswith("1 quiz grades:") and "user id 0" in m for m in messages)
    assert any(m.startswith("1 grades:") and "Mapped user id not found" in m for m in messages)
    assert any(m.startswith("1 enrolments:") for m in messages)
    assert any(m.startswith("1 role assignments:") for m in messages)
    glossary = [p for p in report.problems if p.code == "MBZ116"]
    assert [(p.severity.value, p.message[:40]) for p in glossary] == [
        ("warning", "1 glossary entries restore with user id ")
    ]


def test_user_data_with_users_off() -> None:
    """4.5.6: root users 0, activities' userinfo 1: attempts skipped, grades skipped with a
    debugging message, quiz grades and glossary entries with user 0."""
    members = load(COURSE)
    setting(members, "users", "0")
    report = inspect(members)
    assert {(p.code, p.severity.value) for p in report.problems} == {
        ("MBZ116", "warning"),
        ("MBZ123", "warning"),
    }
    assert all("user data is off" in p.message for p in report.problems)


def test_missing_users_xml_is_one_error() -> None:
    """4.5.6: missing_users_xml_file, nothing restored."""
    members = load(COURSE)
    del members["users.xml"]
    assert counted(inspect(members)) == [("MBZ104", "error")]


def test_role_no_stock_site_can_map() -> None:
    """4.5.6: precheck warning 'The Mentor role in the backup file cannot be mapped'."""
    members = load(COURSE)
    edit(
        members,
        "roles.xml",
        lambda r: [
            setattr(one(r, "//role[shortname='student']/shortname"), "text", "mentor"),
            setattr(one(r, "//role[shortname='mentor']/archetype"), "text", ""),
        ],
    )
    report = inspect(members)
    assert counted(report) == [("MBZ124", "warning")]
    assert "cannotfindassignablerole" in report.problems[0].message


# --------------------------------------------------------------------------- other variants


def test_files_left_out_of_the_archive() -> None:
    """4.5.6 with include_files 0 and bodies the site lacks: 'Missing file in backup' in the
    log and 'restorefileweremissing' on the last page."""
    members = load(COURSE)
    edit(members, "moodle_backup.xml", lambda r: setattr(one(r, "//include_files"), "text", "0"))
    for p in [p for p in members if p.startswith("files/")]:
        del members[p]
    report = inspect(members)
    assert counted(report) == [("MBZ110", "warning")]
    assert "include_files is 0" in report.problems[0].message


def test_random_slot_drawing_from_a_context_not_in_the_backup() -> None:
    """4.5.6: log warning 'question_set_reference ... referenced question context 99999 which
    was not included in the backup'."""
    members = load(ACTIVITY)
    quiz = member(members, "activities/quiz_", "/quiz.xml")
    edit(members, quiz, lambda r: setattr(one(r, "//questionscontextid"), "text", "99999"))
    assert counted(inspect(members)) == [("MBZ111", "warning")]


def test_backup_from_a_newer_moodle() -> None:
    """4.5.6: precheck warning noticenewerbackup."""
    members = load(ACTIVITY)
    edit(
        members,
        "moodle_backup.xml",
        lambda r: setattr(one(r, "//moodle_version"), "text", "2025041400"),
    )
    assert counted(inspect(members)) == [("MBZ108", "warning")]


def test_question_type_from_a_plugin() -> None:
    members = load(ACTIVITY)
    edit(
        members,
        "questions.xml",
        lambda r: setattr(one(r, "//question/qtype"), "text", "wordselect"),
    )
    report = inspect(members)
    assert ("MBZ107", "warning") in counted(report)


def test_archive_index_from_a_repack_is_only_a_note() -> None:
    members = load(ACTIVITY)
    members[".ARCHIVE_INDEX"] = b"Moodle archive file index. Count: 1\ngone.xml\tf\t12\t?\n"
    # write_mbz writes its own index; put this one in a plain tar instead.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    report = inspect_bytes(buf.getvalue(), "x.mbz")
    assert not report.failed
    assert [(p.code, p.severity.value) for p in report.problems] == [("MBZ121", "info")]


# --------------------------------------------------------------------------- Moodle's own tree

#: What a real Moodle 4.5.6 restore did with each archive in its own source tree (restored
#: with the restore controller into a new course as admin; precheck, log, PHP warnings and
#: debugging output recorded): every one restores without an error or warning except the
#: fixture made to lose the attempts of users it does not hold, where restore prints
#: "Mapped user id not found" and drops or orphans their data.
TREE_EXPECTED: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "admin/tool/uploadcourse/tests/fixtures/backup.mbz": ("course", []),
    "backup/controller/tests/fixtures/deadlock.mbz": ("course", []),
    "backup/moodle2/tests/fixtures/availability_26_format.mbz": ("course", []),
    "backup/moodle2/tests/fixtures/question_category_34_format.mbz": ("course", []),
    "backup/moodle2/tests/fixtures/question_category_35_format.mbz": ("course", []),
    "backup/moodle2/tests/fixtures/test_tags_backup.mbz": ("course", []),
    "completion/tests/fixtures/legacy_course_completion.mbz": ("course", []),
    "mod/quiz/tests/fixtures/moodle_28_quiz.mbz": ("activity", []),
    "mod/quiz/tests/fixtures/moodle_311_quiz.mbz": ("activity", []),
    "mod/quiz/tests/fixtures/moodle_39_quiz_with_random_question_from_mod_context.mbz": (
        "activity",
        [],
    ),
    "mod/quiz/tests/fixtures/moodle_42_random_question.mbz": ("activity", []),
    "mod/quiz/tests/fixtures/pre-40-shared-random-question.mbz": ("course", []),
    "mod/quiz/tests/fixtures/question_attempts_missing_users.mbz": (
        "course",
        [("MBZ123", "warning")] * 5,
    ),
    "mod/quiz/tests/fixtures/random_by_tag_quiz.mbz": ("activity", []),
}
TREE = Path(os.environ["LEMMA_MOODLE_TREE"]) if os.environ.get("LEMMA_MOODLE_TREE") else None
TREE_ARCHIVES = sorted(TREE.rglob("*.mbz")) if TREE is not None and TREE.is_dir() else []


@pytest.mark.skipif(TREE is None, reason="LEMMA_MOODLE_TREE is not set")
def test_moodle_tree_is_a_moodle_tree() -> None:
    assert TREE is not None and (TREE / "backup" / "backup.class.php").is_file(), TREE
    assert TREE_ARCHIVES, f"no .mbz under {TREE}"


@pytest.mark.skipif(not TREE_ARCHIVES, reason="LEMMA_MOODLE_TREE is not set")
@pytest.mark.parametrize(
    "path", TREE_ARCHIVES, ids=[str(p.relative_to(TREE)) for p in TREE_ARCHIVES] if TREE else []
)
def test_moodles_own_archives_agree_with_its_restore(path: Path) -> None:
    assert TREE is not None
    report = inspect_file(path)
    rel = path.relative_to(TREE).as_posix()
    if rel not in TREE_EXPECTED:  # an archive of another Moodle version: read it, no verdict
        return
    kind, expected = TREE_EXPECTED[rel]
    assert report.summary["type"] == kind
    assert counted(report) == expected, [str(p.to_dict()) for p in report.problems]
