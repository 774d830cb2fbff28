"""Module 4 figure: 95% intervals for a mean from 50 simulated two-stage samples, ignoring
the clustering and allowing for it (the first 50 runs of scripts/results_intro.py).

    python scripts/figures/m4_ignoring_clustering.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M4, ORANGE, save, setup
from datasets_intro import load_survey
from results_intro import clustered_intervals, survey_variances


def main() -> None:
    setup()
    s2u, s2e, _ = survey_variances(load_survey())
    runs = clustered_intervals(s2u, s2e)[:50]
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.8), sharey=True)
    k = np.arange(1, len(runs) + 1)
    titles = ("Ignoring clustering: s / √n", "Allowing for clustering")
    for col, (ax, title) in enumerate(zip(axes, titles, strict=True), start=1):
        missed = np.abs(runs[:, 0]) > runs[:, col]
        for flag, colour in ((False, BLUE), (True, ORANGE)):
            pick = missed == flag
            ax.errorbar(
                k[pick],
                runs[pick, 0],
                yerr=runs[pick, col],
                fmt="o",
                ms=3,
                color=colour,
                elinewidth=1.2,
            )
        ax.axhline(0, color="black", lw=1.2, ls="--")
        ax.set_title(f"{title}: {missed.sum()} of 50 miss")
        ax.set_xlabel("simulated survey")
    axes[0].set_ylabel("estimate minus true mean, with 95% CI")
    save(fig, M4 / "ignoring-clustering.png")


if __name__ == "__main__":
    main()
