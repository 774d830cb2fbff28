"""``webservice/upload.php``: multipart upload into the token user's draft area.

Its answers differ from REST: HTTP 200, Content-Type ``text/plain`` when the request carried
files (``application/json`` otherwise), a JSON list with one entry per file, per-file problems
inside the list (``fileoversized`` with the missing language string ``[[maxbytes]]``,
``filenameexist``), and fatal errors in the AJAX shape
``{error, errorcode, stacktrace, debuginfo, reproductionlink}``.
"""

from __future__ import annotations

import random
import re
from typing import Any

from .errors import MoodleError, access_exception, invalid_token, moodle_exception
from .httpbits import UploadedFile
from .params import clean_param
from .rest import authenticate, php_json
from .state import CONTEXT_USER, State


def ajax_error(err: MoodleError, state: State, debug: bool, where: str) -> dict[str, Any]:
    if not debug:
        return {
            "error": err.message,
            "errorcode": err.errorcode,
            "stacktrace": None,
            "debuginfo": None,
            "reproductionlink": None,
        }
    debuginfo = (err.debuginfo or "") + "\nError code: " + err.errorcode
    return {
        "error": err.message,
        "errorcode": err.errorcode,
        "stacktrace": f"* line 81 of /webservice/lib.php: {err.exception} thrown\n"
        f"* line 58 of /webservice/upload.php: call to {where}\n",
        "debuginfo": debuginfo,
        "reproductionlink": state.url + "/",
    }


def new_draft_itemid(state: State) -> int:
    """file_get_unused_draft_itemid(): random, or the next from ``state.draft_itemid_queue``."""
    if state.draft_itemid_queue:
        itemid = state.draft_itemid_queue.pop(0)
        state.draft_itemids.add(itemid)
        return itemid
    while True:
        itemid = random.randint(1, 999999999)
        if itemid not in state.draft_itemids:
            state.draft_itemids.add(itemid)
            return itemid


def handle_upload(
    state: State, fields: list[tuple[str, str]], files: list[UploadedFile], debug: bool
) -> tuple[str, str]:
    """Returns (body, content type)."""
    ctype = "text/plain; charset=utf-8" if files else "application/json; charset=utf-8"
    form = dict(fields)
    try:
        with state.lock:
            filepath = clean_param(form.get("filepath", "/"), "path")  # "" stays "" (invalid)
            itemid_raw = form.get("itemid", "0")
            itemid = clean_param(itemid_raw, "int")
            if "token" not in form:
                raise moodle_exception("missingparam", "A required parameter (token) was missing")
            token = clean_param(form["token"], "alphanum")
            if token == "":
                raise invalid_token()
            _tok, user, service = authenticate(state, token)
            if not service["uploadfiles"]:
                raise access_exception(
                    "Web service file upload must be enabled in external service settings"
                )
            ctxid = state.context_id(CONTEXT_USER, user["id"])
            assert ctxid is not None
            is_admin = state.is_siteadmin(user["id"])
            entries: list[dict[str, Any]] = []
            accepted: list[tuple[dict[str, Any], UploadedFile]] = []
            totalsize = 0
            for up in files:
                if up.error == 4:
                    raise moodle_exception("upload_error_no_file", "No file was uploaded.")
                if up.size > state.config.upload_max_filesize:
                    raise moodle_exception(
                        "upload_error_ini_size", "The file is larger than the maximum size allowed."
                    )
                entry: dict[str, Any] = {"filename": clean_param(up.filename, "file")}
                limit = state.config.maxbytes or state.config.upload_max_filesize
                if up.size > min(
                    limit, state.config.upload_max_filesize, state.config.post_max_size
                ):
                    entry["errortype"] = "fileoversized"
                    entry["error"] = "[[maxbytes]]"
                else:
                    entry["filepath"] = "/tmp/php" + "".join(
                        random.choice(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        )
                        for _ in range(6)
                    )
                    entry["size"] = up.size
                    totalsize += up.size
                    accepted.append((entry, up))
                entries.append(entry)
            if itemid <= 0:
                itemid = new_draft_itemid(state)
            else:
                state.draft_itemids.add(itemid)
            if not is_admin and totalsize > min(
                state.config.maxbytes or state.config.upload_max_filesize,
                state.config.upload_max_filesize,
            ):
                raise MoodleError(
                    "file_exception", "userquotalimit", "You have reached your file quota limit."
                )
            results: list[dict[str, Any]] = []
            files_by_entry = {id(e): up for e, up in accepted}
            for entry in entries:
                if "error" in entry:
                    results.append(entry)
                    continue
                up = files_by_entry[id(entry)]
                name = entry["filename"]
                exists = any(
                    f["contextid"] == ctxid
                    and f["component"] == "user"
                    and f["filearea"] == "draft"
                    and f["itemid"] == itemid
                    and f["filepath"] == filepath
                    and f["filename"] == name
                    for f in state.files
                )
                if exists:
                    entry["errortype"] = "filenameexist"
                    entry["error"] = f"File name already exists: {name}"
                    results.append(entry)
                    continue
                if not (filepath.startswith("/") and filepath.endswith("/")):
                    # file_storage::create_file_from_pathname(); files stored before stay.
                    raise MoodleError(
                        "file_exception",
                        "storedfileproblem",
                        "Unknown exception related to local files (Invalid file path)",
                    )
                record = {
                    "component": "user",
                    "contextid": ctxid,
                    "userid": str(user["id"]),
                    "filearea": "draft",
                    "filename": name,
                    "filepath": filepath,
                    "itemid": itemid,
                    "license": "unknown",
                    "author": state.fullname(user),
                    "source": _php_serialize_source(name),
                    "filesize": up.size,
                }
                results.append(record)
                now = state.now()
                state.files.append(
                    {
                        **record,
                        "userid": user["id"],
                        "content": up.data,
                        "mimetype": up.content_type,
                        "timecreated": now,
                        "timemodified": now,
                    }
                )
        return php_json(results), ctype
    except MoodleError as err:
        where = "webservice->authenticate_user()"
        if err.errorcode == "missingparam":
            where = "required_param()"
        return php_json(ajax_error(err, state, debug, where)), ctype


def _php_serialize_source(name: str) -> str:
    n = len(name.encode("utf-8"))
    return 'O:8:"stdClass":1:{s:6:"source";s:' + str(n) + ':"' + name + '";}'


def strip_path(path: str) -> str:
    return re.sub(r"/+", "/", path)
