"""The companion plugin's contract (``contract.yaml``): functions, parameters, returns.

One document that the PHP plugin, the generated ``db/services.php``, the fake Moodle and the
docs all follow. :func:`load_contract` reads it into typed values; :func:`canonical` gives the
form that the PHP side dumps too, so that both can be compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

CONTRACT_PATH = Path(__file__).with_name("contract.yaml")

#: external_value's "required" argument, as Moodle numbers it.
VALUE_REQUIRED = 1
VALUE_OPTIONAL = 2
VALUE_DEFAULT = 0


@dataclass(frozen=True)
class Node:
    """One parameter or return description: a value, a structure or a list."""

    kind: Literal["value", "single", "multiple"]
    type: str = ""  # PARAM_* value (lower case), for kind == "value"
    keys: dict[str, Node] = field(default_factory=dict)  # for "single"
    content: Node | None = None  # for "multiple"
    required: int = VALUE_REQUIRED
    default: Any = None
    allownull: bool = True
    desc: str = ""


@dataclass(frozen=True)
class PluginFunction:
    name: str
    classname: str
    type: Literal["read", "write"]
    capabilities: tuple[str, ...]
    description: str
    parameters: dict[str, Node]
    returns: Node | None


class ContractError(ValueError):
    """contract.yaml itself is malformed (a bug in lemma, caught by its tests)."""


def _node(raw: Any, where: str) -> Node:
    if not isinstance(raw, dict):
        raise ContractError(f"{where}: expected a mapping, got {raw!r}")
    kinds = [k for k in ("type", "keys", "list") if k in raw]
    if len(kinds) != 1:
        raise ContractError(f"{where}: exactly one of type/keys/list, got {sorted(raw)}")
    unknown = set(raw) - {"type", "keys", "list", "desc", "default", "optional", "allownull"}
    if unknown:
        raise ContractError(f"{where}: unknown keys {sorted(unknown)}")
    if "default" in raw and raw.get("optional"):
        raise ContractError(f"{where}: default and optional exclude each other")
    required = VALUE_REQUIRED
    if "default" in raw:
        required = VALUE_DEFAULT
    elif raw.get("optional"):
        required = VALUE_OPTIONAL
    common: dict[str, Any] = {
        "required": required,
        "default": raw.get("default"),
        "desc": str(raw.get("desc", "")),
    }
    if "type" in raw:
        return Node(
            "value", type=str(raw["type"]), allownull=bool(raw.get("allownull", True)), **common
        )
    if "keys" in raw:
        keys = raw["keys"]
        if not isinstance(keys, dict):
            raise ContractError(f"{where}.keys: expected a mapping")
        return Node(
            "single", keys={str(k): _node(v, f"{where}.{k}") for k, v in keys.items()}, **common
        )
    return Node("multiple", content=_node(raw["list"], f"{where}[]"), **common)


@cache
def load_contract(path: Path = CONTRACT_PATH) -> dict[str, PluginFunction]:
    """Read contract.yaml: function name -> :class:`PluginFunction`, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    functions: dict[str, PluginFunction] = {}
    for name, raw in (data.get("functions") or {}).items():
        if not str(name).startswith("local_lemma_"):
            raise ContractError(f"{name}: plugin functions are named local_lemma_*")
        params = raw.get("parameters") or {}
        if raw.get("type") not in ("read", "write"):
            raise ContractError(f"{name}: type must be read or write")
        functions[name] = PluginFunction(
            name=name,
            classname=str(raw["class"]),
            type=raw["type"],
            capabilities=tuple(raw.get("capabilities") or ()),
            description=" ".join(str(raw.get("description", "")).split()),
            parameters={str(k): _node(v, f"{name}.{k}") for k, v in params.items()},
            returns=_node(raw["returns"], f"{name}.returns") if raw.get("returns") else None,
        )
    return functions


def canonical(node: Node | None) -> Any:
    """The comparable form of a description (descriptions left out); the PHP dump
    (tests/php/dump_external.php) prints the same shape."""
    if node is None:
        return None
    out: dict[str, Any] = {"required": node.required}
    if node.required == VALUE_DEFAULT:
        out["default"] = node.default
    if node.kind == "value":
        out.update(type=node.type, allownull=node.allownull)
    elif node.kind == "single":
        out["keys"] = {k: canonical(v) for k, v in node.keys.items()}
    else:
        out["list"] = canonical(node.content)
    return out


def canonical_parameters(fn: PluginFunction) -> Any:
    return {k: canonical(v) for k, v in fn.parameters.items()}
