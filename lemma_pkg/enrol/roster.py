"""Roster records as typed rows: standard fields, profile fields, the password (kept out of
every repr, log and output), enrolment slots (``courseN`` with its ``roleN``, ``groupN``,
``enrolperiodN``, ``enrolstatusN``, ``enroltimestartN``) and cohorts. Values are trimmed as
Moodle trims them."""

from __future__ import annotations

from dataclasses import dataclass, field

from lemma_pkg.enrol.columns import Column
from lemma_pkg.enrol.csvfile import CsvFile, php_trim

#: Numbered columns that belong to a ``courseN`` slot.
SLOT_PARTS = ("course", "role", "group", "enrolperiod", "enrolstatus", "enroltimestart")


class Secret:
    """A password: never shown by ``repr``/``str``; :meth:`reveal` only where it is sent."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(****)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("secret", len(self._value)))


@dataclass(frozen=True)
class Slot:
    """One enrolment of a row: course ``n`` and the columns numbered like it."""

    n: int
    course: str = ""
    role: str = ""
    group: str = ""
    enrolperiod: str = ""
    enrolstatus: str = ""
    enroltimestart: str = ""
    #: The course came from --course, the role from --role.
    default_course: bool = False

    def column(self, part: str) -> str:
        return f"{part}{self.n}" if not (part == "course" and self.default_course) else "--course"


@dataclass
class Row:
    row: int
    line: int
    #: Standard columns present in the file (the password is not here).
    values: dict[str, str] = field(default_factory=dict)
    #: Profile field shortname -> value, for the profile columns present.
    profile: dict[str, str] = field(default_factory=dict)
    password: Secret | None = None
    slots: list[Slot] = field(default_factory=list)
    #: Numbered columns with a value whose courseN is empty or missing: (column, value).
    stray: list[tuple[str, str]] = field(default_factory=list)
    #: (column, value) of the non-empty cohortN cells.
    cohorts: list[tuple[str, str]] = field(default_factory=list)
    #: (column, value) of non-empty numbered columns lemma does not apply (sysrole, ...).
    unsupported: list[tuple[str, str]] = field(default_factory=list)

    @property
    def username(self) -> str:
        return self.values.get("username", "")

    def value(self, name: str) -> str:
        return self.values.get(name, "")


def read_rows(
    csv: CsvFile,
    columns: list[Column],
    *,
    default_course: str | None = None,
    default_role: str | None = None,
) -> list[Row]:
    """Typed rows of every record. ``default_course`` fills ``course1`` where it is missing or
    empty (a plain list of learners); ``default_role`` fills every empty ``roleN``."""
    rows: list[Row] = []
    for rec in csv.records:
        row = Row(rec.row, rec.line)
        numbered: dict[int, dict[str, str]] = {}
        for col in columns:
            value = php_trim(rec.cells[col.index])
            if col.profile is not None:
                row.profile[col.profile] = value
            elif col.base is not None and col.slot is not None:
                numbered.setdefault(col.slot, {})[col.base] = value
            elif col.name == "password":
                row.password = Secret(value) if value else None
            else:
                row.values[col.name] = value
        if default_course and not numbered.get(1, {}).get("course"):
            numbered.setdefault(1, {})["course"] = default_course
            numbered[1]["__default__"] = "1"
        for n in sorted(numbered):
            parts = numbered[n]
            if parts.get("cohort"):
                row.cohorts.append((f"cohort{n}", parts["cohort"]))
            for base in ("sysrole", "category", "categoryrole", "type"):
                if parts.get(base):
                    row.unsupported.append((f"{base}{n}", parts[base]))
            if parts.get("course"):
                row.slots.append(
                    Slot(
                        n,
                        course=parts["course"],
                        role=parts.get("role") or default_role or "",
                        group=parts.get("group", ""),
                        enrolperiod=parts.get("enrolperiod", ""),
                        enrolstatus=parts.get("enrolstatus", ""),
                        enroltimestart=parts.get("enroltimestart", ""),
                        default_course="__default__" in parts,
                    )
                )
            else:
                row.stray.extend(
                    (f"{p}{n}", parts[p]) for p in SLOT_PARTS if p != "course" and parts.get(p)
                )
        rows.append(row)
    return rows
