"""YAML reading that keeps line and column numbers, for diagnostics.

PyYAML's :func:`yaml.compose` gives nodes with start marks; we read mappings field by field
from those nodes (:class:`Fields`) so that every wrong type, unknown key or bad value is
reported where it was written. Nothing here raises for author mistakes: problems are added
to a :class:`~lemma_pkg.diagnostics.Diagnostics` collector.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lemma_pkg.content import codes
from lemma_pkg.diagnostics import Diagnostics


@dataclass(frozen=True)
class Pos:
    """1-based line and column."""

    line: int
    column: int


# Hints for a value of the wrong type: what to write instead ({key} is the key).
_EXAMPLES = {
    "true or false": "write {key}: true or {key}: false",
    "a whole number": "write a number without quotes or decimals, e.g. {key}: 3",
    "a number": "write a number without quotes, e.g. {key}: 50",
    "a string": 'write text, in quotes if it looks like a number or a date: {key}: "..."',
    "a list": 'write one entry per line, each starting with "- " under "{key}:"',
    "a mapping": 'write "name: value" lines indented under "{key}:"',
    "a date written YYYY-MM-DD": "write the date as {key}: 2027-01-11",
}


def _bounds(minimum: float | None, maximum: float | None) -> str:
    """``>= 0 and <= 100`` (either side may be missing)."""
    lo = "" if minimum is None else f">= {minimum:g}"
    hi = "" if maximum is None else f"<= {maximum:g}"
    return " and ".join(x for x in (lo, hi) if x)


def pos(node: Node, line_offset: int = 0) -> Pos:
    mark = node.start_mark
    return Pos(mark.line + 1 + line_offset, mark.column + 1)


def compose(
    text: str, display: str, diags: Diagnostics, line_offset: int = 0
) -> tuple[Node | None, bool]:
    """Parse ``text`` into a node tree. Returns (node, ok); node is None for an empty document.

    ``line_offset`` shifts reported lines (front matter starts after the ``---`` line).
    """
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), True
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else 0
        col = mark.column + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        hint = "check indentation, colons and quotes; strings containing ': ' or ' #' need quotes"
        if "escape" in problem:
            hint = (
                "backslashes (LaTeX) in double-quoted strings must be doubled; "
                "use single quotes or a block scalar (|) instead"
            )
        diags.error(
            display, line, col, codes.YAML_SYNTAX, f"invalid YAML: {problem}{context}", hint
        )
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML raises marked errors for text
        diags.error(display, 0, 0, codes.YAML_SYNTAX, f"invalid YAML: {exc}")
    return None, False


class _Constructor(SafeConstructor):
    pass


def construct(node: Node) -> Any:
    """The plain Python value of ``node`` (safe tags only)."""
    return _Constructor().construct_document(node)


def type_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "true/false",
        "null": "empty (null)",
        "timestamp": "a date",
    }.get(tag, tag)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`did you mean "x"?` for the closest of ``choices``, or ""."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'did you mean "{close[0]}"?' if close else ""


class Fields:
    """Typed access to one YAML mapping; records a diagnostic for every problem.

    Getters return the default (or None) when a value is missing or wrong, so a reader can
    go on and report everything in one run. Call :meth:`finish` to report unknown keys.
    """

    def __init__(
        self,
        node: MappingNode,
        display: str,
        diags: Diagnostics,
        what: str,
        line_offset: int = 0,
    ) -> None:
        self.node = node
        self.display = display
        self.diags = diags
        self.what = what
        self.line_offset = line_offset
        self.keys: dict[str, tuple[Node, Node]] = {}
        self.used: set[str] = set()
        self.ok = True
        for knode, vnode in node.value:
            key = construct(knode) if isinstance(knode, ScalarNode) else None
            if not isinstance(key, str):
                self.error(knode, codes.WRONG_TYPE, f"{what}: keys must be strings")
                continue
            if key in self.keys:
                first = pos(self.keys[key][0], line_offset)
                self.error(
                    knode,
                    codes.DUPLICATE_KEY,
                    f'{what}: key "{key}" is given twice (first on line {first.line})',
                    "remove one of them; YAML would silently keep only the last",
                )
                continue
            self.keys[key] = (knode, vnode)

    # ------------------------------------------------------------------ reporting

    def error(self, node: Node, code: str, message: str, hint: str = "") -> None:
        p = pos(node, self.line_offset)
        self.diags.error(self.display, p.line, p.column, code, message, hint)
        self.ok = False

    def warning(self, node: Node, code: str, message: str, hint: str = "") -> None:
        p = pos(node, self.line_offset)
        self.diags.warning(self.display, p.line, p.column, code, message, hint)

    def where(self, key: str | None = None) -> Pos:
        """Position of ``key``'s value, or of the mapping itself."""
        if key is not None and key in self.keys:
            return pos(self.keys[key][1], self.line_offset)
        return pos(self.node, self.line_offset)

    # ------------------------------------------------------------------ access

    def has(self, key: str) -> bool:
        return key in self.keys

    def raw(self, key: str) -> Node | None:
        """The value node of ``key`` (marks it as known)."""
        self.used.add(key)
        entry = self.keys.get(key)
        return entry[1] if entry else None

    def _missing(self, key: str, required: bool) -> None:
        if required:
            p = pos(self.node, self.line_offset)
            self.diags.error(
                self.display,
                p.line,
                p.column,
                codes.MISSING_KEY,
                f'{self.what}: required key "{key}" is missing',
                f'add "{key}: ..."',
            )
            self.ok = False

    def _scalar(self, key: str, required: bool) -> tuple[Node | None, Any]:
        node = self.raw(key)
        if node is None:
            self._missing(key, required)
            return None, None
        if not isinstance(node, ScalarNode):
            return node, node
        try:
            value = construct(node)
        except ConstructorError as exc:
            self.error(
                node,
                codes.WRONG_TYPE,
                f'{self.what}: "{key}": {exc.problem or exc}',
                "remove the YAML tag (the word starting with '!'); write a plain value",
            )
            return None, None
        except ValueError as exc:
            self.error(
                node,
                codes.WRONG_TYPE,
                f'{self.what}: "{key}": {exc}',
                "write a real calendar date as YYYY-MM-DD, or put the text in quotes",
            )
            return None, None
        if value is None:
            self._missing(key, required)
            if required:
                return None, None
        return node, value

    def _wrong(self, node: Node, key: str, expected: str) -> None:
        self.error(
            node,
            codes.WRONG_TYPE,
            f'{self.what}: "{key}" must be {expected}, not {type_name(node)}',
            _EXAMPLES.get(expected, "").format(key=key),
        )

    def text(
        self,
        key: str,
        required: bool = False,
        default: str | None = None,
        max_len: int | None = None,
    ) -> str | None:
        node, value = self._scalar(key, required)
        if node is None or value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self._wrong(node, key, "a string")
            return default
        text = value if isinstance(value, str) else str(node.value)
        if required and not text.strip():
            self.error(
                node,
                codes.MISSING_KEY,
                f'{self.what}: "{key}" is empty',
                f'write the value after "{key}:"',
            )
            return default
        if max_len is not None and len(text) > max_len:
            self.error(
                node,
                codes.TOO_LONG,
                f'{self.what}: "{key}" is {len(text)} characters long; Moodle allows {max_len}',
                "shorten it",
            )
        return text

    def flag(self, key: str, default: bool) -> bool:
        node, value = self._scalar(key, False)
        if node is None or value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(node, key, "true or false")
            return default
        return value

    def integer(
        self,
        key: str,
        default: int | None,
        minimum: int | None = None,
        maximum: int | None = None,
        hint: str = "",
    ) -> int | None:
        node, value = self._scalar(key, False)
        if node is None or value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong(node, key, "a whole number")
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(
                node,
                codes.BAD_VALUE,
                f'{self.what}: "{key}" must be {_bounds(minimum, maximum)}, not {value}',
                hint or f"write a whole number {_bounds(minimum, maximum)}",
            )
            return default
        return value

    def number(
        self,
        key: str,
        default: float | None,
        minimum: float | None = None,
        maximum: float | None = None,
        required: bool = False,
    ) -> float | None:
        node, value = self._scalar(key, required)
        if node is None or value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._wrong(node, key, "a number")
            return default
        if not math.isfinite(value):
            self.error(
                node,
                codes.BAD_VALUE,
                f'{self.what}: "{key}" must be a finite number, not {node.value}',
                f"write a number {_bounds(minimum, maximum)}".rstrip(),
            )
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.error(
                node,
                codes.BAD_VALUE,
                f'{self.what}: "{key}" must be {_bounds(minimum, maximum)}',
                f"write a number {_bounds(minimum, maximum)}",
            )
            return default
        return float(value)

    def date(self, key: str, required: bool = False) -> dt.date | None:
        node, value = self._scalar(key, required)
        if node is None or value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        self._wrong(node, key, "a date written YYYY-MM-DD")
        return None

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        node, value = self._scalar(key, False)
        if node is None or value is None:
            return default
        if not isinstance(value, str) or value not in choices:
            hint = (did_you_mean(str(value), choices) if isinstance(value, str) else "") or (
                f"write {key}: {choices[0]}"
                + (", or another value listed" if len(choices) > 1 else "")
            )
            self.error(
                node,
                codes.BAD_VALUE,
                f'{self.what}: "{key}" must be one of {", ".join(choices)}, not {value!r}',
                hint,
            )
            return default
        return value

    def str_list(self, key: str, required: bool = False) -> list[tuple[str, Node]] | None:
        """A list of strings with their nodes (None when missing or wrong)."""
        node = self.raw(key)
        if node is None or (isinstance(node, ScalarNode) and construct(node) is None):
            self._missing(key, required)
            return None
        if not isinstance(node, SequenceNode):
            self._wrong(node, key, "a list")
            return None
        out: list[tuple[str, Node]] = []
        for child in node.value:
            value = construct(child) if isinstance(child, ScalarNode) else None
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.error(
                    child,
                    codes.WRONG_TYPE,
                    f'{self.what}: entries of "{key}" must be strings, not {type_name(child)}',
                    'write each entry as plain text after "- ", quoted if it contains ": "',
                )
                continue
            out.append((value if isinstance(value, str) else str(child.value), child))
        return out

    def mapping(self, key: str) -> MappingNode | None:
        node = self.raw(key)
        if node is None:
            return None
        if isinstance(node, ScalarNode) and construct(node) is None:
            return None
        if not isinstance(node, MappingNode):
            self._wrong(node, key, "a mapping")
            return None
        return node

    def sequence(self, key: str, required: bool = False) -> SequenceNode | None:
        node = self.raw(key)
        if node is None or (isinstance(node, ScalarNode) and construct(node) is None):
            self._missing(key, required)
            return None
        if not isinstance(node, SequenceNode):
            self._wrong(node, key, "a list")
            return None
        return node

    def finish(self, allowed: Iterable[str] | None = None) -> None:
        """Report every key that no getter asked for (or that is not in ``allowed``)."""
        known = set(allowed) if allowed is not None else self.used
        for key, (knode, _v) in self.keys.items():
            if key in known:
                continue
            hint = did_you_mean(key, known) or f"known keys: {', '.join(sorted(known))}"
            self.error(knode, codes.UNKNOWN_KEY, f'{self.what}: unknown key "{key}"', hint)
