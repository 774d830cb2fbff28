"""Moodle parity: the reader gives Moodle 4.5's own question objects, block by block.

Two corpora, both with Moodle's results next to each input:
- ``fixtures/gift/parity``: a copy of the project's GIFT parity corpus and its comparator;
- ``fixtures/gift/oracle``: generated adversarial files with the results of Moodle's real
  importer code (see the README there).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lemma_pkg.gift import moodle_json, parse_bytes

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "gift"
PARITY = FIXTURES / "parity"
CORPORA = [PARITY / "cases", FIXTURES / "oracle"]


def _compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gift_compare", PARITY / "compare.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gift_compare"] = mod
    spec.loader.exec_module(mod)
    return mod


def _cases(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.gift"))


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_every_block_matches_moodle_in_process(corpus: Path) -> None:
    compare = _compare_module()
    failures = []
    total = passed = 0
    cases = _cases(corpus)
    assert len(cases) >= 150
    for gift in cases:
        expected = compare.load_json(compare.expected_path_for(gift))
        output = json.loads(json.dumps(moodle_json(parse_bytes(gift.read_bytes()))))
        result = compare.compare_case(gift.stem, expected, output)
        total += result.total
        passed += result.passed
        if result.problem or result.failures:
            failures.append(f"{gift.stem}: {result.problem or result.failures[0]}")
    assert failures == []
    assert passed == total


def test_comparator_on_the_cli_reports_100_percent() -> None:
    """The same check as CI runs by hand: compare.py driving `lemma gift parse`."""
    cmd = f"{sys.executable} -m lemma_pkg gift parse --format moodle-json {{file}}"
    proc = subprocess.run(
        [sys.executable, str(PARITY / "compare.py"), "--cases", str(PARITY / "cases"),
         "--cmd", cmd, "--jobs", "2"],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "parity: 605/605 blocks (100.0%), files 203/203" in proc.stdout


def test_comparator_catches_a_wrong_answer(tmp_path: Path) -> None:
    """The harness itself can fail: a tool that answers wrongly is reported."""
    src = PARITY / "cases" / "sample_01_mc_basic.gift"
    (tmp_path / src.name).write_bytes(src.read_bytes())
    exp = src.with_name("sample_01_mc_basic.moodle.json")
    (tmp_path / exp.name).write_bytes(exp.read_bytes())
    liar = tmp_path / "liar.py"
    liar.write_text(
        "import json,sys\n"
        "print(json.dumps({'blocks':[{'first_line':2,'question':None,"
        "'errors':[{'line':2,'column':1,'message':'x'}]}]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, str(PARITY / "compare.py"), "--cases", str(tmp_path),
         "--cmd", f"{sys.executable} {liar} {{file}}"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "FAIL sample_01_mc_basic" in proc.stdout
