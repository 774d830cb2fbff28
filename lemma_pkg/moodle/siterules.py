"""What a site accepts when users are created: ``local_lemma_site_rules`` (companion plugin).

No core web service reports the password policy, installed languages, time zones,
authentication plugins or custom profile field definitions; ``lemma enrol`` checks every
roster row against them before it writes anything.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import UnexpectedResponseError

FUNCTION = "local_lemma_site_rules"

#: Moodle's PROFILE_VISIBLE_* values (user/profile/lib.php).
VISIBLE_NONE = 0
VISIBLE_PRIVATE = 1
VISIBLE_ALL = 2
VISIBLE_TEACHERS = 3

#: Defaults of the text profile field form (user/profile/field/text/define.class.php).
TEXT_SIZE = 30
TEXT_MAXLENGTH = 2048


@dataclass(frozen=True)
class PasswordPolicy:
    """The site's password policy ($CFG->passwordpolicy and the min* settings)."""

    enabled: bool = True
    minlength: int = 8
    mindigits: int = 1
    minlower: int = 1
    minupper: int = 1
    minnonalphanum: int = 1
    maxconsecutiveidentchars: int = 0
    #: Plugins add checks of their own that only Moodle can apply.
    pluginchecks: bool = False

    def problems(self, password: str) -> list[str]:
        """What ``password`` lacks, as Moodle's ``get_password_policy_errors`` counts it
        (Unicode letter and digit classes, as PCRE's POSIX classes under ``/u``). Never
        contains the password."""
        if not self.enabled:
            return []
        cats = [unicodedata.category(c) for c in password]
        digits = sum(1 for c in cats if c == "Nd")
        lower = sum(1 for c in cats if c == "Ll")
        upper = sum(1 for c in cats if c == "Lu")
        other = len(cats) - digits - lower - upper
        out: list[str] = []
        if len(password) < self.minlength:
            out.append(f"at least {self.minlength} characters")
        if digits < self.mindigits:
            out.append(f"at least {self.mindigits} digit(s)")
        if lower < self.minlower:
            out.append(f"at least {self.minlower} lower-case letter(s)")
        if upper < self.minupper:
            out.append(f"at least {self.minupper} upper-case letter(s)")
        if other < self.minnonalphanum:
            out.append(f"at least {self.minnonalphanum} other character(s) such as *, - or #")
        limit = self.maxconsecutiveidentchars
        if limit > 0 and _longest_run(password) > limit:
            out.append(f"at most {limit} identical characters in a row")
        return out


def _longest_run(text: str) -> int:
    best = run = 0
    prev = None
    for c in text:
        run = run + 1 if c == prev else 1
        prev = c
        best = max(best, run)
    return best


@dataclass(frozen=True)
class ProfileField:
    """A custom user profile field as the ``user_info_field`` table holds it."""

    id: int
    shortname: str
    name: str
    datatype: str  # menu, text, checkbox, datetime, textarea, social, ...
    categoryid: int = 0
    categoryname: str = ""
    sortorder: int = 0
    description: str = ""
    required: bool = False
    locked: bool = False
    forceunique: bool = False
    signup: bool = False
    visible: int = VISIBLE_PRIVATE
    defaultdata: str = ""
    param1: str = ""
    param2: str = ""
    param3: str = ""

    @property
    def options(self) -> tuple[str, ...]:
        """A menu's options, in order (one per line of ``param1``)."""
        return tuple(self.param1.replace("\r", "").split("\n")) if self.param1 else ()

    @property
    def maxlength(self) -> int:
        """A text field's maximum length (characters)."""
        try:
            return int(self.param2) if self.param2 else TEXT_MAXLENGTH
        except ValueError:
            return TEXT_MAXLENGTH

    @property
    def years(self) -> tuple[int, int]:
        """A date field's start and end year (Moodle clamps the year into this range)."""
        try:
            return int(self.param1), int(self.param2)
        except ValueError:
            return 1900, 2050


@dataclass(frozen=True)
class AuthPlugin:
    name: str
    enabled: bool
    #: Moodle keeps the password: a new user needs one, or ``createpassword``.
    internal: bool


@dataclass(frozen=True)
class Role:
    id: int
    shortname: str
    name: str
    archetype: str = ""


@dataclass(frozen=True)
class SiteRules:
    """What ``local_lemma_site_rules`` reports."""

    extendedusernamechars: bool = False
    allowaccountssameemail: bool = False
    servertimezone: str = "UTC"
    #: The token user's effective time zone: date profile fields are stored as its midnight.
    usertimezone: str = "UTC"
    maxinputvars: int = 0
    postmaxsize: int = 0
    passwordpolicy: PasswordPolicy = field(default_factory=PasswordPolicy)
    #: code -> name
    languages: dict[str, str] = field(default_factory=dict)
    #: ISO 3166-1 alpha-2 code -> name
    countries: dict[str, str] = field(default_factory=dict)
    timezones: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    auths: dict[str, AuthPlugin] = field(default_factory=dict)
    #: shortname -> field
    profilefields: dict[str, ProfileField] = field(default_factory=dict)
    #: Course-level roles, in Moodle's order.
    roles: tuple[Role, ...] = ()

    def role(self, ref: str) -> Role | None:
        """The role named by shortname, or by id when ``ref`` is a number (as Moodle's
        Upload users resolves ``roleN``)."""
        for r in self.roles:
            if r.shortname == ref or (ref.isdigit() and r.id == int(ref)):
                return r
        return None


def _b(v: Any) -> bool:
    return bool(v) and v not in ("0", "false")


def parse_site_rules(data: Any) -> SiteRules:
    if not isinstance(data, dict) or "passwordpolicy" not in data:
        raise UnexpectedResponseError(
            f"{FUNCTION}: the answer is not the site's rules",
            "the companion plugin local_lemma may be too old: install the one of this lemma "
            "release (`lemma plugin zip`)",
        )
    pp = data.get("passwordpolicy") or {}
    return SiteRules(
        extendedusernamechars=_b(data.get("extendedusernamechars")),
        allowaccountssameemail=_b(data.get("allowaccountssameemail")),
        servertimezone=str(data.get("servertimezone") or "UTC"),
        usertimezone=str(data.get("usertimezone") or data.get("servertimezone") or "UTC"),
        maxinputvars=int(data.get("maxinputvars") or 0),
        postmaxsize=int(data.get("postmaxsize") or 0),
        passwordpolicy=PasswordPolicy(
            enabled=_b(pp.get("enabled")),
            minlength=int(pp.get("minlength") or 0),
            mindigits=int(pp.get("mindigits") or 0),
            minlower=int(pp.get("minlower") or 0),
            minupper=int(pp.get("minupper") or 0),
            minnonalphanum=int(pp.get("minnonalphanum") or 0),
            maxconsecutiveidentchars=int(pp.get("maxconsecutiveidentchars") or 0),
            pluginchecks=_b(pp.get("pluginchecks")),
        ),
        languages={str(x["code"]): str(x.get("name", "")) for x in data.get("languages") or []},
        countries={str(x["code"]): str(x.get("name", "")) for x in data.get("countries") or []},
        timezones=frozenset(str(t) for t in data.get("timezones") or []),
        themes=frozenset(str(t) for t in data.get("themes") or []),
        auths={
            str(a["name"]): AuthPlugin(str(a["name"]), _b(a.get("enabled")), _b(a.get("internal")))
            for a in data.get("auths") or []
        },
        profilefields={
            str(f["shortname"]): ProfileField(
                id=int(f.get("id", 0)),
                shortname=str(f["shortname"]),
                name=str(f.get("name", "")),
                datatype=str(f.get("datatype", "")),
                categoryid=int(f.get("categoryid", 0)),
                categoryname=str(f.get("categoryname", "")),
                sortorder=int(f.get("sortorder", 0)),
                description=str(f.get("description") or ""),
                required=_b(f.get("required")),
                locked=_b(f.get("locked")),
                forceunique=_b(f.get("forceunique")),
                signup=_b(f.get("signup")),
                visible=int(f.get("visible", VISIBLE_PRIVATE)),
                defaultdata=str(f.get("defaultdata") or ""),
                param1=str(f.get("param1") or ""),
                param2=str(f.get("param2") or ""),
                param3=str(f.get("param3") or ""),
            )
            for f in data.get("profilefields") or []
        },
        roles=tuple(
            Role(
                int(r["id"]),
                str(r["shortname"]),
                str(r.get("name", "")),
                str(r.get("archetype") or ""),
            )
            for r in data.get("roles") or []
        ),
    )


def get_site_rules(client: MoodleClient) -> SiteRules:
    """``local_lemma_site_rules``: one read of everything :mod:`lemma_pkg.enrol.checks` needs."""
    return parse_site_rules(client.call(FUNCTION))
