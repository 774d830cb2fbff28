"""The synthetic Community Life Survey of Modules 1, 2 and 4 of the bundled LEMMA course.

    python scripts/datasets_intro.py        # writes the CSV below (same bytes every run)

Writes content_src/modules/01-using-quantitative-data/data/community-survey.csv. Needs
numpy and pandas (`pip install -e '.[course]'`). Seeded: the same file on every run.

The generating model (documented in docs/lemma-course.md and the Module 1 lesson on
survey data):

Population. A region of 400 neighbourhoods (areas). Area j is urban with probability 0.6;
its adult population N_j is lognormal (median 3,000 urban, 1,200 rural, log-SD 0.35); its
deprivation score d_j is normal (mean 0.25 urban, -0.375 rural, SD 0.93; higher = more
deprived), roughly standardised across the region.

Design. Two stages: a simple random sample of 40 of the 400 areas, then 30 adults drawn
at random in each selected area, of whom each responds with probability 0.75 (unit
nonresponse, at random within the area). The design weight of a respondent in area j is
(400 / 40) * N_j / n_j, n_j the area's respondents: it estimates how many adults of the
region each respondent stands for.

Respondents (i in area j), in this order:
  female ~ Bernoulli(0.52)
  age = 16 + round(74 * Beta(1.3, 1.6)), plus 4 years in rural areas (at most 90)
  education (0 none, 1 school, 2 further, 3 degree): ordered logit with linear predictor
      -0.025 (age - 45) - 0.5 d_j and cut points -2.2, 0.2, 1.4
  employment: retired from 66 (prob. 0.9); students aged 16-22 (prob. 0.6); otherwise
      employed with logit 1.2 + 0.4 education - 0.4 d_j, else unemployed (35 %) or other
  log weekly household income (pounds) = log(600) + 0.15 education + 0.25 employed
      - 0.2 retired - 0.45 unemployed - 0.25 d_j + w_j + e_ij,
      w_j ~ N(0, 0.05^2), e_ij ~ N(0, 0.5^2); rounded to 5 pounds
  health (1 very bad ... 5 very good): ordered logit with linear predictor
      -0.035 (age - 45) + 0.2 education - 0.25 d_j and cut points -4.0, -2.6, -1.0, 1.2
  wellbeing (14-70, Warwick-Edinburgh-like) = 46 + 2.5 (log income - log 600)
      + 1.5 (health - 3) + 0.004 (age - 47)^2 + 0.3 female - 1.0 urban - 2.0 d_j
      + u_j + e_ij, u_j ~ N(0, 1.0^2), e_ij ~ N(0, 7.5^2); rounded, kept within 14-70
  volunteer (formal volunteering in the last 12 months): logit = -1.1 + 0.35 education
      - 0.4 urban - 0.3 d_j + 0.01 (age - 45) + 0.2 female + v_j, v_j ~ N(0, 0.5^2)
  income item nonresponse: missing with logit -2.4 + 0.6 (log income - log 600)
      + 0.02 (age - 45): higher incomes are refused more often (missing not at random)

Area effects u_j, v_j, w_j are independent. `load_population()` also returns the incomes
that nonrespondents refused, for the Module 1 lesson on data quality (known only because
the data are simulated).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "content_src/modules/01-using-quantitative-data/data/community-survey.csv"
SEED = 20270111

N_AREAS = 400
N_SAMPLED_AREAS = 40
ISSUED_PER_AREA = 30
RESPONSE_RATE = 0.75
LOG600 = float(np.log(600.0))

EDUCATION = ("none", "school", "further", "degree")
EMPLOYMENT = ("employed", "unemployed", "retired", "student", "other")


@dataclass(frozen=True)
class Survey:
    """The published survey and what only the simulation knows."""

    data: pd.DataFrame  # the CSV, income missing where refused
    true_income: np.ndarray  # every respondent's income, refused ones included
    areas: pd.DataFrame  # all 400 areas: area, urban, pop, deprivation, sampled


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ordered_logit(
    rng: np.random.Generator, eta: np.ndarray, cuts: tuple[float, ...]
) -> np.ndarray:
    latent = eta + rng.logistic(size=eta.shape)
    return np.searchsorted(np.asarray(cuts), latent)


def load_population(seed: int = SEED) -> Survey:
    rng = np.random.default_rng(seed)
    urban_all = rng.random(N_AREAS) < 0.6
    pop_all = np.round(
        np.exp(np.where(urban_all, np.log(3000.0), np.log(1200.0)) + rng.normal(0, 0.35, N_AREAS))
    ).astype(int)
    dep_all = np.where(urban_all, 0.25, -0.375) + rng.normal(0, 0.93, N_AREAS)
    sampled = np.sort(rng.choice(N_AREAS, size=N_SAMPLED_AREAS, replace=False))
    areas = pd.DataFrame(
        {
            "area": np.arange(1, N_AREAS + 1),
            "urban": urban_all.astype(int),
            "pop": pop_all,
            "deprivation": dep_all,
            "sampled": np.isin(np.arange(N_AREAS), sampled).astype(int),
        }
    )

    rows = []
    for number, j in enumerate(sampled, start=1):
        responded = rng.random(ISSUED_PER_AREA) < RESPONSE_RATE
        n = int(responded.sum())
        u = rng.normal(0, 1.0)
        v = rng.normal(0, 0.5)
        w = rng.normal(0, 0.05)
        rows.append((number, j, n, u, v, w))

    area_idx = np.concatenate([np.full(n, j) for (_, j, n, _, _, _) in rows])
    area_no = np.concatenate([np.full(n, k) for (k, _, n, _, _, _) in rows])
    n_j = np.concatenate([np.full(n, n) for (_, _, n, _, _, _) in rows])
    u = np.concatenate([np.full(n, uu) for (_, _, n, uu, _, _) in rows])
    v = np.concatenate([np.full(n, vv) for (_, _, n, _, vv, _) in rows])
    w = np.concatenate([np.full(n, ww) for (_, _, n, _, _, ww) in rows])
    size = area_idx.size
    urban = urban_all[area_idx].astype(int)
    dep = dep_all[area_idx]

    female = (rng.random(size) < 0.52).astype(int)
    age = 16 + np.round(74 * rng.beta(1.3, 1.6, size)).astype(int) + 4 * (1 - urban)
    age = np.minimum(age, 90)
    educ = _ordered_logit(rng, -0.025 * (age - 45) - 0.5 * dep, (-2.2, 0.2, 1.4))

    draw = rng.random(size)
    employed_p = _expit(1.2 + 0.4 * educ - 0.4 * dep)
    other = rng.random(size)
    emp = np.where(
        (age >= 66) & (draw < 0.9),
        2,
        np.where(
            (age <= 22) & (draw < 0.6),
            3,
            np.where(rng.random(size) < employed_p, 0, np.where(other < 0.35, 1, 4)),
        ),
    )
    log_inc = (
        LOG600
        + 0.15 * educ
        + 0.25 * (emp == 0)
        - 0.2 * (emp == 2)
        - 0.45 * (emp == 1)
        - 0.25 * dep
        + w
        + rng.normal(0, 0.5, size)
    )
    income = 5 * np.round(np.exp(log_inc) / 5)
    health = 1 + _ordered_logit(
        rng, -0.035 * (age - 45) + 0.2 * educ - 0.25 * dep, (-4.0, -2.6, -1.0, 1.2)
    )
    wellbeing = (
        46
        + 2.5 * (np.log(income) - LOG600)
        + 1.5 * (health - 3)
        + 0.004 * (age - 47) ** 2
        + 0.3 * female
        - 1.0 * urban
        - 1.5 * dep
        + u
        + rng.normal(0, 7.5, size)
    )
    wellbeing = np.clip(np.round(wellbeing), 14, 70).astype(int)
    volunteer = (
        rng.random(size)
        < _expit(
            -1.1 + 0.35 * educ - 0.4 * urban - 0.3 * dep + 0.01 * (age - 45) + 0.2 * female + v
        )
    ).astype(int)
    refused = rng.random(size) < _expit(-2.4 + 0.6 * (np.log(income) - LOG600) + 0.02 * (age - 45))

    weight = (N_AREAS / N_SAMPLED_AREAS) * pop_all[area_idx] / n_j
    data = pd.DataFrame(
        {
            "id": np.arange(1, size + 1),
            "area": area_no,
            "urban": urban,
            "deprivation": np.round(dep, 2),
            "area_pop": pop_all[area_idx],
            "weight": np.round(weight, 2),
            "sex": np.where(female == 1, "female", "male"),
            "age": age,
            "education": [EDUCATION[k] for k in educ],
            "employment": [EMPLOYMENT[k] for k in emp],
            "health": health,
            "income": pd.array(np.where(refused, -1, income).astype(int), dtype="Int64"),
            "wellbeing": wellbeing,
            "volunteer": volunteer,
        }
    )
    data.loc[refused, "income"] = pd.NA
    return Survey(data=data, true_income=income.astype(float), areas=areas)


def load_survey() -> pd.DataFrame:
    """The published CSV, read back (what learners download)."""
    return pd.read_csv(OUT)


def main() -> int:
    survey = load_population()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    survey.data.to_csv(OUT, index=False, lineterminator="\n")
    d = survey.data
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(d)} adults in {d['area'].nunique()} areas, "
        f"{int(d['income'].isna().sum())} incomes refused",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
