"""``webservice/rest/server.php``: authentication, function lookup, validation, the answer.

Follows ``webservice_base_server::run()`` and ``webservice_rest_server`` of Moodle 4.5:
format from ``moodlewsrestformat`` (default XML), ``moodlewssetting*`` fields removed, token
authentication, function lookup (``invalidrecord`` for unknown names), the service check
(``accessexception``), parameter validation and the JSON/XML rendering. Errors are HTTP 200.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from .errors import (
    MoodleError,
    access_exception,
    invalid_parameter,
    invalid_token,
    moodle_exception,
)
from .params import parse_php_form, validate_function_params
from .registry import REGISTRY, Call, known_functions, unknown_function
from .state import Record, State

NOT_ALLOWED_DEBUGINFO = """Access to the function {name}() is not allowed.
                     There could be multiple reasons for this:
                     1. The service linked to the user token does not contain the function.
                     2. The service is user-restricted and the user is not listed.
                     3. The service is IP-restricted and the user IP is not listed.
                     4. The service is time-restricted and the time has expired.
                     5. The token is time-restricted and the time has expired.
                     6. The service requires a specific capability which the user does not have.
                     7. The function is called with username/password (no user token is sent)
                     and none of the services has the function to allow the user.
                     These settings can be found in Administration > Site administration
                     > Server > Web services > External services and Manage tokens."""


def php_json(value: Any) -> str:
    """json_encode() as PHP writes it: ASCII only, ``/`` escaped."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def xmlize(value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(f'<KEY name="{k}">{xmlize(v)}</KEY>\n' for k, v in value.items())
        return f"<SINGLE>\n{inner}</SINGLE>\n"
    if isinstance(value, list):
        return "<MULTIPLE>\n" + "".join(xmlize(v) for v in value) + "</MULTIPLE>\n"
    if value is None:
        return '<VALUE null="null"/>\n'
    if isinstance(value, bool):
        value = int(value)
    return f"<VALUE>{escape(str(value), quote=True)}</VALUE>\n"


def render_error(err: MoodleError, restformat: str, debug: bool) -> str:
    if restformat == "json":
        return php_json(err.to_json(debug))
    out = '<?xml version="1.0" encoding="UTF-8" ?>\n'
    out += f'<EXCEPTION class="{err.exception}">\n'
    out += f"<ERRORCODE>{escape(err.errorcode, quote=True)}</ERRORCODE>\n"
    out += f"<MESSAGE>{escape(err.message, quote=True)}</MESSAGE>\n"
    if debug and err.debuginfo is not None:
        out += f"<DEBUGINFO>{escape(err.debuginfo, quote=True)}</DEBUGINFO>\n"
    out += "</EXCEPTION>\n"
    return out


def render_result(result: Any, restformat: str) -> str:
    if restformat == "json":
        return php_json(result)
    out = '<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE>\n'
    if result is not None:
        out += xmlize(result)
    return out + "</RESPONSE>\n"


def content_type(restformat: str) -> str:
    return "application/json" if restformat == "json" else "application/xml; charset=utf-8"


def authenticate(state: State, token: str | None) -> tuple[Record, Record, Record]:
    """webservice_server::authenticate_by_token (EXTERNAL_TOKEN_PERMANENT)."""
    if not state.config.enablewebservices:
        raise access_exception("Web services are not enabled in Advanced features.")
    tok = state.tokens.get(token or "")
    if tok is None:
        raise invalid_token()
    if tok["validuntil"] and tok["validuntil"] < state.now():
        del state.tokens[tok["token"]]
        raise access_exception(
            "Invalid token - token expired - check validuntil time for the token"
        )
    user = state.users.get(tok["userid"])
    if user is None:
        raise invalid_token()
    if state.config.maintenance and not state.is_siteadmin(user["id"]):
        raise moodle_exception(
            "sitemaintenance", "The site is undergoing maintenance and is currently not available"
        )
    if user["deleted"]:
        raise moodle_exception(
            "wsaccessuserdeleted",
            f"Refused web service access for deleted username: {user['username']}",
        )
    if not user["confirmed"]:
        raise moodle_exception(
            "wsaccessuserunconfirmed",
            f"Refused web service access for unconfirmed username: {user['username']}",
        )
    if user["suspended"]:
        raise moodle_exception(
            "wsaccessusersuspended",
            f"Refused web service access for suspended username: {user['username']}",
        )
    if user["auth"] == "nologin":
        raise moodle_exception(
            "wsaccessusernologin",
            f"Refused web service access for nologin authentication username: {user['username']}",
        )
    service = state.services[tok["serviceid"]]
    if not service["enabled"]:
        raise access_exception(
            "Web service is not available (it doesn't exist or might be disabled)"
        )
    tok["lastaccess"] = state.now()
    state.preferences.setdefault((user["id"], "last_time_enrolments_synced"), str(state.now()))
    return tok, user, service


def run(state: State, pairs: list[tuple[str, str]], debug: bool) -> tuple[str, str, Call | None]:
    """Answer one REST request. Returns (body, restformat, call) - call is None on errors
    before the function was found."""
    fields = parse_php_form(pairs)
    fmt = fields.get("moodlewsrestformat")
    restformat = fmt if fmt in ("json", "xml") else "xml"
    fields.pop("moodlewsrestformat", None)
    for name in ("raw", "fileurl", "filter", "lang", "timezone"):
        fields.pop("moodlewssetting" + name, None)
    token = fields.pop("wstoken", None)
    functionname = fields.pop("wsfunction", None)
    call: Call | None = None
    try:
        with state.lock:
            tok, user, service = authenticate(state, token if isinstance(token, str) else None)
            if not isinstance(functionname, str) or functionname == "":
                raise invalid_parameter("Missing function name")
            if functionname not in known_functions():
                raise unknown_function(functionname)
            if functionname not in service["functions"]:
                raise access_exception(NOT_ALLOWED_DEBUGINFO.format(name=functionname))
            fn = REGISTRY.get(functionname)
            if fn is None:
                raise MoodleError(
                    "core\\exception\\coding_exception",
                    "codingerror",
                    "Coding error detected, it must be fixed by a programmer: "
                    f"the fake Moodle does not implement {functionname}",
                )
            call = Call(state, user, tok, service)
            params = validate_function_params(fn.params, fields)
            result = fn.handler(call, params)
        return render_result(result, restformat), restformat, call
    except MoodleError as err:
        return render_error(err, restformat, debug), restformat, call
