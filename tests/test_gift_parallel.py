"""Linting a large file with a forked worker gives exactly the single-process result."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lemma_pkg.gift import LintConfig, parse_text
from lemma_pkg.gift.lint import _scan_blocks, _scan_forked, lint_document

CASES = Path(__file__).resolve().parent / "fixtures" / "gift" / "parity" / "cases"
ORACLE = Path(__file__).resolve().parent / "fixtures" / "gift" / "oracle"

# Cross-block state that must survive the split: a disable comment alone before the
# question it disables, disable-next-line, a file-wide disable, duplicate ids in a
# category, a second category, every kind of error from the fixtures.
SPECIAL = """\
// lemma: disable=GIFT042

::Dup1:: Q {=a ~b}

// [id:SAME]
::Dup2:: Q {=a#x ~b#y}

$CATEGORY: $course$/top/Other

// [id:SAME]
::Dup3:: Q {=a#x ~b#y}

::NL:: Q {
// lemma: disable-next-line=GIFT024
=a#2+2=4
~b
}

// lemma: disable-file=GIFT031
"""


def _corpus() -> str:
    files = sorted(CASES.rglob("*.gift")) + sorted(ORACLE.rglob("*.gift"))
    texts = [f.read_bytes().decode("utf-8", "replace") for f in files]
    return "\n\n".join([SPECIAL, *texts, SPECIAL, "// [id:SAME]\n::Dup4:: Q {=a#x ~b#y}\n"])


def test_forked_lint_equals_single_process_lint() -> None:
    text = _corpus()
    doc = parse_text(text)
    cfg = LintConfig()
    n = len(doc.raw_blocks)
    assert n > 500
    single = lint_document(doc, "big.gift", cfg, jobs=1)
    forked = lint_document(parse_text(text), "big.gift", cfg, jobs=2)
    assert forked == single
    codes = {d.code for d in single}
    assert "GIFT019" in codes  # duplicate ids across the split are found
    assert "GIFT031" not in codes  # the file-wide disable in the second half applies
    if threading.active_count() != 1:
        pytest.skip("other threads run: the linter does not fork then")
    scanned = _scan_forked(doc, cfg, n)
    assert scanned is not None
    assert scanned == _scan_blocks(doc, cfg, 0, n)


def test_small_files_and_one_job_stay_in_process() -> None:
    doc = parse_text("::Q:: Which? {=a ~b}\n")
    assert lint_document(doc, "q.gift", jobs=2) == lint_document(doc, "q.gift", jobs=1)
    assert [d.code for d in lint_document(doc, "q.gift")] == ["GIFT042", "GIFT042"]
