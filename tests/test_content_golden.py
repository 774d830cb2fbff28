"""The whole model of the golden small course, compared with a committed JSON snapshot.

The snapshot (tests/fixtures/course_small/expected-model.json) shows the backup writer
exactly what the loader gives it. After an intended change, regenerate it with
``LEMMA_UPDATE_GOLDEN=1 pytest tests/test_content_golden.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from lemma_pkg.content.loader import load_course

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
SNAPSHOT = GOLDEN / "expected-model.json"


def _plain(value: Any, root: Path) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"kind": type(value).__name__}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.name == "questions":
                out["questions"] = [q.get("name", q.get("qtype")) for q in v]
            else:
                out[f.name] = _plain(v, root)
        return out
    if isinstance(value, Path):
        return value.relative_to(root).as_posix() if value.is_absolute() else value.as_posix()
    if isinstance(value, tuple | list):
        return [_plain(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, root) for k, v in value.items()}
    return value


def test_model_matches_snapshot() -> None:
    result = load_course(GOLDEN)
    assert result.course is not None
    root = GOLDEN.resolve()
    model = _plain(result.course, root)
    text = json.dumps(model, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("LEMMA_UPDATE_GOLDEN"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8")
