"""Model fitting shared by scripts/course_results.py and scripts/figures/*.py.

Needs the ``course`` extra (numpy, pandas, statsmodels; scipy comes with statsmodels).

Linear models are fitted with statsmodels (OLS; MixedLM by maximum likelihood). For the
multilevel logistic models this module maximises the likelihood itself, integrating the
random effects out by **adaptive Gauss-Hermite quadrature** centred at each cluster's
conditional mode and scaled by the curvature there (the method of R's ``glmer(nAGQ = k)``;
Stata's ``melogit`` adapts to the posterior mean and variance instead, which gives the same
maximum likelihood estimates once there are enough points). With one point it is the
Laplace approximation, ``glmer``'s default.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import expit, logsumexp

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "content_src" / "modules"
PUPILS_CSV = MODULES / "05-multilevel-modelling" / "data" / "pupils.csv"
ANTENATAL_CSV = MODULES / "07-multilevel-binary-responses" / "data" / "antenatal.csv"


def load_pupils() -> pd.DataFrame:
    d = pd.read_csv(PUPILS_CSV)
    d["schav"] = d.groupby("school")["standlrt"].transform("mean")
    return d


def load_antenatal() -> pd.DataFrame:
    d = pd.read_csv(ANTENATAL_CSV)
    d["age25"] = d["age"] - 25
    d["educ2"] = (d["educ"] == 2).astype(int)
    d["educ3"] = (d["educ"] == 3).astype(int)
    d["commwealth"] = d.groupby("comm")["wealth"].transform("mean")
    return d


def fit_mixed(formula: str, d: pd.DataFrame, re: str | None = None, reml: bool = False) -> Any:
    """A two-level linear model (groups: school) by ML or REML with statsmodels MixedLM.

    MixedLM's optimisers sometimes stop early; every one is tried and the fit with the
    highest (restricted) log-likelihood kept.
    """
    import statsmodels.formula.api as smf

    model = smf.mixedlm(formula, d, groups="school", re_formula=re)
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("bfgs", "lbfgs", "powell", "nm"):
            try:
                fit = model.fit(reml=reml, method=method, maxiter=5000)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(fit.llf) and (best is None or fit.llf > best.llf + 1e-6):
                best = fit
    assert best is not None, f"MixedLM failed for {formula}"
    return best


def school_effects(fit: Any, d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Predicted school intercepts and their comparative SEs for a random-intercept fit."""
    re = fit.random_effects
    s2u = float(fit.cov_re.iloc[0, 0])
    s2e = float(fit.scale)
    n_j = d.groupby("school").size()
    u = np.array([float(re[k].iloc[0]) for k in n_j.index])
    se = np.sqrt(s2u * (s2e / n_j.to_numpy()) / (s2u + s2e / n_j.to_numpy()))
    return u, se


# --------------------------------------------------------------------------- multilevel logit


@dataclass
class MLogitFit:
    names: list[str]
    beta: np.ndarray
    cov: np.ndarray  # random-effect covariance (q x q)
    loglik: float
    n_points: int
    se_beta: np.ndarray = field(default_factory=lambda: np.zeros(0))
    se_cov: np.ndarray = field(default_factory=lambda: np.zeros(0))  # var0, (cov01, var1)
    modes: np.ndarray = field(default_factory=lambda: np.zeros(0))  # G x q, conditional modes
    mode_se: np.ndarray = field(default_factory=lambda: np.zeros(0))  # G x q

    @property
    def deviance(self) -> float:
        return -2.0 * self.loglik


def _gh_rule(k: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Product Gauss-Hermite rule for a standard normal in q dimensions: nodes, log weights."""
    x, w = np.polynomial.hermite.hermgauss(k)
    t = np.sqrt(2.0) * x
    lw = np.log(w / np.sqrt(np.pi))
    if q == 1:
        return t[:, None], lw
    tt = np.array([(a, b) for a in t for b in t])
    lww = np.array([a + b for a in lw for b in lw])
    return tt, lww


class _Problem:
    def __init__(self, y: np.ndarray, X: np.ndarray, Z: np.ndarray, groups: np.ndarray) -> None:
        self.y = y.astype(float)
        self.X = X
        self.Z = Z
        codes, self.g = np.unique(groups, return_inverse=True)
        self.G = len(codes)
        self.q = Z.shape[1]

    def _gsum(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.g, weights=v, minlength=self.G)

    def modes(
        self, beta: np.ndarray, chol: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Conditional modes of the standardised random effects, the Hessian there."""
        eta_f = self.X @ beta
        A = self.Z @ chol
        q = self.q
        v = np.zeros((self.G, q))
        for _ in range(200):
            eta = eta_f + np.sum(A * v[self.g], axis=1)
            p = expit(eta)
            r = self.y - p
            w = p * (1 - p)
            grad = np.stack([self._gsum(A[:, a] * r) for a in range(q)], axis=1) - v
            H = np.empty((self.G, q, q))
            for a in range(q):
                for b in range(a, q):
                    H[:, a, b] = H[:, b, a] = -self._gsum(w * A[:, a] * A[:, b])
                H[:, a, a] -= 1.0
            step = np.linalg.solve(H, grad[:, :, None])[:, :, 0]
            v = v - step
            if np.max(np.abs(step)) < 1e-11:
                break
        eta = eta_f + np.sum(A * v[self.g], axis=1)
        p = expit(eta)
        w = p * (1 - p)
        H = np.empty((self.G, q, q))
        for a in range(q):
            for b in range(a, q):
                H[:, a, b] = H[:, b, a] = -self._gsum(w * A[:, a] * A[:, b])
            H[:, a, a] -= 1.0
        return v, H, eta_f, A

    def loglik(self, beta: np.ndarray, chol: np.ndarray, k: int) -> float:
        v, H, eta_f, A = self.modes(beta, chol)
        q = self.q
        Cov = np.linalg.inv(-H)  # G x q x q
        C = np.linalg.cholesky(Cov)
        logdet = np.sum(np.log(np.diagonal(C, axis1=1, axis2=2)), axis=1)
        nodes, lw = _gh_rule(k, q)
        terms = np.empty((len(lw), self.G))
        for i, (t, lwi) in enumerate(zip(nodes, lw, strict=True)):
            vk = v + np.einsum("gab,b->ga", C, t)
            eta = eta_f + np.sum(A * vk[self.g], axis=1)
            ll = self._gsum(self.y * eta - np.logaddexp(0.0, eta))
            log_prior = -0.5 * np.sum(vk**2, axis=1)
            log_ref = -0.5 * np.sum(t**2)
            terms[i] = lwi + ll + log_prior - log_ref + logdet
        return float(np.sum(logsumexp(terms, axis=0)))


def _chol_from_cov(cov: np.ndarray) -> np.ndarray:
    return np.linalg.cholesky(cov)


def _unpack(theta: np.ndarray, p: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    beta = theta[:p]
    if q == 1:
        return beta, np.array([[np.exp(theta[p])]])
    s0, s1, rho = np.exp(theta[p]), np.exp(theta[p + 1]), np.tanh(theta[p + 2])
    return beta, np.array([[s0, 0.0], [rho * s1, s1 * np.sqrt(1 - rho**2)]])


def _cov_params(cov: np.ndarray) -> np.ndarray:
    if cov.shape[0] == 1:
        return np.array([cov[0, 0]])
    return np.array([cov[0, 0], cov[0, 1], cov[1, 1]])


def _cov_from_params(c: np.ndarray) -> np.ndarray:
    if len(c) == 1:
        return np.array([[c[0]]])
    return np.array([[c[0], c[1]], [c[1], c[2]]])


def fit_mlogit(
    data: pd.DataFrame,
    response: str,
    fixed: list[str],
    group: str,
    random: list[str] | None = None,
    n_points: int = 12,
    start: np.ndarray | None = None,
) -> MLogitFit:
    """Maximum likelihood for a two-level logistic model (random intercept, optional slopes).

    ``fixed`` names the columns of the fixed part ("cons" is the intercept); ``random`` the
    columns with random coefficients (default: the intercept only).
    """
    random = random or ["cons"]
    d = data.assign(cons=1.0)
    X = d[fixed].to_numpy(float)
    Z = d[random].to_numpy(float)
    prob = _Problem(d[response].to_numpy(), X, Z, d[group].to_numpy())
    p, q = X.shape[1], Z.shape[1]
    if start is None:
        import statsmodels.api as sm

        b0 = sm.Logit(d[response].to_numpy(float), X).fit(disp=0).params
        start = np.concatenate([b0, [np.log(0.7)] if q == 1 else [np.log(0.7), np.log(0.2), 0.0]])

    def objective(theta: np.ndarray) -> float:
        beta, chol = _unpack(theta, p, q)
        return -prob.loglik(beta, chol, n_points)

    res = optimize.minimize(objective, start, method="BFGS", options={"gtol": 1e-6})
    beta, chol = _unpack(res.x, p, q)
    cov = chol @ chol.T

    # Standard errors from the observed information in (beta, variances, covariance).
    natural = np.concatenate([beta, _cov_params(cov)])

    def nll_natural(th: np.ndarray) -> float:
        c = _cov_from_params(th[p:])
        return -prob.loglik(th[:p], _chol_from_cov(c), n_points)

    hess = _hessian(nll_natural, natural)
    vcov = np.linalg.inv(hess)
    se = np.sqrt(np.diag(vcov))
    v, H, _, _ = prob.modes(beta, chol)
    post = np.linalg.inv(-H)
    modes = v @ chol.T
    mode_se = np.sqrt(np.einsum("ab,gbc,ac->ga", chol, post, chol))
    return MLogitFit(
        names=fixed,
        beta=beta,
        cov=cov,
        loglik=-float(res.fun),
        n_points=n_points,
        se_beta=se[:p],
        se_cov=se[p:],
        modes=modes,
        mode_se=mode_se,
    )


def _hessian(fn: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of fn at x."""
    n = len(x)
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    out = np.empty((n, n))
    f0 = fn(x)
    for i in range(n):
        for j in range(i, n):
            if i == j:
                e = np.zeros(n)
                e[i] = h[i]
                val = (fn(x + e) - 2 * f0 + fn(x - e)) / h[i] ** 2
            else:
                ei = np.zeros(n)
                ej = np.zeros(n)
                ei[i] = h[i]
                ej[j] = h[j]
                val = (
                    fn(x + ei + ej) - fn(x + ei - ej) - fn(x - ei + ej) + fn(x - ei - ej)
                ) / (4 * h[i] * h[j])
            out[i, j] = out[j, i] = val
    return out
