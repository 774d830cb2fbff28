"""A small exact linear-program solver (rational simplex, Bland's rule) for the disclosure
audit of :mod:`lemma_pkg.report.suppress`: how far can an attacker pin down a hidden cell
from the published totals?

Problems are tiny (tens of variables), so exactness matters more than speed: every number
is a :class:`fractions.Fraction` and there is no tolerance to get wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

INF = Fraction(10**18)


def maximise(
    a_eq: Sequence[Sequence[int]],
    b_eq: Sequence[int],
    upper: Sequence[int | None],
    c: Sequence[int],
    *,
    exact: bool = True,
) -> Fraction | None:
    """max c·x subject to A x = b, 0 <= x <= upper (None: no upper bound).

    Returns the optimum, :data:`INF` when unbounded, or None when infeasible. With
    ``exact=False`` the arithmetic is in floats (fast, for screening; the result is then
    only approximately right)."""
    num: Any = Fraction if exact else float
    eps = 0.0 if exact else 1e-9
    n = len(c)
    rows: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for coeffs, bvalue in zip(a_eq, b_eq, strict=True):
        rows.append([num(v) for v in coeffs])
        rhs.append(num(bvalue))
    bounded = [i for i, u in enumerate(upper) if u is not None]
    width = n + len(bounded)  # structural variables, then one slack per upper bound
    for line in rows:
        line.extend([num(0)] * len(bounded))
    for j, i in enumerate(bounded):
        row = [num(0)] * width
        row[i] = num(1)
        row[n + j] = num(1)
        rows.append(row)
        rhs.append(num(upper[i] or 0))
    for r, rvalue in enumerate(rhs):
        if rvalue < 0:
            rows[r] = [-v for v in rows[r]]
            rhs[r] = -rvalue
    m = len(rows)
    # Phase 1: one artificial variable per row, minimise their sum.
    total = width + m
    tableau = [rows[i] + [num(int(i == j)) for j in range(m)] + [rhs[i]] for i in range(m)]
    basis = [width + i for i in range(m)]
    phase1 = [num(0)] * width + [num(-1)] * m
    if (
        _simplex(tableau, basis, phase1, total, eps) is None
    ):  # pragma: no cover - phase 1 is bounded
        return None
    if _objective(tableau, basis, phase1) < -eps:
        return None
    # Drive artificial variables out of the basis where possible, then drop their columns.
    for r, var in enumerate(basis):
        if var >= width:
            col = next((j for j in range(width) if abs(tableau[r][j]) > eps), None)
            if col is not None:
                _pivot(tableau, basis, r, col, eps)
    keep = [r for r, var in enumerate(basis) if var < width]
    tableau = [[*tableau[r][:width], tableau[r][-1]] for r in keep]
    basis = [basis[r] for r in keep]
    objective = [num(v) for v in c] + [num(0)] * len(bounded)
    if _simplex(tableau, basis, objective, width, eps) is None:
        return INF
    result = _objective(tableau, basis, objective)
    return result if exact else Fraction(round(result * 1024), 1024)


def value_range(
    a_eq: Sequence[Sequence[int]],
    b_eq: Sequence[int],
    upper: Sequence[int | None],
    c: Sequence[int],
    *,
    exact: bool = True,
) -> tuple[Fraction, Fraction] | None:
    """(min, max) of c·x over the same set, or None when it is empty."""
    hi = maximise(a_eq, b_eq, upper, c, exact=exact)
    if hi is None:
        return None
    lo = maximise(a_eq, b_eq, upper, [-v for v in c], exact=exact)
    assert lo is not None
    return (-lo if lo != INF else -INF, hi)


def _objective(tableau: list[list[Fraction]], basis: list[int], c: list[Fraction]) -> Fraction:
    return sum(
        (c[var] * tableau[r][-1] for r, var in enumerate(basis)),
        0 * tableau[0][-1] if tableau else Fraction(0),
    )


def _pivot(tableau: list[list[Fraction]], basis: list[int], r: int, col: int, eps: float) -> None:
    pivot = tableau[r][col]
    tableau[r] = [v / pivot for v in tableau[r]]
    for i, row in enumerate(tableau):
        if i != r and abs(row[col]) > eps:
            f = row[col]
            prow = tableau[r]
            tableau[i] = [v - f * p for v, p in zip(row, prow, strict=True)]
    basis[r] = col


def _simplex(
    tableau: list[list[Fraction]], basis: list[int], c: list[Fraction], ncols: int, eps: float
) -> bool | None:
    """Maximise c·x from the current basic feasible solution (Bland's rule: no cycling).
    True at the optimum, None when unbounded. Keeps a row of reduced costs up to date."""
    width = len(tableau[0]) if tableau else ncols + 1
    zero = 0 * tableau[0][-1] if tableau else Fraction(0)
    reduced = [zero] * width
    for j in range(ncols):
        reduced[j] = c[j]
    for r, var in enumerate(basis):
        cv = c[var] if var < len(c) else zero
        if cv:
            row = tableau[r]
            reduced = [x - cv * y for x, y in zip(reduced, row, strict=True)]
    while True:
        entering = next((j for j in range(ncols) if reduced[j] > eps), None)
        if entering is None:
            return True
        best: tuple[Fraction, int, int] | None = None
        for r, row in enumerate(tableau):
            if row[entering] > eps:
                key = (row[-1] / row[entering], basis[r], r)
                if best is None or key < best:
                    best = key
        if best is None:
            return None
        r = best[2]
        _pivot(tableau, basis, r, entering, eps)
        f = reduced[entering]
        reduced = [x - f * y for x, y in zip(reduced, tableau[r], strict=True)]
