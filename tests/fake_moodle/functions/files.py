"""core_files_*: browsing the draft areas that upload.php fills."""

from __future__ import annotations

import base64
from typing import Any

from ..errors import invalid_parameter, moodle_exception
from ..params import Params, Value, dflt
from ..registry import Call, wsfunction
from ..state import CONTEXT_COURSE, CONTEXT_COURSECAT, CONTEXT_MODULE, CONTEXT_USER, Record

LEVELS = {
    "system": 10,
    "user": CONTEXT_USER,
    "coursecat": CONTEXT_COURSECAT,
    "course": CONTEXT_COURSE,
    "module": CONTEXT_MODULE,
}


def _context(call: Call, contextid: int | None, level: str | None, instanceid: int | None) -> int:
    state = call.state
    if contextid:
        if contextid not in state.contexts:
            from ..errors import missing_record

            raise missing_record("context")
        return contextid
    if level is None or instanceid is None:
        raise invalid_parameter(
            "Missing parameters, please provide at least one context level or context id."
        )
    if level not in LEVELS:
        raise invalid_parameter("Invalid context level = " + level)
    ctxid = state.context_id(LEVELS[level], instanceid)
    if ctxid is None:
        from ..errors import missing_record

        raise missing_record("context")
    return ctxid


def _file_node(call: Call, f: Record) -> dict[str, Any]:
    url = (
        f"{call.url}/draftfile.php/{f['contextid']}/{f['component']}/{f['filearea']}/"
        f"{f['itemid']}{f['filepath']}{f['filename']}"
    )
    return {
        "contextid": f["contextid"],
        "component": f["component"],
        "filearea": f["filearea"],
        "itemid": f["itemid"],
        "filepath": f["filepath"],
        "filename": f["filename"],
        "isdir": False,
        "url": url,
        "timemodified": f["timemodified"],
        "timecreated": f["timecreated"],
        "filesize": f["filesize"],
        "author": f["author"],
        "license": f["license"],
    }


@wsfunction(
    "core_files_get_files",
    Params(
        {
            "contextid": Value("int"),
            "component": Value("text"),
            "filearea": Value("text"),
            "itemid": Value("int"),
            "filepath": Value("path"),
            "filename": Value("text"),
            "modified": dflt(Value("int"), None),
            "contextlevel": dflt(Value("alpha"), None),
            "instanceid": dflt(Value("int"), None),
        }
    ),
)
def get_files(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state = call.state
    contextid = params["contextid"]
    ctxid = (
        1
        if contextid == 0
        else _context(
            call,
            None if contextid == -1 else contextid,
            params["contextlevel"],
            params["instanceid"],
        )
    )
    ctx = state.contexts[ctxid]
    result: dict[str, Any] = {"parents": [], "files": []}
    # Only a user's own draft area is browsable here (file_info_context_user).
    if not (
        ctx["contextlevel"] == CONTEXT_USER
        and ctx["instanceid"] == call.userid
        and params["component"] == "user"
        and params["filearea"] == "draft"
    ):
        return result
    itemid = params["itemid"]
    filepath = params["filepath"] or "/"
    files = [
        f
        for f in state.files
        if f["contextid"] == ctxid
        and f["component"] == "user"
        and f["filearea"] == "draft"
        and f["itemid"] == itemid
    ]
    if filepath != "/":
        crumbs = [c for c in filepath.split("/") if c]
        result["parents"].append(
            {
                "contextid": ctxid,
                "component": "user",
                "filearea": "draft",
                "itemid": itemid,
                "filepath": "/",
                "filename": "Drafts",
            }
        )
        for i in range(len(crumbs) - 1):
            path = "/" + "/".join(crumbs[: i + 1]) + "/"
            result["parents"].append(
                {
                    "contextid": ctxid,
                    "component": "user",
                    "filearea": "draft",
                    "itemid": itemid,
                    "filepath": path,
                    "filename": crumbs[i],
                }
            )
    dirs: dict[str, int] = {}
    plain = []
    for f in files:
        if f["filepath"] == filepath:
            plain.append(f)
        elif f["filepath"].startswith(filepath):
            sub = f["filepath"][len(filepath) :].split("/")[0]
            dirs[sub] = max(dirs.get(sub, 0), f["timemodified"])
    listing: list[dict[str, Any]] = []
    for name in sorted(dirs):
        if params["modified"] is None or params["modified"] < dirs[name]:
            listing.append(
                {
                    "contextid": ctxid,
                    "component": "user",
                    "filearea": "draft",
                    "itemid": itemid,
                    "filepath": f"{filepath}{name}/",
                    "filename": name,
                    "isdir": True,
                    "url": None,
                    "timemodified": dirs[name],
                    "timecreated": dirs[name],
                    "filesize": 0,
                    "author": None,
                    "license": None,
                }
            )
    for f in sorted(plain, key=lambda f: f["filename"]):
        if params["modified"] is None or params["modified"] < f["timemodified"]:
            listing.append(_file_node(call, f))
    result["files"] = listing
    return result


@wsfunction(
    "core_files_upload",
    Params(
        {
            "contextid": dflt(Value("int"), None),
            "component": Value("component"),
            "filearea": Value("area"),
            "itemid": Value("int"),
            "filepath": Value("path"),
            "filename": Value("file"),
            "filecontent": Value("text"),
            "contextlevel": dflt(Value("alpha"), None),
            "instanceid": dflt(Value("int"), None),
        }
    ),
)
def files_upload(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    """Base64 upload into the caller's draft (or private) area."""
    state = call.state
    if params["component"] != "user" or params["filearea"] not in ("draft", "private"):
        raise moodle_exception("nofile", "File not specified")
    ctxid = state.context_id(CONTEXT_USER, call.userid)
    try:
        content = base64.b64decode(params["filecontent"], validate=False)
    except ValueError:
        content = b""
    itemid = params["itemid"]
    if params["filearea"] == "draft" and itemid <= 0:
        from ..upload import new_draft_itemid

        itemid = new_draft_itemid(state)
    now = state.now()
    for f in state.files:
        if (
            f["contextid"],
            f["component"],
            f["filearea"],
            f["itemid"],
            f["filepath"],
            f["filename"],
        ) == (ctxid, "user", params["filearea"], itemid, params["filepath"], params["filename"]):
            raise moodle_exception("fileexists", "File already exists")
    state.files.append(
        {
            "component": "user",
            "contextid": ctxid,
            "userid": call.userid,
            "filearea": params["filearea"],
            "filename": params["filename"],
            "filepath": params["filepath"],
            "itemid": itemid,
            "license": "unknown",
            "author": state.fullname(call.user),
            "source": "",
            "filesize": len(content),
            "content": content,
            "mimetype": "application/octet-stream",
            "timecreated": now,
            "timemodified": now,
        }
    )
    url = (
        f"{state.url}/draftfile.php/{ctxid}/user/{params['filearea']}/{itemid}"
        f"{params['filepath']}{params['filename']}"
    )
    return {
        "contextid": ctxid,
        "component": "user",
        "filearea": params["filearea"],
        "itemid": itemid,
        "filepath": params["filepath"],
        "filename": params["filename"],
        "url": url,
    }


@wsfunction("core_user_add_user_private_files", Params({"draftid": Value("int")}))
def add_user_private_files(call: Call, params: dict[str, Any]) -> None:
    """Copy the caller's draft area into its private files (replacing them)."""
    state = call.state
    ctxid = state.context_id(CONTEXT_USER, call.userid)
    assert ctxid is not None
    call.require_capability("moodle/user:manageownfiles", ctxid)
    draft = [
        f
        for f in state.files
        if f["contextid"] == ctxid and f["filearea"] == "draft" and f["itemid"] == params["draftid"]
    ]
    state.files = [
        f for f in state.files if not (f["contextid"] == ctxid and f["filearea"] == "private")
    ]
    for f in draft:
        state.files.append({**f, "filearea": "private", "itemid": 0})
    return None
