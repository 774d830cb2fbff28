"""Module 2 figure: 95% confidence intervals from 100 samples of 40 respondents, drawn
from the survey as if it were the population (the intervals of scripts/results_intro.py).

    python scripts/figures/m2_confidence_intervals.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M2, ORANGE, save, setup
from datasets_intro import load_survey
from results_intro import survey_intervals


def main() -> None:
    setup()
    mu, runs = survey_intervals(load_survey()["wellbeing"])
    missed = np.abs(runs[:, 0] - mu) > runs[:, 1]
    fig, ax = plt.subplots(figsize=(8.4, 3.8))
    k = np.arange(1, len(runs) + 1)
    for flag, colour, label in ((False, BLUE, "contains the mean"), (True, ORANGE, "misses it")):
        pick = missed == flag
        ax.errorbar(
            k[pick],
            runs[pick, 0],
            yerr=runs[pick, 1],
            fmt="o",
            ms=3,
            color=colour,
            elinewidth=1.2,
            label=f"{label} ({pick.sum()})",
        )
    ax.axhline(mu, color="black", lw=1.2, ls="--", label=f"population mean {mu:.2f}")
    ax.set_xlabel("sample number")
    ax.set_ylabel("wellbeing: sample mean and 95% CI")
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.12))
    save(fig, M2 / "confidence-intervals.png")


if __name__ == "__main__":
    main()
