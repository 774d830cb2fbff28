"""Module 2 figure: the distribution of income, and of its logarithm.

python scripts/figures/m2_income_distribution.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M2, ORANGE, save, setup
from datasets_intro import load_survey


def main() -> None:
    setup()
    income = load_survey()["income"].dropna().to_numpy(dtype=float)
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    left.hist(income, bins=np.arange(0, 4801, 200), color=BLUE, alpha=0.75)
    left.axvline(np.mean(income), color=ORANGE, lw=2, label="mean")
    left.axvline(np.median(income), color="black", lw=2, ls="--", label="median")
    left.set_xlabel("weekly household income (£)")
    left.set_ylabel("respondents")
    left.set_title("Income: skewed to the right")
    left.legend(frameon=False)
    logs = np.log(income)
    right.hist(logs, bins=np.arange(4.4, 8.61, 0.2), color=BLUE, alpha=0.75)
    right.axvline(logs.mean(), color=ORANGE, lw=2, label="mean")
    right.axvline(float(np.median(logs)), color="black", lw=2, ls="--", label="median")
    right.set_xlabel("log of weekly household income")
    right.set_title("Log income: close to symmetric")
    right.legend(frameon=False)
    save(fig, M2 / "income-distribution.png")


if __name__ == "__main__":
    main()
