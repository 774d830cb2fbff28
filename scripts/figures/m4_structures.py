"""Module 4 figure: unit diagrams of a two-level hierarchy, a cross-classification and a
multiple membership structure (small made-up examples: a diagram, not data).

    python scripts/figures/m4_structures.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _style_intro import BLUE, GREY, M4, ORANGE, save, setup
from matplotlib.axes import Axes

PUPILS = 8
# (school, pupil) links of the hierarchy: pupils P1-P3, P4-P5, P6-P8 in schools 1, 2, 3
NESTED = [(0, 0), (0, 1), (0, 2), (1, 3), (1, 4), (2, 5), (2, 6), (2, 7)]


def _row(ax: Axes, y: float, labels: list[str], colour: str) -> list[float]:
    xs = [
        i * (PUPILS - 1) / (len(labels) - 1) if len(labels) > 1 else 3.5 for i in range(len(labels))
    ]
    for x, label in zip(xs, labels, strict=True):
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": colour, "lw": 1.5},
        )
    return xs


def _links(
    ax: Axes,
    top: list[float],
    bottom: list[float],
    pairs,
    y0: float,
    y1: float,
    colour: str,
    styles: dict[tuple[int, int], str] | None = None,
) -> None:
    for a, b in pairs:
        ax.plot(
            [top[a], bottom[b]],
            [y0 - 0.18, y1 + 0.18],
            color=colour,
            lw=1.3,
            ls=(styles or {}).get((a, b), "-"),
        )


def _frame(ax: Axes, title: str) -> None:
    ax.set_title(title)
    ax.set_xlim(-0.8, PUPILS - 0.2)
    ax.set_ylim(-0.6, 2.6)
    ax.axis("off")


def _schools_and_pupils(ax: Axes, pupils: list[str], pupil_row: float) -> list[float]:
    """Three schools on top, the pupils below, each pupil linked to one school."""
    schools = _row(ax, 2, ["School 1", "School 2", "School 3"], BLUE)
    kids = _row(ax, pupil_row, pupils, GREY)
    _links(ax, schools, kids, NESTED, 2, pupil_row, BLUE)
    return kids


def main() -> None:
    setup()
    pupils = [f"P{i}" for i in range(1, PUPILS + 1)]
    fig, axes = plt.subplots(3, 1, figsize=(7.6, 7.4))

    ax = axes[0]
    kids = _schools_and_pupils(ax, pupils, 0)
    _frame(ax, "Hierarchy: each pupil belongs to one school")

    ax = axes[1]
    kids = _schools_and_pupils(ax, pupils, 1)
    hoods = _row(ax, 0, ["Area A", "Area B", "Area C", "Area D"], ORANGE)
    _links(
        ax,
        kids,
        hoods,
        [(0, 0), (1, 1), (2, 2), (3, 0), (4, 2), (5, 1), (6, 3), (7, 3)],
        1,
        0,
        ORANGE,
    )
    ax.set_ylim(-0.6, 2.6)
    _frame(ax, "Cross-classification: schools (top) and home areas (bottom) cross")

    ax = axes[2]
    schools = _row(ax, 2, ["School 1", "School 2", "School 3"], BLUE)
    kids = _row(ax, 0, pupils, GREY)
    dashed = {(1, 2): "--", (2, 4): "--", (0, 6): "--"}
    pairs = [(0, 0), (0, 1), (0, 2), (1, 2), (1, 3), (1, 4), (2, 4), (2, 5), (2, 6), (0, 6), (2, 7)]
    _links(ax, schools, kids, pairs, 2, 0, BLUE, dashed)
    _frame(ax, "Multiple membership: P3, P5 and P7 moved school (two links each)")
    fig.tight_layout()
    save(fig, M4 / "structures.png")


if __name__ == "__main__":
    main()
