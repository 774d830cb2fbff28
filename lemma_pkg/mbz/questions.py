"""A quiz's own question bank in the 4.x ``questions.xml`` layout.

Input: the question objects Moodle's GIFT importer builds (``Quiz.questions``). Output: the
records Moodle itself would have stored for them — this module does what
``qformat_default::importprocess()`` and each qtype's ``save_question_options()`` do with an
imported question — written as ``question_category`` elements in the shape
``backup_questions_structure_step`` writes and ``restore_create_categories_and_questions``
reads (notes §3).

Every quiz gets its own bank in its module context (contextlevel 70): one ``top`` category
and, below it, the categories the GIFT file's ``$CATEGORY:`` lines name (context prefixes
such as ``$course$`` are dropped; the path is kept). Questions before any ``$CATEGORY:``
line, or after one naming only ``top``, go to ``Default for <quiz title>``. This is the only
layout that restores without warnings on both 4.5 and 5.x (notes §8, §10 V2).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from lemma_pkg.content.model import Quiz
from lemma_pkg.mbz.ids import Ids, stable_hex
from lemma_pkg.mbz.xmlwriter import NULL, Value, dec, element, php_float, record

CONTEXT_MODULE = 70

SUPPORTED_QTYPES = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "match",
    "essay",
    "description",
    "ordering",
)

_TAGS = re.compile(r"<[^>]*>")
_CATEGORY_SPLIT = re.compile(r"(?<!/)/(?!/)")
_CONTEXT_PREFIX = re.compile(r"^\$([a-z]+)\$$")
_P_ONLY = re.compile(r"^\s*<p>\s*(.*?)(\s*<br\s*/?>)*\s*</p>\s*$", re.S)
_IMG_VALIGN = re.compile(r"(<img[^>]*)\bvertical-align:\s*[a-zA-Z0-9_-]+([^>]*>)")


class QuestionDataError(ValueError):
    """A question object does not have the shape Moodle's GIFT importer gives."""


@dataclass
class Slot:
    bank_entry_id: int
    maxmark: float
    qtype: str
    name: str


@dataclass
class Bank:
    """What the quiz needs from its bank: category ids (for inforef) and the slots."""

    categories: list[etree._Element] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


# --------------------------------------------------------------------------- small readers


def _items(value: Any) -> list[tuple[str, Any]]:
    """A PHP array as (key, value) pairs in order: JSON lists and objects alike."""
    if value is None:
        return []
    if isinstance(value, list):
        return [(str(i), v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    raise QuestionDataError(f"expected a list, got {type(value).__name__}")


def _at(value: Any, key: str, default: Any = None) -> Any:
    if isinstance(value, list):
        i = int(key)
        return value[i] if 0 <= i < len(value) else default
    if isinstance(value, dict):
        return value.get(key, default)
    return default


def _fmt(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _rich(value: Any, default_format: int = 0) -> tuple[str, int]:
    """``{"text", "format"}`` (or a plain string) as (text, format)."""
    if isinstance(value, dict):
        return str(value.get("text") or ""), _fmt(value.get("format"), default_format)
    if value is None:
        return "", default_format
    return str(value), default_format


def _num(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip().upper()
        if text in ("INF", "-INF", "NAN"):
            return float(text.lower())
        try:
            return float(text)
        except ValueError:
            return default
    return default


def _truthy(value: Any) -> bool:
    """PHP ``!empty($x)``."""
    return value not in (None, False, 0, 0.0, "", "0", [], {})


def _trim(text: str) -> str:
    """PHP ``trim()``: space, tab, LF, CR, NUL, vertical tab only."""
    return text.strip(" \t\n\r\0\x0b")


def _html_is_blank(text: str) -> bool:
    """Moodle ``html_is_blank()``: nothing but tags and whitespace."""
    return _TAGS.sub("", text).strip() == ""


def category_path(raw: str) -> list[str]:
    """The category names under ``top`` that a ``$CATEGORY:`` path creates."""
    names = [
        _TAGS.sub("", _trim(part.replace("//", "/"))).strip() for part in _CATEGORY_SPLIT.split(raw)
    ]
    if names and _CONTEXT_PREFIX.match(names[0]):
        names = names[1:]
    # Moodle prepends/keeps one `top` and skips any other `top` it would have to create.
    return [n for n in names if n and n != "top"]


def numeric_answer(text: Any) -> str | None:
    """What ``qtype_numerical::apply_unit()`` stores for an answer (None: not a number)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return php_float(float(text))
    raw = str(text).replace(" ", "")
    raw = re.sub(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)", r"e\1", raw)
    # A "." or several "," mean "," separates thousands; else "," is the decimal point.
    raw = raw.replace(",", "") if "." in raw or raw.count(",") > 1 else raw.replace(",", ".")
    m = re.match(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?", raw)
    if not m:
        return None
    number = m.group(0)
    if re.fullmatch(r"[+-]?\d+", number):
        try:
            return str(int(number))
        except ValueError:  # pragma: no cover - regex guarantees digits
            return None
    return php_float(float(number))


# --------------------------------------------------------------------------- the bank


class BankWriter:
    """Builds one quiz's categories and questions."""

    def __init__(self, quiz: Quiz, ids: Ids, contextid: int, cmid: int, epoch: int) -> None:
        self.quiz = quiz
        self.ids = ids
        self.contextid = contextid
        self.cmid = cmid
        self.epoch = epoch
        self.key = quiz.idnumber
        self.bank = Bank()
        self._categories: dict[tuple[str, ...], etree._Element] = {}
        self._category_ids: dict[tuple[str, ...], int] = {}
        self._entry_idnumbers: dict[tuple[str, ...], set[str]] = {}

    # categories ----------------------------------------------------------------

    def _category(self, path: tuple[str, ...]) -> etree._Element:
        """The category at ``path`` under top (``()`` is top), created with its ancestors."""
        found = self._categories.get(path)
        if found is not None:
            return found
        parent_id = 0
        if path:
            self._category(path[:-1])
            parent_id = self._category_ids[path[:-1]]
        cid = self.ids.category(f"{self.key}\0" + "/".join(path))
        name = path[-1] if path else "top"
        values: list[tuple[str, Value]] = [
            ("name", name[:255]),
            ("contextid", self.contextid),
            ("contextlevel", CONTEXT_MODULE),
            ("contextinstanceid", self.cmid),
            ("info", ""),
            ("infoformat", 0),
            ("stamp", f"lemma+{stable_hex('category', self.key, *path, length=24)}"),
            ("parent", parent_id),
            ("sortorder", 999 if path else 0),
            ("idnumber", None),
        ]
        el = record("question_category", {"id": cid}, values)
        element("question_bank_entries", parent=el)
        self._categories[path] = el
        self._category_ids[path] = cid
        self.bank.categories.append(el)
        self.bank.category_ids.append(cid)
        return el

    def _default_path(self) -> tuple[str, ...]:
        return (f"Default for {self.quiz.title}"[:255],)

    # questions -----------------------------------------------------------------

    def build(self) -> Bank:
        self._category(())
        current: tuple[str, ...] | None = None
        position = 0
        for number, q in enumerate(self.quiz.questions, start=1):
            qtype = str(q.get("qtype", ""))
            if qtype == "category":
                path = tuple(category_path(str(q.get("category", ""))))
                current = path or None
                continue
            if qtype not in SUPPORTED_QTYPES:
                raise QuestionDataError(
                    f"question {number} ({q.get('name', '')!r}) has type {qtype!r}, "
                    "which the backup writer does not support"
                )
            path = current if current is not None else self._default_path()
            cat = self._category(path)
            maxmark = (
                self.quiz.maxmarks[position]
                if position < len(self.quiz.maxmarks)
                else _num(q.get("defaultmark"), 1.0)
            )
            entry_id = self._question(cat, path, q, position)
            self.bank.slots.append(Slot(entry_id, maxmark, qtype, str(q.get("name") or "")))
            position += 1
        return self.bank

    def _question(
        self, cat: etree._Element, path: tuple[str, ...], q: dict[str, Any], position: int
    ) -> int:
        key = f"{self.key}\0{position}"
        ids = self.ids
        entry_id = ids.bank_entry(key)
        version_id = ids.version(key)
        qid = ids.question(key)
        cid = self._category_ids[path]

        idnumber = str(q.get("idnumber") or "")
        taken = self._entry_idnumbers.setdefault(path, set())
        if not idnumber or idnumber in taken:
            idnumber_value: str | None = None  # importprocess drops empty and duplicate ones
        else:
            taken.add(idnumber)
            idnumber_value = idnumber[:100]

        entries = cat.find("question_bank_entries")
        assert entries is not None
        entry = record(
            "question_bank_entry",
            {"id": entry_id},
            [("questioncategoryid", cid), ("idnumber", idnumber_value), ("ownerid", 2)],
            entries,
        )
        version = element("question_version", parent=entry)
        versions = record(
            "question_versions", {"id": version_id}, [("version", 1), ("status", "ready")], version
        )
        questions = element("questions", parent=versions)
        qtype = str(q["qtype"])
        text, text_format = _rich(q.get("questiontext"), _fmt(q.get("questiontextformat")))
        if isinstance(q.get("questiontext"), str):
            text_format = _fmt(q.get("questiontextformat"))
        gf_text, gf_format = _rich(q.get("generalfeedback"), _fmt(q.get("generalfeedbackformat")))
        if isinstance(q.get("generalfeedback"), str):
            gf_format = _fmt(q.get("generalfeedbackformat"))
        question = record(
            "question",
            {"id": qid},
            [
                ("parent", 0),
                ("name", str(q.get("name") or "")[:255]),
                ("questiontext", text),
                ("questiontextformat", text_format),
                ("generalfeedback", gf_text),
                ("generalfeedbackformat", gf_format),
                ("defaultmark", dec(_num(q.get("defaultmark"), 1.0), 7)),
                ("penalty", dec(_num(q.get("penalty"), 0.3333333), 7)),
                ("qtype", qtype),
                ("length", _fmt(q.get("length"), 1)),
                ("stamp", f"lemma+{stable_hex('question', key, length=24)}"),
                ("timecreated", self.epoch),
                ("timemodified", self.epoch),
                ("createdby", 2),
                ("modifiedby", 2),
            ],
            questions,
        )
        plugin = getattr(self, f"_qtype_{qtype}")
        plugin(question, q, key)
        # Empty lists as Moodle writes them.
        comment = element("plugin_qbank_comment_question", parent=question)
        element("comments", parent=comment)
        custom = element("plugin_qbank_customfields_question", parent=question)
        element("customfields", parent=custom)
        element("question_hints", parent=question)
        tags = element("tags", parent=question)
        seen: set[str] = set()
        for _, raw in _items(q.get("tags")):
            rawname = str(raw).strip()
            name = rawname.lower()
            if not rawname or name in seen:
                continue
            seen.add(name)
            record(
                "tag",
                {"id": ids.tag(name), "contextid": self.contextid},
                [("name", name), ("rawname", rawname)],
                tags,
            )
        return entry_id

    # per-qtype plugin data -----------------------------------------------------

    def _wrapper(self, question: etree._Element, qtype: str) -> etree._Element:
        return element(f"plugin_qtype_{qtype}_question", parent=question)

    def _answers(
        self, parent: etree._Element, key: str, rows: list[tuple[str, int, float, str, int]]
    ) -> list[int]:
        answers = element("answers", parent=parent)
        out = []
        for j, (text, fmt, fraction, feedback, feedbackformat) in enumerate(rows):
            aid = self.ids.answer(f"{key}\0{j}")
            record(
                "answer",
                {"id": aid},
                [
                    ("answertext", text),
                    ("answerformat", fmt),
                    ("fraction", dec(fraction, 7)),
                    ("feedback", feedback),
                    ("feedbackformat", feedbackformat),
                ],
                answers,
            )
            out.append(aid)
        return out

    def _combined_feedback(self, q: dict[str, Any]) -> Iterator[tuple[str, Value]]:
        for name in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
            text, fmt = _rich(q.get(name))
            yield name, text
            yield f"{name}format", fmt

    def _qtype_multichoice(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "multichoice")
        rows = []
        for k, answer in _items(q.get("answer")):
            text, fmt = _rich(answer)
            if _trim(text) == "":
                continue
            fb, fbfmt = _rich(_at(q.get("feedback"), k))
            rows.append((text, fmt, _num(_at(q.get("fraction"), k)), fb, fbfmt))
        self._answers(wrap, key, rows)
        values: list[tuple[str, Value]] = [
            ("layout", _fmt(q.get("layout"), 0)),
            ("single", 1 if _truthy(q.get("single")) else 0),
            ("shuffleanswers", 1 if _truthy(q.get("shuffleanswers")) else 0),
            *self._combined_feedback(q),
            ("answernumbering", str(q.get("answernumbering") or "abc")),
            ("shownumcorrect", 1 if _truthy(q.get("shownumcorrect")) else 0),
            ("showstandardinstruction", 1 if _truthy(q.get("showstandardinstruction")) else 0),
        ]
        record("multichoice", {"id": self.ids.qtype_option(key)}, values, wrap)

    def _qtype_truefalse(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "truefalse")
        correct = 1 if _truthy(q.get("correctanswer")) else 0
        fbt, fbtf = _rich(q.get("feedbacktrue"))
        fbf, fbff = _rich(q.get("feedbackfalse"))
        true_id, false_id = self._answers(
            wrap,
            key,
            [("True", 0, float(correct), fbt, fbtf), ("False", 0, 1.0 - correct, fbf, fbff)],
        )
        record(
            "truefalse",
            {"id": self.ids.qtype_option(key)},
            [
                ("trueanswer", true_id),
                ("falseanswer", false_id),
                ("showstandardinstruction", 1 if _truthy(q.get("showstandardinstruction")) else 0),
            ],
            wrap,
        )

    def _qtype_shortanswer(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "shortanswer")
        rows = []
        for k, answer in _items(q.get("answer")):
            text = str(answer if not isinstance(answer, dict) else answer.get("text", ""))
            fraction = _num(_at(q.get("fraction"), k))
            fb, fbfmt = _rich(_at(q.get("feedback"), k))
            if _trim(text) == "" and fraction == 0 and _html_is_blank(fb):
                continue
            rows.append((text, 0, fraction, fb, fbfmt))
        self._answers(wrap, key, rows)
        record(
            "shortanswer",
            {"id": self.ids.qtype_option(key)},
            [("usecase", 1 if _truthy(q.get("usecase")) else 0)],
            wrap,
        )

    def _qtype_numerical(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "numerical")
        rows = []
        tolerances = []
        for k, answer in _items(q.get("answer")):
            raw = answer if not isinstance(answer, dict) else answer.get("text", "")
            fraction = _num(_at(q.get("fraction"), k))
            fb, fbfmt = _rich(_at(q.get("feedback"), k))
            if _trim(str(raw)) == "" and fraction == 0 and _html_is_blank(fb):
                continue
            if _trim(str(raw)) == "*":
                text = "*"
            else:
                converted = numeric_answer(raw)
                text = converted if converted is not None else ""
            rows.append((text, 0, fraction, fb, fbfmt))
            tol = _at(q.get("tolerance"), k, "")
            if _trim(str(tol)) == "":
                tolerances.append("")
            else:
                converted_tol = numeric_answer(tol)
                tolerances.append(converted_tol if converted_tol is not None else "")
        answer_ids = self._answers(wrap, key, rows)
        element("numerical_units", parent=wrap)
        options = element("numerical_options", parent=wrap)
        record(
            "numerical_option",
            {"id": self.ids.qtype_option(key)},
            [
                ("showunits", 3),
                ("unitsleft", 0),
                ("unitgradingtype", 0),
                ("unitpenalty", "1.0000000"),
            ],
            options,
        )
        records = element("numerical_records", parent=wrap)
        for j, (aid, tol) in enumerate(zip(answer_ids, tolerances, strict=True)):
            record(
                "numerical_record",
                {"id": self.ids.numerical_record(f"{key}\0{j}")},
                [("answer", aid), ("tolerance", tol)],
                records,
            )

    def _qtype_match(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "match")
        record(
            "matchoptions",
            {"id": self.ids.qtype_option(key)},
            [
                ("shuffleanswers", 1 if _truthy(q.get("shuffleanswers")) else 0),
                *self._combined_feedback(q),
                ("shownumcorrect", 1 if _truthy(q.get("shownumcorrect")) else 0),
            ],
            wrap,
        )
        matches = element("matches", parent=wrap)
        for j, (k, sub) in enumerate(_items(q.get("subquestions"))):
            text, fmt = _rich(sub)
            answer = _trim(str(_at(q.get("subanswers"), k, "") or ""))
            if text == "" and answer == "":
                continue
            record(
                "match",
                {"id": self.ids.match(f"{key}\0{j}")},
                [("questiontext", text), ("questiontextformat", fmt), ("answertext", answer[:255])],
                matches,
            )

    def _qtype_essay(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "essay")
        graderinfo, graderinfoformat = _rich(q.get("graderinfo"), 1)
        template, templateformat = _rich(q.get("responsetemplate"), 1)
        attachments = _fmt(q.get("attachments"), 0)
        required = _fmt(q.get("attachmentsrequired"), 0)
        if attachments == 0 and required > 0:
            required = 0
        record(
            "essay",
            {"id": self.ids.qtype_option(key)},
            [
                ("responseformat", str(q.get("responseformat") or "editor")),
                ("responserequired", _fmt(q.get("responserequired"), 1)),
                ("responsefieldlines", _fmt(q.get("responsefieldlines"), 15)),
                ("minwordlimit", None),
                ("maxwordlimit", None),
                ("attachments", attachments),
                ("attachmentsrequired", required),
                ("graderinfo", graderinfo),
                ("graderinfoformat", graderinfoformat),
                ("responsetemplate", template),
                ("responsetemplateformat", templateformat),
                ("filetypeslist", None),
                ("maxbytes", _fmt(q.get("maxbytes"), 0)),
            ],
            wrap,
        )

    def _qtype_description(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        """Descriptions have no plugin data (Moodle writes no element for them)."""

    def _qtype_ordering(self, question: etree._Element, q: dict[str, Any], key: str) -> None:
        wrap = self._wrapper(question, "ordering")
        kept = []
        for _, answer in _items(q.get("answer")):
            text = answer.get("text", "") if isinstance(answer, dict) else answer
            fmt = _fmt(answer.get("format"), 0) if isinstance(answer, dict) else 0
            if _trim(str(text)) != "":
                kept.append((str(text), fmt))
        rows = []
        for i, (text, fmt) in enumerate(kept):
            if text.count("<p>") == 1:
                text = _P_ONLY.sub(r"\1", text)
            text = _trim(text)
            if text == "":
                continue
            text = _IMG_VALIGN.sub(r"\1vertical-align:text-top\2", text)
            rows.append((text, fmt, float(i + 1), "", 0))
        self._answers(wrap, key, rows)
        record(
            "ordering",
            {"id": self.ids.qtype_option(key)},
            [
                ("layouttype", _fmt(q.get("layouttype"), 0)),
                ("selecttype", _fmt(q.get("selecttype"), 0)),
                ("selectcount", _fmt(q.get("selectcount"), 2)),
                ("gradingtype", _fmt(q.get("gradingtype"), 0)),
                ("showgrading", _fmt(q.get("showgrading"), 1)),
                ("numberingstyle", str(q.get("numberingstyle") or "none")),
                *self._combined_feedback(q),
                ("shownumcorrect", 1 if _truthy(q.get("shownumcorrect")) else 0),
            ],
            wrap,
        )


def build_bank(quiz: Quiz, ids: Ids, contextid: int, cmid: int, epoch: int) -> Bank:
    """The quiz's categories (``question_category`` elements) and its slots, in order."""
    return BankWriter(quiz, ids, contextid, cmid, epoch).build()


__all__ = ["NULL", "Bank", "QuestionDataError", "Slot", "build_bank", "category_path"]
