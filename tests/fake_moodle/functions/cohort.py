"""core_cohort_*: create (atomic), add members (per-row warnings, codes as strings)."""

from __future__ import annotations

from typing import Any

from ..errors import invalid_parameter, missing_record, required_capability
from ..params import Multiple, Params, Single, Value, dflt, opt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSECAT
from .course import fmt_value, validate_format
from .group import CUSTOMFIELDS


def cohort_record(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["id"],
        "name": c["name"],
        "idnumber": c["idnumber"],
        "description": c["description"],
        "descriptionformat": c["descriptionformat"],
        "visible": c["visible"],
        "theme": c["theme"],
    }


@wsfunction(
    "core_cohort_create_cohorts",
    Params(
        {
            "cohorts": Multiple(
                Single(
                    {
                        "categorytype": Single({"type": Value("text"), "value": Value("raw")}),
                        "name": Value("raw"),
                        "idnumber": Value("raw"),
                        "description": opt(Value("raw")),
                        "descriptionformat": fmt_value(),
                        "visible": opt(Value("bool")),
                        "theme": opt(Value("theme")),
                        "customfields": CUSTOMFIELDS,
                    }
                )
            )
        }
    ),
)
def create_cohorts(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    out = []
    with state.transaction():
        for c in params["cohorts"]:
            ctype = c["categorytype"]
            if ctype["type"] not in ("idnumber", "id", "system"):
                raise invalid_parameter(
                    f"category type must be id, idnumber or system:{ctype['type']}"
                )
            if ctype["type"] == "system":
                ctxid = 1
            else:
                catid = next(
                    (
                        cat["id"]
                        for cat in state.categories.values()
                        if str(cat[ctype["type"]]) == ctype["value"]
                    ),
                    None,
                )
                if catid is None:
                    raise invalid_parameter(
                        f"category not exists: category {ctype['type']} = {ctype['value']}"
                    )
                catctx = state.context_id(CONTEXT_COURSECAT, catid)
                assert catctx is not None
                ctxid = catctx
            if any(x["idnumber"] == c["idnumber"] for x in state.cohorts.values()):
                raise invalid_parameter(f"record already exists: idnumber={c['idnumber']}")
            call.require_capability("moodle/cohort:manage", ctxid)
            validate_format(c["descriptionformat"])
            cid = state.seq.next("cohort")
            now = state.now()
            state.cohorts[cid] = {
                "id": cid,
                "contextid": ctxid,
                "name": c["name"],
                "idnumber": c["idnumber"],
                "description": c.get("description", ""),
                "descriptionformat": c["descriptionformat"],
                "visible": c.get("visible", True),
                "theme": c.get("theme", ""),
                "component": "",
                "timecreated": now,
                "timemodified": now,
            }
            out.append(cohort_record(state.cohorts[cid]))
    return out


@wsfunction(
    "core_cohort_add_cohort_members",
    Params(
        {
            "members": Multiple(
                Single(
                    {
                        "cohorttype": Single({"type": Value("alphanumext"), "value": Value("raw")}),
                        "usertype": Single({"type": Value("alphanumext"), "value": Value("raw")}),
                    }
                )
            )
        }
    ),
)
def add_cohort_members(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    warnings: list[dict[str, str]] = []
    with state.transaction():
        for m in params["members"]:
            ct, ut = m["cohorttype"], m["usertype"]
            if ct["type"] not in ("id", "idnumber"):
                warnings.append(
                    {"warningcode": "1", "message": f"invalid parameter: cohortype={ct['type']}"}
                )
                continue
            if ut["type"] not in ("id", "username"):
                warnings.append(
                    {"warningcode": "1", "message": f"invalid parameter: usertype={ut['type']}"}
                )
                continue
            cohort = next(
                (c for c in state.cohorts.values() if str(c[ct["type"]]) == ct["value"]), None
            )
            if cohort is None:
                warnings.append(
                    {"warningcode": "2", "message": f"cohort {ct['type']}={ct['value']} not exists"}
                )
                continue
            user = next(
                (
                    u
                    for u in state.users.values()
                    if str(u[ut["type"]]) == ut["value"] and not u["deleted"]
                ),
                None,
            )
            if user is None:
                warnings.append(
                    {"warningcode": "2", "message": f"user {ut['type']}={ut['value']} not exists"}
                )
                continue
            if (cohort["id"], user["id"]) in state.cohort_members:
                warnings.append(
                    {
                        "warningcode": "3",
                        "message": f"record already exists: cohort({ct['type']}={ct['value']} "
                        f"{ut['type']}={ut['value']})",
                    }
                )
                continue
            ctxid = cohort["contextid"]
            if not (
                call.has_capability("moodle/cohort:manage", ctxid)
                or call.has_capability("moodle/cohort:assign", ctxid)
            ):
                raise required_capability("Add and remove cohort members", "moodle/cohort:assign")
            state.cohort_members[(cohort["id"], user["id"])] = {
                "cohortid": cohort["id"],
                "userid": user["id"],
                "timeadded": state.now(),
            }
    return {"warnings": warnings}


def _viewable(call: Call, cohort: dict[str, Any]) -> None:
    ctxid = cohort["contextid"]
    if not (
        call.has_capability("moodle/cohort:manage", ctxid)
        or call.has_capability("moodle/cohort:view", ctxid)
    ):
        raise required_capability("View site-wide cohorts", "moodle/cohort:view")


@wsfunction("core_cohort_get_cohorts", Params({"cohortids": dflt(Multiple(Value("int")), [])}))
def get_cohorts(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cohort when no ids are given; each one must be viewable by the caller."""
    state = call.state
    ids = params["cohortids"] or sorted(state.cohorts)
    out = []
    for cid in ids:
        cohort = state.cohorts.get(cid)
        if cohort is None:
            continue  # get_records_list() skips unknown ids
        _viewable(call, cohort)
        rec = cohort_record(cohort)
        rec["customfields"] = []
        if not rec["theme"]:
            del rec["theme"]
        out.append(rec)
    return out


@wsfunction("core_cohort_get_cohort_members", Params({"cohortids": Multiple(Value("int"))}))
def get_cohort_members(call: Call, params: dict[str, Any]) -> list[dict[str, Any]]:
    state = call.state
    out = []
    for cid in params["cohortids"]:
        cohort = state.cohorts.get(cid)
        if cohort is None:
            raise missing_record("cohort")
        _viewable(call, cohort)
        userids = sorted(u for (c, u) in state.cohort_members if c == cid)
        out.append({"cohortid": cid, "userids": userids})
    return out
