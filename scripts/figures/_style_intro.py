"""Shared set-up of the figures of Modules 1, 2 and 4 (imported, never run on its own).

Fixed rcParams and PNG metadata without the software version, so that the same data give
the same bytes on every run; paths into the modules' images/ folders; the course data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

SCRIPTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCRIPTS))

ROOT = SCRIPTS.parent
MODULES = ROOT / "content_src" / "modules"
M1 = MODULES / "01-using-quantitative-data" / "images"
M2 = MODULES / "02-quantitative-data-analysis" / "images"
M4 = MODULES / "04-multilevel-structures" / "images"

BLUE = "#1f5a8a"
ORANGE = "#c8641e"
GREY = "#888888"


def setup() -> None:
    plt.rcdefaults()
    plt.rcParams.update(
        {
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "path.simplify": False,
            "svg.hashsalt": "lemma",
        }
    )


def save(fig: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
