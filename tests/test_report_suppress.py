"""Small-cell and complementary suppression: no hidden count can be recovered from what is
published. Checked against brute force: every table of non-negative whole numbers that
agrees with the published figures is enumerated, and each hidden figure must take at
least two values among them."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from lemma_pkg.report.lp import INF, value_range
from lemma_pkg.report.suppress import TOTAL, Item, Key, Protection, all_items, atom, protect


def possible_values(
    prot: Protection, upper: Mapping[Key, int] | None = None
) -> dict[Item, set[int]] | None:
    """Every value each hidden item can take in a table consistent with the publication."""
    keys = sorted(prot.atoms)
    items = all_items(prot.atoms, prot.dims)
    hidden_atoms = [k for k in keys if atom(k) in prot.hidden]
    published = [i for i in items if i not in prot.hidden]
    total = sum(prot.atoms.values())
    out: dict[Item, set[int]] = {i: set() for i in items if i in prot.hidden}
    caps = []
    for k in hidden_atoms:  # a hidden cell is at most what its published totals leave
        cap = (upper or {}).get(k, total)
        for i in published:
            if i.kind != "a" and i.covers(k):
                known = sum(
                    prot.atoms[o] for o in keys if i.covers(o) and atom(o) not in prot.hidden
                )
                cap = min(cap, prot.value(i) - known)
        caps.append(cap)
    ranges = [range(cap + 1) for cap in caps]
    if math.prod(len(r) for r in ranges) > 200_000:
        return None
    for values in itertools.product(*ranges):
        table = dict(prot.atoms)
        table.update(zip(hidden_atoms, values, strict=True))
        trial = Protection(table, prot.dims)
        if all(trial.value(i) == prot.value(i) for i in published):
            for i in out:
                out[i].add(trial.value(i))
    return out


def assert_safe(prot: Protection, k: int, upper: Mapping[Key, int] | None = None) -> None:
    for item in all_items(prot.atoms, prot.dims):
        v = prot.published(item)
        assert v is None or v == 0 or v >= k, (item, v)
    if prot.hidden >= set(all_items(prot.atoms, prot.dims)):
        return  # nothing published
    found = possible_values(prot, upper)
    if found is None:  # too many tables to enumerate: exact LP ranges instead
        for item, (lo, hi) in lp_ranges(prot, upper).items():
            assert lo < hi, f"{item} is recoverable: always {lo}"
        return
    for item, values in found.items():
        assert len(values) >= 2, f"{item} is recoverable: only {values}"


def lp_ranges(
    prot: Protection, upper: Mapping[Key, int] | None
) -> dict[Item, tuple[object, object]]:
    """Exact (min, max) of every hidden item given the published figures."""
    keys = sorted(prot.atoms)
    items = all_items(prot.atoms, prot.dims)
    hidden = [k for k in keys if atom(k) in prot.hidden]
    a_eq, b_eq = [], []
    for i in items:
        if i in prot.hidden:
            continue
        a_eq.append([int(i.covers(k)) for k in hidden])
        b_eq.append(
            prot.value(i) - sum(prot.atoms[k] for k in keys if i.covers(k) and k not in hidden)
        )
    bounds = [(upper or {}).get(k) for k in hidden]
    out = {}
    for i in items:
        if i in prot.hidden:
            rng = value_range(a_eq, b_eq, bounds, [int(i.covers(k)) for k in hidden])
            assert rng is not None
            out[i] = rng
    return out


def test_one_small_cell_in_a_two_by_two_table_hides_all_four() -> None:
    atoms = {("A", "x"): 2, ("A", "y"): 10, ("B", "x"): 9, ("B", "y"): 12}
    prot = protect(atoms, 2, 5)
    assert {i for i in prot.hidden if i.kind == "a"} == {atom(k) for k in atoms}
    assert prot.published(TOTAL) == 33
    assert_safe(prot, 5)


def test_row_total_minus_published_cells_does_not_give_the_small_cell_away() -> None:
    atoms = {
        ("A", "x"): 2,
        ("A", "y"): 10,
        ("A", "z"): 7,
        ("B", "x"): 9,
        ("B", "y"): 12,
        ("B", "z"): 6,
    }
    prot = protect(atoms, 2, 5)
    assert atom(("A", "x")) in prot.hidden
    row_a = [k for k in atoms if k[0] == "A" and atom(k) in prot.hidden]
    col_x = [k for k in atoms if k[1] == "x" and atom(k) in prot.hidden]
    assert len(row_a) >= 2 and len(col_x) >= 2
    assert_safe(prot, 5)


def test_zeros_next_to_a_small_cell() -> None:
    # Row A is (3, 0, 0): its total 3 is small, so row B's total would give it away
    # through the grand total; with only two rows nothing can be shown.
    atoms = {
        ("A", "x"): 3,
        ("A", "y"): 0,
        ("A", "z"): 0,
        ("B", "x"): 5,
        ("B", "y"): 6,
        ("B", "z"): 5,
    }
    prot = protect(atoms, 2, 5)
    assert prot.published(Item("m", dim=0, value="B")) is None
    assert_safe(prot, 5)
    # With a third row the small row hides with one partner.
    atoms.update({("C", "x"): 7, ("C", "y"): 5, ("C", "z"): 6})
    prot = protect(atoms, 2, 5)
    assert prot.published(Item("m", dim=0, value="A")) is None
    assert prot.published(TOTAL) == 37
    assert_safe(prot, 5)


def test_a_small_margin_is_hidden_and_cannot_be_rebuilt_from_its_cells() -> None:
    atoms = {("A", "x"): 0, ("A", "y"): 3, ("B", "x"): 7, ("B", "y"): 8}
    prot = protect(atoms, 2, 5)
    assert prot.published(Item("m", dim=0, value="A")) is None
    assert_safe(prot, 5)


def test_one_dimensional_table_with_its_total() -> None:
    atoms = {("w1",): 12, ("w2",): 3, ("w3",): 9, ("w4",): 20}
    prot = protect(atoms, 1, 5)
    assert atom(("w2",)) in prot.hidden and atom(("w3",)) in prot.hidden
    assert atom(("w4",)) not in prot.hidden
    assert_safe(prot, 5)


def test_known_group_sizes_bound_the_hidden_counts() -> None:
    # Completers per group; the groups have 5 and 9 learners (published elsewhere).
    atoms = {("A",): 5, ("B",): 2}
    upper = {("A",): 5, ("B",): 9}
    prot = protect(atoms, 1, 5, upper=upper, forced=[atom(("A",))])
    assert_safe(prot, 5, upper)


def test_forced_items_stay_hidden() -> None:
    atoms = {("A", "x"): 6, ("A", "y"): 7, ("B", "x"): 8, ("B", "y"): 9}
    prot = protect(atoms, 2, 5, forced=[atom(("A", "x"))])
    assert atom(("A", "x")) in prot.hidden
    assert_safe(prot, 5)


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[Key, int], int]:
    dims = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 3)) for _ in range(dims)]
    if dims == 3:
        sizes = [min(s, 2) for s in sizes]
    keys = list(itertools.product(*[[f"v{d}{i}" for i in range(n)] for d, n in enumerate(sizes)]))
    values = draw(
        st.lists(
            st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9]), min_size=len(keys), max_size=len(keys)
        )
    )
    return dict(zip(keys, values, strict=True)), dims


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from([3, 5]))
def test_no_hidden_count_is_ever_recoverable(table: tuple[dict[Key, int], int], k: int) -> None:
    atoms, dims = table
    prot = protect(atoms, dims, k)
    assert_safe(prot, k)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n), max_size=3),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.lists(st.sampled_from([None, 3, 4]), min_size=n, max_size=n),
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
        )
    )
)
def test_the_lp_agrees_with_brute_force(
    problem: tuple[list[list[int]], list[int], list[int | None], list[int]],
) -> None:
    a_eq, x, upper, c = problem
    x = [min(v, u) if u is not None else v for v, u in zip(x, upper, strict=True)]
    b_eq = [sum(a * v for a, v in zip(row, x, strict=True)) for row in a_eq]
    found = set()
    for cand in itertools.product(range(8), repeat=len(x)):
        if any(u is not None and v > u for v, u in zip(cand, upper, strict=True)):
            continue
        if all(
            sum(a * v for a, v in zip(row, cand, strict=True)) == b
            for row, b in zip(a_eq, b_eq, strict=True)
        ):
            found.add(sum(ci * v for ci, v in zip(c, cand, strict=True)))
    for exact in (True, False):
        rng = value_range(a_eq, b_eq, upper, c, exact=exact)
        assert rng is not None
        assert rng[0] == min(found)
        assert rng[1] == INF or rng[1] == max(found)
        if rng[1] == INF:
            assert max(found) >= 7
