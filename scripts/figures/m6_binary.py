"""Module 6 figure: observed proportions by wealth, with linear, logit and probit fits."""

from __future__ import annotations

import _figstyle as fs
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from course_models import load_antenatal

MODULE = "06-binary-responses"


def curves() -> None:
    d = load_antenatal()
    lpm = smf.ols("antemed ~ wealth", d).fit()
    logit = smf.logit("antemed ~ wealth", d).fit(disp=0)
    probit = smf.probit("antemed ~ wealth", d).fit(disp=0)
    bands = pd.qcut(d["wealth"], 20)
    grouped = d.groupby(bands, observed=True).agg(x=("wealth", "mean"), p=("antemed", "mean"))
    x = pd.DataFrame({"wealth": np.linspace(-3.5, 4, 200)})
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.scatter(grouped["x"], grouped["p"], color="black", s=18, zorder=3,
               label="observed proportion (20 wealth groups)")
    ax.plot(x["wealth"], lpm.predict(x), color=fs.GREY, linestyle="--", label="linear probability")
    ax.plot(x["wealth"], logit.predict(x), color=fs.BLUE, linewidth=2, label="logit")
    ax.plot(x["wealth"], probit.predict(x), color=fs.ORANGE, linewidth=1.5, linestyle=":",
            label="probit")
    ax.axhline(0, color=fs.GREY, linewidth=0.6)
    ax.axhline(1, color=fs.GREY, linewidth=0.6)
    ax.set_xlabel("Household wealth score (wealth)")
    ax.set_ylabel("Probability of antenatal care")
    ax.set_title("Antenatal care from a trained provider, by household wealth")
    ax.legend(frameon=False, loc="upper left")
    fig.tight_layout()
    fs.save(fig, MODULE, "logit-curve")


if __name__ == "__main__":
    curves()
