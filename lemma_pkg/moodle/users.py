"""Users: ``core_user_*``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

from lemma_pkg.moodle.client import BASE_FIELDS, MoodleClient
from lemma_pkg.moodle.errors import MoodleRemoteError
from lemma_pkg.moodle.types import WsWarning, warnings_of

#: Values per core_user_get_users_by_field call (one form field each).
LOOKUP_BATCH = 500


class CustomField(TypedDict):
    #: The profile field's *shortname* (Moodle calls it "type").
    type: str
    value: str


class Preference(TypedDict):
    type: str
    value: str


class NewUser(TypedDict):
    """A row of ``core_user_create_users``. ``username`` must be lower case; give ``password``
    or ``createpassword=1``."""

    username: str
    firstname: str
    lastname: str
    email: str
    password: NotRequired[str]
    createpassword: NotRequired[int]
    auth: NotRequired[str]
    idnumber: NotRequired[str]
    lang: NotRequired[str]
    timezone: NotRequired[str]
    city: NotRequired[str]
    country: NotRequired[str]
    institution: NotRequired[str]
    department: NotRequired[str]
    customfields: NotRequired[list[CustomField]]
    preferences: NotRequired[list[Preference]]


class UserUpdate(TypedDict, total=False):
    """A row of ``core_user_update_users`` (``id`` required)."""

    id: int
    username: str
    firstname: str
    lastname: str
    email: str
    idnumber: str
    suspended: int
    city: str
    country: str
    institution: str
    department: str
    customfields: list[CustomField]


class CreatedUser(TypedDict):
    id: int
    username: str


class UserCustomField(TypedDict, total=False):
    type: str
    value: str
    displayvalue: str
    name: str
    shortname: str


class User(TypedDict, total=False):
    """A user as ``core_user_get_users_by_field`` returns it (fields the caller may not see are
    left out)."""

    id: int
    username: str
    firstname: str
    lastname: str
    fullname: str
    email: str
    idnumber: str
    auth: str
    suspended: bool
    confirmed: bool
    lang: str
    timezone: str
    city: str
    country: str
    institution: str
    department: str
    firstaccess: int
    lastaccess: int
    customfields: list[UserCustomField]


def get_users_by_field(client: MoodleClient, field: str, values: Sequence[str | int]) -> list[User]:
    """``core_user_get_users_by_field``: ``field`` is id, idnumber, username or email. Unknown
    values and users the caller may not see are left out silently. No call for no values; at
    most 500 values (and the client's field limit) per call."""
    out: list[User] = []
    size = max(1, min(LOOKUP_BATCH, client.max_fields - BASE_FIELDS - 1))
    for i in range(0, len(values), size):
        chunk = [str(v) for v in values[i : i + size]]
        data = client.call("core_user_get_users_by_field", {"field": field, "values": chunk})
        out.extend(cast(list[User], data or []))
    return out


def find_created_users(
    client: MoodleClient, batch: Sequence[Mapping[str, Any]]
) -> list[CreatedUser] | None:
    """After a ``core_user_create_users`` call whose outcome is unknown (a timeout, a broken
    connection): the batch as Moodle would have answered when every username exists now,
    None when none does (safe to send again). The call is one transaction, so only part of
    the batch existing means someone else is creating the same users: that is an error."""
    names = [str(r["username"]) for r in batch]
    found = {u["username"]: u["id"] for u in get_users_by_field(client, "username", names)}
    if len(found) == len(names):
        return [{"id": found[n], "username": n} for n in names]
    if found:
        raise MoodleRemoteError(
            "core_user_create_users: only part of a batch exists after a timeout",
            "run the command again: existing users are found and skipped",
        )
    return None


def create_users(client: MoodleClient, rows: Sequence[NewUser]) -> list[CreatedUser]:
    """``core_user_create_users``, in batches under ``max_input_vars``; each batch is one
    transaction (a bad row fails its whole batch, with the reason only in debuginfo). Rows cut
    by PHP raise :class:`~lemma_pkg.moodle.errors.TruncatedRequestError`; after a timeout the
    usernames are looked up before anything is resent."""

    def reconcile(batch: Sequence[Any]) -> list[CreatedUser] | None:
        return find_created_users(client, batch)

    out: list[CreatedUser] = []
    for answer in client.call_batched(
        "core_user_create_users",
        "users",
        cast(Sequence[dict[str, Any]], rows),
        one_result_per_row=True,
        reconcile=reconcile,
    ):
        out.extend(answer)
    return out


def update_users(client: MoodleClient, rows: Sequence[UserUpdate]) -> list[WsWarning]:
    """``core_user_update_users``: one transaction per user; rows that fail come back as
    warnings and the others are saved (a value that fails validation still fails the call)."""
    warnings: list[WsWarning] = []
    for answer in client.call_batched(
        "core_user_update_users", "users", cast(Sequence[dict[str, Any]], rows)
    ):
        warnings.extend(warnings_of(answer))
    return warnings
