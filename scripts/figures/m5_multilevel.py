"""Module 5 figures: school lines (random intercepts, random slopes); school effects."""

from __future__ import annotations

import _figstyle as fs
import matplotlib.pyplot as plt
import numpy as np
from course_models import fit_mixed, load_pupils, school_effects

MODULE = "05-multilevel-modelling"


def school_lines() -> None:
    d = load_pupils()
    ri = fit_mixed("normexam ~ standlrt", d)
    rs = fit_mixed("normexam ~ standlrt", d, "~standlrt")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, res, title in (
        (axes[0], ri, "(a) Random intercepts: parallel lines"),
        (axes[1], rs, "(b) Random slopes: lines of different slopes"),
    ):
        b0, b1 = res.fe_params["Intercept"], res.fe_params["standlrt"]
        for school, u in res.random_effects.items():
            x = d.loc[d["school"] == school, "standlrt"]
            xs = np.array([x.min(), x.max()])
            u0 = u.iloc[0]
            u1 = u.iloc[1] if len(u) > 1 else 0.0
            ax.plot(xs, b0 + u0 + (b1 + u1) * xs, color=fs.BLUE, alpha=0.45, linewidth=1)
        xs = np.array([-3.0, 3.0])
        ax.plot(xs, b0 + b1 * xs, color=fs.ORANGE, linewidth=2.5, label="average line")
        ax.set_title(title)
        ax.set_xlabel("Reading test score at 11 (standlrt)")
        ax.legend(frameon=False, loc="upper left")
    axes[0].set_ylabel("Predicted exam score at 16")
    fig.tight_layout()
    fs.save(fig, MODULE, "school-lines")


def caterpillar() -> None:
    d = load_pupils()
    res = fit_mixed("normexam ~ standlrt", d)
    u, se = school_effects(res, d)
    fig, ax = plt.subplots(figsize=(7, 4))
    fs.ranked_intervals(ax, u, se, zero_colour=fs.ORANGE)
    ax.set_xlabel("School, ranked by its estimated effect")
    ax.set_ylabel("School effect $\\hat u_{0j}$ with 95% interval")
    ax.set_title("Estimated school effects in the random intercept model")
    fig.tight_layout()
    fs.save(fig, MODULE, "caterpillar")


if __name__ == "__main__":
    school_lines()
    caterpillar()
