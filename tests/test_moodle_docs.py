"""docs/moodle-client.md stays in step with the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from lemma_pkg.moodle.functions import FUNCTIONS

DOC = (Path(__file__).resolve().parent.parent / "docs" / "moodle-client.md").read_text("utf-8")


def test_every_function_is_in_the_table() -> None:
    for name, f in FUNCTIONS.items():
        row = next((ln for ln in DOC.splitlines() if ln.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{name} missing from docs/moodle-client.md"
        assert f"| {f.kind} |" in row
        assert ("| required |" if f.required else "| optional |") in row


def test_every_wrapper_named_in_the_docs_exists_and_names_its_function() -> None:
    for line in DOC.splitlines():
        m = re.match(r"\| `(\w+)` \| `(\w+)\.(\w+)`", line)
        if not m:
            continue
        wsfunction, module, attr = m.groups()
        func = getattr(importlib.import_module(f"lemma_pkg.moodle.{module}"), attr)
        assert wsfunction in (func.__doc__ or ""), f"{module}.{attr} docstring lacks {wsfunction}"
