"""Generate the data sets of the bundled LEMMA course, deterministically.

    python scripts/make_datasets.py            # write the CSV files (and .dta if pandas is there)
    python scripts/make_datasets.py --check    # exit 1 if a committed CSV differs

Two synthetic data sets, each simulated from a documented multilevel model with a fixed
seed (the models, their parameters and the seeds are in scripts/datasets.md):

- pupils.csv: 2,567 pupils in 65 schools, exam score at 16, prior attainment at 11 and
  background (Modules 3 and 5);
- antenatal.csv: 5,162 women in 300 communities, whether they had antenatal care from a
  medically trained provider (Modules 6 and 7).

The CSV files are made with numpy alone, so the test suite can regenerate them and compare
bytes. The Stata files (.dta, format 118) are written by pandas' ``DataFrame.to_stata``
with a fixed time stamp, so they too are byte-identical from run to run; pandas is in the
``course`` extra. Only ``Generator.standard_normal``, ``Generator.random`` and
``Generator.integers`` are drawn from, the generator methods least likely to change
between numpy versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "content_src" / "modules"

PUPILS_SEED = 20270111
ANTENATAL_SEED = 20270112
# The time stamp written into the .dta files (Stata shows it as the data set's date).
DTA_TIMESTAMP = dt.datetime(2027, 1, 11, 9, 0)  # noqa: DTZ001 - Stata time stamps are naive


@dataclass(frozen=True)
class Column:
    name: str
    values: np.ndarray
    decimals: int  # 0: integer column
    label: str
    value_labels: dict[int, str] | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    columns: list[Column]
    folders: tuple[str, ...]  # module folders that ship it

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].values)


def _cells(col: Column) -> list[str]:
    if col.decimals == 0:
        return [str(int(v)) for v in col.values]
    out = []
    for v in col.values:
        s = f"{v:.{col.decimals}f}"
        out.append("0." + "0" * col.decimals if s == "-0." + "0" * col.decimals else s)
    return out


def csv_text(ds: Dataset) -> str:
    """The CSV file: a header line, then one line per row, LF line endings."""
    cols = [_cells(c) for c in ds.columns]
    lines = [",".join(c.name for c in ds.columns)]
    lines += [",".join(row) for row in zip(*cols, strict=True)]
    return "\n".join(lines) + "\n"


def _rounded(col: Column) -> np.ndarray:
    """The values exactly as the CSV shows them (what the .dta must hold too)."""
    if col.decimals == 0:
        return col.values.astype(np.int64)
    return np.array([float(s) for s in _cells(col)])


def _random_effects(z: np.ndarray, sd0: float, sd1: float, corr: float) -> tuple[np.ndarray, ...]:
    """Group intercepts and slopes with SDs sd0, sd1 and correlation corr, from z (J x 2)."""
    u0 = sd0 * z[:, 0]
    u1 = sd1 * (corr * z[:, 0] + np.sqrt(1 - corr**2) * z[:, 1])
    return u0, u1


# --------------------------------------------------------------------------- pupils in schools

PUPILS = {
    # school level
    "n_schools": 65,
    "size_min": 10,
    "size_max": 70,
    "p_boys_school": 0.15,
    "p_girls_school": 0.25,
    "intake_sd": 0.35,  # SD of the school mean of standlrt
    "intake_girls_school": 0.15,  # girls' schools take in pupils with higher scores
    "composition_sd": 0.3,  # school social composition beyond intake
    # pupil level
    "p_girl_mixed": 0.5,
    # fixed part
    "b_cons": 0.10,
    "b_standlrt": 0.55,
    "b_girl": 0.15,
    "b_ses2": -0.12,
    "b_ses3": -0.30,
    "b_boysch": 0.08,
    "b_girlsch": 0.12,
    "b_intake": 0.30,  # contextual effect of the school's mean intake
    "b_standlrt_girl": -0.10,
    # random part
    "sd_u0": 0.283,  # variance 0.08
    "sd_u1": 0.122,  # variance 0.015
    "corr_u01": 0.5,
    "sd_e": 0.742,  # variance 0.55
}


def make_pupils(seed: int = PUPILS_SEED) -> Dataset:
    p = PUPILS
    rng = np.random.default_rng(seed)
    n_j = rng.integers(p["size_min"], p["size_max"] + 1, size=p["n_schools"])
    r = rng.random(p["n_schools"])
    schgend_j = np.where(
        r < p["p_boys_school"], 2, np.where(r < p["p_boys_school"] + p["p_girls_school"], 3, 1)
    )
    intake_j = p["intake_sd"] * rng.standard_normal(p["n_schools"])
    intake_j += p["intake_girls_school"] * (schgend_j == 3)
    comp_j = 0.5 * intake_j + p["composition_sd"] * rng.standard_normal(p["n_schools"])
    z = rng.standard_normal((p["n_schools"], 2))
    u0_j, u1_j = _random_effects(z, p["sd_u0"], p["sd_u1"], p["corr_u01"])

    school = np.repeat(np.arange(1, p["n_schools"] + 1), n_j)
    n = int(n_j.sum())
    idx = school - 1
    standlrt = intake_j[idx] + np.sqrt(1 - p["intake_sd"] ** 2) * rng.standard_normal(n)
    girl_mixed = (rng.random(n) < p["p_girl_mixed"]).astype(np.int64)
    sg = schgend_j[idx]
    girl = np.where(sg == 3, 1, np.where(sg == 2, 0, girl_mixed))
    ses_latent = comp_j[idx] + 0.35 * standlrt + 0.9 * rng.standard_normal(n)
    ses = np.where(ses_latent > 0.45, 1, np.where(ses_latent > -0.5, 2, 3))
    e = p["sd_e"] * rng.standard_normal(n)
    normexam = (
        p["b_cons"]
        + p["b_standlrt"] * standlrt
        + p["b_girl"] * girl
        + p["b_ses2"] * (ses == 2)
        + p["b_ses3"] * (ses == 3)
        + p["b_boysch"] * (sg == 2)
        + p["b_girlsch"] * (sg == 3)
        + p["b_intake"] * intake_j[idx]
        + p["b_standlrt_girl"] * standlrt * girl
        + u0_j[idx]
        + u1_j[idx] * standlrt
        + e
    )
    return Dataset(
        name="pupils",
        title="LEMMA synthetic data: pupils within schools",
        folders=("03-multiple-regression", "05-multilevel-modelling"),
        columns=[
            Column("school", school, 0, "School identifier"),
            Column("student", np.arange(1, n + 1), 0, "Pupil identifier"),
            Column("normexam", normexam, 3, "Exam score at 16 (SD units)"),
            Column("cons", np.ones(n, dtype=np.int64), 0, "Constant (1), for MLwiN"),
            Column("standlrt", standlrt, 3, "Reading test score at 11 (SD units)"),
            Column("girl", girl, 0, "Pupil is a girl", {0: "boy", 1: "girl"}),
            Column(
                "ses",
                ses,
                0,
                "Parents' occupational class",
                {1: "managerial/professional", 2: "intermediate", 3: "routine/manual"},
            ),
            Column(
                "schgend",
                sg,
                0,
                "School type",
                {1: "mixed", 2: "boys' school", 3: "girls' school"},
            ),
        ],
    )


# --------------------------------------------------------------------------- women in communities

ANTENATAL = {
    # community level
    "n_comms": 300,
    "size_min": 5,
    "size_max": 30,
    "p_urban": 0.3,
    "wealth_rural": -0.35,  # community mean wealth score, rural
    "wealth_urban_diff": 1.0,
    "wealth_comm_sd": 0.55,
    # woman level
    "wealth_sd": 0.8,
    "age_mean": 26.0,
    "age_sd": 6.5,
    # fixed part (log-odds)
    "b_cons": -0.55,  # rural woman aged 25, no education, wealth 0, community wealth 0
    "b_age": -0.015,  # per year of age
    "b_educ2": 0.45,
    "b_educ3": 1.05,
    "b_wealth": 0.55,
    "b_urban": 0.60,
    "b_comm_wealth": 0.45,  # contextual effect of the community's mean wealth
    # random part (log-odds scale)
    "sd_u0": 0.922,  # variance 0.85
    "sd_u1": 0.30,  # variance 0.09
    "corr_u01": -0.3,
}


def make_antenatal(seed: int = ANTENATAL_SEED) -> Dataset:
    p = ANTENATAL
    rng = np.random.default_rng(seed)
    n_j = rng.integers(p["size_min"], p["size_max"] + 1, size=p["n_comms"])
    urban_j = (rng.random(p["n_comms"]) < p["p_urban"]).astype(np.int64)
    wealth_j = (
        p["wealth_rural"]
        + p["wealth_urban_diff"] * urban_j
        + p["wealth_comm_sd"] * rng.standard_normal(p["n_comms"])
    )
    z = rng.standard_normal((p["n_comms"], 2))
    u0_j, u1_j = _random_effects(z, p["sd_u0"], p["sd_u1"], p["corr_u01"])

    comm = np.repeat(np.arange(1, p["n_comms"] + 1), n_j)
    n = int(n_j.sum())
    idx = comm - 1
    age = np.clip(np.rint(p["age_mean"] + p["age_sd"] * rng.standard_normal(n)), 15, 49)
    wealth = wealth_j[idx] + p["wealth_sd"] * rng.standard_normal(n)
    educ_latent = 0.6 * wealth - 0.02 * (age - 26) + rng.standard_normal(n)
    educ = np.where(educ_latent > 0.6, 3, np.where(educ_latent > -0.5, 2, 1))
    eta = (
        p["b_cons"]
        + p["b_age"] * (age - 25)
        + p["b_educ2"] * (educ == 2)
        + p["b_educ3"] * (educ == 3)
        + p["b_wealth"] * wealth
        + p["b_urban"] * urban_j[idx]
        + p["b_comm_wealth"] * wealth_j[idx]
        + u0_j[idx]
        + u1_j[idx] * wealth
    )
    antemed = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    return Dataset(
        name="antenatal",
        title="LEMMA synthetic data: antenatal care of women within communities",
        folders=("06-binary-responses", "07-multilevel-binary-responses"),
        columns=[
            Column("comm", comm, 0, "Community identifier"),
            Column("woman", np.arange(1, n + 1), 0, "Woman identifier"),
            Column(
                "antemed",
                antemed,
                0,
                "Antenatal care from a medically trained provider",
                {0: "no", 1: "yes"},
            ),
            Column("cons", np.ones(n, dtype=np.int64), 0, "Constant (1), for MLwiN"),
            Column("age", age, 0, "Age at the birth (years)"),
            Column(
                "educ",
                educ,
                0,
                "Woman's education",
                {1: "none", 2: "primary", 3: "secondary or higher"},
            ),
            Column("wealth", wealth, 3, "Household wealth score (SD units)"),
            Column("urban", urban_j[idx], 0, "Community is urban", {0: "rural", 1: "urban"}),
        ],
    )


MAKERS: tuple[Callable[[], Dataset], ...] = (make_pupils, make_antenatal)


def write_dta(ds: Dataset, path: Path) -> None:
    """Write a Stata 14+ (format 118) file with pandas, byte-identical from run to run."""
    import pandas as pd

    frame = pd.DataFrame({c.name: _rounded(c) for c in ds.columns})
    for c in ds.columns:
        if c.decimals == 0:
            frame[c.name] = frame[c.name].astype(np.int32 if c.values.max() > 100 else np.int8)
    value_labels = {c.name: c.value_labels for c in ds.columns if c.value_labels}
    frame.to_stata(
        path,
        write_index=False,
        version=118,
        time_stamp=DTA_TIMESTAMP,
        data_label=ds.title,
        variable_labels={c.name: c.label for c in ds.columns},
        value_labels=value_labels,
    )


def csv_paths(ds: Dataset) -> list[Path]:
    return [MODULES / folder / "data" / f"{ds.name}.csv" for folder in ds.folders]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for make in MAKERS:
        ds = make()
        text = csv_text(ds)
        for path in csv_paths(ds):
            if args.check:
                if not path.is_file() or path.read_text(encoding="utf-8") != text:
                    stale.append(path)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            write_dta(ds, path.with_suffix(".dta"))
            print(f"wrote {path.relative_to(ROOT)} and .dta ({ds.n_rows} rows)", file=sys.stderr)
    for path in stale:
        print(f"{path.relative_to(ROOT)} differs from what make_datasets.py makes", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
