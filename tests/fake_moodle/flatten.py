"""Flatten nested params into PHP form pairs (``users[0][customfields][0][type]``)."""

from __future__ import annotations

from typing import Any


def flatten(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(_flatten_value(name, value))
    return pairs


def _flatten_value(name: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return flatten(value, name)
    if isinstance(value, list | tuple):
        out: list[tuple[str, str]] = []
        for i, item in enumerate(value):
            out.extend(_flatten_value(f"{name}[{i}]", item))
        return out
    if isinstance(value, bool):
        return [(name, "1" if value else "0")]
    if value is None:
        return [(name, "")]
    return [(name, str(value))]
