"""The bundled course's data sets are exactly what scripts/make_datasets.py makes.

The generator needs numpy only (in the dev extra), so CI regenerates every CSV and compares
bytes. The .dta files are written by pandas (course extra, not installed in CI); here their
header is read to check that each is a Stata 118 file with the CSV's columns and rows.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_datasets", REPO / "scripts" / "make_datasets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_datasets"] = module
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
DATASETS = [make() for make in GEN.MAKERS]
COPIES = [(ds, path) for ds in DATASETS for path in GEN.csv_paths(ds)]


@pytest.mark.parametrize(
    ("ds", "path"), COPIES, ids=[str(p.relative_to(REPO)) for _, p in COPIES]
)
def test_committed_csv_is_what_the_generator_makes(ds: object, path: Path) -> None:
    expected = GEN.csv_text(ds)
    actual = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path.relative_to(REPO)} differs from scripts/make_datasets.py's output: run "
        "`python scripts/make_datasets.py` (if numpy changed its generator, rerun "
        "scripts/course_results.py too and update the numbers quoted in the lessons)"
    )


def _dta_header(path: Path) -> tuple[int, int, list[str]]:
    """(K variables, N observations, variable names) of a format-118 .dta file."""
    raw = path.read_bytes()
    head = re.match(rb"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>", raw)
    assert head, f"{path.name}: not a little-endian Stata 118 file"
    pos = head.end()
    assert raw[pos : pos + 3] == b"<K>"
    (k,) = struct.unpack_from("<H", raw, pos + 3)
    pos = raw.index(b"<N>", pos) + 3
    (n,) = struct.unpack_from("<Q", raw, pos)
    pos = raw.index(b"<varnames>") + len(b"<varnames>")
    names = [raw[pos + 129 * i : pos + 129 * (i + 1)].split(b"\0")[0].decode() for i in range(k)]
    return k, n, names


@pytest.mark.parametrize(
    ("ds", "path"), COPIES, ids=[str(p.relative_to(REPO)) for _, p in COPIES]
)
def test_dta_has_the_csv_columns_and_rows(ds: object, path: Path) -> None:
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    rows = path.read_text(encoding="utf-8").count("\n") - 1
    k, n, names = _dta_header(path.with_suffix(".dta"))
    assert (k, n, names) == (len(header), rows, header)


def test_copies_of_a_data_set_are_identical() -> None:
    for ds in DATASETS:
        paths = GEN.csv_paths(ds)
        for suffix in (".csv", ".dta"):
            blobs = {p.with_suffix(suffix).read_bytes() for p in paths}
            assert len(blobs) == 1, f"copies of {ds.name}{suffix} differ"


def _columns(path: Path) -> dict[str, list[float]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    names = lines[0].split(",")
    cols: dict[str, list[float]] = {n: [] for n in names}
    for line in lines[1:]:
        for name, cell in zip(names, line.split(","), strict=True):
            cols[name].append(float(cell))
    return cols


@pytest.mark.parametrize(
    ("name", "group", "response", "group_level", "n_groups"),
    [
        ("pupils", "school", "normexam", "schgend", 65),
        ("antenatal", "comm", "antemed", "urban", 300),
    ],
)
def test_data_are_clustered(
    name: str, group: str, response: str, group_level: str, n_groups: int
) -> None:
    ds = next(d for d in DATASETS if d.name == name)
    cols = _columns(GEN.csv_paths(ds)[0])
    groups: dict[float, list[int]] = {}
    for i, g in enumerate(cols[group]):
        groups.setdefault(g, []).append(i)
    assert len(groups) == n_groups
    # Sorted by group, and the group-level variable is constant within each group.
    assert cols[group] == sorted(cols[group])
    for rows in groups.values():
        assert len({cols[group_level][i] for i in rows}) == 1
    # One-way ANOVA: the group means of the response vary far more than chance allows.
    y = cols[response]
    grand = sum(y) / len(y)
    between = sum(len(r) * (sum(y[i] for i in r) / len(r) - grand) ** 2 for r in groups.values())
    within = sum(
        (y[i] - sum(y[j] for j in r) / len(r)) ** 2 for r in groups.values() for i in r
    )
    f = (between / (len(groups) - 1)) / (within / (len(y) - len(groups)))
    assert f > 2.0, f"{name}: no clustering (F = {f:.2f})"


def test_course_results_were_computed_from_the_committed_data() -> None:
    results = (REPO / "scripts" / "course_results.md").read_text(encoding="utf-8")
    quoted = dict(re.findall(r"- `([^`]+\.csv)`: `([0-9a-f]{64})`", results))
    assert quoted, "scripts/course_results.md names no data files"
    for rel, digest in quoted.items():
        actual = hashlib.sha256((REPO / rel).read_bytes()).hexdigest()
        assert actual == digest, f"{rel} changed: rerun `python scripts/course_results.py`"
