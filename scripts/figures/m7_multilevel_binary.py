"""Module 7 figures: community effects; cluster-specific and population-average curves."""

from __future__ import annotations

import _figstyle as fs
import matplotlib.pyplot as plt
import numpy as np
from course_models import fit_mlogit, load_antenatal

MODULE = "07-multilevel-binary-responses"
FIXED = ["cons", "age25", "educ2", "educ3", "wealth", "urban"]


def figures() -> None:
    d = load_antenatal()
    m = fit_mlogit(d, "antemed", FIXED, "comm", n_points=12)
    fig, ax = plt.subplots(figsize=(7, 4))
    fs.ranked_intervals(ax, m.modes[:, 0], m.mode_se[:, 0], markersize=2, elinewidth=0.5,
                        zero_colour=fs.ORANGE)
    ax.set_xlabel("Community, ranked by its estimated effect")
    ax.set_ylabel("Community effect (log-odds), 95% interval")
    ax.set_title("Estimated community effects in the random-intercept logit model")
    fig.tight_layout()
    fs.save(fig, MODULE, "caterpillar")

    beta = dict(zip(FIXED, m.beta, strict=True))
    s_u = float(np.sqrt(m.cov[0, 0]))
    w = np.linspace(-3, 3, 121)
    eta = beta["cons"] + beta["wealth"] * w  # rural, aged 25, no education
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for z in (-1.5, -0.75, 0.75, 1.5):
        ax.plot(w, 1 / (1 + np.exp(-(eta + z * s_u))), color=fs.BLUE, alpha=0.4, linewidth=1)
    ax.plot(w, 1 / (1 + np.exp(-eta)), color=fs.BLUE, linewidth=2,
            label="cluster-specific: community with $u_{0j} = 0$")
    t, wt = np.polynomial.hermite.hermgauss(40)
    pa = np.array([
        np.sum(wt / np.sqrt(np.pi) / (1 + np.exp(-(e + np.sqrt(2) * s_u * t)))) for e in eta
    ])
    ax.plot(w, pa, color=fs.ORANGE, linewidth=2, linestyle="--",
            label="population average over communities")
    ax.plot([], [], color=fs.BLUE, alpha=0.4, linewidth=1,
            label="communities at $u_{0j} = \\pm 0.75, \\pm 1.5\\ \\sigma_{u0}$")
    ax.set_xlabel("Household wealth score (wealth)")
    ax.set_ylabel("Probability of antenatal care")
    ax.set_title("Rural women aged 25 with no education")
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    fs.save(fig, MODULE, "cluster-vs-population")


if __name__ == "__main__":
    figures()
