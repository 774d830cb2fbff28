"""PHP-style form encoding of web-service parameters.

Moodle's REST server reads ``$_POST``, so nested structures travel as PHP array keys:
``users[0][customfields][0][type]=sector``. Rules (checked against Moodle 4.5.6, see the
transcripts 156-175):

- booleans are ``1``/``0`` (``true`` and ``True`` fail ``PARAM_BOOL``);
- integers are plain decimal (``007`` or `` 2`` fail ``PARAM_INT``);
- ``None`` means "not given": the field is left out, so Moodle uses its default;
- an empty list or mapping cannot be encoded at all; it is left out, which Moodle reads as
  "not given" (an error when the parameter is required, so callers must not send one);
- every field counts against PHP's ``max_input_vars`` (see :func:`count_fields`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

FormFields = list[tuple[str, str]]


class ParameterEncodingError(TypeError):
    """A value that cannot be sent to Moodle (a programming error, not a user error)."""


def encode_scalar(value: object, key: str = "") -> str:
    """One leaf value as Moodle expects it."""
    if isinstance(value, bool):  # before int: bool is an int
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterEncodingError(f"{key or 'value'}: {value!r} cannot be sent to Moodle")
        return repr(value)
    if isinstance(value, str):
        return value
    raise ParameterEncodingError(
        f"{key or 'value'}: cannot send a {type(value).__name__} to Moodle"
    )


def _walk(prefix: str, value: Any, out: FormFields) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            if not isinstance(k, str | int) or isinstance(k, bool):
                raise ParameterEncodingError(f"{prefix}: key {k!r} must be a str or int")
            _walk(f"{prefix}[{k}]" if prefix else str(k), v, out)
        return
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        for i, v in enumerate(value):
            _walk(f"{prefix}[{i}]", v, out)
        return
    if not prefix:
        raise ParameterEncodingError("parameters must be a mapping")
    out.append((prefix, encode_scalar(value, prefix)))


def flatten(params: Mapping[str, Any]) -> FormFields:
    """Nested parameters as ordered ``(name, value)`` form fields.

    >>> flatten({"users": [{"username": "ann", "customfields": [{"type": "sector", "value": "x"}]}]})
    [('users[0][username]', 'ann'), ('users[0][customfields][0][type]', 'sector'), ('users[0][customfields][0][value]', 'x')]
    >>> flatten({"visible": True, "courseids": [], "lang": None})
    [('visible', '1')]
    """
    out: FormFields = []
    _walk("", params, out)
    return out


def count_fields(params: Mapping[str, Any]) -> int:
    """How many form fields (leaf values) ``params`` becomes: what ``max_input_vars`` counts."""
    return len(flatten(params))
