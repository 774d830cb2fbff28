"""tool_mobile_call_external_functions: many calls in one request, JSON arguments.

Each inner function must be in the token's service (else an ``accessexception`` entry), runs
with its own validation and transaction, and the first error stops the batch. ``data`` and
``exception`` are JSON strings, as in Moodle.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import MoodleError
from ..params import Multiple, Params, Single, Value, dflt, validate_function_params
from ..registry import REGISTRY, Call, known_functions, unknown_function, wsfunction
from ..rest import php_json

MODULES = {
    "invalidparameter": "debug",
    "invalidrecord": "error",
    "nopermissions": "error",
    "invaliduser": "error",
    "accessexception": "webservice",
    "invalidtoken": "webservice",
}


def _as_php(value: Any) -> Any:
    """json_decode($args, true): objects become arrays; scalars keep their JSON types."""
    if isinstance(value, dict):
        return {str(k): _as_php(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_php(v) for v in value]
    return value


def _exception_json(call: Call, err: MoodleError) -> str:
    module = MODULES.get(err.errorcode, "moodle")
    info: dict[str, Any] = {
        "message": err.message,
        "errorcode": err.errorcode,
        "link": call.url + "/",
        "moreinfourl": f"https://docs.moodle.org/405/en/error/{module}/{err.errorcode}",
    }
    if call.state.config.debug and err.debuginfo is not None:
        info["debuginfo"] = err.debuginfo
    return php_json(info)


@wsfunction(
    "tool_mobile_call_external_functions",
    Params(
        {
            "requests": Multiple(
                Single(
                    {
                        "function": Value("alphanumext"),
                        "arguments": dflt(Value("raw"), "{}"),
                        "settingraw": dflt(Value("bool"), False),
                        "settingfilter": dflt(Value("bool"), False),
                        "settingfileurl": dflt(Value("bool"), True),
                        "settinglang": dflt(Value("lang"), ""),
                    }
                )
            )
        }
    ),
)
def call_external_functions(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    responses: list[dict[str, Any]] = []
    for req in params["requests"]:
        try:
            args = json.loads(req["arguments"])
        except ValueError:
            args = {}
        if not isinstance(args, dict):
            args = {}
        name = req["function"]
        if name not in call.service["functions"]:
            exc: dict[str, Any] = {"errorcode": "accessexception", "module": "webservice"}
            if call.state.config.debug:
                exc["debuginfo"] = "Access to the function is not allowed."
            response: dict[str, Any] = {"error": True, "exception": php_json(exc)}
        else:
            try:
                if name not in known_functions() or name not in REGISTRY:
                    raise unknown_function(name)
                fn = REGISTRY[name]
                validated = validate_function_params(fn.params, _as_php(args))
                data = fn.handler(call, validated)
                response = {"error": False, "data": php_json(data)}
            except MoodleError as err:
                response = {"error": True, "exception": _exception_json(call, err)}
        responses.append(response)
        if response["error"]:
            break
    return {"responses": responses}
