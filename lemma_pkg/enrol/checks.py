"""Every row checked before anything is sent: Moodle's rules for each value, duplicates
inside the file, the site's courses, roles, groups and cohorts, the custom profile fields'
exact values, the course's required background. Problems are collected, never raised: the
report lists every bad row at once.

:func:`check_values` needs only the site's rules; :func:`check_against_site` also what the
site already has (:mod:`lemma_pkg.enrol.sitestate`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from lemma_pkg.content.model import Background
from lemma_pkg.enrol import rules as mrules
from lemma_pkg.enrol.problems import Problems
from lemma_pkg.enrol.roster import Row, Slot
from lemma_pkg.enrol.sitestate import CourseState, SiteState
from lemma_pkg.moodle.siterules import ProfileField, SiteRules
from lemma_pkg.moodle.users import User

UpdateMode = Literal["none", "missing", "all"]
Mode = Literal["enrol", "remove", "suspend"]

#: Columns of Moodle's Upload users that lemma enrol does not apply, and why.
UNSUPPORTED: dict[str, str] = {
    "id": "lemma finds users by username",
    "oldusername": "lemma does not rename accounts (Moodle's Upload users does, with "
    "'Allow renames')",
    "mnethostid": "lemma manages local accounts only",
    "emailstop": "core_user_create_users cannot set it",
    "maildigest": "core_user_create_users cannot set it",
    "htmleditor": "core_user_create_users cannot set it",
    "autosubscribe": "core_user_create_users cannot set it",
    "descriptionformat": "descriptions are sent as Moodle's default format",
    "sysrole": "lemma assigns course roles only",
    "category": "lemma assigns course roles only",
    "categoryrole": "lemma assigns course roles only",
    "type": "the legacy typeN column is not supported: use roleN",
}
#: Country codes people write that ISO 3166 spells otherwise.
COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
PROFILE_TYPES = ("menu", "text", "checkbox", "datetime")


@dataclass(frozen=True)
class Options:
    mode: Mode = "enrol"
    update: UpdateMode = "none"
    create_groups: bool = False
    create_cohorts: bool = False


def _close(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _exact_ci(word: str, choices: Iterable[str]) -> str | None:
    for c in choices:
        if c.lower() == word.lower():
            return c
    return None


# --- values (site rules only) ---------------------------------------------------------


def check_values(
    rows: list[Row], rules: SiteRules, problems: Problems, mode: Mode = "enrol"
) -> None:
    """Values, column by column, and duplicates inside the file."""
    seen_username: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    seen_idnumber: dict[str, int] = {}
    seen_unique: dict[tuple[str, str], int] = {}
    for row in rows:
        _check_username(row, rules, problems)
        if mode != "enrol":
            _check_slots_syntax(row, problems)
            continue
        _check_standard(row, rules, problems)
        _check_profile(row, rules, problems, seen_unique)
        _check_slots_syntax(row, problems)
        for key, seen, value in (
            ("username", seen_username, row.username),
            ("email", seen_email, row.value("email").lower()),
            ("idnumber", seen_idnumber, row.value("idnumber")),
        ):
            if not value:
                continue
            if value in seen:
                problems.error(
                    row.row,
                    row.line,
                    key,
                    f"duplicate-{key}",
                    f"{key} {value!r} is also on row {seen[value]}",
                    "each account appears once in a roster: merge the two rows (a second "
                    "course goes in course2, role2, group2, ...)"
                    if key == "username"
                    else f"two accounts cannot share an {key}: correct one of the rows",
                )
            else:
                seen[value] = row.row


def _check_username(row: Row, rules: SiteRules, problems: Problems) -> None:
    name = row.username
    if not name:
        problems.error(
            row.row,
            row.line,
            "username",
            "missing-username",
            "no username",
            "every row needs a username (Moodle finds existing accounts by it)",
        )
        return
    cleaned = mrules.clean_username(name, rules.extendedusernamechars)
    if cleaned != name:
        why = "lower case" if cleaned == mrules.clean_username(name.lower(), True) else "only"
        problems.error(
            row.row,
            row.line,
            "username",
            "bad-username",
            f"username {name!r} is not what Moodle stores"
            + (": usernames are lower case" if why == "lower case" else ""),
            (f"write {cleaned!r}" if cleaned else "choose another username")
            + (
                ""
                if rules.extendedusernamechars
                else " (allowed: lower-case letters, digits and - _ . @)"
            ),
        )
    elif name == "guest":
        problems.error(
            row.row, row.line, "username", "bad-username", "the guest account cannot be enrolled"
        )
    if len(name) > mrules.MAX_LENGTH["username"]:
        _too_long(row, "username", name, problems)


def _too_long(row: Row, column: str, value: str, problems: Problems) -> None:
    limit = mrules.MAX_LENGTH[column]
    problems.error(
        row.row,
        row.line,
        column,
        "too-long",
        f"{column} is {len(value)} characters long; Moodle stores at most {limit}",
        "shorten it",
    )


def _check_standard(row: Row, rules: SiteRules, problems: Problems) -> None:
    err = problems.error
    for column, value in row.values.items():
        if column in UNSUPPORTED:
            if value:
                err(
                    row.row,
                    row.line,
                    column,
                    "unsupported-column",
                    f"lemma enrol does not apply {column} ({UNSUPPORTED[column]})",
                    "empty the column or remove it",
                )
            continue
        if not value:
            continue
        if (
            column in mrules.MAX_LENGTH
            and column != "username"
            and len(value) > mrules.MAX_LENGTH[column]
        ):
            _too_long(row, column, value, problems)
        if column in mrules.NOTAGS_FIELDS + mrules.TEXT_FIELDS and mrules.has_tags(value):
            err(
                row.row,
                row.line,
                column,
                "bad-text",
                f"{column} contains HTML tags, which Moodle refuses in this field",
                "remove the <...> parts",
            )
    _check_flag_columns(row, problems)
    email = row.value("email")
    if email and not mrules.valid_email(email):
        err(
            row.row,
            row.line,
            "email",
            "bad-email",
            f"{email!r} is not an email address Moodle accepts",
            "write it as name@example.org (ASCII letters only; no spaces)",
        )
    country = row.value("country")
    if country and country not in rules.countries:
        code = COUNTRY_ALIASES.get(country.upper(), country.upper())
        by_name = {n.lower(): c for c, n in rules.countries.items()}
        if code not in rules.countries:
            code = by_name.get(country.lower(), "")
        hint = (
            f'write "{code}" ({rules.countries[code]})'
            if code in rules.countries
            else _close(country, rules.countries.values()).replace("did you mean", "the code of")
            or "write the two-letter ISO 3166 code in capitals, e.g. GB, DE, US"
        )
        err(
            row.row,
            row.line,
            "country",
            "bad-country",
            f"{country!r} is not a country code Moodle knows",
            hint,
        )
    lang = row.value("lang")
    if lang and lang not in rules.languages:
        norm = lang.lower().replace("-", "_")
        err(
            row.row,
            row.line,
            "lang",
            "bad-lang",
            f"language {lang!r} is not installed on the site",
            (f'write "{norm}"' if norm in rules.languages else _close(norm, rules.languages))
            or f"installed: {', '.join(sorted(rules.languages))} (Site administration > "
            "Language > Language packs adds more)",
        )
    tz = row.value("timezone")
    if tz and tz not in rules.timezones:
        err(
            row.row,
            row.line,
            "timezone",
            "bad-timezone",
            f"{tz!r} is not a time zone Moodle knows",
            _close(tz, rules.timezones)
            or "write a time zone name such as Europe/London, or 99 for the site's",
        )
    auth = row.value("auth")
    if auth:
        plugin = rules.auths.get(auth)
        if plugin is None:
            err(
                row.row,
                row.line,
                "auth",
                "bad-auth",
                f"authentication method {auth!r} is not installed (or cannot be given to "
                "new accounts)",
                _close(auth, rules.auths) or f"installed: {', '.join(sorted(rules.auths))}",
            )
        elif not plugin.enabled:
            problems.warning(
                row.row,
                row.line,
                "auth",
                "auth-disabled",
                f"authentication method {auth!r} is disabled on the site: the account "
                "cannot log in until it is enabled",
                "enable it in Site administration > Plugins > Authentication, or use manual",
            )
    theme = row.value("theme")
    if theme and theme not in rules.themes:
        err(
            row.row,
            row.line,
            "theme",
            "bad-theme",
            f"theme {theme!r} is not installed",
            _close(theme, rules.themes) or f"installed: {', '.join(sorted(rules.themes))}",
        )
    for column, allowed in (("mailformat", ("0", "1")), ("maildisplay", ("0", "1", "2"))):
        value = row.value(column)
        if value and value not in allowed:
            err(
                row.row,
                row.line,
                column,
                "bad-number",
                f"{column} must be {' or '.join(allowed)}, not {value!r}",
            )


def _check_flag_columns(row: Row, problems: Problems) -> None:
    """deleted / suspended: lemma never deletes or suspends accounts."""
    for column, what in (("deleted", "delete"), ("suspended", "suspend")):
        value = row.value(column)
        if value in ("", "0"):
            continue
        problems.error(
            row.row,
            row.line,
            column,
            "unsupported-column",
            f"{column}={value!r}: lemma enrol never {what}s accounts",
            "Moodle's Upload users does that (with 'Allow deletes' / 'Allow suspending'); "
            "`lemma enrol --suspend FILE` suspends enrolments, `--remove FILE` unenrols"
            if what == "suspend"
            else "Moodle's Upload users does that, with 'Allow deletes'",
        )


def _check_profile(
    row: Row, rules: SiteRules, problems: Problems, seen_unique: dict[tuple[str, str], int]
) -> None:
    for shortname, value in row.profile.items():
        field = rules.profilefields.get(shortname)
        column = f"profile_field_{shortname}"
        if field is None or not value:
            continue
        if field.datatype not in PROFILE_TYPES:
            problems.error(
                row.row,
                row.line,
                column,
                "unsupported-field",
                f"profile field {shortname!r} is a {field.datatype} field; lemma enrol sets "
                "menu, text, checkbox and date fields",
                "remove the column",
            )
            continue
        message = profile_value_problem(field, value)
        if message:
            problems.error(row.row, row.line, column, "bad-profile-value", *message)
        if field.forceunique:
            key = (shortname, value)
            if key in seen_unique:
                problems.error(
                    row.row,
                    row.line,
                    column,
                    "duplicate-profile-value",
                    f"{shortname} must be unique on the site; {value!r} is also on row "
                    f"{seen_unique[key]}",
                )
            else:
                seen_unique[key] = row.row


def profile_value_problem(field: ProfileField, value: str) -> tuple[str, str] | None:
    """(message, hint) when Moodle would not store ``value`` as given in ``field``."""
    if field.datatype == "menu":
        options = field.options
        if value in options:
            return None
        same = _exact_ci(value, options)
        default = repr(field.defaultdata) if field.defaultdata else "nothing"
        return (
            f"{value!r} is not one of the options of {field.shortname}: Moodle would store "
            f"{default} instead, without a word",
            f'write "{same}"'
            if same
            else _close(value, options) or "options: " + "; ".join(options),
        )
    if field.datatype == "checkbox":
        if value in ("0", "1"):
            return None
        return (f"{field.shortname} is a checkbox: 0 or 1, not {value!r}", "write 1 or 0")
    if field.datatype == "datetime":
        day = mrules.parse_date(value)
        if day is None:
            return (
                f"{value!r} is not a date for {field.shortname}",
                "write YYYY-MM-DD, e.g. 1990-05-31",
            )
        start, end = field.years
        if not start <= day.year <= end:
            return (
                f"{value} is outside the years of {field.shortname} ({start}-{end}): Moodle "
                "would change the year",
                "correct the date, or widen the field's years",
            )
        return None
    if len(value) > field.maxlength:
        return (
            f"{field.shortname} holds at most {field.maxlength} characters; this value has "
            f"{len(value)}",
            "shorten it: Moodle would cut it",
        )
    return None


def _check_slots_syntax(row: Row, problems: Problems) -> None:
    for column, _value in row.unsupported:
        base = column.rstrip("0123456789")
        problems.error(
            row.row,
            row.line,
            column,
            "unsupported-column",
            f"lemma enrol does not apply {column} ({UNSUPPORTED[base]})",
            "empty the column or remove it",
        )
    for column, _value in row.stray:
        n = column.lstrip("abcdefghijklmnopqrstuvwxyz")
        problems.error(
            row.row,
            row.line,
            column,
            "no-course",
            f"{column} has a value but course{n} is empty",
            f"give the course's short name in course{n} (Moodle would ignore {column})",
        )
    for slot in row.slots:
        if slot.enrolperiod and not slot.enrolperiod.isdigit():
            problems.error(
                row.row,
                row.line,
                slot.column("enrolperiod"),
                "bad-enrolperiod",
                f"enrolment period {slot.enrolperiod!r} is not a number of days",
                "write the length of the enrolment in days, e.g. 90 (empty: no end)",
            )
        if slot.enrolstatus not in ("", "0", "1"):
            problems.error(
                row.row,
                row.line,
                slot.column("enrolstatus"),
                "bad-enrolstatus",
                f"enrolment status must be 0 (active) or 1 (suspended), not {slot.enrolstatus!r}",
            )
        if slot.group and len(slot.group) > mrules.MAX_GROUP_NAME:
            problems.error(
                row.row,
                row.line,
                slot.column("group"),
                "too-long",
                f"group names hold at most {mrules.MAX_GROUP_NAME} characters",
            )
    by_course: dict[str, Slot] = {}
    for slot in row.slots:
        first = by_course.setdefault(slot.course, slot)
        if first is slot:
            continue
        for part in ("enrolperiod", "enrolstatus", "enroltimestart"):
            a, b = getattr(first, part), getattr(slot, part)
            if a and b and a != b:
                problems.error(
                    row.row,
                    row.line,
                    slot.column(part),
                    "conflicting-enrolment",
                    f"{slot.column(part)}={b!r} but {first.column(part)}={a!r} for the same "
                    f"course {slot.course!r}",
                    "one enrolment per course: give the same value, or leave one empty",
                )


# --- against the site -----------------------------------------------------------------


def check_against_site(
    rows: list[Row],
    state: SiteState,
    options: Options,
    problems: Problems,
    background: Background | None = None,
) -> None:
    """What needs the site: new accounts' required values and free email addresses,
    courses, manual enrolment, roles, groups, cohorts, passwords, the course's background."""
    rules = state.rules
    kept_passwords: list[int] = []
    if options.mode == "enrol" and background is not None:
        new = [r for r in rows if r.username and r.username not in state.users]
        _check_background_declared(new, rules, background, problems)
    for row in rows:
        user = state.users.get(row.username)
        if options.mode != "enrol":
            if user is None and row.username:
                problems.warning(
                    row.row,
                    row.line,
                    "username",
                    "no-such-user",
                    f"no account {row.username!r} on the site: nothing to "
                    + ("unenrol" if options.mode == "remove" else "suspend"),
                )
            for slot in row.slots:
                _course(row, slot, state, problems)
            continue
        if user is None:
            _check_new_user(row, state, problems, background)
        else:
            _check_existing_user(row, user, problems)
            if row.password is not None:
                kept_passwords.append(row.row)
        for slot in row.slots:
            course = _course(row, slot, state, problems)
            if course is not None:
                _check_slot(row, slot, course, state, options, problems)
        for column, ref in row.cohorts:
            if state.cohort(ref) is None and not (options.create_cohorts and not ref.isdigit()):
                problems.error(
                    row.row,
                    row.line,
                    column,
                    "unknown-cohort",
                    f"no cohort with {'id' if ref.isdigit() else 'idnumber'} {ref!r}",
                    _join(
                        _close(ref, state.cohorts_by_idnumber) if not ref.isdigit() else "",
                        "(--create-cohorts creates missing cohorts, as Moodle's Upload users does)",
                    ),
                )
            elif len(ref) > mrules.MAX_COHORT_IDNUMBER:
                problems.error(
                    row.row,
                    row.line,
                    column,
                    "too-long",
                    f"cohort idnumbers hold at most {mrules.MAX_COHORT_IDNUMBER} characters",
                )
    if kept_passwords:
        problems.warning(
            0,
            0,
            "password",
            "password-ignored",
            f"{len(kept_passwords)} row(s) give a password for an account that exists (rows "
            + ", ".join(str(r) for r in kept_passwords[:10])
            + (", ..." if len(kept_passwords) > 10 else "")
            + "): lemma never changes an existing account's password",
            "passwords are used only when an account is created",
        )


def _check_background_declared(
    new_rows: list[Row], rules: SiteRules, background: Background, problems: Problems
) -> None:
    """The background's fields exist on the site, and the roster has a column for each
    required one when it creates accounts."""
    for f in background.fields:
        if f.shortname not in rules.profilefields:
            problems.error(
                0,
                0,
                f"profile_field_{f.shortname}",
                "background-not-on-site",
                f"the course's background field {f.shortname!r} is not on the site",
                "create it: lemma background sync",
            )
        elif f.required and new_rows and f.shortname not in new_rows[0].profile:
            problems.error(
                0,
                0,
                f"profile_field_{f.shortname}",
                "missing-background",
                f"the course requires {f.name!r} (profile_field_{f.shortname}) of every new "
                "learner, but the roster has no such column",
                "add the column; existing accounts may leave it empty",
            )


def _check_new_user(
    row: Row, state: SiteState, problems: Problems, background: Background | None
) -> None:
    rules = state.rules
    for column in ("firstname", "lastname", "email"):
        if not row.value(column):
            problems.error(
                row.row,
                row.line,
                column,
                "missing-value",
                f"{row.username!r} is a new account and has no {column}",
                f"give the {column}: Moodle needs it to create the account",
            )
    email = row.value("email")
    if email and not rules.allowaccountssameemail:
        holders = [u for u in state.emails.get(email.lower(), []) if u["username"] != row.username]
        if holders:
            problems.error(
                row.row,
                row.line,
                "email",
                "email-taken",
                f"{email!r} already belongs to the account {holders[0]['username']!r}",
                "the same person? use that username; otherwise correct the address "
                "(the site does not allow two accounts with one address)",
            )
    auth = rules.auths.get(row.value("auth") or "manual")
    if row.password is not None and auth is not None:
        if not auth.internal:
            problems.warning(
                row.row,
                row.line,
                "password",
                "password-ignored",
                f"the password is not used: {auth.name} accounts log in elsewhere",
            )
        else:
            missing = rules.passwordpolicy.problems(row.password.reveal())
            if missing:
                problems.error(
                    row.row,
                    row.line,
                    "password",
                    "weak-password",
                    "the password does not meet the site's policy: it needs " + ", ".join(missing),
                    "give a stronger password, or leave the cell empty: Moodle then mails "
                    "the learner a generated one",
                )
    if background is not None:
        for f in background.fields:
            if f.required and f.shortname in row.profile and not row.profile[f.shortname]:
                problems.error(
                    row.row,
                    row.line,
                    f"profile_field_{f.shortname}",
                    "missing-background",
                    f"{row.username!r} is a new learner and has no {f.name!r}, which the "
                    "course requires",
                    "fill it in"
                    + (f" (one of: {'; '.join(f.options)})" if f.type == "menu" else "")
                    + (" (0 or 1)" if f.type == "checkbox" else ""),
                )


def _check_existing_user(row: Row, user: User, problems: Problems) -> None:
    if user.get("confirmed") is False:
        problems.error(
            row.row,
            row.line,
            "username",
            "not-confirmed",
            f"the account {row.username!r} is not confirmed, so Moodle refuses to enrol it",
            "confirm it (Site administration > Users > Browse list of users)",
        )


def _course(row: Row, slot: Slot, state: SiteState, problems: Problems) -> CourseState | None:
    course = state.courses.get(slot.course)
    if course is None:
        problems.error(
            row.row,
            row.line,
            slot.column("course"),
            "unknown-course",
            f"no course with short name {slot.course!r}",
            _close(slot.course, [s for s, c in state.courses.items() if c is not None])
            or "course1, course2, ... hold a course's short name (the token's user must be "
            "able to see the course)",
        )
        return None
    manual = course.enrolments.manual
    if not manual.id or not manual.enabled:
        problems.error(
            row.row,
            row.line,
            slot.column("course"),
            "no-manual-enrolment",
            f"course {slot.course!r} has no enabled manual enrolment method",
            "add Manual enrolments in the course (Participants > Enrolment methods) and "
            "enable the plugin (Site administration > Plugins > Enrolments)",
        )
        return None
    return course


def role_for(slot: Slot, course: CourseState, rules: SiteRules) -> tuple[int | None, str]:
    """The role id of a slot and a problem text: ``roleN``, else the manual method's
    default role (as Moodle's Upload users)."""
    ref = slot.role
    if not ref:
        roleid = course.enrolments.manual.roleid
        if roleid not in course.enrolments.assignable:
            return None, f"the course's default role (id {roleid}) may not be assigned by lemma"
        return roleid, ""
    role = rules.role(ref)
    if role is None:
        return None, f"no role {ref!r}"
    if role.id not in course.enrolments.assignable:
        return None, f"lemma's account may not assign the role {ref!r} in {slot.course!r}"
    return role.id, ""


def _check_slot(
    row: Row,
    slot: Slot,
    course: CourseState,
    state: SiteState,
    options: Options,
    problems: Problems,
) -> None:
    roleid, why = role_for(slot, course, state.rules)
    if roleid is None:
        unknown = why.startswith("no role")
        problems.error(
            row.row,
            row.line,
            slot.column("role"),
            "unknown-role" if unknown else "role-not-assignable",
            why,
            (
                _close(slot.role, [r.shortname for r in state.rules.roles])
                or "roles: " + ", ".join(r.shortname for r in state.rules.roles)
            )
            if unknown
            else "allow it in Site administration > Users > Permissions > Define roles > "
            "Allow role assignments",
        )
    missing_group = slot.group and course.group(slot.group) is None
    if missing_group and (not options.create_groups or slot.group.isdigit()):
        problems.error(
            row.row,
            row.line,
            slot.column("group"),
            "unknown-group",
            f"course {slot.course!r} has no group {slot.group!r}",
            _join(
                _close(slot.group, course.groups) if not slot.group.isdigit() else "",
                "(--create-groups creates missing groups)",
            ),
        )
    if slot.enroltimestart and (
        mrules.parse_datetime(slot.enroltimestart, state.rules.servertimezone) is None
    ):
        problems.error(
            row.row,
            row.line,
            slot.column("enroltimestart"),
            "bad-enroltimestart",
            f"{slot.enroltimestart!r} is not a date lemma reads",
            "write YYYY-MM-DD (midnight in the site's time zone) or YYYY-MM-DD HH:MM",
        )
