"""What the preview templates show: view models of sections, items and quiz questions.

Quizzes are shown with their questions, answers, correct choices and feedback, built from
the Moodle question objects the loader keeps (:func:`question_view`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from lemma_pkg.content.model import AnyItem, Section
from lemma_pkg.render.markdown import parser


@dataclass
class ChoiceView:
    text_html: Markup
    correct: bool = False
    fraction: float | None = None
    feedback_html: Markup = field(default_factory=Markup)


@dataclass
class QuestionView:
    qtype: str
    name: str
    text_html: Markup
    choices: list[ChoiceView] = field(default_factory=list)
    general_feedback_html: Markup = field(default_factory=Markup)
    note: str = ""


@dataclass
class ItemView:
    item: AnyItem
    kind: str
    href: str | None = None  # page of the item in the preview, or the file / URL to open
    external: bool = False
    label_html: Markup | None = None  # labels: their content, shown on the index page


@dataclass
class SectionView:
    section: Section
    anchor: str
    items: list[ItemView]


def _text_html(text: Any, fmt: Any = "0") -> Markup:
    """Moodle text (``{"text", "format"}`` or a string) as HTML for the preview.

    Formats: "1" HTML and "0" Moodle auto-format are HTML already; "2" plain is escaped;
    "4" Markdown is rendered with the course's Markdown parser.
    """
    if isinstance(text, dict):
        fmt = text.get("format", fmt)
        text = text.get("text", "")
    value = "" if text is None else str(text)
    fmt = str(fmt)
    if fmt == "2":
        return Markup("<br>\n").join(escape(line) for line in value.split("\n"))
    if fmt == "4":
        return Markup(parser().render(value))
    return Markup(value)


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def question_view(q: dict[str, Any]) -> QuestionView | None:
    """A displayable view of one Moodle question object (None for ``category`` entries)."""
    qtype = str(q.get("qtype", ""))
    if qtype == "category":
        return None
    fmt = q.get("questiontextformat", "0")
    view = QuestionView(
        qtype=qtype,
        name=str(q.get("name", "")),
        text_html=_text_html(q.get("questiontext", ""), fmt),
        general_feedback_html=_text_html(
            q.get("generalfeedback", ""), q.get("generalfeedbackformat", fmt)
        ),
    )
    answers = q.get("answer") or []
    fractions = q.get("fraction") or []
    feedback = q.get("feedback") or []

    def at(seq: Any, i: int) -> Any:
        if isinstance(seq, dict):
            return seq.get(str(i))
        return seq[i] if isinstance(seq, list) and i < len(seq) else None

    n_answers = len(answers) if isinstance(answers, list | dict) else 0
    if qtype in ("multichoice", "shortanswer", "numerical"):
        tolerances = q.get("tolerance") or []
        for i in range(n_answers):
            ans = at(answers, i)
            frac = _num(at(fractions, i))
            if qtype == "numerical":
                tol = _num(at(tolerances, i))
                text = "*" if str(ans) == "*" else str(ans) + (f" ± {tol:g}" if tol else "")
                text_html = escape(text)
            elif qtype == "shortanswer":
                text_html = escape(str(ans))
            else:
                text_html = _text_html(ans, fmt)
            view.choices.append(
                ChoiceView(
                    text_html=text_html,
                    correct=bool(frac and frac > 0),
                    fraction=frac,
                    feedback_html=_text_html(at(feedback, i) or "", fmt),
                )
            )
        if qtype == "multichoice":
            view.note = "one answer" if q.get("single") in (1, "1", True) else "several answers"
    elif qtype == "truefalse":
        correct_true = q.get("correctanswer") in (1, "1", True)
        view.choices = [
            ChoiceView(Markup("True"), correct_true, None, _text_html(q.get("feedbacktrue"), fmt)),
            ChoiceView(
                Markup("False"), not correct_true, None, _text_html(q.get("feedbackfalse"), fmt)
            ),
        ]
    elif qtype == "match":
        subq = q.get("subquestions") or []
        suba = q.get("subanswers") or []
        for i in range(len(suba) if isinstance(suba, list | dict) else 0):
            left = _text_html(at(subq, i) or "", fmt)
            right = escape(str(at(suba, i) or ""))
            view.choices.append(
                ChoiceView(Markup("{} → {}").format(left, right) if left else right, True)
            )
        view.note = "match the pairs"
    elif qtype == "ordering":
        for i in range(n_answers):
            view.choices.append(ChoiceView(_text_html(at(answers, i), fmt), True))
        view.note = "put in this order"
    elif qtype == "essay":
        view.note = "free-text answer"
    return view
