"""Registry of the web-service functions the fake implements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MoodleError, missing_record, required_capability
from .params import Params
from .state import CAPABILITY_NAMES, CORE_VERSION, PLUGIN_VERSION, Record, State


@dataclass
class Call:
    """One web-service call: the site state, the token's user and the service."""

    state: State
    user: Record
    token: Record
    service: Record

    @property
    def userid(self) -> int:
        return int(self.user["id"])

    def require_capability(self, capability: str, ctxid: int) -> None:
        if not self.state.has_capability(self.userid, capability, ctxid):
            raise required_capability(CAPABILITY_NAMES.get(capability, capability), capability)

    def has_capability(self, capability: str, ctxid: int) -> bool:
        return self.state.has_capability(self.userid, capability, ctxid)

    @property
    def url(self) -> str:
        return self.state.url


Handler = Callable[[Call, dict[str, Any]], Any]


@dataclass
class WsFunction:
    name: str
    params: Params
    handler: Handler
    component: str

    @property
    def version(self) -> str:
        return CORE_VERSION if self.component.startswith("core") else PLUGIN_VERSION


REGISTRY: dict[str, WsFunction] = {}


def wsfunction(name: str, params: Params) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the web-service function ``name``."""

    def deco(handler: Handler) -> Handler:
        parts = name.split("_")
        component = parts[0] if parts[0] == "core" else f"{parts[0]}_{parts[1]}"
        REGISTRY[name] = WsFunction(name, params, handler, component)
        return handler

    return deco


_KNOWN: set[str] | None = None


def known_functions() -> set[str]:
    """Every function name a stock Moodle 4.5 defines (lib/db/services.php and plugins)."""
    global _KNOWN
    if _KNOWN is None:
        path = Path(__file__).with_name("data") / "known_functions.txt"
        _KNOWN = set(path.read_text(encoding="utf-8").split()) | set(REGISTRY)
    return _KNOWN


def function_version(name: str) -> str:
    if name in REGISTRY:
        return REGISTRY[name].version
    return CORE_VERSION if name.startswith("core_") else PLUGIN_VERSION


def unknown_function(name: str) -> MoodleError:
    return missing_record(
        "external_functions",
        f"SELECT * FROM {{external_functions}} WHERE name = ?\n[array (\n  0 => '{name}',\n)]",
    )
