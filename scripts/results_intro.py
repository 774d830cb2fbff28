"""Every number quoted as output in Modules 1, 2 and 4 of the bundled LEMMA course.

    python scripts/results_intro.py            # print each result, the lesson quoting it, how
    python scripts/results_intro.py --check    # also check that every lesson quotes its numbers

Computed from the Community Life Survey (content_src/modules/01-using-quantitative-data/
data/community-survey.csv, made by scripts/datasets_intro.py), and for the two
simulations and the refused incomes from its generating model. Needs numpy, pandas,
scipy and statsmodels (`pip install -e '.[course]'`). Estimators: sample statistics with
n - 1; t-based confidence intervals; Pearson's chi-squared test; ordinary least squares
(OLS); cluster-robust (sandwich) standard errors clustered by area (statsmodels'
`cov_type="cluster"`, with its small-sample correction); two-level random intercept
models by maximum likelihood (statsmodels MixedLM, `reml=False`).

`--check` exits 1 listing every result whose text is missing from its lesson: run it after
regenerating the data, and edit the lessons until it passes.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets_intro import (
    ISSUED_PER_AREA,
    N_SAMPLED_AREAS,
    ROOT,
    load_population,
    load_survey,
)

MODULES = ROOT / "content_src" / "modules"
M1 = "01-using-quantitative-data"
M2 = "02-quantitative-data-analysis"
M4 = "04-multilevel-structures"


@dataclass(frozen=True)
class Result:
    lesson: str  # path under content_src/modules/
    name: str
    text: str  # exactly as the lesson writes it


RESULTS: list[Result] = []


def out(lesson: str, name: str, text: str) -> None:
    RESULTS.append(Result(lesson, name, text))


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def money(x: float) -> str:
    return f"£{x:,.0f}"


def p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def mixed(formula: str, data: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.mixedlm(formula, data, groups="area").fit(reml=False)


# ------------------------------------------------------------------ Module 1


def module1(d: pd.DataFrame) -> None:
    pop = load_population()
    lesson = f"{M1}/samples-and-populations.md"
    issued = N_SAMPLED_AREAS * ISSUED_PER_AREA
    sizes = d.groupby("area").size()
    out(lesson, "respondents", f"{len(d)} adults")
    out(lesson, "issued", f"{issued:,}")
    out(lesson, "response rate", pct(len(d) / issued))
    out(lesson, "respondents per area", f"from {sizes.min()} to {sizes.max()}")
    out(lesson, "smallest weight", f"{d['weight'].min():,.0f}")
    out(lesson, "largest weight", f"{d['weight'].max():,.0f}")
    out(lesson, "sum of weights", f"{d['weight'].sum():,.0f}")
    out(lesson, "true adults", f"{pop.areas['pop'].sum():,}")
    out(lesson, "urban share (unweighted)", pct(d["urban"].mean()))
    out(lesson, "urban share (weighted)", pct(np.average(d["urban"], weights=d["weight"])))
    out(
        lesson,
        "urban share of region",
        pct(pop.areas.loc[pop.areas["urban"] == 1, "pop"].sum() / pop.areas["pop"].sum()),
    )
    out(lesson, "volunteer (unweighted)", pct(d["volunteer"].mean()))
    out(lesson, "volunteer (weighted)", pct(np.average(d["volunteer"], weights=d["weight"])))

    lesson = f"{M1}/data-quality.md"
    missing = d["income"].isna()
    out(lesson, "incomes refused", f"{int(missing.sum())} of the {len(d)}")
    out(lesson, "refusal rate", pct(missing.mean()))
    out(lesson, "mean income of those who answered", money(d["income"].mean()))
    out(lesson, "mean income of everyone", money(pop.true_income.mean()))
    out(lesson, "mean income of refusers", money(pop.true_income[missing.to_numpy()].mean()))
    out(lesson, "median income of those who answered", money(d["income"].median()))
    out(lesson, "median income of everyone", money(float(np.median(pop.true_income))))
    age_group = pd.cut(d["age"], [15, 39, 64, 90], labels=["16-39", "40-64", "65+"])
    rates = missing.groupby(age_group, observed=True).mean()
    for group, rate in rates.items():
        out(lesson, f"refusal rate, age {group}", pct(rate, 0))


# ------------------------------------------------------------------ Module 2


def module2(d: pd.DataFrame) -> None:
    lesson = f"{M2}/summaries.md"
    wb = d["wellbeing"]
    q1, q3 = wb.quantile([0.25, 0.75])
    out(lesson, "wellbeing mean", f"{wb.mean():.2f}")
    out(lesson, "wellbeing median", f"{wb.median():.0f}")
    out(lesson, "wellbeing SD", f"{wb.std():.2f}")
    out(lesson, "wellbeing variance", f"{wb.var():.2f}")
    out(lesson, "wellbeing quartiles", f"{q1:.0f} and {q3:.0f}")
    out(lesson, "wellbeing range", f"{wb.min()} to {wb.max()}")
    inc = d["income"].dropna()
    out(lesson, "income mean", money(inc.mean()))
    out(lesson, "income median", money(inc.median()))
    out(lesson, "income SD", money(inc.std()))
    iq1, iq3 = inc.quantile([0.25, 0.75])
    out(lesson, "income quartiles", f"{money(iq1)} and {money(iq3)}")
    counts = d["education"].value_counts()
    for level in ("none", "school", "further", "degree"):
        out(
            lesson,
            f"education {level}",
            f"| {level} | {counts[level]} | {pct(counts[level] / len(d))} |",
        )

    lesson = f"{M2}/distributions.md"
    out(lesson, "income skewness", f"{stats.skew(inc):.2f}")
    log_inc = np.log(inc)
    out(lesson, "log income skewness", f"{stats.skew(log_inc):.2f}")
    out(lesson, "log income mean", f"{log_inc.mean():.3f}")
    out(lesson, "geometric mean income", money(float(np.exp(log_inc.mean()))))
    z = (wb - wb.mean()) / wb.std()
    out(lesson, "wellbeing within 1 SD", pct((z.abs() <= 1).mean()))
    out(lesson, "wellbeing within 2 SD", pct((z.abs() <= 2).mean()))
    out(lesson, "z of 60", f"{(60 - wb.mean()) / wb.std():.2f}")

    lesson = f"{M2}/association.md"
    table = pd.crosstab(d["education"], d["volunteer"])
    table = table.loc[["none", "school", "further", "degree"]]
    chi2, p, dof, expected = stats.chi2_contingency(table, correction=False)
    out(lesson, "volunteers in all", f"{table[1].sum()} volunteers")
    e = expected[0][1]
    o = table.loc["none", 1]
    out(lesson, "expected volunteers, no qualifications", f"{e:.1f}")
    out(lesson, "chi-squared term, no qualifications", f"{(o - e) ** 2 / e:.2f}")
    for level in table.index:
        row = table.loc[level]
        out(
            lesson,
            f"volunteer row {level}",
            f"| {level} | {row[1]} | {row[0]} | {row.sum()} | {pct(row[1] / row.sum())} |",
        )
    out(lesson, "chi-squared", f"$X^2 = {chi2:.1f}$ on {dof} degrees of freedom")
    out(lesson, "chi-squared p", p_value(p))
    c = d.dropna(subset=["income"]).assign(log_income=lambda x: np.log(x["income"]))
    r = np.corrcoef(c["log_income"], c["wellbeing"])[0, 1]
    out(lesson, "r wellbeing log income", f"$r = {r:.2f}$")
    out(lesson, "n complete", f"{len(c)} respondents")
    fit = smf.ols("wellbeing ~ log_income", c).fit()
    b0, b1 = fit.params
    out(lesson, "regression line", f"$\\hat y = {b0:.2f} + {b1:.2f}\\,x$")
    out(lesson, "R squared", f"$R^2 = {fit.rsquared:.3f}$")
    out(lesson, "slope per 10%", f"{b1 * np.log(1.1):.2f} points")
    r_age = np.corrcoef(d["age"], d["wellbeing"])[0, 1]
    out(lesson, "r age", f"$r = {r_age:.3f}$")
    r_health = np.corrcoef(d["health"], d["wellbeing"])[0, 1]
    out(lesson, "r health", f"$r = {r_health:.2f}$")

    lesson = f"{M2}/confidence-intervals-and-tests.md"
    n = len(wb)
    se = wb.std() / np.sqrt(n)
    t975 = stats.t.ppf(0.975, n - 1)
    out(lesson, "SE of mean wellbeing", f"{se:.3f}")
    out(lesson, "t quantile", f"{t975:.3f}")
    out(lesson, "CI mean wellbeing", f"{wb.mean() - t975 * se:.2f} to {wb.mean() + t975 * se:.2f}")
    pv = d["volunteer"].mean()
    se_p = np.sqrt(pv * (1 - pv) / n)
    out(lesson, "SE proportion", f"{se_p:.4f}")
    out(lesson, "CI volunteer", f"{pct(pv - 1.96 * se_p)} to {pct(pv + 1.96 * se_p)}")
    f = d.loc[d["sex"] == "female", "wellbeing"]
    m = d.loc[d["sex"] == "male", "wellbeing"]
    test = stats.ttest_ind(f, m, equal_var=False)
    diff = f.mean() - m.mean()
    se_d = np.sqrt(f.var() / len(f) + m.var() / len(m))
    out(lesson, "means by sex", f"{f.mean():.2f} for women and {m.mean():.2f} for men")
    out(lesson, "difference by sex", f"{diff:.2f}")
    out(lesson, "SE difference", f"{se_d:.3f}")
    out(lesson, "t statistic", f"$t = {test.statistic:.2f}$")
    out(lesson, "t test p", p_value(test.pvalue))
    out(lesson, "CI difference", f"{diff - 1.96 * se_d:.2f} to {diff + 1.96 * se_d:.2f}")
    u = d.loc[d["urban"] == 1, "wellbeing"]
    ru = d.loc[d["urban"] == 0, "wellbeing"]
    test_u = stats.ttest_ind(u, ru, equal_var=False)
    out(lesson, "urban rural means", f"{u.mean():.2f} in urban areas and {ru.mean():.2f} in rural")
    out(lesson, "urban rural t", f"$t = {test_u.statistic:.2f}$, {p_value(test_u.pvalue)}")
    covered = coverage_from_the_survey(wb)
    out(lesson, "coverage of 100 intervals", f"{covered} of the 100")


def survey_intervals(wb: pd.Series, samples: int = 100, size: int = 40) -> tuple[float, np.ndarray]:
    """The mean of all 907 respondents (the survey treated as a population) and, for 100
    simple random samples of 40 of them, each sample mean and its 95% t interval's
    half-width (columns mean, half). The Module 2 figure draws the same intervals."""
    rng = np.random.default_rng(2027)
    values = wb.to_numpy(dtype=float)
    t975 = stats.t.ppf(0.975, size - 1)
    rows = []
    for _ in range(samples):
        s = rng.choice(values, size=size, replace=False)
        rows.append((s.mean(), t975 * s.std(ddof=1) / np.sqrt(size)))
    return float(values.mean()), np.array(rows)


def coverage_from_the_survey(wb: pd.Series) -> int:
    mu, intervals = survey_intervals(wb)
    return int((np.abs(intervals[:, 0] - mu) <= intervals[:, 1]).sum())


# ------------------------------------------------------------------ Module 4


def module4(d: pd.DataFrame) -> None:
    lesson = f"{M4}/why-clustering-matters.md"
    s2u, s2e, null = survey_variances(d)
    rho = s2u / (s2u + s2e)
    nbar = len(d) / d["area"].nunique()
    deff = 1 + (nbar - 1) * rho
    out(lesson, "sigma2_u", f"$\\hat\\sigma_u^2 = {s2u:.2f}$")
    out(lesson, "sigma2_e", f"$\\hat\\sigma_e^2 = {s2e:.2f}$")
    out(lesson, "ICC", f"$\\hat\\rho = {rho:.3f}$")
    out(lesson, "average cluster size", f"$\\bar n = {nbar:.2f}$")
    out(lesson, "deff", f"{deff:.2f}")
    out(lesson, "effective n", f"about {len(d) / deff:.0f}")
    naive = d["wellbeing"].std() / np.sqrt(len(d))
    robust = smf.ols("wellbeing ~ 1", d).fit(cov_type="cluster", cov_kwds={"groups": d["area"]})
    out(lesson, "naive SE", f"{naive:.3f}")
    out(lesson, "deff SE", f"{naive * np.sqrt(deff):.3f}")
    out(lesson, "cluster-robust SE", f"{robust.bse['Intercept']:.3f}")
    out(lesson, "multilevel SE", f"{null.bse['Intercept']:.3f}")
    d = d.assign(female=(d["sex"] == "female").astype(int))
    formula = "wellbeing ~ urban + female"
    ols = smf.ols(formula, d).fit()
    rob = smf.ols(formula, d).fit(cov_type="cluster", cov_kwds={"groups": d["area"]})
    mlm = mixed(formula, d)
    for term, label in (("urban", "urban (area)"), ("female", "female (person)")):
        out(
            lesson,
            f"row {term}",
            f"| {label} | {ols.params[term]:.2f} ({ols.bse[term]:.2f}) | "
            f"{rob.params[term]:.2f} ({rob.bse[term]:.2f}) | "
            f"{mlm.params[term]:.2f} ({mlm.bse[term]:.2f}) |",
        )
    out(lesson, "SE ratio urban", f"{mlm.bse['urban'] / ols.bse['urban']:.2f} times")
    out(lesson, "t urban OLS", f"{ols.tvalues['urban']:.2f}")
    out(lesson, "t urban multilevel", f"{mlm.tvalues['urban']:.2f}")
    cov = coverage_ignoring_clustering(s2u, s2e)
    out(lesson, "naive coverage", f"{cov[0]} of the 1,000")
    out(lesson, "corrected coverage", f"{cov[1]} of the 1,000")

    lesson = f"{M4}/variables-at-different-levels.md"
    c = d.dropna(subset=["income"]).assign(log_income=lambda x: np.log(x["income"]))
    c["area_log_income"] = c.groupby("area")["log_income"].transform("mean")
    c["within"] = c["log_income"] - c["area_log_income"]
    means = c.groupby("area")[["log_income", "wellbeing"]].mean()
    between = smf.ols("wellbeing ~ log_income", means).fit().params["log_income"]
    total = smf.ols("wellbeing ~ log_income", c).fit().params["log_income"]
    within = smf.ols("wellbeing ~ within", c).fit().params["within"]
    both = mixed("wellbeing ~ within + area_log_income", c)
    out(lesson, "between slope", f"{between:.2f}")
    out(lesson, "total slope", f"{total:.2f}")
    out(lesson, "within slope", f"{within:.2f}")
    out(lesson, "multilevel within", f"{both.params['within']:.2f}")
    out(lesson, "multilevel between", f"{both.params['area_log_income']:.2f}")
    out(
        lesson, "contextual effect", f"{both.params['area_log_income'] - both.params['within']:.2f}"
    )


def clustered_intervals(
    s2u: float, s2e: float, reps: int = 1000, areas: int = 40, per_area: int = 23
) -> np.ndarray:
    """Repeat a two-stage design (40 areas, 23 adults each) from a random intercept model
    with the survey's estimated variances and a true mean of 0. Columns: the sample mean,
    the half-width of the 95% interval that ignores clustering (1.96 s / sqrt(n)), and of
    the one that allows for it (t on 39 df times the standard error from the 40 area
    means). The Module 4 figure draws the first 50."""
    rng = np.random.default_rng(4)
    n = areas * per_area
    t975 = stats.t.ppf(0.975, areas - 1)
    rows = []
    for _ in range(reps):
        y = np.repeat(rng.normal(0, np.sqrt(s2u), areas), per_area) + rng.normal(0, np.sqrt(s2e), n)
        area_means = y.reshape(areas, per_area).mean(axis=1)
        rows.append(
            (
                y.mean(),
                1.96 * y.std(ddof=1) / np.sqrt(n),
                t975 * area_means.std(ddof=1) / np.sqrt(areas),
            )
        )
    return np.array(rows)


def survey_variances(d: pd.DataFrame) -> tuple[float, float, Any]:
    """sigma2_u and sigma2_e of wellbeing from the variance components model (ML), and
    the fitted model."""
    null = mixed("wellbeing ~ 1", d)
    return float(null.cov_re.iloc[0, 0]), float(null.scale), null


def coverage_ignoring_clustering(s2u: float, s2e: float) -> tuple[int, int]:
    runs = clustered_intervals(s2u, s2e)
    covered = np.abs(runs[:, [0]]) <= runs[:, 1:]
    return int(covered[:, 0].sum()), int(covered[:, 1].sum())


def main(argv: list[str]) -> int:
    d = load_survey()
    module1(d)
    module2(d)
    module4(d)
    missing = []
    for r in RESULTS:
        print(f"{r.lesson}\t{r.name}\t{r.text}")
        path = MODULES / r.lesson
        if "--check" in argv and (
            not path.is_file() or r.text not in path.read_text(encoding="utf-8")
        ):
            missing.append(r)
    for r in missing:
        print(f"content_src/modules/{r.lesson}: does not quote {r.name}: {r.text}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
