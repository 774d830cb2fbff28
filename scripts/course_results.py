"""Fit every model whose output the LEMMA lessons quote; write scripts/course_results.md.

    python scripts/course_results.py           # needs the `course` extra

The lessons, practicals and quizzes of Modules 3, 5, 6 and 7 quote their numbers from the
file this writes, so that every number shown as output was computed from the course's own
data sets. Which estimator produced each block is said in its heading:

- Module 3: ordinary least squares (statsmodels OLS = R lm(), Stata regress, MLwiN IGLS
  for the coefficients; MLwiN's residual variance is the ML one, RSS/n);
- Module 5: maximum likelihood (statsmodels MixedLM, reml=False = R lmer(REML = FALSE),
  Stata mixed, MLwiN IGLS); REML where it says so;
- Module 6: maximum likelihood (statsmodels Logit/Probit = R glm(), Stata logit/probit);
- Module 7: maximum likelihood by adaptive Gauss-Hermite quadrature (scripts/course_models.py;
  = R glmer(nAGQ = 12), Stata melogit), Laplace where it says so (= glmer's default),
  and GEE (statsmodels) for the population-average model.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from course_models import (
    ANTENATAL_CSV,
    PUPILS_CSV,
    ROOT,
    MLogitFit,
    fit_mixed,
    fit_mlogit,
    load_antenatal,
    load_pupils,
    school_effects,
)
from scipy import stats

OUT = Path(__file__).resolve().parent / "course_results.md"
LOGIT_VAR = np.pi**2 / 3

warnings.simplefilter("ignore")


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def h(self, level: int, text: str) -> None:
        self.lines += ["", "#" * level + " " + text, ""]

    def p(self, text: str) -> None:
        self.lines.append(text)

    def kv(self, items: Sequence[tuple[str, object]]) -> None:
        for k, v in items:
            self.lines.append(f"- {k}: {_fmt(v)}")
        self.lines.append("")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "---|" * len(header))
        for r in rows:
            self.lines.append("| " + " | ".join(_fmt(x) for x in r) + " |")
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines).strip() + "\n"


def _fmt(x: object) -> str:
    if isinstance(x, float | np.floating):
        if x != 0 and abs(x) < 0.001:
            return f"{x:.2e}"
        return f"{x:.4f}"
    return str(x)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def coef_table(r: Report, params: pd.Series, bse: pd.Series, stat: str = "t") -> None:
    rows = []
    for name in params.index:
        b, se = float(params[name]), float(bse[name])
        z = b / se
        rows.append([name, b, se, z, 2 * stats.norm.sf(abs(z)), b - 1.96 * se, b + 1.96 * se])
    r.table(["term", "estimate", "SE", stat, "p (normal)", "95% CI low", "95% CI high"], rows)


def ols_block(r: Report, title: str, formula: str, d: pd.DataFrame) -> object:
    fit = smf.ols(formula, d).fit()
    r.h(3, f"{title}: `{formula}` (OLS)")
    rows = []
    for name in fit.params.index:
        lo, hi = fit.conf_int().loc[name]
        rows.append(
            [name, fit.params[name], fit.bse[name], fit.tvalues[name], fit.pvalues[name], lo, hi]
        )
    r.table(["term", "estimate", "SE", "t", "p", "95% CI low (t)", "95% CI high (t)"], rows)
    r.kv(
        [
            ("n", int(fit.nobs)),
            ("R squared", fit.rsquared),
            ("adjusted R squared", fit.rsquared_adj),
            ("residual SD (root MSE)", float(np.sqrt(fit.mse_resid))),
            ("residual variance, OLS (RSS/(n-p))", float(fit.mse_resid)),
            ("residual variance, ML (RSS/n)", float(fit.ssr / fit.nobs)),
            ("residual df", int(fit.df_resid)),
            ("log-likelihood", float(fit.llf)),
            ("-2 log L", float(-2 * fit.llf)),
        ]
    )
    return fit


def module3(r: Report) -> None:
    d = load_pupils()
    r.h(2, "Module 3: multiple regression (pupils.csv, all 2567 pupils, single level)")
    r.kv(
        [
            ("pupils", len(d)),
            ("schools", d["school"].nunique()),
            ("mean normexam", float(d["normexam"].mean())),
            ("SD normexam", float(d["normexam"].std())),
            ("mean standlrt", float(d["standlrt"].mean())),
            ("SD standlrt", float(d["standlrt"].std())),
            ("correlation normexam, standlrt", float(d[["normexam", "standlrt"]].corr().iloc[0, 1])),
            ("proportion girls", float(d["girl"].mean())),
        ]
    )
    r.p("")
    rows = []
    for var, labels in (
        ("girl", {0: "boy", 1: "girl"}),
        ("ses", {1: "managerial/professional", 2: "intermediate", 3: "routine/manual"}),
        ("schgend", {1: "mixed", 2: "boys' school", 3: "girls' school"}),
    ):
        for code, label in labels.items():
            sub = d[d[var] == code]
            rows.append(
                [f"{var}={code} ({label})", len(sub), float(sub["normexam"].mean()),
                 float(sub["standlrt"].mean())]
            )
    r.table(["group", "n", "mean normexam", "mean standlrt"], rows)
    r.p("Correlation of standlrt with girl: "
        + _fmt(float(d[["standlrt", "girl"]].corr().iloc[0, 1])))
    r.p("")
    r.p("Correlation of standlrt with ses (as a number 1-3): "
        + _fmt(float(d[["standlrt", "ses"]].corr().iloc[0, 1])))

    f1 = ols_block(r, "M3.1", "normexam ~ standlrt", d)
    f2 = ols_block(r, "M3.2", "normexam ~ standlrt + girl", d)
    f3 = ols_block(r, "M3.3", "normexam ~ standlrt + girl + C(ses)", d)
    r.h(4, "F-test of the two ses dummies (M3.3 against M3.2)")
    ft = f3.compare_f_test(f2)  # type: ignore[attr-defined]
    r.kv([("F", float(ft[0])), ("p", float(ft[1])), ("df", f"{int(ft[2])}, {int(f3.df_resid)}")])  # type: ignore[attr-defined]
    f4 = ols_block(r, "M3.4", "normexam ~ standlrt + girl + C(ses) + C(schgend)", d)
    r.h(4, "F-test of the two schgend dummies (M3.4 against M3.3)")
    ft = f4.compare_f_test(f3)  # type: ignore[attr-defined]
    r.kv([("F", float(ft[0])), ("p", float(ft[1])), ("df", f"{int(ft[2])}, {int(f4.df_resid)}")])  # type: ignore[attr-defined]
    f5 = ols_block(r, "M3.5", "normexam ~ standlrt * girl + C(ses)", d)
    b = f5.params  # type: ignore[attr-defined]
    r.h(4, "M3.5: slopes and predictions")
    r.kv(
        [
            ("slope of standlrt, boys", float(b["standlrt"])),
            ("slope of standlrt, girls", float(b["standlrt"] + b["standlrt:girl"])),
            ("girl-boy difference at standlrt = -2", float(b["girl"] - 2 * b["standlrt:girl"])),
            ("girl-boy difference at standlrt = 0", float(b["girl"])),
            ("girl-boy difference at standlrt = 2", float(b["girl"] + 2 * b["standlrt:girl"])),
            ("prediction: girl, ses 3, standlrt 1",
             float(b["Intercept"] + b["standlrt"] + b["girl"] + b["standlrt:girl"] + b["C(ses)[T.3]"])),
            ("prediction: boy, ses 1, standlrt 1", float(b["Intercept"] + b["standlrt"])),
        ]
    )
    r.h(4, "M3.3: residual diagnostics")
    infl = f3.get_influence()  # type: ignore[attr-defined]
    sr = infl.resid_studentized_internal
    resid = f3.resid  # type: ignore[attr-defined]
    cooks = infl.cooks_distance[0]
    school_means = resid.groupby(d["school"]).mean()
    anova = smf.ols("resid ~ C(school)", pd.DataFrame({"resid": resid, "school": d["school"]})).fit()
    r.kv(
        [
            ("standardised residuals beyond +-2 (share)", float(np.mean(np.abs(sr) > 2))),
            ("standardised residuals beyond +-3 (count)", int(np.sum(np.abs(sr) > 3))),
            ("skewness of residuals", float(stats.skew(resid))),
            ("excess kurtosis of residuals", float(stats.kurtosis(resid))),
            ("largest Cook's distance", float(cooks.max())),
            ("SD of school mean residuals", float(school_means.std())),
            ("smallest school mean residual", float(school_means.min())),
            ("largest school mean residual", float(school_means.max())),
            ("F of residuals on school (one-way ANOVA)", float(anova.fvalue)),
            ("df", f"{int(anova.df_model)}, {int(anova.df_resid)}"),
            ("p", float(anova.f_pvalue)),
        ]
    )
    _ = f1


# --------------------------------------------------------------------------- Module 5


def gls_cov(fit: object) -> pd.DataFrame:
    """Covariance of the fixed effects, (X' V^-1 X)^-1 at the estimates (as lme4 and MLwiN)."""
    model = fit.model  # type: ignore[attr-defined]
    cov = fit.cov_re.to_numpy()  # type: ignore[attr-defined]
    scale = float(fit.scale)  # type: ignore[attr-defined]
    info = np.zeros((model.exog.shape[1],) * 2)
    for rows in model.row_indices.values():
        X = model.exog[rows]
        Z = model.exog_re[rows]
        V = Z @ cov @ Z.T + scale * np.eye(len(rows))
        info += X.T @ np.linalg.solve(V, X)
    names = fit.fe_params.index  # type: ignore[attr-defined]
    return pd.DataFrame(np.linalg.inv(info), index=names, columns=names)


def mixed_block(r: Report, title: str, formula: str, d: pd.DataFrame, re: str | None = None,
                reml: bool = False) -> object:
    fit = fit_mixed(formula, d, re, reml)
    how = "REML" if reml else "ML"
    r.h(3, f"{title}: `{formula}`, random: `{re or '1'}` | school ({how}, MixedLM)")
    fe = fit.fe_params  # type: ignore[attr-defined]
    coef_table(r, fe, pd.Series(np.sqrt(np.diag(gls_cov(fit))), index=fe.index), "z")
    cov = fit.cov_re.to_numpy()  # type: ignore[attr-defined]
    scale = float(fit.scale)  # type: ignore[attr-defined]
    items: list[tuple[str, object]] = [("sigma2_u0 (school intercepts)", float(cov[0, 0]))]
    if cov.shape[0] == 2:
        items += [
            ("sigma_u01 (covariance)", float(cov[0, 1])),
            ("sigma2_u1 (school slopes)", float(cov[1, 1])),
            ("correlation u0, u1", float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))),
        ]
    items += [
        ("sigma2_e (pupils)", scale),
        ("VPC at x = 0", float(cov[0, 0] / (cov[0, 0] + scale))),
        ("log-likelihood", float(fit.llf)),  # type: ignore[attr-defined]
        ("-2 log L", float(-2 * fit.llf)),  # type: ignore[attr-defined]
    ]
    # Standard errors of the variance parameters (delta method from the profile parameters).
    r.kv(items)
    return fit


def lr(r: Report, label: str, ll_small: float, ll_big: float, df: int, boundary: bool) -> None:
    stat = 2 * (ll_big - ll_small)
    p = stats.chi2.sf(stat, df)
    items: list[tuple[str, object]] = [(f"LR statistic ({label})", stat), ("df", df),
                                       ("p (chi-squared)", p)]
    if boundary:
        if df == 1:
            items.append(("p (halved: boundary)", p / 2))
        else:
            mix = 0.5 * stats.chi2.sf(stat, df) + 0.5 * stats.chi2.sf(stat, df - 1)
            items.append((f"p (50:50 mixture of chi2({df - 1}) and chi2({df}))", mix))
    r.kv(items)


def module5(r: Report) -> None:
    d = load_pupils()
    r.h(2, "Module 5: multilevel models (pupils.csv, 2567 pupils in 65 schools)")
    n_j = d.groupby("school").size()
    r.kv(
        [
            ("schools", len(n_j)),
            ("pupils per school: min", int(n_j.min())),
            ("pupils per school: median", float(n_j.median())),
            ("pupils per school: max", int(n_j.max())),
            ("SD of school means of normexam", float(d.groupby("school")["normexam"].mean().std())),
            ("SD of schav (school mean standlrt)", float(d.groupby("school")["standlrt"].mean().std())),
        ]
        + [
            (f"schools with schgend = {k}", int(v))
            for k, v in d.groupby("school")["schgend"].first().value_counts().sort_index().items()
        ]
    )
    ols0 = smf.ols("normexam ~ 1", d).fit()
    r.h(3, "M5.0: `normexam ~ 1` (single level, OLS)")
    r.kv([("mean", float(ols0.params.iloc[0])), ("SE", float(ols0.bse.iloc[0])),
          ("log-likelihood", float(ols0.llf)), ("-2 log L", float(-2 * ols0.llf))])
    m1 = mixed_block(r, "M5.1 variance components", "normexam ~ 1", d)
    lr(r, "M5.1 against M5.0", float(ols0.llf), float(m1.llf), 1, True)  # type: ignore[attr-defined]
    s2u = float(m1.cov_re.iloc[0, 0])  # type: ignore[attr-defined]
    s2e = float(m1.scale)  # type: ignore[attr-defined]
    rho = s2u / (s2u + s2e)
    mean_n = float(n_j.mean())
    r.kv([("mean cluster size", mean_n),
          ("design effect 1 + (mean n - 1) VPC", 1 + (mean_n - 1) * rho)])

    ols1 = smf.ols("normexam ~ standlrt", d).fit()
    r.h(3, "M5.1b: `normexam ~ standlrt` (single level, OLS; for the LR test of M5.2)")
    r.kv([("log-likelihood", float(ols1.llf)), ("-2 log L", float(-2 * ols1.llf)),
          ("slope", float(ols1.params["standlrt"])), ("SE", float(ols1.bse["standlrt"]))])
    m2 = mixed_block(r, "M5.2 random intercept", "normexam ~ standlrt", d)
    lr(r, "M5.2 against M5.1b", float(ols1.llf), float(m2.llf), 1, True)  # type: ignore[attr-defined]
    s2u2 = float(m2.cov_re.iloc[0, 0])  # type: ignore[attr-defined]
    s2e2 = float(m2.scale)  # type: ignore[attr-defined]
    u, se = school_effects(m2, d)
    r.h(4, "M5.2: school effects")
    r.kv(
        [
            ("proportion of sigma2_u explained by standlrt (vs M5.1)", 1 - s2u2 / s2u),
            ("proportion of sigma2_e explained by standlrt (vs M5.1)", 1 - s2e2 / s2e),
            (f"shrinkage factor, smallest school (n={int(n_j.min())})",
             s2u2 / (s2u2 + s2e2 / n_j.min())),
            (f"shrinkage factor, largest school (n={int(n_j.max())})",
             s2u2 / (s2u2 + s2e2 / n_j.max())),
            ("largest school effect", float(u.max())),
            ("smallest school effect", float(u.min())),
            ("schools whose 95% interval lies above 0", int(np.sum(u - 1.96 * se > 0))),
            ("schools whose 95% interval lies below 0", int(np.sum(u + 1.96 * se < 0))),
            ("school with the largest effect", int(n_j.index[np.argmax(u)])),
        ]
    )
    mixed_block(r, "M5.2r random intercept (REML, for comparison)", "normexam ~ standlrt", d,
                reml=True)
    m3 = mixed_block(r, "M5.3 random intercept with background", "normexam ~ standlrt + girl + C(ses)", d)
    m4 = mixed_block(r, "M5.4 random slope", "normexam ~ standlrt", d, re="~standlrt")
    lr(r, "M5.4 against M5.2", float(m2.llf), float(m4.llf), 2, True)  # type: ignore[attr-defined]
    c = m4.cov_re.to_numpy()  # type: ignore[attr-defined]
    s2e4 = float(m4.scale)  # type: ignore[attr-defined]
    rows = []
    for x in (-2.0, -1.0, 0.0, 1.0, 2.0):
        v = c[0, 0] + 2 * c[0, 1] * x + c[1, 1] * x * x
        rows.append([x, v, v / (v + s2e4)])
    r.p("Between-school variance and VPC by standlrt (M5.4):")
    r.p("")
    r.table(["standlrt", "sigma2_u0 + 2 sigma_u01 x + sigma2_u1 x^2", "VPC"], rows)
    slopes = c[1, 1] ** 0.5
    b1 = float(m4.fe_params["standlrt"])  # type: ignore[attr-defined]
    r.kv([("95% range of school slopes", f"{b1 - 1.96 * slopes:.3f} to {b1 + 1.96 * slopes:.3f}")])
    m5 = mixed_block(r, "M5.5 contextual effect", "normexam ~ standlrt + schav", d)
    b = m5.fe_params  # type: ignore[attr-defined]
    r.kv([("between-school slope (standlrt + schav)", float(b["standlrt"] + b["schav"]))])
    m6 = mixed_block(r, "M5.6 school type", "normexam ~ standlrt + schav + C(schgend)", d)
    o6 = smf.ols("normexam ~ standlrt + schav + C(schgend)", d).fit()
    r.h(4, "M5.6 fitted by OLS, ignoring schools (for the standard errors)")
    coef_table(r, o6.params, o6.bse, "t")
    m7 = mixed_block(
        r,
        "M5.7 final model",
        "normexam ~ standlrt + girl + C(ses) + schav + C(schgend)",
        d,
        re="~standlrt",
    )
    m7i = mixed_block(
        r, "M5.7i final model, random intercept only",
        "normexam ~ standlrt + girl + C(ses) + schav + C(schgend)", d,
    )
    lr(r, "M5.7 against M5.7i", float(m7i.llf), float(m7.llf), 2, True)  # type: ignore[attr-defined]
    r.h(4, "Wald test of the school-type dummies in M5.7")
    names = ["C(schgend)[T.2]", "C(schgend)[T.3]"]
    fe = m7.fe_params  # type: ignore[attr-defined]
    cov = gls_cov(m7).loc[names, names].to_numpy()
    bb = fe[names].to_numpy()
    w = float(bb @ np.linalg.solve(cov, bb))
    r.kv([("Wald chi-squared", w), ("df", 2), ("p", float(stats.chi2.sf(w, 2)))])
    _ = (m3, m6)


# --------------------------------------------------------------------------- Module 6


def module6(r: Report) -> None:
    d = load_antenatal()
    r.h(2, "Module 6: binary responses (antenatal.csv, 5162 women, single level)")
    r.kv(
        [
            ("women", len(d)),
            ("communities", d["comm"].nunique()),
            ("proportion antemed = 1", float(d["antemed"].mean())),
            ("mean age", float(d["age"].mean())),
            ("SD wealth", float(d["wealth"].std())),
        ]
    )
    rows = []
    for var, labels in (
        ("educ", {1: "none", 2: "primary", 3: "secondary or higher"}),
        ("urban", {0: "rural", 1: "urban"}),
    ):
        for code, label in labels.items():
            sub = d[d[var] == code]
            pr = float(sub["antemed"].mean())
            rows.append([f"{var}={code} ({label})", len(sub), pr, pr / (1 - pr), np.log(pr / (1 - pr))])
    r.table(["group", "n", "proportion", "odds", "log-odds"], rows)
    r.p("Odds ratio urban vs rural (from the table): "
        + _fmt(rows[4][3] / rows[3][3]))  # type: ignore[operator]
    r.p("")

    lpm = smf.ols("antemed ~ wealth", d).fit()
    r.h(3, "M6.0 linear probability model: `antemed ~ wealth` (OLS)")
    coef_table(r, lpm.params, lpm.bse, "t")
    r.kv([("smallest fitted value", float(lpm.fittedvalues.min())),
          ("largest fitted value", float(lpm.fittedvalues.max())),
          ("fitted values below 0", int(np.sum(lpm.fittedvalues < 0))),
          ("fitted values above 1", int(np.sum(lpm.fittedvalues > 1)))])

    null = smf.logit("antemed ~ 1", d).fit(disp=0)
    r.h(3, "M6.null: `antemed ~ 1` (logit, ML)")
    r.kv([("intercept", float(null.params.iloc[0])), ("log-likelihood", float(null.llf)),
          ("-2 log L", float(-2 * null.llf))])
    m1 = smf.logit("antemed ~ wealth", d).fit(disp=0)
    r.h(3, "M6.1: `antemed ~ wealth` (logit, ML)")
    coef_table(r, m1.params, m1.bse, "z")
    b0, b1 = float(m1.params["Intercept"]), float(m1.params["wealth"])
    r.kv([("odds ratio for wealth", np.exp(b1)),
          ("log-likelihood", float(m1.llf)), ("-2 log L", float(-2 * m1.llf))]
         + [(f"predicted probability at wealth = {x:g}", float(1 / (1 + np.exp(-(b0 + b1 * x)))))
            for x in (-2, -1, 0, 1, 2)])
    lr(r, "M6.1 against M6.null", float(null.llf), float(m1.llf), 1, False)

    f2 = "antemed ~ age25 + C(educ) + wealth + urban"
    m2 = smf.logit(f2, d).fit(disp=0)
    r.h(3, f"M6.2: `{f2}` (logit, ML)")
    coef_table(r, m2.params, m2.bse, "z")
    ci = m2.conf_int()
    r.table(
        ["term", "odds ratio", "95% CI low", "95% CI high"],
        [[k, float(np.exp(m2.params[k])), float(np.exp(ci.loc[k, 0])), float(np.exp(ci.loc[k, 1]))]
         for k in m2.params.index if k != "Intercept"],
    )
    r.kv([("log-likelihood", float(m2.llf)), ("-2 log L", float(-2 * m2.llf)),
          ("McFadden pseudo R squared", float(m2.prsquared))])
    m2n = smf.logit("antemed ~ age25 + wealth + urban", d).fit(disp=0)
    lr(r, "educ (M6.2 against M6.2 without educ)", float(m2n.llf), float(m2.llf), 2, False)
    b = m2.params
    profiles = {
        "rural, 25, no education, wealth 0": (0, 0, 0, 0.0, 0),
        "rural, 25, primary, wealth 0": (0, 1, 0, 0.0, 0),
        "rural, 25, secondary, wealth 0": (0, 0, 1, 0.0, 0),
        "urban, 25, secondary, wealth 1": (0, 0, 1, 1.0, 1),
        "rural, 35, no education, wealth -1": (10, 0, 0, -1.0, 0),
    }
    r.h(4, "M6.2: predicted probabilities")
    rows = []
    for label, (a, e2, e3, w, u) in profiles.items():
        eta = (b["Intercept"] + b["age25"] * a + b["C(educ)[T.2]"] * e2 + b["C(educ)[T.3]"] * e3
               + b["wealth"] * w + b["urban"] * u)
        rows.append([label, float(eta), float(np.exp(eta)), float(1 / (1 + np.exp(-eta)))])
    r.table(["profile", "log-odds", "odds", "probability"], rows)
    # Average predicted probabilities (urban set to 0, then 1, for everybody).
    p0 = m2.predict(d.assign(urban=0)).mean()
    p1 = m2.predict(d.assign(urban=1)).mean()
    r.kv([("mean predicted probability if everyone were rural", float(p0)),
          ("mean predicted probability if everyone were urban", float(p1)),
          ("average difference (urban - rural)", float(p1 - p0)),
          ("proportion correctly classified at 0.5", float(np.mean((m2.predict(d) > 0.5) == d["antemed"])))])

    pr = smf.probit(f2, d).fit(disp=0)
    r.h(3, f"M6.3: `{f2}` (probit, ML)")
    coef_table(r, pr.params, pr.bse, "z")
    r.kv([("log-likelihood", float(pr.llf)), ("-2 log L", float(-2 * pr.llf))])
    r.table(["term", "logit / probit"],
            [[k, float(m2.params[k] / pr.params[k])] for k in pr.params.index if k != "Intercept"])
    bp = pr.params
    eta = bp["Intercept"]
    eta2 = bp["Intercept"] + bp["C(educ)[T.3]"] + bp["wealth"] + bp["urban"]
    r.kv([("probit predicted probability: rural, 25, no education, wealth 0",
           float(stats.norm.cdf(eta))),
          ("probit predicted probability: urban, 25, secondary, wealth 1",
           float(stats.norm.cdf(eta2)))])


# --------------------------------------------------------------------------- Module 7


def mlogit_block(r: Report, title: str, fit: MLogitFit, how: str) -> None:
    r.h(3, f"{title} ({how})")
    coef_table(r, pd.Series(fit.beta, index=fit.names), pd.Series(fit.se_beta, index=fit.names), "z")
    items: list[tuple[str, object]] = [("sigma2_u0", float(fit.cov[0, 0])),
                                       ("SE sigma2_u0", float(fit.se_cov[0]))]
    if fit.cov.shape[0] == 2:
        items += [
            ("sigma_u01", float(fit.cov[0, 1])), ("SE sigma_u01", float(fit.se_cov[1])),
            ("sigma2_u1", float(fit.cov[1, 1])), ("SE sigma2_u1", float(fit.se_cov[2])),
            ("correlation u0, u1", float(fit.cov[0, 1] / np.sqrt(fit.cov[0, 0] * fit.cov[1, 1]))),
        ]
    s2 = float(fit.cov[0, 0])
    items += [
        ("VPC (latent, at x = 0)", s2 / (s2 + LOGIT_VAR)),
        ("median odds ratio exp(sqrt(2 sigma2_u0) * 0.6745)",
         float(np.exp(np.sqrt(2 * s2) * stats.norm.ppf(0.75)))),
        ("log-likelihood", fit.loglik),
        ("-2 log L", fit.deviance),
    ]
    r.kv(items)


def module7(r: Report) -> None:
    d = load_antenatal()
    r.h(2, "Module 7: multilevel logistic models (antenatal.csv, 5162 women in 300 communities)")
    n_j = d.groupby("comm").size()
    pj = d.groupby("comm")["antemed"].mean()
    r.kv(
        [
            ("communities", len(n_j)),
            ("women per community: min", int(n_j.min())),
            ("women per community: median", float(n_j.median())),
            ("women per community: max", int(n_j.max())),
            ("communities where every woman has antemed = 0", int(np.sum(pj == 0))),
            ("communities where every woman has antemed = 1", int(np.sum(pj == 1))),
            ("SD of community proportions", float(pj.std())),
        ]
    )
    null_sl = smf.logit("antemed ~ 1", d).fit(disp=0)
    k = 12
    m0 = fit_mlogit(d, "antemed", ["cons"], "comm", n_points=k)
    m0l = fit_mlogit(d, "antemed", ["cons"], "comm", n_points=1)
    mlogit_block(r, "M7.0 null random-intercept logit", m0, f"ML, adaptive quadrature, {k} points")
    lr(r, "M7.0 against the single-level null logit", float(null_sl.llf), m0.loglik, 1, True)
    mlogit_block(r, "M7.0L null model by Laplace", m0l, "Laplace = adaptive quadrature, 1 point")
    m07 = fit_mlogit(d, "antemed", ["cons"], "comm", n_points=7)
    mlogit_block(r, "M7.0Q7 null model, adaptive quadrature with 7 points", m07,
                 "ML, adaptive quadrature, 7 points")

    fixed = ["cons", "age25", "educ2", "educ3", "wealth", "urban"]
    m1 = fit_mlogit(d, "antemed", fixed, "comm", n_points=k)
    m1l = fit_mlogit(d, "antemed", fixed, "comm", n_points=1)
    mlogit_block(r, "M7.1 random-intercept logit: " + " + ".join(fixed[1:]), m1,
                 f"ML, adaptive quadrature, {k} points")
    sl = smf.logit("antemed ~ age25 + educ2 + educ3 + wealth + urban", d).fit(disp=0)
    lr(r, "M7.1 against single-level M6.2", float(sl.llf), m1.loglik, 1, True)
    r.p("Single-level logit (M6.2) for comparison:")
    r.p("")
    coef_table(r, sl.params, sl.bse, "z")
    mlogit_block(r, "M7.1L same model by Laplace", m1l, "Laplace = adaptive quadrature, 1 point")

    r.h(4, "M7.1: odds ratios, predictions and community effects")
    beta = dict(zip(fixed, m1.beta, strict=True))
    s2 = float(m1.cov[0, 0])
    su = np.sqrt(s2)
    x_rural = beta["cons"]
    # Population-average probability for the reference profile: integrate over u.
    t, w = np.polynomial.hermite.hermgauss(40)
    pa = float(np.sum(w / np.sqrt(np.pi) / (1 + np.exp(-(x_rural + np.sqrt(2) * su * t)))))
    r.kv(
        [("odds ratio " + name, float(np.exp(beta[name]))) for name in fixed[1:]]
        + [
            ("probability, reference profile, average community (u = 0)",
             float(1 / (1 + np.exp(-x_rural)))),
            ("probability, reference profile, community at u = +1.96 sigma_u",
             float(1 / (1 + np.exp(-(x_rural + 1.96 * su))))),
            ("probability, reference profile, community at u = -1.96 sigma_u",
             float(1 / (1 + np.exp(-(x_rural - 1.96 * su))))),
            ("population-average probability, reference profile (integrated over u)", pa),
            ("attenuation factor 1/sqrt(1 + 0.346 sigma2_u)", float(1 / np.sqrt(1 + 0.346 * s2))),
            ("approximate population-average coefficient of wealth",
             float(beta["wealth"] / np.sqrt(1 + 0.346 * s2))),
            ("communities whose 95% interval lies above 0",
             int(np.sum(m1.modes[:, 0] - 1.96 * m1.mode_se[:, 0] > 0))),
            ("communities whose 95% interval lies below 0",
             int(np.sum(m1.modes[:, 0] + 1.96 * m1.mode_se[:, 0] < 0))),
            ("largest community effect", float(m1.modes[:, 0].max())),
            ("smallest community effect", float(m1.modes[:, 0].min())),
        ]
    )

    gee = smf.gee(
        "antemed ~ age25 + educ2 + educ3 + wealth + urban", "comm", d,
        family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable(),
    ).fit()
    r.h(3, "M7.1G population-average model (GEE, exchangeable, robust SEs; statsmodels GEE)")
    coef_table(r, gee.params, gee.bse, "z")
    r.kv([("working correlation", float(gee.cov_struct.dep_params))])

    fixed_c = [*fixed, "commwealth"]
    m2 = fit_mlogit(d, "antemed", fixed_c, "comm", n_points=k)
    mlogit_block(r, "M7.2 contextual effect: + commwealth", m2, f"ML, adaptive quadrature, {k} points")
    b = dict(zip(fixed_c, m2.beta, strict=True))
    r.kv([("between-community coefficient of wealth (wealth + commwealth)",
           float(b["wealth"] + b["commwealth"]))])

    m3 = fit_mlogit(d, "antemed", fixed_c, "comm", random=["cons", "wealth"], n_points=7,
                    start=np.concatenate([m2.beta, [np.log(np.sqrt(m2.cov[0, 0])), np.log(0.2), 0.0]]))
    mlogit_block(r, "M7.3 random slope of wealth", m3, "ML, adaptive quadrature, 7 x 7 points")
    lr(r, "M7.3 against M7.2", m2.loglik, m3.loglik, 2, True)
    m3l = fit_mlogit(d, "antemed", fixed_c, "comm", random=["cons", "wealth"], n_points=1,
                     start=np.concatenate([m3.beta, [np.log(np.sqrt(m3.cov[0, 0])),
                                                     np.log(np.sqrt(m3.cov[1, 1])), 0.0]]))
    mlogit_block(r, "M7.3L random slope by Laplace", m3l, "Laplace = adaptive quadrature, 1 point")
    m2l = fit_mlogit(d, "antemed", fixed_c, "comm", n_points=1)
    mlogit_block(r, "M7.2L contextual model by Laplace", m2l, "Laplace = adaptive quadrature, 1 point")
    lr(r, "M7.3L against M7.2L (both Laplace)", m2l.loglik, m3l.loglik, 2, True)
    c = m3.cov
    rows = []
    for x in (-2.0, -1.0, 0.0, 1.0, 2.0):
        v = c[0, 0] + 2 * c[0, 1] * x + c[1, 1] * x * x
        rows.append([x, float(v), float(v / (v + LOGIT_VAR))])
    r.p("Between-community variance and latent VPC by wealth (M7.3):")
    r.p("")
    r.table(["wealth", "variance", "VPC"], rows)
    bw = float(m3.beta[fixed_c.index("wealth")])
    sd1 = float(np.sqrt(c[1, 1]))
    r.kv([("95% range of community wealth coefficients",
           f"{bw - 1.96 * sd1:.3f} to {bw + 1.96 * sd1:.3f}"),
          ("as odds ratios", f"{np.exp(bw - 1.96 * sd1):.3f} to {np.exp(bw + 1.96 * sd1):.3f}")])


def main() -> int:
    r = Report()
    r.p("# Output of the models quoted in the LEMMA course")
    r.p("")
    r.p("Written by `python scripts/course_results.py` (do not edit). Estimators: see the")
    r.p("script's docstring and each heading. Data files (SHA-256):")
    r.p("")
    for path in (PUPILS_CSV, ANTENATAL_CSV):
        r.p(f"- `{path.relative_to(ROOT)}`: `{sha256(path)}`")
    module3(r)
    module5(r)
    module6(r)
    module7(r)
    OUT.write_text(r.text(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
