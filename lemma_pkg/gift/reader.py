"""Moodle 4.5's GIFT importer, block by block, with source spans.

This is a port of the *algorithm* of ``qformat_gift::readquestion`` (and the ordering
qtype's ``import_from_gift``): escapes swapped for placeholders, ``$CATEGORY:``,
``::title::``, the first ``{`` and the first ``}``, the last ``####``, ``[format]``,
ordered type detection, PHP string and number semantics. Moodle's quirks are kept on
purpose; the linter reports them.

Positions: Moodle replaces each escape (2 characters) with a 6-character placeholder,
which would shift every offset. We replace it with a *2-character* sentinel pair
instead, so offsets in the working string are offsets in the block's joined text, and
turn sentinels back into Moodle's placeholders whenever Moodle would look at the text.
When that equivalence could break (the text already holds a sentinel character, or a
``}`` comes before the ``{`` and PHP's byte arithmetic matters) the block is re-read in
*exact mode*: Moodle's own placeholders on a byte-for-byte (latin-1) view of the UTF-8
text; then only positions are approximate.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from lemma_pkg.gift import php
from lemma_pkg.gift.ast import Answer, FormatTag, GiftBlock, GiftDocument, Problem, TextPart
from lemma_pkg.gift.php import PhpTypeError, trim
from lemma_pkg.gift.source import Block, Source, decode, split_blocks, split_lines

TRIM: Final = php.TRIM_CHARS

FORMAT_MOODLE: Final = "0"
FORMAT_HTML: Final = "1"
FORMAT_PLAIN: Final = "2"
FORMAT_MARKDOWN: Final = "4"
FORMAT_NAMES: Final = {
    "moodle": FORMAT_MOODLE,
    "html": FORMAT_HTML,
    "plain": FORMAT_PLAIN,
    "markdown": FORMAT_MARKDOWN,
}

# Moodle's strings (lang/en/qformat_gift.php, lang/en/question.php).
MSG_BRACE: Final = "Could not find {...} around answers"
MSG_MATCHING: Final = "Matching question answers are improperly formatted"
MSG_MINANSWERS: Final = (
    "There is an error in the question. There are not enough answers for this question type"
)
MSG_NONUMERICAL: Final = "No answers found for numerical question"
MSG_NOTNUMBERS: Final = "[[errornotnumbers]]"
DEFAULT_NAME: Final = "Question name"

# --------------------------------------------------------------------------- escapes

SENT: Final = "\ufdd0"
_ESCAPES: Final = ("\\\\", "\\:", "\\#", "\\=", "\\{", "\\}", "\\~", "\\n")
_SENT_PAIRS: Final = {e: SENT + chr(0xFDD1 + i) for i, e in enumerate(_ESCAPES)}
_PAIR_TO_M: Final = {
    _SENT_PAIRS["\\\\"]: "\\",
    _SENT_PAIRS["\\:"]: "&&058;",
    _SENT_PAIRS["\\#"]: "&&035;",
    _SENT_PAIRS["\\="]: "&&061;",
    _SENT_PAIRS["\\{"]: "&&123;",
    _SENT_PAIRS["\\}"]: "&&125;",
    _SENT_PAIRS["\\~"]: "&&126;",
    _SENT_PAIRS["\\n"]: "&&010",
}
_ESC_RE: Final = re.compile(r"\\[\\:#={}~n]")
_M_PRE: Final = (
    ("\\:", "&&058;"),
    ("\\#", "&&035;"),
    ("\\=", "&&061;"),
    ("\\{", "&&123;"),
    ("\\}", "&&125;"),
    ("\\~", "&&126;"),
    ("\\n", "&&010"),
)
_M_POST: Final = (
    ("&&058;", ":"),
    ("&&035;", "#"),
    ("&&061;", "="),
    ("&&123;", "{"),
    ("&&125;", "}"),
    ("&&126;", "~"),
    ("&&010", "\n"),
)


def _esc_sub(m: re.Match[str]) -> str:
    return _SENT_PAIRS[m.group()]


def moodle_pre(s: str) -> str:
    """``qformat_gift::escapedchar_pre`` exactly."""
    if "\\" not in s and "&&" not in s:  # nothing to replace
        return s
    s = s.replace("\\\\", "&&092;")
    for a, b in _M_PRE:
        s = s.replace(a, b)
    return s.replace("&&092;", "\\")


def moodle_post(s: str) -> str:
    """``qformat_gift::escapedchar_post`` exactly."""
    if "&&" not in s:
        return s
    for a, b in _M_POST:
        s = s.replace(a, b)
    return s


def _to_m(s: str) -> str:
    """Sentinel form → the text Moodle holds after ``escapedchar_pre``."""
    if SENT in s:
        for a, b in _PAIR_TO_M.items():
            s = s.replace(a, b)
    if "&&092;" in s:
        s = s.replace("&&092;", "\\")
    return s


def _post(s: str) -> str:
    if SENT in s or "&&" in s:
        return moodle_post(_to_m(s))
    return s


def _ident(s: str) -> str:
    return s


def _fin_exact(s: str) -> str:
    return s.encode("latin-1").decode("utf-8", errors="replace")


def _fin_name_exact(s: str) -> str:
    # Names go through fix_utf8(), which drops the bytes that are not UTF-8.
    return s.encode("latin-1").decode("utf-8", errors="ignore")


# --------------------------------------------------------------------------- regexes

_WEIGHT_RE: Final = re.compile(r"%-*([0-9]{1,2})\.?([0-9]*)%")
_ID_RE: Final = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE: Final = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f]|)+)\]")
_ORDERING_RE: Final = re.compile(
    r"\s*>\s*(\d+)\s*"
    r"((?:ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?)\s*"
    r"((?:HORIZONTAL|HORI|H|1|VERTICAL|VERT|V|0)?)\s*"
    r"((?:ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|"
    r"RELATIVE_NEXT_INCLUDE_LAST|RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|"
    r"RELATIVE_TO_CORRECT|RELATIVE|RELLONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?)\s*"
    r"((?:SHOW|TRUE|YES|1|HIDE|FALSE|NO|0)?)\s*"
    r"((?:none|123|abc|ABCD|iii|IIII)?)\s*"
    r"(.*?)\s*$",
    re.S | re.A,
)
_NEWLINES_RE: Final = re.compile(r"[\r\n]+")
_SEP_MC_RE: Final = re.compile(r"[~=]")
_NAME_SPECIAL_RE: Final = php.NAME_SPECIAL_RE

_GRADING: Final = {
    "ALL_OR_NOTHING": -1,
    "ABS": 0,
    "ABSOLUTE": 0,
    "ABSOLUTE_POSITION": 0,
    "RELATIVE_NEXT_INCLUDE_LAST": 2,
    "RELATIVE_ONE_PREVIOUS_AND_NEXT": 3,
    "RELATIVE_ALL_PREVIOUS_AND_NEXT": 4,
    "LONGEST_ORDERED_SUBSET": 5,
    "LONGEST_CONTIGUOUS_SUBSET": 6,
    "RELATIVE_TO_CORRECT": 7,
}
_NUMBERING: Final = frozenset({"none", "123", "abc", "ABCD", "iii", "IIII"})
TF_ANSWERS: Final = ("T", "TRUE", "F", "FALSE")


def extract_idnumber_and_tags(comments: str) -> tuple[str, list[str]]:
    """``qformat_gift::extract_idnumber_and_tags_from_comment``."""
    idnumber = ""
    if "[id:" in comments:
        m = _ID_RE.search(comments)
        if m is not None:
            idnumber = trim(m.group(1)).replace("\\]", "]")
    tags: list[str] = []
    if "[tag:" in comments:
        tags = [trim(t).replace("\\]", "]") for t in _TAG_RE.findall(comments)]
    return idnumber, tags


def _combined_feedback(q: dict[str, Any], fmt: str) -> None:
    """``add_blank_combined_feedback`` with the question's format (expanded in the view)."""
    q["_combined"] = fmt


def php_array(d: dict[int, Any]) -> list[Any] | dict[str, Any]:
    """A PHP array as JSON: a list when its keys are 0..n-1, else an object."""
    if all(k == i for i, k in enumerate(d)):
        return list(d.values())
    return {str(k): v for k, v in d.items()}


def json_number(v: Any) -> Any:
    """Infinite and NaN floats as the strings of the moodle-json contract."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        if v != v:
            return "NAN"
        return "INF" if v > 0 else "-INF"
    return v


class _Crash(Exception):
    def __init__(self, code: str, message: str, offset: int, moodle_message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.moodle_message = moodle_message


class _Restart(Exception):
    """Re-read this block in exact mode."""


class _Reader:
    """State for one block: the working string's conversions and the output.

    The conversions are class attributes (:class:`_ExactReader` has the exact-mode ones),
    so making a reader for a block only stores the block.
    """

    __slots__ = ("gb",)
    exact: bool = False
    post: Callable[[str], str] = staticmethod(_post)
    raw: Callable[[str], str] = staticmethod(_to_m)
    fin: Callable[[str], str] = staticmethod(_ident)

    def __init__(self, gb: GiftBlock) -> None:
        self.gb = gb

    # parse_text_with_format
    def text_with_format(self, text: str, default: str, offset: int) -> TextPart:
        if text[:1] != "[" and not self.exact:  # fast path: no format tag
            body = text.strip(TRIM)
            start = offset + (text.find(body[:1]) if body and text[:1] in TRIM else 0)
            plain = SENT not in text and "&&" not in text
            final = body if plain else moodle_post(_to_m(text)).strip(TRIM)
            return TextPart(final, (start, start + len(body)), default, None)
        fmt = default
        tag = None
        if text[:1] == "[":
            end = text.find("]")
            name = php.substr(text, 1, (end if end != -1 else 0) - 1)
            const = FORMAT_NAMES.get(name)
            tag_end = offset + (end + 1 if end != -1 else len(text))
            tag = FormatTag(self.fin(self.raw(name)), const is not None, (offset, tag_end))
            if const is not None:
                fmt = const
                text = text[(end if end != -1 else 0) + 1 :]
                offset += (end if end != -1 else 0) + 1
        final = trim(self.fin(self.post(text)))
        lead = len(text) - len(text.lstrip(TRIM))
        text = text.rstrip(TRIM)
        start = offset + lead
        return TextPart(final, (start, start + len(text) - lead), fmt, tag)

    def comment_parser(
        self, answer: str, fmt: str, offset: int
    ) -> tuple[TextPart, TextPart | None]:
        """``commentparser``: text before the first ``#`` and feedback after it."""
        h = answer.find("#")
        if not self.exact and SENT not in answer and "&&" not in answer:
            # text_with_format's no-tag path, inlined (no escapes, no '[format]')
            if h == -1:
                t = answer.strip(TRIM)
                if t[:1] != "[":
                    s = offset + (
                        (answer.find(t[:1]) if t else len(answer)) if len(t) != len(answer) else 0
                    )
                    return TextPart(t, (s, s + len(t)), fmt, None), None
            else:
                a = answer[:h]
                ta = a.strip(TRIM)
                f = answer[h + 1 :]
                tf = f.strip(TRIM)
                if ta[:1] != "[" and tf[:1] != "[":
                    s = offset + ((a.find(ta[:1]) if ta else len(a)) if len(ta) != len(a) else 0)
                    sf = (
                        offset
                        + h
                        + 1
                        + ((f.find(tf[:1]) if tf else len(f)) if len(tf) != len(f) else 0)
                    )
                    return TextPart(ta, (s, s + len(ta)), fmt, None), TextPart(
                        tf, (sf, sf + len(tf)), fmt, None
                    )
        if h == -1:
            t = answer.strip(TRIM)
            lead = (answer.find(t[:1]) if t else len(answer)) if len(t) != len(answer) else 0
            return self.text_with_format(t, fmt, offset + lead), None
        a = answer[:h]
        ta = a.strip(TRIM)
        lead_a = (a.find(ta[:1]) if ta else len(a)) if len(ta) != len(a) else 0
        f = answer[h + 1 :]
        tf = f.strip(TRIM)
        lead_f = (f.find(tf[:1]) if tf else len(f)) if len(tf) != len(f) else 0
        return (
            self.text_with_format(ta, fmt, offset + lead_a),
            self.text_with_format(tf, fmt, offset + h + 1 + lead_f),
        )

    def weight(self, answer: str, offset: int, ans: Answer) -> tuple[str, int | float]:
        """``answerweightparser``; PHP crashes on ``%--50%``."""
        rest = answer[1:]
        end = rest.find("%")
        wstr = rest[:end]
        ans.weight = self.fin(wstr)
        ans.weight_span = (offset, offset + end + 2)
        digits = wstr[1:] if wstr[:1] == "-" else wstr
        if digits.isdigit() and digits.isascii() and len(digits) < 16:
            # php.div on a small integer string, without the number parsing
            x = int(wstr)
            return rest[end + 1 :], (x // 100 if x % 100 == 0 else x / 100)
        try:
            w = php.div(wstr, 100)
        except PhpTypeError:
            raise _Crash(
                "GIFT010",
                f"the weight %{ans.weight}% is not a number: Moodle's importer crashes on it",
                offset,
                "Unsupported operand types: string / int",
            ) from None
        return rest[end + 1 :], w


class _ExactReader(_Reader):
    """Exact mode: Moodle's placeholders on a byte-for-byte (latin-1) view of the text."""

    __slots__ = ()
    exact = True
    post = staticmethod(moodle_post)
    raw = staticmethod(_ident)
    fin = staticmethod(_fin_exact)


Piece = tuple[str, int, int]  # (text, offset, offset of the separator before it or -1)


def _split_keep(text: str, sep: str) -> list[Piece]:
    """``explode(sep, text)`` with each piece's offset."""
    out = []
    pos = 0
    n = len(sep)
    before = -1
    while True:
        i = text.find(sep, pos)
        if i == -1:
            out.append((text[pos:], pos, before))
            return out
        out.append((text[pos:i], pos, before))
        before = i
        pos = i + n


def _split_mc(text: str) -> list[Piece]:
    """``explode('~', str_replace('=', '~=', text))`` with offsets.

    Every ``=`` starts a piece (the inserted ``~`` takes no room in ``text``); any other
    piece follows a real ``~``.
    """
    out = []
    pos = 0
    before = -1
    for k, p in enumerate(text.replace("=", "~=").split("~")):
        if k:
            before = pos
            if p[:1] != "=":
                pos += 1  # a real '~'
        out.append((p, pos, before))
        pos += len(p)
    return out


def _shift_first(pieces: list[Piece]) -> tuple[list[Piece], bool, int | None]:
    """``$a[0] = trim($a[0]); if (empty($a[0])) array_shift($a);``

    Also returns the offset of a first piece ``0`` that PHP's ``empty()`` drops.
    """
    first, off, before = pieces[0]
    t = trim(first)
    if t == "" or t == "0":
        zero = off + len(first) - len(first.lstrip(TRIM)) if t == "0" else None
        return pieces[1:], True, zero
    pieces[0] = (t, off + len(first) - len(first.lstrip(TRIM)), before)
    return pieces, False, None


def _trimmed(seg: str, off: int) -> tuple[str, int]:
    t = seg.strip(TRIM)
    if not t:
        return t, off
    return t, off + len(seg) - len(seg.lstrip(TRIM))


def read_block(block: Block) -> GiftBlock:
    """What Moodle's ``readquestion`` makes of one block."""
    lines = block.lines
    comments: list[tuple[int, str]] = []
    joined = "\n".join(lines)
    if "//" in joined:
        work = list(lines)
        for k, ln in enumerate(lines):
            if ln[:2] == "//":
                comments.append((k, ln))
                work[k] = " "
        if comments:
            joined = "\n".join(work)
    gb = GiftBlock(block, joined, comments)
    text = joined.strip(TRIM)
    if text == "":
        gb.kind = "skipped"
        return gb
    base = len(joined) - len(joined.lstrip(TRIM))
    try:
        _read(gb, text, base, exact=False)
    except _Restart:
        fresh = GiftBlock(block, joined, comments)
        fresh.exact_positions = False
        _read(fresh, text, base, exact=True)
        return fresh
    return gb


def _reject(
    gb: GiftBlock, code: str, message: str, offset: int, crash: bool, moodle: str = ""
) -> None:
    gb.kind = "rejected"
    gb.spec = None
    gb.problem = Problem(code, message, offset, crash, moodle)


def _read(gb: GiftBlock, text: str, base: int, exact: bool) -> None:
    r = _ExactReader(gb) if exact else _Reader(gb)
    if exact:
        w = moodle_pre(text).encode("utf-8").decode("latin-1")
    elif "\\" in text:
        if SENT in text:
            raise _Restart
        w = _ESC_RE.sub(_esc_sub, text)
    else:
        w = text
    fin = r.fin

    if w[:10] == "$CATEGORY:":
        gb.kind = "category"
        gb.qtype = "category"
        cat = fin(trim(r.raw(w[10:])))
        gb.category = cat
        gb.spec = {"qtype": "category", "category": cat}
        return

    name: str | None = None
    if w[:2] == "::":
        w = w[2:]
        base += 2
        nf = w.find("::")
        if nf == -1:
            gb.title_closed = False
            gb.title = TextPart("", (base - 2, base), FORMAT_MOODLE)
        else:
            raw_name = w[:nf]
            if exact:
                name = php.clean_question_name(_fin_name_exact(r.post(raw_name)))
                gb.title = TextPart(name, (base, base + nf), FORMAT_MOODLE, None, fin(raw_name))
            else:
                if SENT in raw_name or "&&" in raw_name:
                    name = php.clean_question_name(r.post(raw_name))
                elif nf <= 255 and not _NAME_SPECIAL_RE.search(raw_name):
                    name = raw_name.strip(TRIM)  # php.clean_question_name's fast path
                else:
                    name = php.clean_question_name(raw_name)
                gb.title = TextPart(name, (base, base + nf), FORMAT_MOODLE, None, raw_name)
            rest = w[nf + 2 :]
            w = rest.strip(TRIM)
            base += nf + 2 + len(rest) - len(rest.lstrip(TRIM))
    gb.name = name
    gb.text_start = base
    gb.work = w

    start = w.find("{")
    finish = w.find("}")
    description = False
    answertext = ""
    at_base = base
    alen = 0
    if start == -1 and finish == -1:
        description = True
    elif start == -1 or finish == -1:
        lone = "{" if start != -1 else "}"
        _reject(
            gb,
            "GIFT003",
            f"'{lone}' without a matching '{'}' if lone == '{' else '{'}': Moodle rejects the question "
            f"({MSG_BRACE})",
            base + (start if start != -1 else finish),
            False,
            MSG_BRACE,
        )
        return
    else:
        if start > finish:
            if not exact:
                raise _Restart
            gb.braces_reversed = True
        alen = finish - start
        inner = w[start + 1 : finish] if alen > 0 else php.substr(w, start + 1, alen - 1)
        answertext = inner.strip(TRIM)
        at_base = base + start + 1 + len(inner) - len(inner.lstrip(TRIM))
        gb.brace_open = base + start
        gb.brace_close = base + finish
        gb.answer_span = (at_base, at_base + len(answertext))

    if description:
        questiontext = w
    elif alen > 0:  # start < finish: the plain slices of substr_replace
        questiontext = w[:start] + ("" if w[-1:] == "}" else "_____") + w[finish + 1 :]
    elif w[-1:] == "}":
        questiontext = php.substr_replace(w, "", start, alen + 1)
    else:
        questiontext = php.substr_replace(w, "_____", start, alen + 1)

    g = answertext.rfind("####")
    gf = ""
    gf_off = at_base
    if g != -1:
        gf = answertext[g + 4 :]
        gf_off = at_base + g + 4
        gb.gf_marker = at_base + g
        answertext = trim(answertext[:g])

    qt = r.text_with_format(questiontext, FORMAT_MOODLE, base)
    gb.text = qt
    fmt = qt.format
    if g != -1:
        gfp = r.text_with_format(gf, fmt, gf_off)
        gb.general_feedback = gfp
        gftext, gffmt = gfp.text, gfp.format
    else:
        gftext, gffmt = "", fmt
    if name is None:
        source = qt.text.replace("\ufffd", "") if exact else qt.text
        name = php.create_default_question_name(source, DEFAULT_NAME)
    if gb.comments:
        idnumber, tags = extract_idnumber_and_tags("".join(c + "\n" for _, c in gb.comments))
        gb.idnumber = idnumber
        gb.tags = tags
    else:
        idnumber, tags = "", gb.tags  # gb.tags is a new empty list
    q = {
        "questiontextformat": fmt,
        "questiontext": qt.text,
        "generalfeedback": gftext,
        "generalfeedbackformat": gffmt,
        "name": name,
        "qtype": None,
        "idnumber": idnumber,
        "tags": tags,
    }

    try:
        if answertext and (answertext[0] == ">" or answertext[0] == "\x0c"):
            m = _ORDERING_RE.match(answertext)
            if m is not None:
                _ordering(r, q, m, at_base)
                gb.spec = q
                return
        if description:
            gb.qtype = "description"
            q["qtype"] = "description"
        elif answertext == "":
            gb.qtype = "essay"
            q["qtype"] = "essay"
        elif answertext[0] == "#":
            _numerical(r, q, answertext, at_base, fmt)
        elif "~" in answertext:
            _multichoice(r, q, answertext, at_base, fmt)
        elif "=" in answertext and "->" in answertext:
            if not _match(r, q, answertext, at_base, fmt):
                return
        else:
            check = answertext
            h = answertext.find("#")
            if h > 0:
                check = trim(answertext[:h])
            if check in TF_ANSWERS:
                _truefalse(r, q, answertext, at_base, fmt)
            else:
                _shortanswer(r, q, answertext, at_base, fmt)
    except _Crash as crash:
        _reject(gb, crash.code, crash.message, crash.offset, True, crash.moodle_message)
        return
    gb.spec = q


def _ordering(r: _Reader, q: dict[str, Any], m: re.Match[str], at_base: int) -> None:
    gb = r.gb
    gb.qtype = "ordering"
    q["qtype"] = "ordering"
    g = [trim(x or "") for x in m.groups()]
    selectcount, selecttype, layouttype, gradingtype, showgrading, numberingstyle = g[:6]
    gb.ordering_options = r.fin(answer_options_text(m))
    items_text = m.group(7)
    items_off = at_base + m.start(7)
    raw_items: dict[int, tuple[str, int]] = {}
    pos = 0
    for i, piece in enumerate(_NEWLINES_RE.split(items_text)):
        j = items_text.find(piece, pos) if piece else pos
        if piece != "" and piece != "0":
            raw_items[i] = (piece, items_off + j)
        pos = j + len(piece)
    count = len(raw_items)
    sc_num = int(selectcount)
    sc = sc_num if 2 <= sc_num <= count else min(6, count)
    q["layouttype"] = 1 if layouttype.upper() in ("HORIZONTAL", "HORI", "H", "1") else 0
    st = selecttype.upper()
    q["selecttype"] = 0 if st in ("ALL", "EXACT") else 2 if st in ("CONTIGUOUS", "CONTIG") else 1
    q["selectcount"] = sc if sc >= 2 else 2
    q["gradingtype"] = _GRADING.get(gradingtype.upper(), 1)
    q["showgrading"] = 0 if showgrading.upper() in ("HIDE", "FALSE", "NO") else 1
    q["numberingstyle"] = numberingstyle if numberingstyle in _NUMBERING else "none"
    answers: dict[int, str] = {}
    for i, (piece, off) in raw_items.items():
        t = trim(piece)
        if t != "" and t != "0":
            item = answers[i] = r.fin(r.raw(t))
            lead = len(piece) - len(piece.lstrip(TRIM)) if len(t) != len(piece) else 0
            span = (off + lead, off + lead + len(t))
            gb.answers.append(Answer(span, "", text=TextPart(item, span, "0", raw=t)))
    items = list(answers.values())
    gb.ordering_items = items
    if all(k == i for i, k in enumerate(answers)):  # keys 0..n-1: JSON lists (php_array)
        n = len(items)
        q["answer"] = list(items)
        q["answerformat"] = [FORMAT_MOODLE] * n
        q["fraction"] = [1] * n
        q["feedback"] = [""] * n
        q["feedbackformat"] = [FORMAT_MOODLE] * n
        return
    q["answer"] = php_array(answers)
    q["answerformat"] = php_array(dict.fromkeys(answers, FORMAT_MOODLE))
    q["fraction"] = php_array(dict.fromkeys(answers, 1))
    q["feedback"] = php_array(dict.fromkeys(answers, ""))
    q["feedbackformat"] = php_array(dict.fromkeys(answers, FORMAT_MOODLE))


def answer_options_text(m: re.Match[str]) -> str:
    """The option line of an ordering question (everything before the items)."""
    return m.string[: m.start(7)]


def _multichoice(r: _Reader, q: dict[str, Any], at: str, at_base: int, fmt: str) -> None:
    gb = r.gb
    gb.qtype = "multichoice"
    q["qtype"] = "multichoice"
    q["answernumbering"] = "abc"
    q["single"] = 0 if "=" not in at else 1
    gb.single = q["single"]
    _combined_feedback(q, fmt)
    pieces, shifted, zero = _shift_first(_split_mc(at))
    if zero is not None:
        gb.dropped_zero = at_base + zero
    if len(pieces) < 2:
        raise _Crash(
            "GIFT005",
            "a multiple-choice question needs at least 2 choices: Moodle's importer crashes on this one",
            at_base,
            MSG_MINANSWERS,
        )
    for k, (seg, off, before) in enumerate(pieces):
        a, aoff = _trimmed(seg, at_base + off)
        prefix = "" if (k == 0 and not shifted) else ("=" if a[:1] == "=" else "~")
        node = Answer((aoff, aoff + len(a)), prefix)
        if before != -1:
            node.sep = at_base + before
        body_off = aoff
        if a[:1] == "=":
            w: int | float = 1
            a = a[1:]
            body_off += 1
        elif a[:1] == "%" and _WEIGHT_RE.match(a):
            before = len(a)
            a, w = r.weight(a, aoff, node)
            body_off += before - len(a)
        else:
            w = 0
        ans, fb = r.comment_parser(a, fmt, body_off)
        node.text, node.feedback, node.fraction = ans, fb, w
        gb.answers.append(node)


def _match(r: _Reader, q: dict[str, Any], at: str, at_base: int, fmt: str) -> bool:
    gb = r.gb
    gb.qtype = "match"
    q["qtype"] = "match"
    _combined_feedback(q, fmt)
    pieces, shifted, zero = _shift_first(_split_keep(at, "="))
    if zero is not None:
        gb.dropped_zero = at_base + zero
    if len(pieces) < 2:
        raise _Crash(
            "GIFT006",
            "a matching question needs at least 2 pairs: Moodle's importer crashes on this one",
            at_base,
            MSG_MINANSWERS,
        )
    for k, (seg, off, before) in enumerate(pieces):
        a, aoff = _trimmed(seg, at_base + off)
        prefix = "" if (k == 0 and not shifted) else "="
        node = Answer((aoff, aoff + len(a)), prefix)
        if before != -1:
            node.sep = at_base + before
        gb.answers.append(node)
        arrow = a.find("->")
        if arrow == -1:
            _reject(
                gb,
                "GIFT004",
                f"matching pair {r.fin(r.post(a))!r} has no '->': Moodle rejects the question "
                f"({MSG_MATCHING})",
                aoff,
                False,
                MSG_MATCHING,
            )
            return False
        node.arrow = aoff + arrow
        left = r.text_with_format(a[:arrow], fmt, aoff)
        right = trim(r.fin(r.post(a[arrow + 2 :])))
        node.text = left
        node.subanswer = right
    return True


def _truefalse(r: _Reader, q: dict[str, Any], at: str, at_base: int, fmt: str) -> None:
    gb = r.gb
    gb.qtype = "truefalse"
    q["qtype"] = "truefalse"
    bits = _split_keep(at, "#")
    if len(bits) > 3:
        bits = [*bits[:2], (at[bits[2][1] :], bits[2][1], bits[2][2])]
    parts = []
    for seg, off, _ in bits:
        t, toff = _trimmed(seg, at_base + off)
        parts.append(r.text_with_format(t, fmt, toff))
    ans = parts[0]
    wrong = parts[1] if len(parts) > 1 else None
    right = parts[2] if len(parts) > 2 else None
    node = Answer((at_base, at_base + len(at)), "", text=ans, feedback=wrong)
    node.feedback2 = right
    gb.answers.append(node)
    q["correctanswer"] = 1 if ans.text in ("T", "TRUE") else 0
    q["penalty"] = 1


def _shortanswer(r: _Reader, q: dict[str, Any], at: str, at_base: int, fmt: str) -> None:
    gb = r.gb
    gb.qtype = "shortanswer"
    q["qtype"] = "shortanswer"
    pieces, shifted, zero = _shift_first(_split_keep(at, "="))
    if zero is not None:
        gb.dropped_zero = at_base + zero
    if not pieces:
        raise _Crash(
            "GIFT011",
            "a short-answer question needs an answer: Moodle's importer crashes on this one",
            at_base,
            MSG_MINANSWERS,
        )
    for k, (seg, off, before) in enumerate(pieces):
        a, aoff = _trimmed(seg, at_base + off)
        prefix = "" if (k == 0 and not shifted) else "="
        node = Answer((aoff, aoff + len(a)), prefix)
        if before != -1:
            node.sep = at_base + before
        body_off = aoff
        if a[:1] == "%" and _WEIGHT_RE.match(a):
            before = len(a)
            a, w = r.weight(a, aoff, node)
            body_off += before - len(a)
        else:
            w = 1
        ans, fb = r.comment_parser(a, fmt, body_off)
        node.text, node.feedback, node.fraction = ans, fb, w
        gb.answers.append(node)


def _numerical(r: _Reader, q: dict[str, Any], at: str, at_base: int, fmt: str) -> None:
    gb = r.gb
    gb.qtype = "numerical"
    q["qtype"] = "numerical"
    body = at[1:]
    body_base = at_base + 1
    tilde = body.find("~")
    wrong = ""
    if tilde != -1:
        wrong = body[tilde:]
        body = body[:tilde]
    pieces, shifted, zero = _shift_first(_split_keep(body, "="))
    if zero is not None:
        gb.dropped_zero = body_base + zero
    if not pieces:
        raise _Crash(
            "GIFT007",
            "a numerical question needs an answer: Moodle's importer crashes on this one",
            at_base,
            MSG_NONUMERICAL,
        )
    for k, (seg, off, before) in enumerate(pieces):
        a, aoff = _trimmed(seg, body_base + off)
        prefix = "" if (k == 0 and not shifted) else "="
        node = Answer((aoff, aoff + len(a)), prefix)
        if before != -1:
            node.sep = body_base + before
        gb.answers.append(node)
        body_off = aoff
        if a[:1] == "%" and _WEIGHT_RE.match(a):
            before = len(a)
            a, w = r.weight(a, aoff, node)
            body_off += before - len(a)
        else:
            w = 1
        ans, fb = r.comment_parser(a, fmt, body_off)
        node.text, node.feedback, node.fraction = ans, fb, w
        atext = ans.text
        value: Any
        tol: Any
        dots = atext.find("..")
        colon = atext.find(":")
        if dots > 0:
            mx = trim(atext[dots + 2 :])
            mn = trim(atext[:dots])
            if (
                mx.isdigit()
                and mn.isdigit()
                and mx.isascii()
                and mn.isascii()
                and len(mx) < 16
                and len(mn) < 16
            ):
                # php.add/div/sub on two small integer strings, without the number parsing
                hi, lo = int(mx), int(mn)
                total = hi + lo
                value = total // 2 if total % 2 == 0 else total / 2
                tol = hi - value
            else:
                try:
                    value = php.div(php.add(mx, mn), 2)
                    tol = php.sub(mx, value)
                except PhpTypeError:
                    raise _Crash(
                        "GIFT009",
                        f"the range {atext!r} needs a number on both sides of '..': "
                        "Moodle's importer crashes on it",
                        ans.span[0],
                        "Unsupported operand types: string + string",
                    ) from None
        elif colon > 0:
            tol = trim(atext[colon + 1 :])
            value = trim(atext[:colon])
        else:
            tol = 0
            value = trim(atext)
        if isinstance(value, str) and not php.is_numeric(value):
            value = "*"
        if isinstance(tol, str) and not php.is_numeric(tol):
            raise _Crash(
                "GIFT008",
                f"the tolerance {tol!r} is not a number: Moodle's importer crashes on it",
                ans.span[0] + max(colon, 0),
                MSG_NOTNUMBERS,
            )
        node.value = value
        node.tolerance = tol
    if wrong:
        woff = body_base + tilde
        _, fb = r.comment_parser(wrong, fmt, woff)
        node = Answer((woff, woff + len(wrong)), "~", sep=woff, feedback=fb)
        node.fraction = 0
        node.value = "*"
        node.tolerance = ""
        gb.answers.append(node)


# --------------------------------------------------------------------------- documents


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    Parsing and linting allocate many small containers and create no reference cycles;
    without this, collections triggered by the allocations scan every live object again
    and again, and large files get several times slower.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_source(source: Source) -> GiftDocument:
    """A document whose blocks are read on demand (see :class:`GiftDocument`)."""
    with gc_paused():  # many small lists, no cycles: collections would rescan them all
        return GiftDocument(source, split_blocks(source))


def parse_text(text: str) -> GiftDocument:
    """Parse decoded GIFT text (a leading BOM is removed as Moodle does)."""
    return parse_source(split_lines(text))


def parse_bytes(data: bytes) -> GiftDocument:
    """Parse a GIFT file's bytes; a non-UTF-8 file is refused as Moodle refuses it."""
    text, err = decode(data)
    if text is None:
        return GiftDocument(None, [], decode_error=err)
    return parse_text(text)
