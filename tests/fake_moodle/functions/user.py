"""core_user_*: create (atomic), update (per-user warnings), delete (atomic), look-ups."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import (
    MoodleError,
    coding_error,
    dml_write_error,
    invalid_parameter,
    invalid_user,
    moodle_exception,
)
from ..params import INSTALLED_AUTH, Multiple, Params, Single, Value, clean_param, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, THEME_REV, Record, State

USER_FIELDS: dict[str, Any] = {
    "createpassword": opt(Value("bool")),
    "username": Value("username", allownull=False),
    "auth": dflt(Value("auth", allownull=False), "manual"),
    "password": opt(Value("raw", allownull=False)),
    "firstname": Value("notags", allownull=False),
    "lastname": Value("notags", allownull=False),
    "email": Value("raw_trimmed", allownull=False),
    "maildisplay": opt(Value("int")),
    "city": opt(Value("text")),
    "country": opt(Value("alpha")),
    "timezone": opt(Value("timezone")),
    "description": opt(Value("raw")),
    "firstnamephonetic": opt(Value("notags")),
    "lastnamephonetic": opt(Value("notags")),
    "middlename": opt(Value("notags")),
    "alternatename": opt(Value("notags")),
    "interests": opt(Value("text")),
    "idnumber": dflt(Value("raw", allownull=False), ""),
    "institution": opt(Value("text")),
    "department": opt(Value("text")),
    "phone1": opt(Value("notags")),
    "phone2": opt(Value("notags")),
    "address": opt(Value("text")),
    "lang": dflt(Value("lang", allownull=False), "en"),
    "calendartype": dflt(Value("plugin"), "gregorian"),
    "theme": opt(Value("theme")),
    "mailformat": opt(Value("int")),
}


def _custom_and_prefs() -> dict[str, Any]:
    return {
        "customfields": opt(
            Multiple(Single({"type": Value("alphanumext"), "value": Value("raw")}))
        ),
        "preferences": opt(Multiple(Single({"type": Value("raw"), "value": Value("raw")}))),
    }


CREATE_PARAMS = Params({"users": Multiple(Single({**USER_FIELDS, **_custom_and_prefs()}))})

_update_fields: dict[str, Any] = {"id": Value("int")}
for _k, _v in USER_FIELDS.items():
    if _k == "createpassword":
        continue
    _update_fields[_k] = opt(Value(_v.type, allownull=_v.allownull))
_update_fields["suspended"] = opt(Value("bool"))
_update_fields["userpicture"] = opt(Value("int"))
UPDATE_PARAMS = Params({"users": Multiple(Single({**_update_fields, **_custom_and_prefs()}))})

EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    re.I,
)


def validate_email(email: str) -> bool:
    return bool(EMAIL_RE.match(email)) and len(email) <= 254


def password_policy_errors(password: str) -> str:
    """check_password_policy() with Moodle's default policy."""
    errors = []
    if len(password) < 8:
        errors.append("Passwords must be at least 8 characters long.")
    if len(re.findall(r"[0-9]", password)) < 1:
        errors.append("Passwords must have at least 1 digit(s).")
    if len(re.findall(r"[a-z]", password)) < 1:
        errors.append("Passwords must have at least 1 lower case letter(s).")
    if len(re.findall(r"[A-Z]", password)) < 1:
        errors.append("Passwords must have at least 1 upper case letter(s).")
    if len(re.findall(r"[^a-zA-Z0-9]", password)) < 1:
        errors.append("The password must have at least 1 special character(s) such as *, -, or #.")
    return "".join(f"<div>{e}</div>" for e in errors)


def save_profile_data(state: State, userid: int, customfields: list[dict[str, str]]) -> None:
    """profile_save_data(): unknown shortnames ignored, bad menu values dropped silently."""
    for cf in customfields:
        field = state.profile_field_by_shortname(cf["type"])
        if field is None:
            continue
        value = cf["value"]
        key = (userid, field["id"])
        if field["datatype"] == "menu":
            options = (field["param1"] or "").split("\n")
            if value not in options:
                continue
        elif field["datatype"] == "checkbox":
            value = "1" if value not in ("", "0") else "0"
        elif field["datatype"] == "datetime":
            value = str(datetime_data(state, field, value))
        state.profile_data[key] = value


def datetime_data(state: State, field: Record, value: str) -> int:
    """profile_field_datetime::edit_save_data_preprocess(): a timestamp or Y-m-d[-H-i-s]
    string becomes midnight (or that time) of that date in the caller's time zone, the year
    clamped into the field's start and end years."""
    if not value or value == "0":
        return 0
    tz = ZoneInfo(state.config.timezone)
    if re.fullmatch(r"-?\d+", value.strip()):
        day = datetime.fromtimestamp(int(value), tz=tz)
        parts = [day.year, day.month, day.day, day.hour, day.minute, day.second]
    else:
        parts = [int(p) if p.strip().lstrip("-").isdigit() else 0 for p in value.split("-")]
    start, end = int(field.get("param1") or 1900), int(field.get("param2") or 2050)
    parts[0] = min(max(parts[0], start), end)
    if field.get("param3") and len(parts) == 6:
        when = datetime(*parts[:6], tzinfo=tz)  # type: ignore[misc]
    else:
        when = datetime(parts[0], max(parts[1], 1), max(parts[2], 1), tzinfo=tz)
    return int(when.timestamp())


def profile_fields_for(
    state: State,
    userid: int,
    displayvalue: bool = True,
    *,
    viewerid: int | None = None,
) -> list[dict[str, Any]]:
    """The user's profile fields with data (or a non-empty default), as the viewer may see
    them: visible 2 = everyone, 1 = the user and viewers with moodle/user:viewalldetails,
    0 = only viewers with moodle/user:viewalldetails (site admins)."""
    full = viewerid is None or state.has_capability(viewerid, "moodle/user:viewalldetails", 1)
    out = []
    for field in sorted(state.profile_fields.values(), key=lambda f: f["id"]):
        if field["visible"] == 0 and not full:
            continue
        if field["visible"] == 1 and not (full or viewerid == userid):
            continue
        value = state.profile_data.get((userid, field["id"]))
        if value is None:
            value = field["defaultdata"] or ""
        if value == "":
            continue
        entry: dict[str, Any] = {"type": field["datatype"], "value": value}
        if displayvalue:
            if field["datatype"] == "checkbox":
                entry["displayvalue"] = "Yes" if value == "1" else "No"
            elif field["datatype"] == "datetime" and value.lstrip("-").isdigit():
                day = datetime.fromtimestamp(int(value), tz=UTC)
                entry["displayvalue"] = f"{day.day} {day:%B %Y}"
            else:
                entry["displayvalue"] = value
        entry["name"] = field["name"]
        entry["shortname"] = field["shortname"]
        out.append(entry)
    return out


def can_view_user(call: Call, user: Record) -> bool:
    state = call.state
    if user["id"] == call.userid or state.is_siteadmin(call.userid):
        return True
    if call.has_capability("moodle/user:viewdetails", 1):
        return True
    for courseid in state.courses:
        if courseid == 1:
            continue
        if state.is_enrolled(courseid, user["id"]) and state.is_enrolled(courseid, call.userid):
            ctxid = state.context_id(CONTEXT_COURSE, courseid)
            if ctxid and call.has_capability("moodle/course:viewparticipants", ctxid):
                return True
    return False


def user_details(
    call: Call, user: Record, *, displayvalue: bool = True, include_prefs: bool = True
) -> dict[str, Any] | None:
    """user_get_user_details(): the fields the caller may see, empty ones left out."""
    state = call.state
    if user["deleted"] or not can_view_user(call, user):
        return None
    own = user["id"] == call.userid
    full = state.is_siteadmin(call.userid) or call.has_capability("moodle/user:viewalldetails", 1)
    d: dict[str, Any] = {
        "id": user["id"],
        "username": user["username"],
        "firstname": user["firstname"],
        "lastname": user["lastname"],
        "fullname": state.fullname(user),
    }
    if own or full or user["maildisplay"] == 1:
        d["email"] = user["email"]
    for key in ("address", "phone1", "phone2"):
        if user.get(key) and (own or full):
            d[key] = user[key]
    d["department"] = user["department"]
    if user["institution"]:
        d["institution"] = user["institution"]
    if user["idnumber"] and (own or full):
        d["idnumber"] = user["idnumber"]
    d.update(
        firstaccess=user["firstaccess"],
        lastaccess=user["lastaccess"],
    )
    if own or full:
        d.update(
            auth=user["auth"],
            suspended=bool(user["suspended"]),
            confirmed=bool(user["confirmed"]),
            lang=user["lang"],
            theme=user["theme"],
            timezone=user["timezone"],
            mailformat=user["mailformat"],
            trackforums=user["trackforums"],
        )
    if user["description"]:
        d["description"] = user["description"]
        d["descriptionformat"] = user["descriptionformat"]
    if user["city"]:
        d["city"] = user["city"]
    if user["country"]:
        d["country"] = user["country"]
    d["profileimageurlsmall"] = f"{state.url}/theme/image.php/boost/core/{THEME_REV}/u/f2"
    d["profileimageurl"] = f"{state.url}/theme/image.php/boost/core/{THEME_REV}/u/f1"
    custom = profile_fields_for(state, user["id"], displayvalue, viewerid=call.userid)
    if custom:
        d["customfields"] = custom
    if own and include_prefs:
        prefs: list[dict[str, Any]] = [
            {"name": name, "value": value}
            for (uid, name), value in state.preferences.items()
            if uid == user["id"]
        ]
        prefs.append({"name": "_lastloaded", "value": state.now()})
        d["preferences"] = prefs
    return d


@wsfunction("core_user_create_users", CREATE_PARAMS)
def create_users(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    from .. import seed

    state = call.state
    call.require_capability("moodle/user:create", 1)
    out = []
    with state.transaction():
        for u in params["users"]:
            for name in ("username", "firstname", "lastname"):
                if u[name].strip() == "":
                    raise invalid_parameter(f"The field {name} cannot be blank")
            if state.user_by_username(u["username"]) or any(
                x["username"] == u["username"] for x in state.users.values()
            ):
                raise invalid_parameter(f"Username already exists: {u['username']}")
            if u["auth"] not in INSTALLED_AUTH or u["auth"] in ("mnet", "webservice"):
                raise invalid_parameter(f"Invalid authentication type: {u['auth']}")
            if u["lang"] != "en":
                raise invalid_parameter(f"Invalid language code: {u['lang']}")
            if u.get("theme") and u["theme"] not in ("boost", "classic"):
                raise invalid_parameter(f"Invalid theme: {u['theme']}")
            internal = u["auth"] in ("manual", "email", "nologin", "none")
            if internal and not u.get("password") and not u.get("createpassword"):
                raise invalid_parameter(
                    "Invalid password: you must provide a password, or set createpassword."
                )
            if not validate_email(u["email"]):
                raise invalid_parameter(f"Email address is invalid: {u['email']}")
            if not state.config.allowaccountssameemail and any(
                x["email"].lower() == u["email"].lower() for x in state.users.values()
            ):
                raise invalid_parameter(f"Email address already exists: {u['email']}")
            if internal and not u.get("createpassword"):
                policy = password_policy_errors(u.get("password", ""))
                if policy and state.config.passwordpolicy:
                    raise moodle_exception(policy, f"error/{policy}")
            fields = {
                k: u[k]
                for k in (
                    "auth",
                    "firstname",
                    "lastname",
                    "email",
                    "maildisplay",
                    "city",
                    "country",
                    "timezone",
                    "description",
                    "firstnamephonetic",
                    "lastnamephonetic",
                    "middlename",
                    "alternatename",
                    "idnumber",
                    "institution",
                    "department",
                    "phone1",
                    "phone2",
                    "address",
                    "lang",
                    "calendartype",
                    "theme",
                    "mailformat",
                )
                if k in u
            }
            now = state.now()
            fields.setdefault("maildisplay", 2)
            fields.setdefault("mailformat", 1)
            rec = seed.add_user(
                state, u["username"], timecreated=now, timemodified=now, password="hashed", **fields
            )
            save_profile_data(state, rec["id"], u.get("customfields", []))
            if u.get("createpassword"):
                state.preferences[(rec["id"], "auth_forcepasswordchange")] = "1"
            else:
                state.preferences[(rec["id"], "auth_manual_passwordupdatetime")] = str(now)
            for pref in u.get("preferences", []):
                state.preferences[(rec["id"], pref["type"])] = pref["value"]
            out.append({"id": rec["id"], "username": rec["username"]})
    return out


@wsfunction("core_user_update_users", UPDATE_PARAMS)
def update_users(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    call.require_capability("moodle/user:update", 1)
    warnings = []
    for u in params["users"]:
        try:
            with state.transaction():
                existing = state.users.get(u["id"])
                if existing is None:
                    raise moodle_exception("invaliduserid", "Invalid user ID")
                if (
                    existing["id"] != call.userid
                    and state.is_siteadmin(existing["id"])
                    and not state.is_siteadmin(call.userid)
                ):
                    raise moodle_exception("usernotupdatedadmin", "Cannot update admin accounts")
                if existing["deleted"]:
                    raise moodle_exception("usernotupdateddeleted", "error/usernotupdateddeleted")
                if existing["username"] == "guest":
                    # No language string in 4.5.6: the message is the string's id.
                    raise moodle_exception("usernotupdatedguest", "error/usernotupdatedguest")
                if "email" in u and u["email"] != existing["email"]:
                    if not validate_email(u["email"]):
                        raise moodle_exception("useremailinvalid", "error/useremailinvalid")
                    if not state.config.allowaccountssameemail and any(
                        x["email"].lower() == u["email"].lower() and x["id"] != existing["id"]
                        for x in state.users.values()
                    ):
                        raise moodle_exception("useremailduplicate", "Duplicate address")
                if (
                    "username" in u
                    and u["username"] != existing["username"]
                    and any(x["username"] == u["username"] for x in state.users.values())
                ):
                    # No check in update_users: the unique index refuses the row.
                    raise dml_write_error("duplicate key value violates unique constraint")
                if u.get("password"):
                    policy = password_policy_errors(u["password"])
                    if policy and state.config.passwordpolicy:
                        raise moodle_exception(policy, f"error/{policy}")
                for key, value in u.items():
                    if key in (
                        "id",
                        "customfields",
                        "preferences",
                        "password",
                        "userpicture",
                        "interests",
                    ):
                        continue
                    existing[key] = bool(value) if key == "suspended" else value
                existing["timemodified"] = state.now()
                save_profile_data(state, existing["id"], u.get("customfields", []))
                for pref in u.get("preferences", []):
                    state.preferences[(existing["id"], pref["type"])] = pref["value"]
        except MoodleError as err:
            warnings.append(
                {
                    "item": "user",
                    "itemid": u["id"],
                    "warningcode": err.errorcode,
                    "message": err.message,
                }
            )
    return {"warnings": warnings}


def delete_user(state: State, user: Record) -> None:
    """user_delete_user(): the row stays (deleted=1), memberships and roles go."""
    user["deleted"] = True
    user["username"] = f"{user['email']}.{state.now()}"
    user["email"] = ""
    user["idnumber"] = ""
    uid = user["id"]
    for key in [k for k in state.user_enrolments if k[1] == uid]:
        del state.user_enrolments[key]
    state.role_assignments = [ra for ra in state.role_assignments if ra["userid"] != uid]
    for key in [k for k in state.group_members if k[1] == uid]:
        del state.group_members[key]
    for key in [k for k in state.cohort_members if k[1] == uid]:
        del state.cohort_members[key]
    for key in [k for k in state.profile_data if k[0] == uid]:
        del state.profile_data[key]
    for tok in [t for t, rec in state.tokens.items() if rec["userid"] == uid]:
        del state.tokens[tok]


@wsfunction("core_user_delete_users", Params({"userids": Multiple(Value("int"))}))
def delete_users(call: Call, params: dict[str, Any]) -> None:
    state = call.state
    call.require_capability("moodle/user:delete", 1)
    with state.transaction():
        for userid in params["userids"]:
            user = state.users.get(userid)
            if user is None or user["deleted"]:
                raise invalid_user()
            if state.is_siteadmin(userid):
                raise moodle_exception(
                    "useradminodelete", "Administrator accounts cannot be deleted."
                )
            if userid == call.userid:
                raise moodle_exception("usernotdeletederror", "User not deleted - error")
            delete_user(state, user)
    return None


@wsfunction(
    "core_user_get_users_by_field",
    Params({"field": Value("alpha"), "values": Multiple(Value("raw"))}),
)
def get_users_by_field(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    field = params["field"]
    ptype = {"id": "int", "idnumber": "raw", "username": "username", "email": "raw_trimmed"}
    if field not in ptype:
        raise coding_error("invalid field parameter")
    cleaned = []
    for value in params["values"]:
        c = clean_param(value, ptype[field])
        if str(c) != value and not (field == "id" and value.strip().lstrip("0") == str(c)):
            raise invalid_parameter(
                f"The field '{field}' value is invalid: {value}(cleaned value: {c})"
            )
        cleaned.append(c)
    out = []
    for user in sorted(state.users.values(), key=lambda u: u["id"]):
        if user[field] not in cleaned:
            continue
        details = user_details(call, user)
        if details and details.get(field):
            out.append(details)
    return out


@wsfunction(
    "core_user_get_users",
    Params({"criteria": Multiple(Single({"key": Value("alpha"), "value": Value("raw")}))}),
)
def get_users(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    allowed = {"id", "lastname", "firstname", "idnumber", "username", "email", "auth"}
    warnings = []
    conditions: list[tuple[str, str]] = []
    for crit in params["criteria"]:
        if crit["key"] not in allowed:
            warnings.append(
                {
                    "item": crit["key"],
                    "warningcode": "invalidfieldparameter",
                    "message": "The search key '" + crit["key"] + "' is not supported, "
                    "look at the web service documentation",
                }
            )
            continue
        conditions.append((crit["key"], crit["value"]))

    def matches(user: Record) -> bool:
        for key, value in conditions:
            actual = str(user[key])
            if "%" in value and key in ("firstname", "lastname", "email"):
                pattern = "^" + ".*".join(re.escape(p) for p in value.split("%")) + "$"
                if not re.match(pattern, actual, re.I):
                    return False
            elif actual.lower() != value.lower() if key == "email" else actual != value:
                return False
        return True

    users = []
    for user in sorted(state.users.values(), key=lambda u: u["id"]):
        if user["deleted"] or not conditions or not matches(user):
            continue
        details = user_details(call, user)
        if details:
            users.append(details)
    return {"users": users, "warnings": warnings}
