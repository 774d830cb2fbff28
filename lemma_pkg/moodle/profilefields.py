"""Custom user profile fields: ``local_lemma_sync_profile_fields`` (companion plugin).

Compares field definitions with the site's and, with ``apply``, creates the missing fields
and updates those that differ through Moodle's profile field API. The plugin never deletes a
field or any user's data and never changes a field's type (``conflict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from lemma_pkg.moodle.client import MoodleClient

FUNCTION = "local_lemma_sync_profile_fields"

#: Field statuses the plugin reports.
OK = "ok"
MISSING = "missing"
DIFFERENT = "different"
CONFLICT = "conflict"
CREATED = "created"
UPDATED = "updated"


class FieldDefinition(TypedDict):
    """One field as the plugin takes it: the ``user_info_field`` columns."""

    shortname: str
    name: str
    datatype: str
    description: str
    required: bool
    locked: bool
    forceunique: bool
    signup: bool
    visible: int
    defaultdata: str
    param1: str
    param2: str
    param3: str


@dataclass(frozen=True)
class FieldStatus:
    shortname: str
    id: int
    status: str
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncResult:
    category: str
    categoryid: int
    fields: tuple[FieldStatus, ...]


def parse_sync_result(data: Any) -> SyncResult:
    return SyncResult(
        category=str(data.get("category", "")),
        categoryid=int(data.get("categoryid", 0)),
        fields=tuple(
            FieldStatus(
                shortname=str(f["shortname"]),
                id=int(f.get("id", 0)),
                status=str(f.get("status", "")),
                differences=tuple(str(d) for d in f.get("differences") or []),
            )
            for f in data.get("fields") or []
        ),
    )


def sync_profile_fields(
    client: MoodleClient, category: str, fields: Sequence[FieldDefinition], *, apply: bool
) -> SyncResult:
    """Compare ``fields`` with the site's (``apply=False``), or create and update them.
    Sending the same definitions twice leaves the site as sending them once."""
    params: dict[str, Any] = {"category": category, "apply": apply, "fields": list(fields)}
    return parse_sync_result(client.call(FUNCTION, params, idempotent=True))
