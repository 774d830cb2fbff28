"""Learners acting through Moodle's web services, and a snapshot of their data.

Used by the update scenario, against the fake Moodle in the tests and against a real
Moodle 4.5 (``tests/lab_update_scenario.py``): a learner attempts a quiz the way the mobile
app does (``mod_quiz_start_attempt``, ``mod_quiz_get_attempt_data`` page by page, answers
read from the question HTML, ``mod_quiz_process_attempt`` with ``finishattempt``), views
pages (``mod_page_view_page``) and reviews attempts (``mod_quiz_get_attempt_review``).

Answers are chosen from the GIFT questions lemma built (Moodle question objects): the
right one, or a wrong one, matched to the HTML by visible text, so a learner can pass or
fail on purpose whichever order Moodle shuffled the choices into.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import lxml.html

from lemma_pkg.moodle.client import MoodleClient

_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """Visible text: tags dropped, entities decoded, spaces collapsed."""
    if "<" in text:
        text = lxml.html.fromstring(f"<div>{text}</div>").text_content()
    return _SPACES.sub(" ", html.unescape(text)).strip()


def _rich(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")


def _items(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value or [])


def _fractions(q: dict[str, Any]) -> list[float]:
    return [float(f) for f in _items(q.get("fraction"))]


@dataclass
class QuestionOnPage:
    slot: int
    qtype: str
    text: str  # the question text shown
    fields: dict[str, str]  # hidden fields to send back (sequencecheck)
    choices: dict[str, dict[str, str]]  # input name -> {value: visible label}
    textinputs: list[str]  # names of free-text inputs (and an essay's textarea)
    checkboxes: dict[str, str] | None = None  # multiple-answer choices: input name -> label


def read_question(html_text: str, slot: int, qtype: str) -> QuestionOnPage:
    """The question text, the inputs and their labels from Moodle's question HTML."""
    root = lxml.html.fromstring(html_text)
    qtext = root.xpath('.//div[contains(concat(" ", @class, " "), " qtext ")]')
    text = plain(lxml.html.tostring(qtext[0], encoding="unicode")) if qtext else ""
    fields: dict[str, str] = {}
    choices: dict[str, dict[str, str]] = {}
    textinputs: list[str] = []
    checkboxes: dict[str, str] = {}

    def label_of(inp: Any) -> str:
        labelled = inp.get("aria-labelledby")
        if labelled:
            found = root.xpath(f'.//*[@id="{labelled}"]')
            if found:
                inner = found[0].xpath('.//div[contains(@class, "flex-fill")]')
                return plain((inner[0] if inner else found[0]).text_content())
        found = root.xpath(f'.//label[@for="{inp.get("id")}"]')
        return plain(found[0].text_content()) if found else ""

    for inp in root.xpath(".//input"):
        name = inp.get("name") or ""
        kind = (inp.get("type") or "text").lower()
        if name.endswith(":sequencecheck") or name.endswith("_answerformat"):
            fields[name] = inp.get("value") or ""
        elif kind == "checkbox" and re.search(r"_choice\d+$", name):
            checkboxes[name] = label_of(inp)
        elif kind == "radio" and ":" in name and not name.endswith("flagged"):
            value = inp.get("value") or ""
            if value == "-1":
                continue
            choices.setdefault(name, {})[value] = label_of(inp) or value
        elif kind == "text" and name.endswith("_answer"):
            textinputs.append(name)
    for area in root.xpath(".//textarea"):
        if (area.get("name") or "").endswith("_answer"):
            textinputs.append(area.get("name"))
    for sel in root.xpath(".//select"):
        name = sel.get("name") or ""
        item = root.xpath(f'.//*[@id="{name}_itemtext"]')
        label = plain(item[0].text_content()) if item else name
        options = {o.get("value") or "": plain(o.text_content()) for o in sel.xpath(".//option")}
        choices[name] = {"": label, **options}
    return QuestionOnPage(slot, qtype, text, fields, choices, textinputs, checkboxes)


def find_question(questions: list[dict[str, Any]], shown: str) -> dict[str, Any]:
    """The built question whose text is the one shown."""
    for q in questions:
        if q.get("qtype") != "category" and plain(_rich(q.get("questiontext"))) == shown:
            return q
    raise AssertionError(f"no built question has the text {shown!r}")


def answer(page: QuestionOnPage, q: dict[str, Any], right: bool) -> dict[str, str]:
    """Form fields answering ``page`` (the question ``q``) right or wrong."""
    out = dict(page.fields)
    qtype = q["qtype"]
    if qtype == "multichoice" and page.checkboxes:
        fractions = _fractions(q)
        texts = [plain(_rich(a)) for a in _items(q.get("answer"))]
        wanted = {t for k, t in enumerate(texts) if (fractions[k] > 0) == right}
        for name, label in page.checkboxes.items():
            out[name] = "1" if label in wanted else "0"
    elif qtype == "multichoice":
        (name, options), *_ = page.choices.items()
        fractions = _fractions(q)
        texts = [plain(_rich(a)) for a in _items(q.get("answer"))]
        best = max(range(len(texts)), key=lambda k: fractions[k])
        wanted = {texts[best]} if right else {t for k, t in enumerate(texts) if fractions[k] <= 0}
        out[name] = next(v for v, label in options.items() if label in wanted)
    elif qtype == "truefalse":
        (name, _), *_ = page.choices.items()
        correct = "1" if q.get("correctanswer") else "0"
        out[name] = correct if right else ("0" if correct == "1" else "1")
    elif qtype == "match":
        subs = [plain(_rich(s)) for s in _items(q.get("subquestions"))]
        answers = [plain(str(a)) for a in _items(q.get("subanswers"))]
        key = dict(zip(subs, answers, strict=True))
        for name, options in page.choices.items():
            item = options[""]
            target = key.get(item)
            for value, label in options.items():
                if value in ("", "0"):
                    continue
                if (label == target) == right:
                    out[name] = value
                    break
    elif qtype in ("shortanswer", "numerical"):
        fractions = _fractions(q)
        texts = [str(_rich(a)) for a in _items(q.get("answer"))]
        best = max(range(len(texts)), key=lambda k: fractions[k])
        out[page.textinputs[0]] = texts[best] if right else "999999"
    elif qtype == "essay":
        out[page.textinputs[0]] = "A reflection written by a test learner."
    elif qtype == "description":
        pass
    else:  # pragma: no cover - the bundled quizzes use the types above
        raise AssertionError(f"cannot answer a {qtype} question")
    return out


class Learner:
    """One learner's web-service session."""

    def __init__(self, url: str, token: str, userid: int) -> None:
        self.client = MoodleClient(url, token, allow_insecure_http=True, max_concurrency=1)
        self.userid = userid

    def view_page(self, pageid: int) -> None:
        self.client.call("mod_page_view_page", {"pageid": pageid})

    def start(self, quizid: int) -> dict[str, Any]:
        answer_ = self.client.call("mod_quiz_start_attempt", {"quizid": quizid})
        return dict(answer_["attempt"])

    def pages(self, attemptid: int) -> list[QuestionOnPage]:
        """Every question of an attempt in progress, page by page."""
        out: list[QuestionOnPage] = []
        page = 0
        while page >= 0:
            data = self.client.call(
                "mod_quiz_get_attempt_data", {"attemptid": attemptid, "page": page}
            )
            for q in data["questions"]:
                out.append(read_question(q["html"], int(q["slot"]), str(q["type"])))
            page = int(data["nextpage"])
        return out

    def attempt(self, quizid: int, questions: list[dict[str, Any]], right: set[int]) -> int:
        """Attempt the quiz: slots in ``right`` answered right, the others wrong; finished."""
        attempt = self.start(quizid)
        fields: dict[str, str] = {}
        for page in self.pages(int(attempt["id"])):
            q = find_question(questions, page.text)
            fields.update(answer(page, q, page.slot in right))
        self.client.call(
            "mod_quiz_process_attempt",
            {
                "attemptid": attempt["id"],
                "data": [{"name": k, "value": v} for k, v in fields.items()],
                "finishattempt": 1,
            },
        )
        return int(attempt["id"])

    def review(self, attemptid: int) -> dict[str, Any]:
        return dict(self.client.call("mod_quiz_get_attempt_review", {"attemptid": attemptid}))


def review_texts(review: dict[str, Any]) -> dict[int, str]:
    """Slot -> question text shown by an attempt review."""
    return {
        int(q["slot"]): read_question(q["html"], int(q["slot"]), str(q["type"])).text
        for q in review["questions"]
    }
