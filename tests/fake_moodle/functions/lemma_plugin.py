"""local_lemma_*: the companion plugin's functions, as its contract specifies them.

Parameters come from ``lemma_pkg/plugin/contract.yaml`` (the same document the PHP follows,
checked by tests/test_plugin_contract.py), so the fake validates exactly what Moodle would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lemma_pkg.plugin.contract import VALUE_DEFAULT, VALUE_OPTIONAL, Node, load_contract

from ..params import DEFAULT, OPTIONAL, REQUIRED, Desc, Multiple, Params, Single, Value
from ..registry import Call, Handler, wsfunction
from ..state import CONTEXT_COURSE
from .course import course_context


def _desc(node: Node) -> Desc:
    required = {VALUE_DEFAULT: DEFAULT, VALUE_OPTIONAL: OPTIONAL}.get(node.required, REQUIRED)
    if node.kind == "value":
        return Value(node.type, required, node.default, node.allownull)
    if node.kind == "single":
        return Single({k: _desc(v) for k, v in node.keys.items()}, required, node.default)
    assert node.content is not None
    return Multiple(_desc(node.content), required, node.default)


def contract_params(name: str) -> Params:
    """The fake's parameter description of plugin function ``name``, from the contract."""
    fn = load_contract()[name]
    return Params({k: _desc(v) for k, v in fn.parameters.items()})


def plugin_function(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the contract's function ``name``."""
    return wsfunction(name, contract_params(name))


@plugin_function("local_lemma_course_map")
def course_map(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseid = params["courseid"]
    course_context(call, courseid)
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    call.require_capability("moodle/course:manageactivities", ctxid)
    course = state.courses[courseid]
    return {
        "courseid": courseid,
        "shortname": course["shortname"],
        "idnumber": course.get("idnumber", ""),
        "modules": [
            {
                "cmid": cm["id"],
                "modname": cm["modname"],
                "instance": cm["instance"],
                "idnumber": cm.get("idnumber", ""),
                "sectionnum": cm["sectionnum"],
                "sectionid": cm["section"],
                "name": cm["name"],
                "visible": cm.get("visible", 1),
                "completion": cm.get("completion", 0),
            }
            for cm in state.modules_in_course(courseid)
        ],
    }
