"""Moodle's rules for one value, written from Moodle 4.5's code (each function names its
source): usernames (``PARAM_USERNAME``), email addresses (``validate_email``: PHPMailer
with PHP's ``FILTER_VALIDATE_EMAIL``), tags in text fields, the ``user`` table's column
lengths, dates. Pure functions; the site's own lists (countries, languages, time zones,
password policy) come from :class:`~lemma_pkg.moodle.siterules.SiteRules`."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Column lengths of Moodle 4.5's ``user`` table (lib/db/install.xml).
MAX_LENGTH: dict[str, int] = {
    "username": 100,
    "firstname": 100,
    "lastname": 100,
    "email": 100,
    "idnumber": 255,
    "institution": 255,
    "department": 255,
    "address": 255,
    "city": 120,
    "phone1": 20,
    "phone2": 20,
    "lang": 30,
    "timezone": 100,
    "auth": 20,
    "theme": 50,
    "firstnamephonetic": 255,
    "lastnamephonetic": 255,
    "middlename": 255,
    "alternatename": 255,
}
#: groups.name and cohort.idnumber (lib/db/install.xml).
MAX_GROUP_NAME = 254
MAX_COHORT_IDNUMBER = 100

#: Fields core_user_create_users cleans with PARAM_NOTAGS / PARAM_TEXT: a value whose
#: cleaned form differs is refused, and the whole batch with it.
NOTAGS_FIELDS = (
    "firstname",
    "lastname",
    "phone1",
    "phone2",
    "firstnamephonetic",
    "lastnamephonetic",
    "middlename",
    "alternatename",
)
TEXT_FIELDS = ("institution", "department", "address", "city", "interests")

_USERNAME_DROP = re.compile(r"[^-.@_a-z0-9]")
#: PHP's strip_tags() starts a tag at "<" unless whitespace follows it.
_TAG = re.compile(r"<(?![ \t\n\r\x0b\x0c])")

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = re.compile(rf'^(?:{_ATEXT}+(?:\.{_ATEXT}+)*|"(?:[^"\\\s]|\\.)+")$')
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"^(?:{_LABEL}\.)+{_LABEL}$")
_IP_LITERAL = re.compile(r"^\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$")


def clean_username(value: str, extended: bool = False) -> str:
    """``core_user::clean_field($username, 'username')`` (PARAM_USERNAME): trimmed, lower
    case, and unless the site allows extended characters, only a-z 0-9 - . @ _ kept."""
    value = value.strip().lower()
    if not extended:
        value = _USERNAME_DROP.sub("", value.replace(" ", ""))
    return value


def valid_email(address: str) -> bool:
    """``validate_email()``: PHPMailer's default validator, PHP's FILTER_VALIDATE_EMAIL
    (ASCII only, a dotted domain whose last label is not all digits, or an IP literal),
    and no ``<`` or ``>``. Checked against Moodle 4.5.6 on the cases of
    tests/fixtures/enrol/moodle_rules.json."""
    if not address or "<" in address or ">" in address or address.count("@") < 1:
        return False
    if not address.isascii() or "\n" in address or "\r" in address:
        return False
    local, _, domain = address.rpartition("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        return False
    literal = _IP_LITERAL.match(domain)
    if literal:
        try:
            ip = ipaddress.ip_address(literal.group(1))
        except ValueError:
            return False
        return (ip.version == 6) == domain.startswith("[IPv6:")
    if not _DOMAIN.match(domain):
        return False
    return not domain.rsplit(".", 1)[1].isdigit()


def has_tags(value: str) -> bool:
    """Whether ``strip_tags()`` would change ``value`` (PARAM_NOTAGS, PARAM_TEXT): any "<"
    not followed by whitespace, as Moodle 4.5.6 showed on the cases of
    tests/fixtures/enrol/moodle_rules.json."""
    return bool(_TAG.search(value))


def parse_date(value: str) -> dt.date | None:
    """``YYYY-MM-DD`` (a real calendar date), else None."""
    m = _DATE.match(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_datetime(value: str, timezone: str) -> int | None:
    """``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DD HH:MM[:SS]`` in ``timezone`` as a Unix
    time, else None: what ``enroltimestartN`` may hold (Moodle reads it with PHP's
    strtotime() in the site's time zone; lemma accepts only these unambiguous forms)."""
    m = _DATETIME.match(value)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(p) if p else 0 for p in m.groups())
    try:
        when = dt.datetime(y, mo, d, h, mi, sec, tzinfo=zone(timezone))
    except ValueError:
        return None
    return int(when.timestamp())


def zone(name: str) -> dt.tzinfo:
    """A time zone by name; UTC for names Python does not know (e.g. Moodle's '99')."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def midnight(when: dt.datetime | dt.date, timezone: str) -> int:
    """Midnight of that day in ``timezone`` (Moodle's ``make_timestamp(y, m, d)``)."""
    day = when.date() if isinstance(when, dt.datetime) else when
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=zone(timezone)).timestamp())


def day_of(timestamp: int, timezone: str) -> dt.date:
    return dt.datetime.fromtimestamp(timestamp, tz=zone(timezone)).date()
