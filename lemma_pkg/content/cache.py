"""A memo of the loader's costly pure steps, for loading one project again and again.

The preview server and the language server load the course after every save or
keystroke; most sources have not changed since the last load. :class:`LoadCache` keeps
the result of parsing each YAML text (module.yaml, front matter: the node trees, which the
loader only reads), of rendering each Markdown text and of reading each GIFT file, keyed by
everything the step reads: the text or bytes themselves and its other inputs. A hit is
therefore exactly what a fresh run gives. Markdown rendering also asks the file system
whether link targets exist: an entry remembers the targets it checked and is used only
while each still is (or still is not) a file.

Entries that a load did not use are dropped when it ends (:meth:`LoadCache.sweep`), so
the memo holds one course's worth of results.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from yaml.nodes import Node

from lemma_pkg.diagnostics import Diagnostic
from lemma_pkg.render.markdown import Rendered

MarkdownKey = tuple[str, Path, Path, str, int, int]
GiftKey = tuple[bytes, str, Any]
GiftResult = tuple[tuple[dict[str, Any], ...], tuple[Diagnostic, ...]]
YamlKey = tuple[str, str, int]
YamlResult = tuple[Node | None, bool, tuple[Diagnostic, ...]]
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class MarkdownEntry:
    """One rendering: its output, the diagnostics it gave and the files it collected."""

    rendered: Rendered
    diagnostics: tuple[Diagnostic, ...]
    assets: tuple[Path, ...]

    def still_valid(self) -> bool:
        """True while every link target is still a file and every missing one still is not."""
        return all(p.is_file() for p in self.rendered.referenced) and not any(
            p.is_file() for p in self.rendered.missing
        )


class LoadCache:
    """Results of earlier loads of one project (see the module docstring)."""

    def __init__(self) -> None:
        self._markdown: dict[MarkdownKey, MarkdownEntry] = {}
        self._gift: dict[GiftKey, GiftResult] = {}
        self._yaml: dict[YamlKey, YamlResult] = {}
        self._used_markdown: set[MarkdownKey] = set()
        self._used_gift: set[GiftKey] = set()
        self._used_yaml: set[YamlKey] = set()
        self.hits = 0
        self.misses = 0

    def markdown(self, key: MarkdownKey, compute: Callable[[], MarkdownEntry]) -> MarkdownEntry:
        return self._lookup(self._markdown, self._used_markdown, key, compute)

    def gift(self, key: GiftKey, compute: Callable[[], GiftResult]) -> GiftResult:
        return self._lookup(self._gift, self._used_gift, key, compute)

    def yaml(self, key: YamlKey, compute: Callable[[], YamlResult]) -> YamlResult:
        return self._lookup(self._yaml, self._used_yaml, key, compute)

    def _lookup(self, store: dict[K, V], used: set[K], key: K, compute: Callable[[], V]) -> V:
        value = store.get(key)
        if value is None or (isinstance(value, MarkdownEntry) and not value.still_valid()):
            self.misses += 1
            value = compute()
            store[key] = value
        else:
            self.hits += 1
        used.add(key)
        return value

    def sweep(self) -> None:
        """Forget what the load that just ended did not use."""
        self._markdown = {k: v for k, v in self._markdown.items() if k in self._used_markdown}
        self._gift = {k: v for k, v in self._gift.items() if k in self._used_gift}
        self._yaml = {k: v for k, v in self._yaml.items() if k in self._used_yaml}
        self._used_markdown = set()
        self._used_gift = set()
        self._used_yaml = set()
