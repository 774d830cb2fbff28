"""Module 3 figures: fitted lines with an interaction; residual diagnostics."""

from __future__ import annotations

import _figstyle as fs
import matplotlib.pyplot as plt
import numpy as np
import statsmodels.formula.api as smf
from course_models import load_pupils
from scipy import stats

MODULE = "03-multiple-regression"


def interaction() -> None:
    d = load_pupils()
    fit = smf.ols("normexam ~ standlrt * girl + C(ses)", d).fit()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for girl, colour, label in ((0, fs.BLUE, "boys"), (1, fs.ORANGE, "girls")):
        sub = d[d["girl"] == girl]
        ax.scatter(sub["standlrt"], sub["normexam"], s=4, alpha=0.25, color=colour, linewidths=0)
        x = np.linspace(-3, 3, 50)
        pred = fit.predict({"standlrt": x, "girl": np.full(50, girl), "ses": np.full(50, 2)})
        ax.plot(x, pred, color=colour, linewidth=2.5, label=f"fitted line, {label}")
    ax.set_xlabel("Reading test score at 11 (standlrt)")
    ax.set_ylabel("Exam score at 16 (normexam)")
    ax.set_title("Exam score against reading score, with the interaction model\n"
                 "(lines for pupils of intermediate class, ses = 2)")
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    fs.save(fig, MODULE, "interaction")


def diagnostics() -> None:
    d = load_pupils()
    fit = smf.ols("normexam ~ standlrt + girl + C(ses)", d).fit()
    sr = fit.get_influence().resid_studentized_internal
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6))
    ax = axes[0]
    ax.scatter(fit.fittedvalues, sr, s=4, alpha=0.3, color=fs.BLUE, linewidths=0)
    ax.axhline(0, color=fs.GREY, linewidth=1)
    for y in (-2, 2):
        ax.axhline(y, color=fs.GREY, linewidth=0.8, linestyle="--")
    ax.set_xlabel("Fitted value")
    ax.set_ylabel("Standardised residual")
    ax.set_title("(a) Residuals against fitted values")
    ax = axes[1]
    (osm, osr), _ = stats.probplot(sr, dist="norm")
    ax.scatter(osm, osr, s=4, alpha=0.4, color=fs.BLUE, linewidths=0)
    ax.plot([-4, 4], [-4, 4], color=fs.GREY, linewidth=1)
    ax.set_xlabel("Normal quantile")
    ax.set_ylabel("Ordered standardised residual")
    ax.set_title("(b) Normal quantile plot")
    ax = axes[2]
    by_school = fit.resid.groupby(d["school"])
    se = by_school.std() / np.sqrt(by_school.size())
    fs.ranked_intervals(ax, by_school.mean().to_numpy(), se.to_numpy())
    ax.set_xlabel("School (ranked)")
    ax.set_ylabel("Mean residual, 95% interval")
    ax.set_title("(c) Mean residual by school")
    fig.tight_layout()
    fs.save(fig, MODULE, "diagnostics")


if __name__ == "__main__":
    interaction()
    diagnostics()
