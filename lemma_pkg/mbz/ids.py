"""Stable numeric ids for a backup, derived from source names.

Moodle maps every old id in a backup to a new one per *kind* (``course_module``,
``question_answer``...), so ids only have to be unique within a kind (notes §1.6). Context
ids are one kind shared by the system, course and activity contexts and must be pairwise
different (pitfall 12). Ids here come from a hash of the kind and a key (an idnumber, a
path, a position), so adding one page does not renumber the rest of the course; a
collision inside a kind moves on to the next free number, deterministically, because keys
are always allocated in course order.
"""

from __future__ import annotations

import hashlib

# Seven-digit ids: far from small ids a real site uses, and below 2**31 everywhere.
_ID_BASE = 1_000_000
_ID_SPAN = 9_000_000

SYSTEM_CONTEXT_ID = 1


class IdSpace:
    """Allocates stable ids for one kind; asking twice for one key gives the same id."""

    def __init__(self, kind: str, reserved: tuple[int, ...] = ()) -> None:
        self.kind = kind
        self._by_key: dict[str, int] = {}
        self._used: set[int] = set(reserved)

    def __call__(self, key: str) -> int:
        found = self._by_key.get(key)
        if found is not None:
            return found
        digest = hashlib.sha1(f"{self.kind}\0{key}".encode()).digest()
        value = _ID_BASE + int.from_bytes(digest[:8], "big") % _ID_SPAN
        while value in self._used:
            value = _ID_BASE + (value - _ID_BASE + 1) % _ID_SPAN
        self._used.add(value)
        self._by_key[key] = value
        return value

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)


class Ids:
    """Every id space a course backup needs."""

    def __init__(self) -> None:
        self.context = IdSpace("context", reserved=(SYSTEM_CONTEXT_ID,))
        self.course = IdSpace("course")
        self.section = IdSpace("course_section")
        self.cm = IdSpace("course_module")
        self.instance = IdSpace("instance")  # one space for all modules: simpler, still unique
        self.file = IdSpace("file")
        self.category = IdSpace("question_category")
        self.bank_entry = IdSpace("question_bank_entry")
        self.version = IdSpace("question_versions")
        self.question = IdSpace("question")
        self.answer = IdSpace("question_answer")
        self.qtype_option = IdSpace("qtype_option")
        self.match = IdSpace("qtype_match_subquestions")
        self.numerical_record = IdSpace("question_numerical")
        self.tag = IdSpace("tag")
        self.slot = IdSpace("quiz_slot")
        self.reference = IdSpace("question_reference")
        self.quiz_section = IdSpace("quiz_section")
        self.feedback = IdSpace("quiz_feedback")
        self.grade_item = IdSpace("grade_item")
        self.grade_category = IdSpace("grade_category")
        self.entry = IdSpace("glossary_entry")
        self.alias = IdSpace("glossary_alias")
        self.criteria = IdSpace("course_completion_criteria")
        self.aggr = IdSpace("course_completion_aggr_methd")


def stable_hex(*parts: str, length: int = 32) -> str:
    """A hex digest of ``parts`` (stamps, backup ids): stable, never random."""
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:length]
