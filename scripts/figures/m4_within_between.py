"""Module 4 figure: wellbeing and log income within areas and between areas.

python scripts/figures/m4_within_between.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, GREY, M4, ORANGE, save, setup
from datasets_intro import load_survey


def main() -> None:
    setup()
    c = load_survey().dropna(subset=["income"])
    c = c.assign(log_income=np.log(c["income"].to_numpy(dtype=float)))
    c["centred"] = c["log_income"] - c.groupby("area")["log_income"].transform("mean")
    means = c.groupby("area")[["log_income", "wellbeing"]].mean()
    within = np.polyfit(
        c["centred"], c["wellbeing"] - c.groupby("area")["wellbeing"].transform("mean"), 1
    )[0]
    b1, b0 = np.polyfit(means["log_income"], means["wellbeing"], 1)
    fig, ax = plt.subplots(figsize=(7.2, 4.2))
    for x, y in means.itertuples(index=False):
        ax.plot([x - 0.25, x + 0.25], [y - 0.25 * within, y + 0.25 * within], color=GREY, lw=1)
    ax.scatter(
        means["log_income"], means["wellbeing"], s=22, color=BLUE, zorder=3, label="area mean"
    )
    grid = np.linspace(means["log_income"].min() - 0.25, means["log_income"].max() + 0.25, 20)
    ax.plot(grid, b0 + b1 * grid, color=ORANGE, lw=2.5, label=f"between areas: slope {b1:.2f}")
    ax.plot([], [], color=GREY, lw=1, label=f"within each area: slope {within:.2f}")
    ax.set_xlabel("log of weekly household income")
    ax.set_ylabel("wellbeing score")
    ax.legend(frameon=False, loc="upper left")
    save(fig, M4 / "within-between.png")


if __name__ == "__main__":
    main()
