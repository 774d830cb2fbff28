"""Module 1 figure: the 400 areas of the survey region and the 40 sampled at stage one.

python scripts/figures/m1_two_stage_sample.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, GREY, M1, ORANGE, save, setup
from datasets_intro import load_population


def main() -> None:
    setup()
    areas = load_population().areas
    col = np.arange(len(areas)) % 20
    row = np.arange(len(areas)) // 20
    size = 6 + 30 * areas["pop"] / areas["pop"].max()
    colour = np.where(areas["urban"] == 1, BLUE, ORANGE)
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    picked = areas["sampled"] == 1
    ax.scatter(col[~picked], row[~picked], s=size[~picked], c=colour[~picked], alpha=0.35)
    ax.scatter(
        col[picked],
        row[picked],
        s=size[picked] * 2.2,
        c=colour[picked],
        edgecolors="black",
        linewidths=1.4,
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("400 areas of the region; the 40 sampled at stage one are outlined")
    handles = [
        plt.Line2D([], [], marker="o", ls="", color=BLUE, label="urban area"),
        plt.Line2D([], [], marker="o", ls="", color=ORANGE, label="rural area"),
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            mfc="white",
            mec="black",
            mew=1.4,
            label="sampled: 30 adults drawn",
        ),
        plt.Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=GREY,
            alpha=0.4,
            label="marker size: adults living there",
        ),
    ]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False
    )
    save(fig, M1 / "two-stage-sample.png")


if __name__ == "__main__":
    main()
