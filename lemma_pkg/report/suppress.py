"""Small-cell suppression with complementary suppression and an exact disclosure audit.

A shareable table counts learners in cells: one cell per combination of the grouping
(quasi-identifier) values, plus the margins (a total per value of each grouping field) and
the grand total. :func:`protect` decides which of them to hide:

1. **Primary suppression**: every count that is sensitive (by default ``0 < n < k``) is hidden.
2. **Complementary suppression**: a published total that contains exactly one hidden cell
   would give it away (total minus the others), so one more cell of that total is hidden:
   the smallest non-zero published one.
3. **Audit**: for every hidden count, the range of values it can take given everything
   published (the totals, the published cells, non-negativity and known upper bounds) is
   computed exactly by linear programming (:mod:`lemma_pkg.report.lp`). Where the range is a
   single value the cell could be recovered, and more cells are hidden until none can.

The result hides no more than needed by these rules and never publishes a count that the
published figures determine: the guarantee the tests check with adversarial tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from lemma_pkg.report.lp import value_range

Key = tuple[str, ...]


@dataclass(frozen=True, order=True)
class Item:
    """A published quantity: an atom (one cell: ``key``), a margin (the total of the cells
    whose grouping field ``dim`` has ``value``) or the grand total."""

    kind: str  # "a" atom, "m" margin, "t" total
    key: Key = ()
    dim: int = -1
    value: str = ""

    def covers(self, key: Key) -> bool:
        if self.kind == "t":
            return True
        if self.kind == "m":
            return key[self.dim] == self.value
        return key == self.key


TOTAL = Item("t")


def atom(key: Key) -> Item:
    return Item("a", key=key)


def margin(dim: int, value: str) -> Item:
    return Item("m", dim=dim, value=value)


@dataclass
class Protection:
    """What :func:`protect` decided for one table."""

    atoms: dict[Key, int]
    dims: int
    hidden: set[Item] = field(default_factory=set)
    #: Items hidden because they were small (the rest are complementary).
    primary: set[Item] = field(default_factory=set)

    def value(self, item: Item) -> int:
        return sum(n for key, n in self.atoms.items() if item.covers(key))

    def is_hidden(self, item: Item) -> bool:
        return item in self.hidden

    def published(self, item: Item) -> int | None:
        return None if item in self.hidden else self.value(item)


def members(item: Item, atoms: Iterable[Key]) -> list[Key]:
    """The atoms a published quantity adds up."""
    return [a for a in atoms if item.covers(a)]


def all_items(atoms: Mapping[Key, int], dims: int) -> list[Item]:
    """Atoms, margins (only with two or more grouping fields: with one they are the atoms),
    and the total."""
    items: list[Item] = [atom(a) for a in sorted(atoms)]
    if dims >= 2:
        for d in range(dims):
            for v in sorted({a[d] for a in atoms}):
                items.append(margin(d, v))
    items.append(TOTAL)
    return items


def default_sensitive(k: int) -> Callable[[int], bool]:
    return lambda n: 0 < n < k


def protect(
    atoms: Mapping[Key, int],
    dims: int,
    k: int,
    *,
    sensitive: Callable[[int], bool] | None = None,
    forced: Iterable[Item] = (),
    upper: Mapping[Key, int] | None = None,
) -> Protection:
    """Decide what to hide in a table of counts ``atoms`` (key: one value per grouping
    field). ``forced``: items to hide whatever their count (groups hidden elsewhere, counts
    whose complement is small); ``upper``: known upper bounds of atoms (e.g. the
    published size of their group)."""
    sens = sensitive or default_sensitive(k)
    prot = Protection(dict(atoms), dims)
    items = all_items(atoms, dims)
    for item in items:
        if sens(prot.value(item)):
            prot.hidden.add(item)
            prot.primary.add(item)
    for item in forced:
        if item in items:
            prot.hidden.add(item)
            prot.primary.add(item)
    keys = sorted(atoms)
    for _ in range(len(items) + 1):
        _complement(prot, items, keys)
        leak = _first_leak(prot, items, keys, upper or {})
        if leak is None:
            return prot
        _hide_more(prot, leak, items, keys)
    raise AssertionError("suppression did not converge")  # pragma: no cover


def _cheapest(prot: Protection, candidates: Iterable[Key]) -> Key | None:
    """The published atom to hide next: the smallest non-zero count, else a zero."""
    pool = [a for a in candidates if atom(a) not in prot.hidden]
    if not pool:
        return None
    return min(pool, key=lambda a: (prot.atoms[a] == 0, prot.atoms[a], a))


def _complement(prot: Protection, items: list[Item], keys: list[Key]) -> None:
    changed = True
    while changed:
        changed = False
        for item in items:
            if item in prot.hidden or item.kind == "a":
                continue
            inside = members(item, keys)
            hidden = [a for a in inside if atom(a) in prot.hidden]
            if len(hidden) == 1:
                extra = _cheapest(prot, inside)
                if extra is not None:
                    prot.hidden.add(atom(extra))
                    changed = True


def _first_leak(
    prot: Protection, items: list[Item], keys: list[Key], upper: Mapping[Key, int]
) -> Item | None:
    """The first hidden item the published figures determine exactly, if any."""
    hidden_atoms = [a for a in keys if atom(a) in prot.hidden]
    if not prot.hidden:
        return None
    index = {a: i for i, a in enumerate(hidden_atoms)}
    a_eq: list[list[int]] = []
    b_eq: list[int] = []
    for item in items:
        if item in prot.hidden or item.kind == "a":
            continue
        inside = members(item, keys)
        row = [0] * len(hidden_atoms)
        known = 0
        for a in inside:
            if a in index:
                row[index[a]] = 1
            else:
                known += prot.atoms[a]
        if any(row):
            a_eq.append(row)
            b_eq.append(prot.value(item) - known)
    bounds = [upper.get(a) for a in hidden_atoms]
    for item in items:
        if item not in prot.hidden:
            continue
        inside = members(item, keys)
        c = [0] * len(hidden_atoms)
        for a in inside:
            if a in index:
                c[index[a]] = 1
        if not any(c):  # a hidden total of published cells: their sum gives it away
            return item
        # Screen in floating point: counts are whole numbers, so a range wider than 1/2
        # is certainly not a single value; anything narrower is decided exactly.
        rng = value_range(a_eq, b_eq, bounds, c, exact=False)
        if rng is not None and rng[1] - rng[0] > Fraction(1, 2):
            continue
        rng = value_range(a_eq, b_eq, bounds, c)
        if rng is not None and rng[0] == rng[1]:
            return item
    return None


def _hide_more(prot: Protection, leak: Item, items: list[Item], keys: list[Key]) -> None:
    """Hide one more figure so that ``leak`` gains freedom: a cell of its own when all of
    them are shown; for a total determined by the other totals of its field, another of
    those (the smallest); otherwise a published cell sharing a published total with its
    hidden cells, preferring small counts."""
    inside = members(leak, keys)
    if leak.kind != "a" and not any(atom(a) in prot.hidden for a in inside):
        extra = _cheapest(prot, inside)
        if extra is not None:
            prot.hidden.add(atom(extra))
            return
    if leak.kind == "m":
        siblings = [
            i for i in items if i.kind == "m" and i.dim == leak.dim and i not in prot.hidden
        ]
        if siblings:
            prot.hidden.add(min(siblings, key=lambda i: (prot.value(i), i)))
            return
    candidates: list[Key] = []
    for item in items:
        if item in prot.hidden or item.kind == "a":
            continue
        group = members(item, keys)
        if set(inside) & {a for a in group if atom(a) in prot.hidden}:
            candidates.extend(a for a in group if a not in inside)
    extra = _cheapest(prot, candidates) or _cheapest(prot, inside) or _cheapest(prot, keys)
    if extra is None:
        # Every cell is hidden already: hide the published totals too.
        prot.hidden.update(items)
        return
    prot.hidden.add(atom(extra))
