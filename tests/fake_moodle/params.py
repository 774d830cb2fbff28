"""PHP form decoding and Moodle's parameter validation.

* :func:`parse_php_form` turns ``[(name, value), ...]`` pairs into PHP's nested arrays, the way
  PHP fills ``$_POST``: ``users[0][customfields][0][type]``, auto-index ``values[]``, string keys,
  later duplicates overwrite earlier ones. Arrays are ``dict[str, ...]`` (PHP arrays are ordered
  maps), leaves are ``str``.
* :class:`Value`, :class:`Single` and :class:`Multiple` mirror ``external_value``,
  ``external_single_structure`` and ``external_multiple_structure``; :func:`validate` is
  ``external_api::validate_parameters`` with the same debuginfo texts
  (``users => Invalid parameter value detected: Missing required key in single structure: lastname``).
* :func:`clean_param` implements the PARAM_* cleaning rules of ``lib/classes/param.php`` for the
  types the implemented functions use; :func:`validate_param` rejects a value whose cleaned form
  differs from what was sent (``007`` for an int, an upper-case username, ``true`` for a bool).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import INVALID_PARAMETER_MESSAGE, MoodleError, invalid_parameter

REQUIRED = 1
DEFAULT = 0
OPTIONAL = 2

PhpArray = dict[str, Any]

# --------------------------------------------------------------------------------------------
# Form decoding


def _split_name(name: str) -> tuple[str, list[str]] | None:
    """Split ``a[b][][c]`` into ``("a", ["b", "", "c"])`` like php_register_variable_ex."""
    name = name.lstrip(" ")
    if not name:
        return None
    bracket = name.find("[")
    if bracket == 0:
        return None
    if bracket < 0:
        return name.replace(".", "_").replace(" ", "_"), []
    base = name[:bracket].replace(".", "_").replace(" ", "_")
    rest = name[bracket:]
    keys: list[str] = []
    while rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            # PHP: an unterminated '[' turns into '_' in the base and ends the parsing.
            if not keys:
                return base + "_" + rest[1:], []
            break
        keys.append(rest[1:close])
        rest = rest[close + 1 :]
    return base, keys


def _next_index(arr: PhpArray) -> str:
    ints = [int(k) for k in arr if re.fullmatch(r"-?(0|[1-9][0-9]*)", k)]
    return str(max(ints) + 1 if ints and max(ints) >= 0 else 0)


def parse_php_form(pairs: list[tuple[str, str]]) -> PhpArray:
    """Decode form fields into PHP's nested arrays (dicts keyed by str, leaves str)."""
    result: PhpArray = {}
    for name, value in pairs:
        split = _split_name(name)
        if split is None:
            continue
        base, keys = split
        path = [base, *keys]
        node: PhpArray = result
        for i, key in enumerate(path):
            last = i == len(path) - 1
            if key == "" and i > 0:
                key = _next_index(node)
            if last:
                node[key] = value
            else:
                child = node.get(key)
                if not isinstance(child, dict):
                    child = {}
                    node[key] = child
                node = child
    return result


def count_form_fields(pairs: list[tuple[str, str]]) -> int:
    return len(pairs)


# --------------------------------------------------------------------------------------------
# Parameter descriptions


@dataclass
class Value:
    """external_value(type, desc, required, default, allownull)."""

    type: str
    required: int = REQUIRED
    default: Any = None
    allownull: bool = True


@dataclass
class Single:
    """external_single_structure(keys, desc, required, default)."""

    keys: dict[str, Desc]
    required: int = REQUIRED
    default: Any = None


@dataclass
class Multiple:
    """external_multiple_structure(content, desc, required, default)."""

    content: Desc
    required: int = REQUIRED
    default: Any = None


Desc = Value | Single | Multiple


def opt(d: Desc) -> Desc:
    d.required = OPTIONAL
    return d


def dflt(d: Desc, default: Any) -> Desc:
    d.required = DEFAULT
    d.default = default
    return d


@dataclass
class Params:
    """external_function_parameters: the top-level single structure of a function."""

    keys: dict[str, Desc] = field(default_factory=dict)

    def as_single(self) -> Single:
        return Single(self.keys)


# --------------------------------------------------------------------------------------------
# Cleaning


def _php_str(value: Any) -> str:
    if value is True:
        return "1"
    if value is False or value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


_INT_PREFIX = re.compile(r"^[ \t\n\r\v\f]*([+-]?[0-9]+)")


def php_intval(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    s = str(value)
    m = re.match(r"^[ \t\n\r\v\f]*[+-]?([0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?|[0-9]+\.)", s)
    if m:
        try:
            f = float(m.group(0).strip())
            if "e" in m.group(0).lower() or "." in m.group(0):
                return int(f) if math.isfinite(f) else 0
        except ValueError:
            pass
    m2 = _INT_PREFIX.match(s)
    if not m2:
        return 0
    n = int(m2.group(1))
    return max(min(n, 2**63 - 1), -(2**63))


_TAG = re.compile(r"<(?:!--.*?-->|[/!?a-zA-Z][^>]*(?:>|$))", re.S)


def strip_tags(s: str) -> str:
    """Approximate PHP strip_tags: removes tags and comments; '<' + space stays."""
    return _TAG.sub("", s)


_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
    re.I,
)

INSTALLED_AUTH = {
    "manual",
    "nologin",
    "email",
    "cas",
    "db",
    "ldap",
    "lti",
    "mnet",
    "none",
    "oauth2",
    "shibboleth",
    "webservice",
}
INSTALLED_LANGS = {"en"}
INSTALLED_THEMES = {"boost", "classic"}


def clean_param(value: Any, ptype: str) -> Any:
    """PHP clean_param() for one scalar."""
    s = _php_str(value)
    if ptype == "raw":
        return value if isinstance(value, str) else s
    if ptype == "raw_trimmed":
        return s.strip()
    if ptype in ("int", "integer"):
        return php_intval(value)
    if ptype in ("float", "number"):
        try:
            return float(s)
        except ValueError:
            return float(php_intval(s))
    if ptype == "bool":
        low = s.lower()
        if low in ("on", "yes", "true"):
            return 1
        if low in ("off", "no", "false"):
            return 0
        return 0 if s in ("", "0") else 1
    if ptype == "alpha":
        return re.sub(r"[^a-zA-Z]", "", s)
    if ptype == "alphaext":
        return re.sub(r"[^a-zA-Z_-]", "", s)
    if ptype == "alphanum":
        return re.sub(r"[^A-Za-z0-9]", "", s)
    if ptype == "alphanumext":
        return re.sub(r"[^A-Za-z0-9_-]", "", s)
    if ptype == "sequence":
        return re.sub(r"[^0-9,]", "", s)
    if ptype in ("notags", "text", "multilang"):
        return strip_tags(s)
    if ptype in ("clean", "cleanhtml"):
        return re.sub(r"<script.*?</script>", "", s, flags=re.S | re.I).strip()
    if ptype == "safedir":
        return re.sub(r"[^a-zA-Z0-9_-]", "", s)
    if ptype == "safepath":
        return re.sub(r"[^a-zA-Z0-9/_-]", "", s)
    if ptype == "file":
        out = re.sub(r"[\x00-\x1f\x7f&<>\"`|':\\/]", "", s)
        return "" if out in (".", "..") else out
    if ptype == "path":
        s2 = s.replace("\\", "/")
        crumbs = []
        for i, crumb in enumerate(s2.split("/")):
            if crumb == "." and i == 0:
                crumbs.append(crumb)
            else:
                crumbs.append(clean_param(crumb, "file"))
        out = "/".join(crumbs)
        out = re.sub(r"//+", "/", out)
        return out
    if ptype == "username":
        out = s.strip().lower().replace(" ", "")
        return re.sub(r"[^-.@_a-z0-9]", "", out)
    if ptype == "email":
        return s if _EMAIL.match(s) else ""
    if ptype == "auth":
        return s if s in INSTALLED_AUTH else ""
    if ptype == "lang":
        return s if s in INSTALLED_LANGS else ""
    if ptype == "theme":
        return s if s in INSTALLED_THEMES else ""
    if ptype == "timezone":
        pat = (
            r"^(([+-]?(0?[0-9](\.[5|0])?|1[0-3](\.0)?|1[0-2]\.5))|(99)|"
            r"[A-Za-z0-9]+(/?[A-Za-z_-])+)$"
        )
        return s if re.match(pat, s) else ""
    if ptype in ("component",):
        ok = re.fullmatch(r"[a-z][a-z0-9]*(_[a-z][a-z0-9_]*)?[a-z0-9]+", s) and "__" not in s
        if ok and s.startswith("mod_") and s.count("_") != 1:
            ok = None
        return s if ok else ""
    if ptype in ("area", "plugin"):
        return s if re.fullmatch(r"[a-z](?:[a-z0-9_](?!__))*[a-z0-9]+", s) else ""
    if ptype == "capability":
        return s if re.fullmatch(r"[a-z]+/[a-z_]+:[a-z_]+", s) else ""
    if ptype == "url":
        return s if re.match(r"^(https?|ftp)://\S+$|^/\S*$|^$", s) else ""
    if ptype == "localurl":
        return s
    if ptype == "stringid":
        return s if re.fullmatch(r"[a-zA-Z][a-zA-Z0-9.:/_-]*", s) else ""
    if ptype == "tag":
        return s
    if ptype == "host":
        return s
    raise ValueError(f"fake Moodle: PARAM type {ptype!r} not implemented")


def validate_param(value: Any, ptype: str, allownull: bool, debuginfo: str) -> Any:
    """core\\param::validate_param: the cleaned value must equal the value sent."""
    if value is None:
        if allownull:
            return None
        raise invalid_parameter(debuginfo)
    if isinstance(value, dict | list):
        raise invalid_parameter(debuginfo)
    cleaned = clean_param(value, ptype)
    if ptype in ("float", "number"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return cleaned
        s = _php_str(value)
        if not re.fullmatch(r"[+-]?[0-9]*\.?[0-9]*(e[-+]?[0-9]+)?", s, re.I) or not _is_numeric(s):
            raise invalid_parameter(debuginfo)
        return cleaned
    if _php_str(value) != _php_str(cleaned):
        raise invalid_parameter(debuginfo)
    return cleaned


def _is_numeric(s: str) -> bool:
    try:
        float(s.strip())
    except ValueError:
        return False
    return s.strip() != ""


def _print_r(value: Any) -> str:
    return _php_str(value)


def validate(desc: Desc, params: Any) -> Any:
    """external_api::validate_parameters."""
    if isinstance(desc, Value):
        if params is None and desc.allownull:
            return None
        if isinstance(params, dict | list):
            raise invalid_parameter("Scalar type expected, array or object received.")
        if desc.type == "bool" and (
            isinstance(params, bool) or params in (0, 1) or params in ("0", "1")
        ):
            return bool(int(params))
        debuginfo = (
            f'Invalid external api parameter: the value is "{_php_str(params)}", '
            f'the server was expecting "{desc.type}" type'
        )
        cleaned = validate_param(params, desc.type, desc.allownull, debuginfo)
        if desc.type == "bool":
            return bool(cleaned)
        return cleaned
    if isinstance(desc, Single):
        if not isinstance(params, dict):
            raise invalid_parameter(f"Only arrays accepted. The bad value is: '{_print_r(params)}'")
        remaining = dict(params)
        result: dict[str, Any] = {}
        for key, sub in desc.keys.items():
            if key not in remaining:
                if sub.required == REQUIRED:
                    raise invalid_parameter(f"Missing required key in single structure: {key}")
                if sub.required == DEFAULT:
                    try:
                        result[key] = validate(sub, sub.default)
                    except MoodleError as e:
                        raise _wrap(key, e) from None
            else:
                try:
                    result[key] = validate(sub, remaining[key])
                except MoodleError as e:
                    raise _wrap(key, e) from None
            remaining.pop(key, None)
        if remaining:
            raise invalid_parameter(
                "Unexpected keys (" + ", ".join(remaining) + ") detected in parameter array."
            )
        return result
    if isinstance(desc, Multiple):
        if isinstance(params, list):
            items = params
        elif isinstance(params, dict):
            items = list(params.values())
        else:
            raise invalid_parameter(f"Only arrays accepted. The bad value is: '{_print_r(params)}'")
        return [validate(desc.content, item) for item in items]
    raise TypeError(desc)


def _wrap(key: str, e: MoodleError) -> MoodleError:
    if e.errorcode != "invalidparameter":
        return e
    return invalid_parameter(f"{key} => {INVALID_PARAMETER_MESSAGE}: {e.debuginfo or ''}")


def validate_function_params(params: Params, raw: PhpArray) -> dict[str, Any]:
    result = validate(params.as_single(), raw)
    assert isinstance(result, dict)
    return result
