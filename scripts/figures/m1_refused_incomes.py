"""Module 1 figure: incomes of respondents who gave them and of those who refused (known
only because the survey is simulated).

    python scripts/figures/m1_refused_incomes.py
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _style_intro import BLUE, M1, ORANGE, save, setup
from datasets_intro import load_population


def main() -> None:
    setup()
    survey = load_population()
    refused = survey.data["income"].isna().to_numpy()
    income = survey.true_income
    bins = np.exp(np.linspace(np.log(100), np.log(5000), 15))
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    gave, refusers = income[~refused], income[refused]
    ax.hist(
        gave,
        bins=bins,
        weights=np.full(gave.size, 100 / gave.size),
        color=BLUE,
        alpha=0.55,
        label=f"gave their income ({gave.size})",
    )
    ax.hist(
        refusers,
        bins=bins,
        weights=np.full(refusers.size, 100 / refusers.size),
        histtype="step",
        color=ORANGE,
        lw=2,
        label=f"refused: their true incomes ({refusers.size})",
    )
    for values, colour in ((income[~refused], BLUE), (income[refused], ORANGE)):
        ax.axvline(values.mean(), color=colour, ls="--", lw=1.5)
    ax.set_xscale("log")
    ticks = [100, 200, 500, 1000, 2000, 5000]
    ax.set_xticks(ticks, [f"£{t:,}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("weekly household income (log scale); dashed lines: means")
    ax.set_ylabel("% of the group")
    ax.legend(frameon=False)
    save(fig, M1 / "refused-incomes.png")


if __name__ == "__main__":
    main()
