"""Module 2 figure: wellbeing against log income (a linear association, with the least
squares line) and against age (a curved one with a correlation close to zero).

    python scripts/figures/m2_association.py
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M2, ORANGE, save, setup
from datasets_intro import load_survey


def main() -> None:
    setup()
    d = load_survey()
    c = d.dropna(subset=["income"])
    x = np.log(c["income"].to_numpy(dtype=float))
    y = c["wellbeing"].to_numpy(dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.6), sharey=True)
    left.scatter(x, y, s=8, color=BLUE, alpha=0.4)
    grid = np.linspace(x.min(), x.max(), 50)
    left.plot(
        grid,
        intercept + slope * grid,
        color=ORANGE,
        lw=2.5,
        label=f"least squares line, r = {np.corrcoef(x, y)[0, 1]:.2f}",
    )
    left.set_xlabel("log of weekly household income")
    left.set_ylabel("wellbeing score")
    left.legend(frameon=False, loc="lower right")
    age = d["age"].to_numpy(dtype=float)
    wb = d["wellbeing"].to_numpy(dtype=float)
    right.scatter(age, wb, s=8, color=BLUE, alpha=0.4)
    edges = np.arange(15, 95, 10)
    mids, means = [], []
    for lo, hi in itertools.pairwise(edges):
        inside = (age > lo) & (age <= hi)
        mids.append(age[inside].mean())
        means.append(wb[inside].mean())
    right.plot(
        mids,
        means,
        color=ORANGE,
        lw=2.5,
        marker="o",
        label=f"mean in 10-year age groups, r = {np.corrcoef(age, wb)[0, 1]:.3f}",
    )
    right.set_xlabel("age (years)")
    right.legend(frameon=False, loc="lower right")
    save(fig, M2 / "wellbeing-association.png")


if __name__ == "__main__":
    main()
