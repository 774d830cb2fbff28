"""The fake's question bank: entries with versions, questions rendered and marked.

Moodle 4 keeps every edit of a question as a new version of the same question bank entry;
quiz slots point at an entry ("always the latest version"), and an attempt pins the question
id each slot had when it started (``question_attempts.questionid``), so its review keeps
showing that version. The fake keeps:

- ``state.question_bank_entries``: id -> {id, contextid, idnumber};
- ``state.question_versions``: id -> {id, entryid, questionid, version, status};
- ``state.questions``: id -> a question in a small normalised form (below);
- a quiz's ``slotrefs``: [{slot, page, maxmark, entryid}];
- an attempt's ``questions`` (slot -> question id) and ``marks`` (slot -> mark).

Normalised question: ``{qtype, name, text, answers: [{text, fraction}], tolerance: [...],
subs: [{text, answer}], correct}``, made from a backup's questions.xml
(:func:`from_backup_xml`) or from Moodle's GIFT importer object (:func:`from_import`). The HTML
follows the shape Moodle's renderers give (the parts a client reads: ``qtext``, radio inputs
with their labels, match selects with their item texts, text inputs, ``:sequencecheck``).
"""

from __future__ import annotations

import fnmatch
import html
from typing import Any

from lxml import etree

from .state import Record, State

Question = dict[str, Any]


def _items(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value or [])


def _rich(value: Any) -> str:
    return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


# --------------------------------------------------------------------------- reading


def from_import(q: dict[str, Any]) -> Question:
    """A question from Moodle's GIFT importer object (lemma's ``moodle_questions``)."""
    qtype = str(q["qtype"])
    out: Question = {
        "qtype": qtype,
        "name": str(q.get("name") or ""),
        "text": _rich(q.get("questiontext")),
        "answers": [],
        "tolerance": [],
        "subs": [],
        "correct": bool(q.get("correctanswer")),
    }
    if qtype in ("multichoice", "shortanswer", "numerical"):
        fractions = [_num(f) for f in _items(q.get("fraction"))]
        for k, answer in enumerate(_items(q.get("answer"))):
            out["answers"].append({"text": _rich(answer), "fraction": fractions[k]})
        out["tolerance"] = [_num(t) for t in _items(q.get("tolerance"))]
    elif qtype == "match":
        answers = [str(a) for a in _items(q.get("subanswers"))]
        for k, sub in enumerate(_items(q.get("subquestions"))):
            out["subs"].append({"text": _rich(sub), "answer": answers[k]})
    return out


def from_backup_xml(el: etree._Element) -> Question:
    """A question from a ``<question>`` element of a backup's questions.xml."""
    qtype = el.findtext("qtype") or ""
    out: Question = {
        "qtype": qtype,
        "name": el.findtext("name") or "",
        "text": el.findtext("questiontext") or "",
        "answers": [],
        "tolerance": [],
        "subs": [],
        "correct": False,
    }
    plugin = el.find(f"plugin_qtype_{qtype}_question")
    if plugin is None:
        return out
    ids = {}
    for a in plugin.iterfind("answers/answer"):
        ids[a.get("id")] = len(out["answers"])
        out["answers"].append(
            {"text": a.findtext("answertext") or "", "fraction": _num(a.findtext("fraction"))}
        )
    if qtype == "truefalse":
        true_id = plugin.findtext("truefalse/trueanswer")
        out["correct"] = out["answers"][ids[true_id]]["fraction"] > 0.5
    elif qtype == "numerical":
        tolerances = {
            r.findtext("answer"): _num(r.findtext("tolerance"))
            for r in plugin.iterfind("numerical_records/numerical_record")
        }
        out["tolerance"] = [tolerances.get(aid, 0.0) for aid in ids]
    elif qtype == "match":
        for m in plugin.iterfind("matches/match"):
            out["subs"].append(
                {"text": m.findtext("questiontext") or "", "answer": m.findtext("answertext") or ""}
            )
    return out


# --------------------------------------------------------------------------- the bank


def add_version(
    state: State, entryid: int, question: Question, status: str = "ready"
) -> tuple[int, int]:
    """A new version of entry ``entryid``: (question id, version number)."""
    qid = state.seq.next("question")
    state.questions[qid] = question
    number = 1 + max(
        (v["version"] for v in state.question_versions.values() if v["entryid"] == entryid),
        default=0,
    )
    vid = state.seq.next("question_versions")
    state.question_versions[vid] = {
        "id": vid,
        "entryid": entryid,
        "questionid": qid,
        "version": number,
        "status": status,
    }
    return qid, number


def add_entry(state: State, contextid: int, idnumber: str, question: Question) -> int:
    eid = state.seq.next("question_bank_entries")
    state.question_bank_entries[eid] = {"id": eid, "contextid": contextid, "idnumber": idnumber}
    add_version(state, eid, question)
    return eid


def latest(state: State, entryid: int) -> tuple[int, int]:
    """(question id, version) of the entry's latest version."""
    v = max(
        (v for v in state.question_versions.values() if v["entryid"] == entryid),
        key=lambda v: v["version"],
    )
    return int(v["questionid"]), int(v["version"])


def entry_by_idnumber(state: State, contextid: int, idnumber: str) -> Record | None:
    for e in state.question_bank_entries.values():
        if e["contextid"] == contextid and e["idnumber"] == idnumber:
            return e
    return None


# --------------------------------------------------------------------------- HTML


def _choices(q: Question) -> list[str]:
    seen: list[str] = []
    for sub in q["subs"]:
        if sub["answer"] not in seen:
            seen.append(sub["answer"])
    return seen


def render(q: Question, prefix: str, responses: dict[str, str] | None = None) -> str:
    """The question's HTML; ``prefix`` is ``q<usage>:<slot>_``; ``responses`` checks inputs."""
    got = responses or {}
    qtype = q["qtype"]

    def checked(name: str, value: str) -> str:
        return ' checked="checked"' if got.get(name) == value else ""

    parts = [
        f'<div class="que {qtype} deferredfeedback"><div class="content">'
        f'<div class="formulation clearfix">'
        f'<input type="hidden" name="{prefix}:sequencecheck" value="1" />'
        f'<div class="qtext"><div class="clearfix">{q["text"]}</div></div>'
    ]
    if qtype == "multichoice":
        parts.append('<div class="answer">')
        for i, a in enumerate(q["answers"]):
            ident = f"{prefix}answer{i}"
            parts.append(
                f'<div class="r{i % 2}"><input type="radio" name="{prefix}answer" value="{i}" '
                f'id="{ident}" aria-labelledby="{ident}_label"{checked("answer", str(i))} />'
                f'<div class="d-flex w-auto" id="{ident}_label"><span class="answernumber">'
                f'{chr(97 + i)}. </span><div class="flex-fill ms-1">{a["text"]}</div></div></div>'
            )
        parts.append("</div>")
    elif qtype == "truefalse":
        for value, label in (("1", "True"), ("0", "False")):
            ident = f"{prefix}answer{label.lower()}"
            parts.append(
                f'<input type="radio" name="{prefix}answer" value="{value}" id="{ident}"'
                f'{checked("answer", value)} /><label for="{ident}" class="ms-1">{label}</label>'
            )
    elif qtype == "match":
        choices = _choices(q)
        parts.append('<table class="answer"><tbody>')
        for i, sub in enumerate(q["subs"]):
            name = f"{prefix}sub{i}"
            selected = ' selected="selected"'
            options = ['<option value="0">Choose...</option>'] + [
                f'<option value="{j}"{selected if got.get(f"sub{i}") == str(j) else ""}>'
                f"{html.escape(c)}</option>"
                for j, c in enumerate(choices, start=1)
            ]
            parts.append(
                f'<tr><td class="text" id="{name}_itemtext">{sub["text"]}</td><td class="control">'
                f'<select id="menu{name}" name="{name}">{"".join(options)}</select></td></tr>'
            )
        parts.append("</tbody></table>")
    elif qtype in ("shortanswer", "numerical"):
        value = html.escape(got.get("answer", ""), quote=True)
        parts.append(f'<input type="text" name="{prefix}answer" value="{value}" />')
    parts.append("</div></div></div>")
    return "".join(parts)


# --------------------------------------------------------------------------- marking


def fraction(q: Question, responses: dict[str, str]) -> float:
    """The fraction of the mark ``responses`` (field suffix -> value) earn."""
    qtype = q["qtype"]
    answer = responses.get("answer", "")
    if qtype == "multichoice":
        if answer.isdigit() and int(answer) < len(q["answers"]):
            return float(q["answers"][int(answer)]["fraction"])
        return 0.0
    if qtype == "truefalse":
        if answer not in ("0", "1"):
            return 0.0
        return 1.0 if (answer == "1") == q["correct"] else 0.0
    if qtype == "match":
        choices = _choices(q)
        subs = q["subs"]
        right = 0
        for i, sub in enumerate(subs):
            pick = responses.get(f"sub{i}", "0")
            if (
                pick.isdigit()
                and 0 < int(pick) <= len(choices)
                and (choices[int(pick) - 1] == sub["answer"])
            ):
                right += 1
        return right / len(subs) if subs else 0.0
    if qtype == "shortanswer":
        best = 0.0
        for a in q["answers"]:
            if fnmatch.fnmatchcase(answer.strip().lower(), a["text"].strip().lower()):
                best = max(best, a["fraction"])
        return best
    if qtype == "numerical":
        try:
            value = float(answer)
        except ValueError:
            return 0.0
        for k, a in enumerate(q["answers"]):
            tol = q["tolerance"][k] if k < len(q["tolerance"]) else 0.0
            if a["text"].strip() == "*":
                return float(a["fraction"])
            try:
                if abs(value - float(a["text"])) <= tol + 1e-12:
                    return float(a["fraction"])
            except ValueError:
                continue
        return 0.0
    return 0.0
