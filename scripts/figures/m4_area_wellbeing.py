"""Module 4 figure: wellbeing of the survey's respondents in each of the 40 areas, areas
sorted by their mean.

    python scripts/figures/m4_area_wellbeing.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M4, ORANGE, save, setup
from datasets_intro import load_survey


def main() -> None:
    setup()
    d = load_survey()
    means = d.groupby("area")["wellbeing"].mean().sort_values()
    rank = {area: k for k, area in enumerate(means.index, start=1)}
    jitter = np.random.default_rng(1).uniform(-0.25, 0.25, len(d))
    fig, ax = plt.subplots(figsize=(8.4, 3.8))
    ax.scatter(
        d["area"].map(rank) + jitter,
        d["wellbeing"],
        s=6,
        color=BLUE,
        alpha=0.35,
        label="a respondent",
    )
    ax.scatter(
        np.arange(1, len(means) + 1),
        means.to_numpy(),
        s=28,
        color=ORANGE,
        zorder=3,
        label="area mean",
    )
    ax.axhline(d["wellbeing"].mean(), color="black", lw=1.2, ls="--", label="overall mean")
    ax.set_xlabel("area, sorted by its mean wellbeing")
    ax.set_ylabel("wellbeing score")
    ax.set_xticks([])
    ax.legend(frameon=False, ncol=3, loc="upper left")
    save(fig, M4 / "area-wellbeing.png")


if __name__ == "__main__":
    main()
