"""mod_page_*: the page list and the view call that completes view-tracked pages."""

from __future__ import annotations

from typing import Any

from ..errors import missing_record
from ..params import Multiple, Params, Value, dflt
from ..registry import Call, wsfunction
from ..state import CONTEXT_MODULE
from .course import can_access_course, course_context


@wsfunction("mod_page_view_page", Params({"pageid": Value("int")}))
def view_page(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    from .. import seed

    state = call.state
    page = state.pages.get(params["pageid"])
    if page is None:
        raise missing_record("page")
    course_context(call, page["course"])
    ctxid = state.context_id(CONTEXT_MODULE, page["coursemodule"])
    assert ctxid is not None
    call.require_capability("mod/page:view", ctxid)
    seed.record_view(state, page["coursemodule"], call.userid, touch=False)
    return {"status": True, "warnings": []}


@wsfunction(
    "mod_page_get_pages_by_courses",
    Params({"courseids": dflt(Multiple(Value("int")), [])}),
)
def get_pages_by_courses(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    courseids = params["courseids"] or [
        c for c in state.courses if c != 1 and state.is_enrolled(c, call.userid, onlyactive=True)
    ]
    pages, warnings = [], []
    for cid in courseids:
        if cid not in state.courses or not can_access_course(call, cid):
            warnings.append(
                {
                    "item": "course",
                    "itemid": cid,
                    "warningcode": "1",
                    "message": "No access rights in course context",
                }
            )
            continue
        for page in sorted(state.pages.values(), key=lambda p: p["id"]):
            if page["course"] != cid:
                continue
            cm = state.modules[page["coursemodule"]]
            pages.append(
                {
                    "id": page["id"],
                    "coursemodule": cm["id"],
                    "course": cid,
                    "name": page["name"],
                    "intro": page["intro"],
                    "introformat": 1,
                    "introfiles": [],
                    "lang": "",
                    "content": page["content"],
                    "contentformat": 1,
                    "contentfiles": [],
                    "legacyfiles": 0,
                    "legacyfileslast": None,
                    "display": 5,
                    "displayoptions": 'a:2:{s:10:"printintro";s:1:"0";s:17:"printlastmodified";s:1:"1";}',
                    "revision": 1,
                    "timemodified": page["timemodified"],
                    "section": cm["sectionnum"],
                    "visible": cm["visible"],
                    "groupmode": 0,
                    "groupingid": 0,
                }
            )
    return {"pages": pages, "warnings": warnings}
