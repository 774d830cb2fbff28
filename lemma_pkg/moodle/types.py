"""Shapes shared by several wrapper modules."""

from __future__ import annotations

from typing import Any, TypedDict


class WsWarning(TypedDict, total=False):
    """A per-row warning (``warnings[]``) as many functions return it."""

    item: str
    itemid: int
    warningcode: str
    message: str


def warnings_of(data: Any) -> list[WsWarning]:
    if isinstance(data, dict):
        return list(data.get("warnings") or [])
    return []
