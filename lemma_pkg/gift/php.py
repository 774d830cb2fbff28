"""The few PHP string and number semantics Moodle's GIFT importer depends on.

Moodle's importer is PHP working on strings; to reproduce it exactly we need PHP's
``trim``, ``substr``/``substr_replace`` (negative offsets and lengths), ``empty``,
``is_numeric`` and the PHP 8 rules for arithmetic on numeric strings (a non-numeric
operand is a ``TypeError``, a leading-numeric one is used with a warning), plus Moodle's
``shorten_text`` and ``clean_param(PARAM_TEXT)`` (``strip_tags``) used to build names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

#: Characters PHP's ``trim()`` strips (no form feed, no Unicode spaces).
TRIM_CHARS: Final = " \t\n\r\x00\x0b"

#: Characters PHP accepts around a numeric string (``is_numeric``): adds form feed.
_NUM_WS: Final = " \t\n\r\x0b\x0c"

_NUMERIC_RE: Final = re.compile(
    r"[ \t\n\r\x0b\x0c]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r\x0b\x0c]*\Z"
)
_LEADING_NUMERIC_RE: Final = re.compile(
    r"[ \t\n\r\x0b\x0c]*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
)
_INT_RE: Final = re.compile(r"[+-]?[0-9]+\Z")

PHP_INT_MAX: Final = 2**63 - 1
PHP_INT_MIN: Final = -(2**63)

Number = int | float


class PhpTypeError(Exception):
    """PHP would throw ``TypeError`` here (arithmetic on a non-numeric string): Moodle crashes."""


def trim(s: str) -> str:
    return s.strip(TRIM_CHARS)


def empty(s: str) -> bool:
    """PHP ``empty()`` of a string: ``""`` and ``"0"`` are empty."""
    return s == "" or s == "0"


def substr(s: str, offset: int, length: int | None = None) -> str:
    """PHP 8 ``substr``."""
    n = len(s)
    if offset > n:
        return ""
    if offset < 0:
        offset = max(0, n + offset)
    if length is None:
        return s[offset:]
    if length < 0:
        end = n + length
        if end < offset:
            return ""
        return s[offset:end]
    return s[offset : offset + length]


def substr_replace(s: str, replacement: str, offset: int, length: int) -> str:
    """PHP 8 ``substr_replace`` with scalar arguments."""
    n = len(s)
    if offset < 0:
        offset = max(0, n + offset)
    elif offset > n:
        offset = n
    if length < 0:
        length = max(0, (n - offset) + length)
    elif length > n - offset:
        length = n - offset
    return s[:offset] + replacement + s[offset + length :]


def is_numeric(s: str) -> bool:
    """PHP 8 ``is_numeric`` of a string (leading and trailing whitespace allowed)."""
    return _NUMERIC_RE.match(s) is not None


def _literal_to_number(lit: str) -> Number:
    if _INT_RE.match(lit):
        v = int(lit)
        if PHP_INT_MIN <= v <= PHP_INT_MAX:
            return v
        return float(v)
    return float(lit)


def to_number(s: str | Number) -> Number:
    """The value PHP 8 uses for ``s`` in arithmetic.

    Numeric strings give int or float; leading-numeric strings ("5 apples") give their
    number (PHP warns); anything else raises :class:`PhpTypeError`.
    """
    if not isinstance(s, str):
        return s
    m = _NUMERIC_RE.match(s)
    if m is not None:
        return _literal_to_number(s.strip(_NUM_WS))
    m2 = _LEADING_NUMERIC_RE.match(s)
    if m2 is not None:
        return _literal_to_number(m2.group(1))
    raise PhpTypeError(f"Unsupported operand types: string for {s!r}")


def _int_or_float(v: int) -> Number:
    if PHP_INT_MIN <= v <= PHP_INT_MAX:
        return v
    return float(v)


def add(a: str | Number, b: str | Number) -> Number:
    x, y = to_number(a), to_number(b)
    if isinstance(x, int) and isinstance(y, int):
        return _int_or_float(x + y)
    return float(x) + float(y)


def sub(a: str | Number, b: str | Number) -> Number:
    x, y = to_number(a), to_number(b)
    if isinstance(x, int) and isinstance(y, int):
        return _int_or_float(x - y)
    return float(x) - float(y)


def div(a: str | Number, b: str | Number) -> Number:
    x, y = to_number(a), to_number(b)
    if y == 0:
        raise PhpTypeError("Division by zero")
    if isinstance(x, int) and isinstance(y, int) and x % y == 0:
        return _int_or_float(x // y)
    return float(x) / float(y)


# --------------------------------------------------------------------------- names


def _tag_allowed(tag: str, allow: str) -> bool:
    """PHP ``php_tag_find``: normalise ``<Tag attr>`` / ``</tag>`` to ``<tag>``, look it up."""
    norm = ["<"]
    started = False
    n = len(tag)
    for i in range(1, n):
        c = tag[i].lower() if tag[i].isascii() else tag[i]
        if c == ">":
            break
        if c in " \t\n\r\x0b\x0c":
            if started:
                break
            continue
        started = True
        if c != "/" or (tag[i - 1] != "<" and (i + 1 >= n or tag[i + 1] != ">")):
            norm.append(c)
    norm.append(">")
    return "".join(norm) in allow


def strip_tags(s: str, allow: str = "") -> str:
    """PHP 8 ``strip_tags`` (its state machine): tags, comments, ``<!…>`` and ``<?…?>`` go;
    ``<`` followed by whitespace is text; an unterminated tag swallows the rest. ``allow``
    is PHP's allowed-tags string, e.g. ``"<span>"``."""
    if "<" not in s and ">" not in s:
        return s
    out: list[str] = []
    tbuf: list[str] = []
    state = 0  # 0 text, 1 tag, 2 php, 3 <! , 4 comment
    depth = 0
    in_q = ""
    n = len(s)
    for i in range(n):
        c = s[i]
        if state == 0:
            if c == "<":
                if i + 1 < n and s[i + 1] in " \t\n\r\x0b\x0c":
                    out.append(c)
                else:
                    state = 1
                    tbuf = ["<"]
            elif c == ">":
                if depth:
                    depth -= 1
                else:
                    out.append(c)
            else:
                out.append(c)
        elif state == 1:
            if c == "<":
                if in_q:
                    continue
                if i + 1 < n and s[i + 1] in " \t\n\r\x0b\x0c":
                    tbuf.append(c)
                else:
                    depth += 1
            elif c == ">":
                if depth:
                    depth -= 1
                elif not in_q:
                    state = 0
                    in_q = ""
                    if allow:
                        tbuf.append(">")
                        tag = "".join(tbuf)
                        if _tag_allowed(tag, allow):
                            out.append(tag)
            else:
                if c in "\"'":
                    if not in_q:
                        in_q = c
                    elif in_q == c:
                        in_q = ""
                elif c == "!" and s[i - 1] == "<":
                    state = 3
                elif c == "?" and s[i - 1] == "<":
                    state = 2
                if allow:
                    tbuf.append(c)
        elif state == 2:
            if c == ">" and not in_q and s[i - 1] == "?":
                state = 0
                in_q = ""
            elif c in "\"'":
                if not in_q:
                    in_q = c
                elif in_q == c:
                    in_q = ""
        elif state == 3:
            if c == ">":
                if depth:
                    depth -= 1
                elif not in_q:
                    state = 0
                    in_q = ""
            elif c in "\"'":
                if not in_q:
                    in_q = c
                elif in_q == c:
                    in_q = ""
            elif c == "-" and i >= 2 and s[i - 1] == "-" and s[i - 2] == "!":
                state = 4
        elif c == ">" and i >= 2 and s[i - 1] == "-" and s[i - 2] == "-":
            state = 0
            in_q = ""
    return "".join(out)


_MULTILANG_LANG_RE: Final = re.compile(r'^<lang lang="[a-zA-Z0-9_-]+"\s*>$')
_MULTILANG_SPAN_RE: Final = re.compile(
    r'^<span(\s+lang="[a-zA-Z0-9_-]+"|\s+class="multilang"){2}\s*>$'
)
_ANY_TAG_RE: Final = re.compile(r"<.*?>", re.S)


def fix_utf8(s: str) -> str:
    if "\x00" in s or "\ufffe" in s or "\uffff" in s:
        s = s.replace("\x00", "").replace("\ufffe", "").replace("\uffff", "")
    return s


def clean_param_text(s: str) -> str:
    """Moodle ``clean_param($s, PARAM_TEXT)``: multilang tags survive, other tags go."""
    s = fix_utf8(s)
    for close, tag, good in (
        ("</lang>", "lang", _MULTILANG_LANG_RE),
        ("</span>", "span", _MULTILANG_SPAN_RE),
    ):
        if close in s:
            kept = strip_tags(s, f"<{tag}>")
            matches = _lazy_tags(kept)
            if not matches:
                break
            is_open = False
            ok = True
            for match in matches:
                if match == close:
                    if is_open:
                        is_open = False
                        continue
                    ok = False
                    break
                if not good.match(match):
                    ok = False
                    break
                is_open = True
            if ok and not is_open:
                return kept
            break
    return strip_tags(s)


def _lazy_tags(s: str) -> list[str]:
    # preg_match_all('/<.*>/suU'): U makes the quantifier lazy.
    return _ANY_TAG_RE.findall(s)


_SPLIT_TAGS_RE: Final = re.compile(r"(<.+?>)?([^<>]*)", re.S)
_PLAIN_RE: Final = re.compile(r"<.*?>")
_ENTITY_RE: Final = re.compile(r"&[0-9a-z]{2,8};|&#[0-9]{1,7};|&#x[0-9a-f]{1,6};", re.I)


_EMPTY_TAG_RE: Final = re.compile(
    r"^<(\s*.+?/\s*|\s*(img|br|input|hr|area|base|basefont|col|frame|isindex|link|meta|param)(\s.+?)?)>$",
    re.I | re.S,
)
_CLOSE_TAG_RE: Final = re.compile(r"^<\s*/([^\s]+?)\s*>$", re.S)
_OPEN_TAG_RE: Final = re.compile(r"^<\s*([^\s>!]+).*?>$", re.S)
_IF_OPEN_RE: Final = re.compile(r"^<!--\[if\s.*?\]>$", re.S)
_IF_CLOSE_RE: Final = re.compile(r"^<!--<!\[endif\]-->$", re.S)


_BODY_RE: Final = re.compile(r"[^<>]*")


def _plain_length(text: str) -> int:
    """``strlen(preg_replace('/<.*?>/', '', $text))`` in linear time."""
    if "<" not in text:
        return len(text)
    removed = 0
    gt = nl = -2  # cached next '>' / newline positions (-1: none left)
    i = text.find("<")
    while i != -1:
        if gt != -1 and gt < i:
            gt = text.find(">", i)
        if nl != -1 and nl < i:
            nl = text.find("\n", i)
        if gt != -1 and (nl == -1 or gt < nl):
            removed += gt - i + 1
            i = text.find("<", gt + 1)
        else:
            i = text.find("<", i + 1)
    return len(text) - removed


def _tag_tokens(text: str) -> Iterable[tuple[str | None, str]]:
    """``preg_match_all('/(<.+?>)?([^<>]*)/s', $text, $m, PREG_SET_ORDER)`` as
    (tag, text) pairs, in linear time (the regex is quadratic on many unclosed '<')."""
    n = len(text)
    i = 0
    gt = -2
    while i <= n:
        tag = None
        if i < n and text[i] == "<":
            if gt != -1 and gt < i + 2:
                gt = text.find(">", i + 2)
            if gt != -1:
                tag = text[i : gt + 1]
                i = gt + 1
        m = _BODY_RE.match(text, i)
        assert m is not None
        body = m.group()
        yield tag, body
        if tag is None and not body:
            i += 1  # an empty match: the regex moves on by one character
        else:
            i = m.end()


def shorten_text(text: str, ideal: int = 30, ending: str = "...") -> str:
    """Moodle ``shorten_text($text, $ideal)`` (not exact: cut on a word boundary)."""
    if _plain_length(text) <= ideal:
        return text
    totallength = len(ending)
    truncate: list[str] = []
    tagdetails: list[tuple[bool, str]] = []
    for tag, body in _tag_tokens(text):
        if tag:
            if not _EMPTY_TAG_RE.match(tag):
                tm = _CLOSE_TAG_RE.match(tag)
                if tm is not None:
                    tagdetails.append((False, tm.group(1).lower()))
                else:
                    tm = _OPEN_TAG_RE.match(tag)
                    if tm is not None:
                        tagdetails.append((True, tm.group(1).lower()))
                    elif _IF_OPEN_RE.match(tag):
                        tagdetails.append((True, "if"))
                    elif _IF_CLOSE_RE.match(tag):
                        tagdetails.append((False, "if"))
            truncate.append(tag)
        contentlength = len(_ENTITY_RE.sub(" ", body))
        if totallength + contentlength > ideal:
            left = ideal - totallength
            entitieslength = 0
            for em in _ENTITY_RE.finditer(body):
                byte_pos = len(body[: em.start()].encode("utf-8"))
                if byte_pos + 1 - entitieslength <= left:
                    left -= 1
                    entitieslength += len(em.group())
                else:
                    break
            breakpos = left + entitieslength
            while breakpos > 0:
                ch = body[breakpos : breakpos + 1]
                if ch and ch != "0":
                    if ch == "." or ch == " ":
                        breakpos += 1
                        break
                    if ord(ch) >= 0x800:
                        breakpos += 1
                        break
                breakpos -= 1
            if breakpos == 0 or breakpos > left + entitieslength:
                breakpos = left + entitieslength
            truncate.append(body[:breakpos])
            break
        truncate.append(body)
        totallength += contentlength
        if totallength >= ideal:
            break
    truncate.append(ending)
    opentags: list[str] = []
    for is_open, name in tagdetails:
        if is_open:
            opentags.insert(0, name)
        else:
            for i in range(len(opentags) - 1, -1, -1):
                if opentags[i] == name:
                    del opentags[i]
                    break
    for name in opentags:
        truncate.append("<!--<![endif]-->" if name == "if" else f"</{name}>")
    return "".join(truncate)


_NAME_SPECIAL_RE: Final = re.compile("[<>\x00\ufffe\uffff]")
#: Names without these characters (and at most 255 long) are only trimmed.
NAME_SPECIAL_RE: Final = _NAME_SPECIAL_RE


def clean_question_name(name: str) -> str:
    """Moodle ``qformat_default::clean_question_name``."""
    if len(name) <= 255 and not _NAME_SPECIAL_RE.search(name):
        return name.strip(TRIM_CHARS)
    name = trim(clean_param_text(name))
    trimlength = 251
    while len(name) > 255 and trimlength > 0:
        name = shorten_text(name, trimlength)
        trimlength -= 10
    return name


def create_default_question_name(questiontext: str, default: str) -> str:
    name = clean_question_name(shorten_text(questiontext, 80))
    return name if name and name != "0" else default
