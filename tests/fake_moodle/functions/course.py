"""core_course_*: categories, courses, course contents."""

from __future__ import annotations

from typing import Any

from ..errors import missing_record, moodle_exception
from ..params import Multiple, Params, Single, Value, clean_param, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, CONTEXT_COURSECAT, Record

FORMATS = {0, 1, 2, 4}


def fmt_value(required: int = 0) -> Value:
    v = Value("int")
    if required == 0:
        v.required = 0
        v.default = 1
    return v


def category_context(call: Call, catid: int) -> int:
    """validate_context() for a category: errorcatcontextnotvalid when it does not exist."""
    ctxid = call.state.context_id(CONTEXT_COURSECAT, catid)
    if ctxid is None or catid not in call.state.categories:
        raise moodle_exception(
            "errorcatcontextnotvalid",
            f"You cannot execute functions in the category context (category id:{catid}). "
            "The context error message was: Invalid parameter value detected",
        )
    return ctxid


def course_context(call: Call, courseid: int, *, must_exist_msg: bool = True) -> int:
    """validate_context() for a course: the caller must be able to enter it."""
    state = call.state
    if courseid not in state.courses:
        raise missing_record(
            "course", f"SELECT * FROM {{course}} WHERE id = ?\n[array (\n  0 => {courseid},\n)]"
        )
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    if not can_access_course(call, courseid):
        raise moodle_exception(
            "errorcoursecontextnotvalid",
            f"You cannot execute functions in the course context (course id:{courseid}). "
            "The context error message was: Course or activity not accessible.",
            "Not enrolled",
        )
    return ctxid


def can_access_course(call: Call, courseid: int) -> bool:
    state = call.state
    if courseid == 1:
        return True
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    assert ctxid is not None
    if call.has_capability("moodle/course:view", ctxid):
        return True
    course = state.courses[courseid]
    if not course.get("visible", 1) and not call.has_capability(
        "moodle/course:viewhiddencourses", ctxid
    ):
        return False
    return state.is_enrolled(courseid, call.userid, onlyactive=True)


# --------------------------------------------------------------------------------- categories

CATEGORY_KEYS = (
    "id",
    "name",
    "idnumber",
    "description",
    "descriptionformat",
    "parent",
    "sortorder",
    "coursecount",
    "visible",
    "visibleold",
    "timemodified",
    "depth",
    "path",
    "theme",
)


@wsfunction(
    "core_course_create_categories",
    Params(
        {
            "categories": Multiple(
                Single(
                    {
                        "name": Value("text"),
                        "parent": dflt(Value("int"), 0),
                        "idnumber": opt(Value("raw")),
                        "description": opt(Value("raw")),
                        "descriptionformat": fmt_value(),
                        "theme": opt(Value("theme")),
                    }
                )
            )
        }
    ),
)
def create_categories(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    from .. import seed

    state = call.state
    out = []
    with state.transaction():
        for cat in params["categories"]:
            if cat["parent"]:
                if cat["parent"] not in state.categories:
                    raise moodle_exception("unknowcategory", "Category not known!")
                ctxid = state.context_id(CONTEXT_COURSECAT, cat["parent"])
                assert ctxid is not None
            else:
                ctxid = 1
            call.require_capability("moodle/category:manage", ctxid)
            if cat["descriptionformat"] not in FORMATS:
                raise moodle_exception("invalidformat", "Invalid format")
            idnumber = cat.get("idnumber")
            if idnumber not in (None, "") and any(
                c["idnumber"] == idnumber for c in state.categories.values()
            ):
                raise moodle_exception(
                    "categoryidnumbertaken", "ID number is already used for another category"
                )
            rec = seed.add_category(
                state,
                cat["name"],
                parent=cat["parent"],
                idnumber=idnumber or None,
                description=cat.get("description", ""),
                descriptionformat=cat["descriptionformat"],
            )
            if cat.get("theme"):
                rec["theme"] = cat["theme"]
            out.append({"id": rec["id"], "name": rec["name"]})
    return out


@wsfunction(
    "core_course_get_categories",
    Params(
        {
            "criteria": dflt(Multiple(Single({"key": Value("alpha"), "value": Value("raw")})), []),
            "addsubcategories": dflt(Value("bool"), 1),
        }
    ),
)
def get_categories(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    cats = list(state.categories.values())
    if params["criteria"]:
        conditions: dict[str, Any] = {}
        for crit in params["criteria"]:
            key = crit["key"].strip()
            if key in conditions:
                continue
            value = crit["value"]
            if key in ("id", "parent"):
                conditions[key] = clean_param(value, "int")
            elif key == "ids":
                conditions[key] = [int(x) for x in clean_param(value, "sequence").split(",") if x]
            elif key == "name":
                conditions[key] = clean_param(value, "text")
            elif key in ("idnumber", "theme", "visible"):
                cap = (
                    "moodle/category:viewhiddencategories"
                    if key == "visible"
                    else "moodle/category:manage"
                )
                if not call.has_capability(cap, 1):
                    raise moodle_exception(
                        "criteriaerror",
                        "Missing permissions to search on a criterion.",
                        f'You don\'t have the permissions to search on the "{key}" field.',
                    )
                conditions[key] = clean_param(value, "int") if key == "visible" else value
            else:
                raise moodle_exception(
                    "criteriaerror",
                    "Missing permissions to search on a criterion.",
                    f"You can not search on this criteria: {key}",
                )

        def match(c: Record) -> bool:
            for key, value in conditions.items():
                if key == "ids":
                    if c["id"] not in value:
                        return False
                elif c.get(key) != value:
                    return False
            return True

        found = [c for c in cats if match(c)]
        if found and params["addsubcategories"]:
            extra = [
                c
                for c in cats
                if any(c["path"].startswith(f["path"] + "/") for f in found) and c not in found
            ]
            found += extra
        cats = found
    out = []
    for c in sorted(cats, key=lambda c: c["path"]):
        ctxid = state.context_id(CONTEXT_COURSECAT, c["id"])
        assert ctxid is not None
        if not c["visible"] and not call.has_capability(
            "moodle/category:viewhiddencategories", ctxid
        ):
            continue
        info: dict[str, Any] = {
            "id": c["id"],
            "name": c["name"],
            "description": c["description"],
            "descriptionformat": c["descriptionformat"],
            "parent": c["parent"],
            "sortorder": c["sortorder"],
            "coursecount": c["coursecount"],
            "depth": c["depth"],
            "path": c["path"],
        }
        if call.has_capability("moodle/category:manage", ctxid):
            info.update(
                idnumber=c["idnumber"],
                visible=c["visible"],
                visibleold=c["visibleold"],
                timemodified=c["timemodified"],
                theme=c["theme"],
            )
        out.append({k: info[k] for k in CATEGORY_KEYS if k in info})
    out.sort(key=lambda c: str(c["sortorder"]))
    return out
