"""core_course_*: categories, courses, course contents."""

from __future__ import annotations

from typing import Any

from ..errors import (
    MoodleError,
    dml_write_error,
    format_not_supported,
    invalid_parameter,
    missing_record,
    moodle_exception,
)
from ..params import Multiple, Params, Single, Value, clean_param, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, CONTEXT_COURSECAT, Record

FORMATS = {0, 1, 2, 4}
#: Lengths of the course table's text columns (lib/db/install.xml); longer values make the
#: INSERT fail with dml_write_exception (PostgreSQL; no id is consumed).
COURSE_COLUMN_LENGTHS = {"fullname": 254, "shortname": 255, "idnumber": 100}


def validate_format(value: int) -> int:
    """``core_external\\util::validate_format``: HTML, MOODLE, PLAIN or MARKDOWN."""
    if value not in FORMATS:
        raise format_not_supported(value)
    return value


def course_dates_error(startdate: int, enddate: int) -> str | None:
    """``course_validate_dates()``: the errorcode, or ``None`` when the dates are fine."""
    if startdate and enddate and enddate < startdate:
        return "enddatebeforestartdate"
    if not startdate and enddate:
        return "nostartdatenoenddate"
    return None


DATE_ERRORS = {
    "enddatebeforestartdate": "The course end date must be after the start date.",
    "nostartdatenoenddate": "A course end date can only be set if a start date is also set.",
}


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
            validate_format(cat["descriptionformat"])
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


# ------------------------------------------------------------------------------------ courses

FILTERS = [
    {"filter": name, "localstate": 0, "inheritedstate": 1}
    for name in (
        "displayh5p",
        "activitynames",
        "mathjaxloader",
        "emoticon",
        "urltolink",
        "mediaplugin",
    )
]


def errorinvalidparam(name: str) -> MoodleError:
    return moodle_exception("errorinvalidparam", f'The param "{name}" is invalid.')


@wsfunction(
    "core_course_create_courses",
    Params(
        {
            "courses": Multiple(
                Single(
                    {
                        "fullname": Value("text"),
                        "shortname": Value("text"),
                        "categoryid": Value("int"),
                        "idnumber": opt(Value("raw")),
                        "summary": opt(Value("raw")),
                        "summaryformat": fmt_value(),
                        "format": dflt(Value("plugin"), "topics"),
                        "showgrades": dflt(Value("int"), 1),
                        "newsitems": dflt(Value("int"), 5),
                        "startdate": opt(Value("int")),
                        "enddate": opt(Value("int")),
                        "numsections": opt(Value("int")),
                        "maxbytes": dflt(Value("int"), 0),
                        "showreports": dflt(Value("int"), 0),
                        "visible": opt(Value("int")),
                        "hiddensections": opt(Value("int")),
                        "groupmode": dflt(Value("int"), 0),
                        "groupmodeforce": dflt(Value("int"), 0),
                        "defaultgroupingid": dflt(Value("int"), 0),
                        "enablecompletion": opt(Value("int")),
                        "completionnotify": opt(Value("int")),
                        "lang": opt(Value("safedir")),
                        "forcetheme": opt(Value("plugin")),
                        "courseformatoptions": opt(
                            Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")}))
                        ),
                        "customfields": opt(
                            Multiple(
                                Single({"shortname": Value("alphanumext"), "value": Value("raw")})
                            )
                        ),
                    }
                )
            )
        }
    ),
)
def create_courses(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    from .. import seed

    state = call.state
    out = []
    with state.transaction():
        for c in params["courses"]:
            catctx = category_context(call, c["categoryid"])
            call.require_capability("moodle/course:create", catctx)
            if c["fullname"].strip() == "":
                raise errorinvalidparam("fullname")
            if c["shortname"].strip() == "":
                raise errorinvalidparam("shortname")
            now = state.now()
            startdate = c.get("startdate", now - now % 86400)
            enddate = c.get("enddate", startdate + state.config.courseduration)
            if "lang" in c and c["lang"] not in ("en",):
                raise errorinvalidparam("lang")
            options = {o["name"]: o["value"] for o in c.get("courseformatoptions", [])}
            for legacy in ("numsections", "hiddensections"):
                if legacy in c and legacy not in options:
                    options[legacy] = str(c[legacy])
            validate_format(c["summaryformat"])
            if any(x["shortname"] == c["shortname"] for x in state.courses.values()):
                raise moodle_exception(
                    "shortnametaken",
                    f"Short name is already used for another course ({c['shortname']})",
                )
            idnumber = c.get("idnumber", "")
            if idnumber and any(x.get("idnumber") == idnumber for x in state.courses.values()):
                raise moodle_exception(
                    "courseidnumbertaken",
                    f"ID number is already used for another course ({idnumber})",
                )
            date_error = course_dates_error(startdate, enddate)
            if date_error:
                raise moodle_exception(date_error, DATE_ERRORS[date_error])
            for column, length in COURSE_COLUMN_LENGTHS.items():
                value = c.get(column) or ""
                if len(value) > length:
                    raise dml_write_error(
                        f"ERROR:  value too long for type character varying({length})"
                    )
            numsections = clean_param(options.get("numsections", "4"), "int")
            enablecompletion = c.get("enablecompletion", 1) if state.config.enablecompletion else 0
            category = state.categories[c["categoryid"]]
            rec = seed.add_course(
                state,
                c["shortname"],
                fullname=c["fullname"],
                categoryid=c["categoryid"],
                numsections=max(0, numsections),
                enablecompletion=enablecompletion,
                idnumber=idnumber,
                summary=c.get("summary", ""),
                summaryformat=c["summaryformat"],
                format=c["format"],
                showgrades=c["showgrades"],
                newsitems=c["newsitems"],
                startdate=startdate,
                enddate=enddate,
                maxbytes=c["maxbytes"],
                showreports=c["showreports"],
                visible=c.get("visible", category["visible"]),
                groupmode=c["groupmode"],
                groupmodeforce=c["groupmodeforce"],
                defaultgroupingid=c["defaultgroupingid"],
                completionnotify=c.get("completionnotify", 0),
                lang=c.get("lang", ""),
                formatoptions={
                    "hiddensections": clean_param(options.get("hiddensections", "1"), "int"),
                    "coursedisplay": clean_param(options.get("coursedisplay", "0"), "int"),
                },
            )
            out.append({"id": rec["id"], "shortname": rec["shortname"]})
    return out


def course_record(call: Call, course: Record) -> dict[str, Any]:
    """A course as core_course_get_courses_by_field returns it (full record for managers)."""
    state = call.state
    ctxid = state.context_id(CONTEXT_COURSE, course["id"])
    cat = state.categories.get(course["category"])
    methods = sorted(
        (e for e in state.enrol.values() if e["courseid"] == course["id"] and e["status"] == 0),
        key=lambda e: e["sortorder"],
    )
    rec: dict[str, Any] = {
        "id": course["id"],
        "fullname": course["fullname"],
        "displayname": course["fullname"],
        "shortname": course["shortname"],
        "courseimage": f"{state.url}/pluginfile.php/{ctxid}/course/generated/course.svg",
        "categoryid": course["category"],
        "categoryname": cat["name"] if cat else "",
        "sortorder": course["sortorder"],
        "summary": course["summary"],
        "summaryformat": course["summaryformat"],
        "summaryfiles": [],
        "overviewfiles": [],
        "showactivitydates": course["showactivitydates"],
        "showcompletionconditions": course["showcompletionconditions"],
        "contacts": [],
        "enrollmentmethods": [e["enrol"] for e in methods],
    }
    assert ctxid is not None
    if call.has_capability("moodle/course:update", ctxid):
        rec.update(
            {
                "idnumber": course["idnumber"],
                "format": course["format"],
                "showgrades": course["showgrades"],
                "newsitems": course["newsitems"],
                "startdate": course["startdate"],
                "enddate": course["enddate"],
                "maxbytes": course["maxbytes"],
                "showreports": course["showreports"],
                "visible": course["visible"],
                "groupmode": course["groupmode"],
                "groupmodeforce": course["groupmodeforce"],
                "defaultgroupingid": course["defaultgroupingid"],
                "enablecompletion": course["enablecompletion"],
                "completionnotify": course["completionnotify"],
                "lang": course["lang"],
                "theme": course["theme"],
                "marker": course["marker"],
                "legacyfiles": course["legacyfiles"],
                "calendartype": course["calendartype"],
                "timecreated": course["timecreated"],
                "timemodified": course["timemodified"],
                "requested": course["requested"],
                "cacherev": course["cacherev"],
                "filters": FILTERS,
                "courseformatoptions": [
                    {"name": "hiddensections", "value": course["formatoptions"]["hiddensections"]},
                    {"name": "coursedisplay", "value": course["formatoptions"]["coursedisplay"]},
                    {"name": "indentation", "value": "1"},
                ],
            }
        )
    else:
        rec.update(
            {
                "format": course["format"],
                "showgrades": course["showgrades"],
                "newsitems": course["newsitems"],
                "startdate": course["startdate"],
                "enddate": course["enddate"],
                "maxbytes": course["maxbytes"],
                "showreports": course["showreports"],
                "visible": course["visible"],
                "groupmode": course["groupmode"],
                "groupmodeforce": course["groupmodeforce"],
                "defaultgroupingid": course["defaultgroupingid"],
                "enablecompletion": course["enablecompletion"],
                "completionnotify": course["completionnotify"],
                "lang": course["lang"],
                "theme": course["theme"],
                "marker": course["marker"],
            }
        )
    return rec


@wsfunction(
    "core_course_get_courses_by_field",
    Params({"field": dflt(Value("alpha"), ""), "value": dflt(Value("raw"), "")}),
)
def get_courses_by_field(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    field, value = params["field"], params["value"]
    courses = [c for c in state.courses.values() if c["id"] != 1]
    if field:
        if field in ("id", "category"):
            v = clean_param(value, "int")
            courses = [c for c in courses if c["id" if field == "id" else "category"] == v]
        elif field == "ids":
            ids = [int(x) for x in clean_param(value, "sequence").split(",") if x]
            courses = [c for c in courses if c["id"] in ids]
        elif field in ("shortname", "idnumber"):
            courses = [c for c in courses if c[field] == value]
        else:
            raise invalid_parameter("Invalid field name")
    out = []
    for c in sorted(courses, key=lambda c: c["id"]):
        if field == "" and c["id"] == 1:
            continue
        if (
            not can_access_course(call, c["id"])
            and not call.has_capability(
                "moodle/course:viewhiddencourses", state.context_id(CONTEXT_COURSE, c["id"]) or 1
            )
            and not c["visible"]
        ):
            continue
        out.append(course_record(call, c))
    return {"courses": out, "warnings": []}


@wsfunction(
    "core_course_get_courses",
    Params(
        {
            "options": dflt(Single({"ids": opt(Multiple(Value("int")))}), {}),
        }
    ),
)
def get_courses(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    ids = params["options"].get("ids")
    courses = [c for c in state.courses.values() if ids is None or c["id"] in ids]
    out = []
    for c in sorted(courses, key=lambda c: c["id"]):
        if c["id"] == 1:
            out.append(
                {
                    "id": 1,
                    "shortname": c["shortname"],
                    "categoryid": 0,
                    "fullname": c["fullname"],
                    "displayname": c["fullname"],
                    "idnumber": "",
                    "summary": "",
                    "summaryformat": 1,
                    "format": "site",
                    "startdate": 0,
                    "enddate": 0,
                    "numsections": 0,
                    "showactivitydates": False,
                    "showcompletionconditions": None,
                }
            )
            continue
        ctxid = state.context_id(CONTEXT_COURSE, c["id"])
        assert ctxid is not None
        if not can_access_course(call, c["id"]):
            continue
        cat = state.categories[c["category"]]
        info: dict[str, Any] = {
            "id": c["id"],
            "shortname": c["shortname"],
            "categoryid": c["category"],
            "categorysortorder": cat["sortorder"],
            "fullname": c["fullname"],
            "displayname": c["fullname"],
            "idnumber": c["idnumber"],
            "summary": c["summary"],
            "summaryformat": c["summaryformat"],
            "format": c["format"],
            "showgrades": c["showgrades"],
            "newsitems": c["newsitems"],
            "startdate": c["startdate"],
            "enddate": c["enddate"],
            "numsections": len([s for s in state.sections.values() if s["course"] == c["id"]]) - 1,
            "maxbytes": c["maxbytes"],
            "showreports": c["showreports"],
            "visible": c["visible"],
            "hiddensections": c["formatoptions"]["hiddensections"],
            "groupmode": c["groupmode"],
            "groupmodeforce": c["groupmodeforce"],
            "defaultgroupingid": c["defaultgroupingid"],
            "timecreated": c["timecreated"],
            "timemodified": c["timemodified"],
            "enablecompletion": c["enablecompletion"],
            "completionnotify": c["completionnotify"],
            "lang": c["lang"],
            "forcetheme": c["theme"],
            "courseformatoptions": [
                {"name": "hiddensections", "value": c["formatoptions"]["hiddensections"]},
                {"name": "coursedisplay", "value": c["formatoptions"]["coursedisplay"]},
                {"name": "indentation", "value": 1},
            ],
            "showactivitydates": c["showactivitydates"],
            "showcompletionconditions": c["showcompletionconditions"],
        }
        out.append(info)
    return out


@wsfunction(
    "core_course_update_courses",
    Params(
        {
            "courses": Multiple(
                Single(
                    {
                        "id": Value("int"),
                        "fullname": opt(Value("text")),
                        "shortname": opt(Value("text")),
                        "categoryid": opt(Value("int")),
                        "idnumber": opt(Value("raw")),
                        "summary": opt(Value("raw")),
                        "summaryformat": opt(Value("int")),
                        "format": opt(Value("plugin")),
                        "showgrades": opt(Value("int")),
                        "newsitems": opt(Value("int")),
                        "startdate": opt(Value("int")),
                        "enddate": opt(Value("int")),
                        "numsections": opt(Value("int")),
                        "maxbytes": opt(Value("int")),
                        "showreports": opt(Value("int")),
                        "visible": opt(Value("int")),
                        "hiddensections": opt(Value("int")),
                        "groupmode": opt(Value("int")),
                        "groupmodeforce": opt(Value("int")),
                        "defaultgroupingid": opt(Value("int")),
                        "enablecompletion": opt(Value("int")),
                        "completionnotify": opt(Value("int")),
                        "lang": opt(Value("safedir")),
                        "forcetheme": opt(Value("plugin")),
                        "courseformatoptions": opt(
                            Multiple(Single({"name": Value("alphanumext"), "value": Value("raw")}))
                        ),
                        "customfields": opt(
                            Multiple(
                                Single({"shortname": Value("alphanumext"), "value": Value("raw")})
                            )
                        ),
                    }
                )
            )
        }
    ),
)
def update_courses(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """Per-course: a failing course becomes a warning, the others are saved."""
    state = call.state
    warnings = []
    for c in params["courses"]:
        try:
            with state.transaction():
                course = state.courses.get(c["id"])
                if course is None:
                    raise missing_record("course")
                ctxid = course_context(call, c["id"])
                call.require_capability("moodle/course:update", ctxid)
                if "shortname" in c and any(
                    x["shortname"] == c["shortname"] and x["id"] != c["id"]
                    for x in state.courses.values()
                ):
                    raise moodle_exception(
                        "shortnametaken",
                        f"Short name is already used for another course ({c['shortname']})",
                    )
                if c.get("idnumber") and any(
                    x.get("idnumber") == c["idnumber"] and x["id"] != c["id"]
                    for x in state.courses.values()
                ):
                    raise moodle_exception(
                        "courseidnumbertaken",
                        f"ID number is already used for another course ({c['idnumber']})",
                    )
                if "categoryid" in c and c["categoryid"] != course["category"]:
                    category_context(call, c["categoryid"])
                    state.categories[course["category"]]["coursecount"] -= 1
                    state.categories[c["categoryid"]]["coursecount"] += 1
                    course["category"] = c["categoryid"]
                for key in (
                    "fullname",
                    "shortname",
                    "idnumber",
                    "summary",
                    "summaryformat",
                    "format",
                    "showgrades",
                    "newsitems",
                    "startdate",
                    "enddate",
                    "maxbytes",
                    "showreports",
                    "visible",
                    "groupmode",
                    "groupmodeforce",
                    "defaultgroupingid",
                    "enablecompletion",
                    "completionnotify",
                    "lang",
                ):
                    if key in c:
                        course[key] = c[key]
                for o in c.get("courseformatoptions", []):
                    if o["name"] in ("hiddensections", "coursedisplay"):
                        course["formatoptions"][o["name"]] = clean_param(o["value"], "int")
                course["timemodified"] = state.now()
        except MoodleError as err:
            warnings.append(
                {
                    "item": "course",
                    "itemid": c["id"],
                    "warningcode": err.errorcode,
                    "message": err.message,
                }
            )
    return {"warnings": warnings}


@wsfunction("core_course_delete_courses", Params({"courseids": Multiple(Value("int"))}))
def delete_courses(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    warnings = []
    with state.lock:
        for courseid in params["courseids"]:
            course = state.courses.get(courseid)
            if course is None:
                warnings.append(
                    {
                        "item": "course",
                        "itemid": courseid,
                        "warningcode": "unknowncourseidnumber",
                        "message": f"Unknown course ID {courseid}",
                    }
                )
                continue
            ctxid = course_context(call, courseid)
            if not call.has_capability("moodle/course:delete", ctxid):
                warnings.append(
                    {
                        "item": "course",
                        "itemid": courseid,
                        "warningcode": "cannotdeletecourse",
                        "message": "You do not have the permission to delete this "
                        f"course{courseid}",
                    }
                )
                continue
            if courseid == 1:
                warnings.append(
                    {
                        "item": "course",
                        "itemid": courseid,
                        "warningcode": "cannotdeletecategorycourse",
                        "message": f"Course {courseid} failed to be deleted",
                    }
                )
                continue
            remove_course(state, courseid)
    return {"warnings": warnings}


def remove_course(state: Any, courseid: int) -> None:
    course = state.courses.pop(courseid)
    if course["category"] in state.categories:
        cat = state.categories[course["category"]]
        cat["coursecount"] -= 1
        rest = sorted(
            (c for c in state.courses.values() if c.get("category") == cat["id"]),
            key=lambda c: c["sortorder"],
        )
        for i, other in enumerate(rest):
            other["sortorder"] = cat["sortorder"] + i + 1
    for sid in [s for s, sec in state.sections.items() if sec["course"] == courseid]:
        del state.sections[sid]
    for cmid in [m for m, cm in state.modules.items() if cm["course"] == courseid]:
        del state.modules[cmid]
        for key in [k for k in state.completion if k[0] == cmid]:
            del state.completion[key]
    for eid in [e for e, inst in state.enrol.items() if inst["courseid"] == courseid]:
        del state.enrol[eid]
        for key in [k for k in state.user_enrolments if k[0] == eid]:
            del state.user_enrolments[key]
    ctxid = state.context_id(CONTEXT_COURSE, courseid)
    state.role_assignments = [ra for ra in state.role_assignments if ra["contextid"] != ctxid]
    for gid in [g for g, grp in state.groups.items() if grp["courseid"] == courseid]:
        del state.groups[gid]
        for key in [k for k in state.group_members if k[0] == gid]:
            del state.group_members[key]
    for qid in [q for q, quiz in state.quizzes.items() if quiz["course"] == courseid]:
        del state.quizzes[qid]
        for aid in [a for a, att in state.quiz_attempts.items() if att["quiz"] == qid]:
            del state.quiz_attempts[aid]
    for gid in [g for g, gi in state.grade_items.items() if gi["courseid"] == courseid]:
        del state.grade_items[gid]
        for key in [k for k in state.grades if k[0] == gid]:
            del state.grades[key]
    state.course_completion_criteria.pop(courseid, None)
    if ctxid is not None:
        for cid in [
            c
            for c, ctx in state.contexts.items()
            if c == ctxid or ctx["path"].startswith(state.contexts[ctxid]["path"] + "/")
        ]:
            del state.contexts[cid]


# ---------------------------------------------------------------------------- course contents

PURPOSE = {
    "forum": "collaboration",
    "glossary": "collaboration",
    "page": "content",
    "resource": "content",
    "url": "content",
    "label": "content",
    "quiz": "assessment",
    "assign": "assessment",
    "book": "content",
    "folder": "content",
    "h5pactivity": "interactivecontent",
    "lesson": "interactivecontent",
}
PLURAL = {
    "forum": "Forums",
    "glossary": "Glossaries",
    "page": "Pages",
    "resource": "Files",
    "url": "URLs",
    "label": "Text and media areas",
    "quiz": "Quizzes",
    "assign": "Assignments",
    "book": "Books",
    "folder": "Folders",
    "h5pactivity": "H5P",
    "lesson": "Lessons",
}


def ensure_news_forum(state: Any, courseid: int) -> None:
    """Moodle creates the Announcements forum lazily, the first time the course is shown."""
    from .. import seed

    course = state.courses[courseid]
    if course.get("news_forum") or courseid == 1 or not course.get("newsitems"):
        return
    instance = state.seq.next("forum")
    cm = seed.add_module(state, courseid, 0, "forum", instance, "Announcements")
    cm["sequence_front"] = True
    sec = seed.section_of(state, courseid, 0)
    sec["sequence"].remove(cm["id"])
    sec["sequence"].insert(0, cm["id"])
    course["news_forum"] = cm["id"]


def section_available(call: Call, sec: Record) -> bool:
    """A section restricted by "activity X is marked complete" (``requires_cm``)."""
    required = sec.get("requires_cm")
    if not required:
        return True
    from .completion import completion_record

    return completion_record(call.state, required, call.userid)["completionstate"] in (1, 2)


def module_entry(call: Call, cm: Record, excludecontents: bool) -> dict[str, Any]:
    from .completion import cm_completion, is_tracked

    state = call.state
    url = state.url
    tmpl = cm.get("template")
    if tmpl is not None:
        entry = {k: v for k, v in tmpl.items()}
        text = FakeJson.dumps(entry).replace("{wwwroot}", url)
        entry = FakeJson.loads(text)
    else:
        entry = {
            "id": cm["id"],
            "url": f"{url}/mod/{cm['modname']}/view.php?id={cm['id']}",
            "name": cm["name"],
            "instance": cm["instance"],
            "contextid": cm["contextid"],
            "visible": cm["visible"],
            "uservisible": True,
            "visibleoncoursepage": 1,
            "modicon": f"{url}/theme/image.php/boost/{cm['modname']}/1795668241/monologo"
            "?filtericon=1",
            "modname": cm["modname"],
            "purpose": PURPOSE.get(cm["modname"], "other"),
            "branded": False,
            "modplural": PLURAL.get(cm["modname"], cm["modname"].capitalize() + "s"),
            "availability": None,
            "indent": 0,
            "onclick": "",
            "afterlink": None,
            "customdata": '""',
            "noviewlink": False,
            "completion": cm["completion"],
            "downloadcontent": 1,
            "dates": [],
            "groupmode": 0,
        }
        if cm["modname"] == "forum":
            entry["activitybadge"] = []
            entry["customdata"] = '{"trackingtype":"1"}'
            keys = list(entry)
            entry = {k: entry[k] for k in keys}
        if cm["modname"] == "quiz":
            entry["customdata"] = (
                '{"customcompletionrules":{"completionpassorattemptsexhausted"'
                ':[],"completionminattempts":"0"}}'
            )
        if cm["modname"] == "resource" and cm["instance"] in state.resources:
            entry.update(resource_entry(state, cm))
    if cm["completion"]:
        tracked = is_tracked(state, cm["course"], call.userid)
        data = cm_completion(state, cm, call.userid, tracked)
        ordered: dict[str, Any] = {}
        for k, v in entry.items():
            if k == "completiondata":
                continue
            ordered[k] = v
            if k == "completion":
                ordered["completiondata"] = data
        entry = ordered
    if excludecontents:
        entry.pop("contents", None)
        entry.pop("contentsinfo", None)
    return entry


def resource_entry(state: Any, cm: Record) -> dict[str, Any]:
    """A file activity's ``customdata`` (with its display) and ``contents`` (its files, with
    webservice/pluginfile.php URLs), as resource_export_contents() gives them."""
    res = state.resources[cm["instance"]]
    files = [
        f
        for f in state.files
        if f["contextid"] == cm["contextid"]
        and f["component"] == "mod_resource"
        and f["filearea"] == "content"
    ]
    contents = [
        {
            "type": "file",
            "filename": f["filename"],
            "filepath": f["filepath"],
            "filesize": f["filesize"],
            "fileurl": f"{state.url}/webservice/pluginfile.php/{cm['contextid']}/mod_resource/"
            f"content/{res['revision']}{f['filepath']}{f['filename']}?forcedownload=1",
            "timecreated": f["timecreated"],
            "timemodified": f["timemodified"],
            "sortorder": 1,
            "mimetype": f["mimetype"],
            "isexternalfile": False,
            "userid": f["userid"],
            "author": f["author"],
            "license": f["license"],
        }
        for f in files
    ]
    return {
        "customdata": FakeJson.dumps({"filtericon": True, "display": str(res["display"])}),
        "contents": contents,
        "contentsinfo": {
            "filescount": len(contents),
            "filessize": sum(c["filesize"] for c in contents),
            "lastmodified": max((c["timemodified"] for c in contents), default=0),
            "mimetypes": sorted({c["mimetype"] for c in contents}),
            "repositorytype": "",
        },
    }


class FakeJson:
    import json as _json

    dumps = staticmethod(_json.dumps)
    loads = staticmethod(_json.loads)


@wsfunction(
    "core_course_get_contents",
    Params(
        {
            "courseid": Value("int"),
            "options": dflt(Multiple(Single({"name": Value("alpha"), "value": Value("raw")})), []),
        }
    ),
)
def get_contents(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    filters: dict[str, Any] = {}
    for option in params["options"]:
        name = option["name"].strip()
        if name in filters:
            continue
        if name in ("excludemodules", "excludecontents", "includestealthmodules"):
            filters[name] = bool(clean_param(option["value"], "bool"))
        elif name in ("sectionid", "sectionnumber", "cmid", "modid"):
            filters[name] = clean_param(option["value"], "int")
        elif name == "modname":
            value = clean_param(option["value"], "plugin")
            if not value:
                raise errorinvalidparam(name)
            filters[name] = value
        else:
            raise errorinvalidparam(name)
    courseid = params["courseid"]
    ctxid = course_context(call, courseid)
    canviewhidden = call.has_capability("moodle/course:update", ctxid) or call.has_capability(
        "moodle/course:viewhiddensections", ctxid
    )
    ensure_news_forum(state, courseid)
    out = []
    sections = sorted(
        (s for s in state.sections.values() if s["course"] == courseid), key=lambda s: s["section"]
    )
    for sec in sections:
        if "sectionid" in filters and sec["id"] != filters["sectionid"]:
            continue
        if "sectionnumber" in filters and sec["section"] != filters["sectionnumber"]:
            continue
        name = sec["name"]
        if name is None:
            name = "General" if sec["section"] == 0 else "New section"
        entry: dict[str, Any] = {
            "id": sec["id"],
            "name": name,
            "visible": sec["visible"],
            "summary": sec["summary"],
            "summaryformat": sec["summaryformat"],
            "section": sec["section"],
            "hiddenbynumsections": 0,
            "uservisible": True,
        }
        available = section_available(call, sec)
        entry["uservisible"] = available or canviewhidden
        if sec.get("availabilityinfo") and not available:
            entry["availabilityinfo"] = sec["availabilityinfo"].replace("{wwwroot}", state.url)
        entry.update(component=sec["component"], itemid=sec["itemid"])
        modules = []
        if not filters.get("excludemodules"):
            for cmid in sec["sequence"]:
                cm = state.modules.get(cmid)
                if cm is None:
                    continue
                if "cmid" in filters and cm["id"] != filters["cmid"]:
                    continue
                if "modname" in filters and cm["modname"] != filters["modname"]:
                    continue
                if "modid" in filters and cm["instance"] != filters["modid"]:
                    continue
                mod = module_entry(call, cm, bool(filters.get("excludecontents")))
                if not canviewhidden:
                    mod.pop("availability", None)
                    if not entry["uservisible"]:
                        mod["uservisible"] = False
                        mod.pop("contents", None)
                        mod.pop("contentsinfo", None)
                modules.append(mod)
        entry["modules"] = modules
        out.append(entry)
    return out
