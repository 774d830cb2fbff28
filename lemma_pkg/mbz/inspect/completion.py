"""Course completion criteria (completion.xml) and availability JSON (restrictions).

Availability is decoded at the end of restore (``restore_update_availability`` ->
``core_availability\\info::update_after_restore()``): JSON or a structure
``availability/classes/tree.php`` rejects is a ``coding_exception`` after everything else
was written; an id that does not map becomes 0 with a restore-log warning.
"""

from __future__ import annotations

import json
from typing import Any

from lemma_pkg.diagnostics import Severity
from lemma_pkg.mbz.inspect.info import integer, line_of, text
from lemma_pkg.mbz.inspect.rules import AVAILABILITY, COMPLETION, E, W
from lemma_pkg.mbz.inspect.state import Inspection


def check_completion(ins: Inspection) -> None:
    """completion.xml's activity criteria, then every availability field read so far."""
    cms = {a.cmid: a for a in ins.activities}
    root = ins.xml("completion.xml")
    if root is not None:
        for crit in root.iterfind("course_completion_criteria"):
            if text(crit, "criteriatype") != "4":
                continue
            cm = integer(text(crit, "moduleinstance"))
            if cm not in cms:
                ins.add(
                    "completion.xml",
                    line_of(crit),
                    E,
                    COMPLETION,
                    f"criterion names course module {cm}, which is not an activity of this backup",
                )
            elif cms[cm].modname != text(crit, "module"):
                ins.add(
                    "completion.xml",
                    line_of(crit),
                    E,
                    COMPLETION,
                    f"criterion for module {cm} says {text(crit, 'module')!r}, the activity is "
                    f"{cms[cm].modname!r}",
                )
        ins.summary["course_completion_criteria"] = len(root.findall("course_completion_criteria"))
    for member, line, value in ins.availability:
        try:
            tree = json.loads(value)
        except json.JSONDecodeError as exc:
            ins.add(
                member,
                line,
                E,
                AVAILABILITY,
                f"availability is not JSON ({exc.msg}): restore ends with coding_exception",
            )
            continue
        for severity, msg in availability_errors(tree, True, set(cms), ins.grade_item_ids):
            ins.add(member, line, severity, AVAILABILITY, msg)


def availability_errors(
    tree: Any, root: bool, cms: set[int], grade_items: set[int]
) -> list[tuple[Severity, str]]:
    """What ``core_availability\\tree`` and the core conditions reject in ``tree`` (errors),
    and the conditions whose activity or grade item is not in the backup (warnings: restore
    logs 'has availability condition on module/grade that was not restored' and sets 0)."""
    out: list[tuple[Severity, str]] = []
    if not isinstance(tree, dict):
        return [(E, "availability tree is not a JSON object")]
    if "type" in tree:  # a condition
        kind = tree["type"]
        if kind == "completion":
            cm, e = tree.get("cm"), tree.get("e")
            if not isinstance(cm, int) or isinstance(cm, bool):
                out.append((E, "completion condition: 'cm' must be an integer"))
            elif cm != -1 and cm not in cms:
                out.append(
                    (
                        W,
                        f"completion condition names course module {cm}, which is not in this "
                        "backup: restore logs a warning and sets it to 0, so the condition "
                        "can never be met",
                    )
                )
            if e not in (0, 1, 2, 3):
                out.append((E, "completion condition: 'e' must be 0, 1, 2 or 3"))
        elif kind == "grade":
            gid = tree.get("id")
            if not isinstance(gid, int) or isinstance(gid, bool):
                out.append((E, "grade condition: 'id' must be an integer (a string throws)"))
            elif gid not in grade_items:
                out.append(
                    (
                        W,
                        f"grade condition names grade item {gid}, which is not in this backup: "
                        "restore logs a warning and sets it to 0",
                    )
                )
            for key in ("min", "max"):
                if key in tree and (
                    not isinstance(tree[key], int | float) or isinstance(tree[key], bool)
                ):
                    out.append((E, f"grade condition: '{key}' must be a number"))
        return out
    op = tree.get("op")
    if op not in ("&", "|", "!&", "!|"):
        return [(E, f"availability 'op' {op!r} is not one of & | !& !|")]
    conds = tree.get("c")
    if not isinstance(conds, list):
        return [(E, "availability 'c' must be a list")]
    if root:
        if op in ("&", "!|"):
            showc = tree.get("showc")
            if (
                not isinstance(showc, list)
                or len(showc) != len(conds)
                or not all(isinstance(x, bool) for x in showc)
            ):
                out.append((E, "availability 'showc' must be a list of booleans as long as 'c'"))
        elif not isinstance(tree.get("show"), bool):
            out.append((E, "availability 'show' must be a boolean for | and !&"))
    for child in conds:
        out += availability_errors(child, False, cms, grade_items)
    return out
