"""The ``MBZ1xx`` rules of ``lemma inspect`` and what to tell the user about each.

Each rule is something Moodle 4.5's restore fails on, silently loses or changes, or warns
about; the pitfall numbers refer to ``shared/notes/moodle-backup-format.md`` §7 and
docs/backup.md lists the Moodle code behind each. Severity: error = restore stops, or
drops what the archive holds; warning = restore finishes but loses or changes something,
or depends on the target site; info = a note, nothing is lost.

Hints name the cause. Which cause depends on who wrote the archive: ``lemma build``
(its marker is in moodle_backup.xml, see :mod:`.info`) never writes a defect on purpose,
so for its archives every problem means "rebuild"; for any other archive the rule's own
hint says what usually causes it.
"""

from __future__ import annotations

from lemma_pkg.diagnostics import Severity, register_rule

E = Severity.ERROR
W = Severity.WARNING
I = Severity.INFO  # noqa: E741

#: The hint of each rule for archives lemma did not write (the real cause).
CAUSES: dict[str, str] = {}


def _rule(code: str, name: str, severity: Severity, summary: str, cause: str) -> str:
    register_rule(code, name, severity, summary)
    CAUSES[code] = cause
    return code


_EDITED = (
    "Moodle never writes this: the archive was edited or repacked by hand or made by "
    "another tool; make the backup again in Moodle, or fix the tool that made it"
)

ARCHIVE = _rule(
    "MBZ101",
    "archive-unreadable",
    E,
    "Archive or tar header Moodle cannot read (pitfalls 2, 3).",
    "the archive was packed with a tar that writes PAX/GNU or v7 headers, or is damaged; "
    "repack it as plain ustar (`tar --format=ustar`) or download it again",
)
DETECTION = _rule(
    "MBZ102",
    "format-detection",
    E,
    "moodle_backup.xml would not be detected as a Moodle 2 backup (pitfall 1).",
    "moodle_backup.xml was rewritten by a tool that changed its first line; " + _EDITED,
)
XML = _rule(
    "MBZ103",
    "xml-not-well-formed",
    E,
    "An XML file is not well-formed UTF-8 (pitfall 4).",
    "the file was edited by hand or damaged; " + _EDITED,
)
MISSING = _rule(
    "MBZ104",
    "missing-file",
    E,
    "A file the restore of this backup type, with these settings, reads is missing (pitfall 5).",
    "the archive is incomplete (a truncated copy, or files removed by hand); make the "
    "backup again, or download it again",
)
SETTINGS = _rule(
    "MBZ105",
    "settings",
    E,
    "Backup settings restore cannot use (pitfalls 6, 7).",
    _EDITED,
)
STRUCTURE = _rule(
    "MBZ106",
    "structure-link",
    E,
    "Sections, activities and their directories do not link up (pitfall 8).",
    _EDITED,
)
MODULE = _rule(
    "MBZ107",
    "unknown-plugin",
    W,
    "An activity, question type, block or course format a stock Moodle 4.5 does not have "
    "(pitfall 9).",
    "install the same plugin on the site you restore into before restoring, or leave "
    "that activity out of the backup",
)
VERSION = _rule(
    "MBZ108",
    "version",
    E,
    "Version or origin fields that make restore fail or warn, or that do not match the "
    "layout of the data (pitfalls 10, 11).",
    "restore it on a site at least as new as the one that made it; " + _EDITED,
)
CONTEXTS = _rule(
    "MBZ109",
    "context-collision",
    E,
    "Two contexts share an id (pitfall 12).",
    _EDITED,
)
FILES = _rule(
    "MBZ110",
    "files",
    E,
    "A file is not listed in an inforef, has a wrong context, name or body (pitfall 13).",
    "the archive is incomplete or was edited by hand; make the backup again (with "
    "'Include files' on)",
)
QUESTIONS = _rule(
    "MBZ111",
    "question-references",
    E,
    "Question categories, bank entries, questions or slot references do not link up "
    "(pitfalls 14-16).",
    _EDITED,
)
NOTNULL = _rule(
    "MBZ112",
    "not-null-or-too-long",
    E,
    "A NOT NULL column is missing/NULL or a value is longer than its column (pitfall 17).",
    _EDITED,
)
ORDER = _rule(
    "MBZ113",
    "answer-order",
    E,
    "A record points to an answer that is not written before it (pitfall 18).",
    _EDITED,
)
DUPLICATE = _rule(
    "MBZ114",
    "duplicate-id",
    E,
    "Two records of one kind share an id (pitfall 19).",
    _EDITED,
)
GRADES = _rule(
    "MBZ115",
    "grades",
    E,
    "A quiz without grade item, `mod` items in gradebook.xml, overlapping feedback; notes "
    "for values restore keeps as written (sumgrades, grademax) (pitfalls 20, 21).",
    "restore keeps these values as the archive gives them; edit the quiz after restoring "
    "(Moodle recomputes them when its questions or maximum grade are saved)",
)
GLOSSARY = _rule(
    "MBZ116",
    "glossary-entries",
    W,
    "Glossary entries that restore drops (their user data is off) or restores without an "
    "author (pitfall 22).",
    "back the glossary up with user data and its authors (users on), or restore through "
    "`lemma deploy`, which gives authorless entries the deploying user",
)
AVAILABILITY = _rule(
    "MBZ117",
    "availability",
    E,
    "Availability JSON Moodle rejects at the end of restore, or that points nowhere (pitfall 23).",
    _EDITED,
)
ATTEMPTS = _rule(
    "MBZ118",
    "quiz-attempts-field",
    W,
    "quiz.xml uses `attempts` instead of `attempts_number` (pitfall 24).",
    _EDITED,
)
SECTION_TITLE = _rule(
    "MBZ119",
    "section-title",
    W,
    "A section without a title in moodle_backup.xml (pitfall 25).",
    _EDITED,
)
COURSE_BANK = _rule(
    "MBZ120",
    "course-level-bank",
    I,
    "Question categories outside module contexts: 5.x restores them into a fallback bank "
    "with a warning each (pitfall 26).",
    "nothing to do for Moodle 4.5; on 5.x the questions end up in a question bank activity",
)
INDEX = _rule(
    "MBZ121",
    "archive-index",
    I,
    ".ARCHIVE_INDEX does not match the archive (restore ignores it).",
    "the archive was repacked after Moodle wrote it; nothing to do for restore",
)
COMPLETION = _rule(
    "MBZ122",
    "completion",
    E,
    "Course completion criteria or activity completion that cannot work.",
    _EDITED,
)
USERS = _rule(
    "MBZ123",
    "user-data",
    W,
    "User data (attempts, grades, posts) of users the archive does not hold: restore skips "
    "it or stores it with user id 0.",
    "make the backup again with every participant included (or anonymised), or accept "
    "that these records are lost",
)
ROLES = _rule(
    "MBZ124",
    "role-unmapped",
    W,
    "A role a stock site cannot map: its assignments and overrides are skipped "
    "(cannotfindassignablerole).",
    "create a role with that short name (or give it a standard archetype) on the site "
    "before restoring, or map it by hand in the restore page",
)


def lemma_hint(code: str) -> str:
    """The hint for a problem in an archive ``lemma build`` wrote."""
    return (
        "`lemma build` wrote this archive wrongly: rebuild it with the current lemma, and "
        f"report it if the problem stays; {code} in docs/backup.md says more"
    )
