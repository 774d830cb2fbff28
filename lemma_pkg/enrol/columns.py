"""The roster's columns, named as Moodle's Upload users names them
(``uu_validate_user_upload_columns`` in ``admin/tool/uploaduser/locallib.php``): standard user
fields in any case (kept lower case), ``profile_field_<shortname>`` matching a profile field
of the site exactly or in lower case, and the numbered columns ``course1``, ``role1``,
``group1``, ``enrolperiod1``, ``enrolstatus1``, ``enroltimestart1``, ``cohort1``, ... for any N.
Any other column stops Moodle's upload; here it is an error with a "did you mean".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from lemma_pkg.enrol.csvfile import Record, php_trim
from lemma_pkg.enrol.problems import Problems

#: Moodle 4.5's standard columns (process::find_standard_fields() and the name fields).
STANDARD = (
    "id",
    "username",
    "email",
    "emailstop",
    "city",
    "country",
    "lang",
    "timezone",
    "mailformat",
    "maildisplay",
    "maildigest",
    "htmleditor",
    "autosubscribe",
    "institution",
    "department",
    "idnumber",
    "phone1",
    "phone2",
    "address",
    "description",
    "descriptionformat",
    "password",
    "auth",
    "oldusername",
    "suspended",
    "theme",
    "deleted",
    "mnethostid",
    "interests",
    "firstname",
    "lastname",
    "firstnamephonetic",
    "lastnamephonetic",
    "middlename",
    "alternatename",
)
#: The numbered columns Moodle accepts (the part before the number).
NUMBERED = (
    "category",
    "categoryrole",
    "cohort",
    "course",
    "enrolperiod",
    "enrolstatus",
    "enroltimestart",
    "group",
    "role",
    "sysrole",
    "type",
)
_NUMBERED = re.compile(r"^(" + "|".join(NUMBERED) + r")(\d+)$")
PROFILE_PREFIX = "profile_field_"


@dataclass(frozen=True)
class Column:
    index: int
    #: As written in the header.
    raw: str
    #: As Moodle names it (standard and numbered columns in lower case).
    name: str
    #: The profile field's shortname, for ``profile_field_<shortname>``.
    profile: str | None = None
    #: ``course``, ``group``, ... and N, for numbered columns.
    base: str | None = None
    slot: int | None = None


def name_columns(
    header: Record, profile_shortnames: Iterable[str], problems: Problems
) -> list[Column]:
    """Name every header cell; unknown and repeated columns go to ``problems`` (row 1)."""
    fields = [PROFILE_PREFIX + s for s in profile_shortnames]
    columns: list[Column] = []
    seen: dict[str, str] = {}
    if len(header.cells) < 2:
        problems.error(
            1,
            header.line,
            "",
            "too-few-columns",
            f"the header has {len(header.cells)} column; Moodle needs at least two",
            "give username and the other columns, separated by the file's delimiter",
        )
    for i, cell in enumerate(header.cells):
        raw = php_trim(cell)
        lower = raw.lower()
        col: Column | None = None
        if raw in STANDARD or lower in STANDARD:
            col = Column(i, raw, lower)
        elif raw in fields:
            col = Column(i, raw, raw, profile=raw[len(PROFILE_PREFIX) :])
        elif lower in fields:
            col = Column(i, raw, lower, profile=lower[len(PROFILE_PREFIX) :])
        elif m := _NUMBERED.match(lower):
            col = Column(i, raw, lower, base=m.group(1), slot=int(m.group(2)))
        if col is None:
            problems.error(
                1,
                header.line,
                raw,
                "unknown-column",
                _unknown_message(raw, lower),
                _suggest(raw, fields),
            )
            continue
        if col.name in seen:
            problems.error(
                1,
                header.line,
                raw,
                "duplicate-column",
                f'column "{col.name}" is given twice (also as "{seen[col.name]}")',
                "remove one of them: Moodle refuses a file with a repeated column",
            )
            continue
        seen[col.name] = raw
        columns.append(col)
    return columns


def _unknown_message(raw: str, lower: str) -> str:
    if lower.startswith(PROFILE_PREFIX):
        return f'the site has no custom profile field "{raw[len(PROFILE_PREFIX) :]}" (column {raw})'
    return f'unknown column "{raw}": Moodle\'s Upload users would refuse the file'


def _suggest(raw: str, fields: list[str]) -> str:
    lower = raw.lower()
    numbered = re.match(r"^(.*?)(\d+)$", lower)
    if numbered:
        close = difflib.get_close_matches(numbered.group(1), NUMBERED, n=1, cutoff=0.6)
        if close:
            return f'did you mean "{close[0]}{numbered.group(2)}"?'
    names = {n.lower(): n for n in (*STANDARD, *fields)}
    close = difflib.get_close_matches(lower, list(names), n=1, cutoff=0.6)
    if close:
        return f'did you mean "{names[close[0]]}"?'
    if lower.startswith(PROFILE_PREFIX):
        return (
            "create the field on the site (`lemma background sync` for a course's background) "
            "or check the shortname: " + (", ".join(fields) or "the site has no profile fields")
        )
    return (
        "Moodle's columns: username, firstname, lastname, email, password, auth, idnumber, "
        "institution, department, city, country, lang, timezone, ..., profile_field_<shortname>, "
        "course1, role1, group1, enrolperiod1, enrolstatus1, enroltimestart1, cohort1 (any number)"
    )
