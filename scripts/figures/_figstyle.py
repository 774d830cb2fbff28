"""Shared set-up for the figure scripts of Modules 3, 5, 6 and 7 (not a figure itself).

Fixed rcParams, the Agg backend and no "Software" metadata, so that a figure's PNG bytes
are the same on every run with the same matplotlib. Also puts scripts/ on sys.path so that
the figure scripts can import course_models.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SCRIPTS = Path(__file__).resolve().parent.parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
MODULES = SCRIPTS.parent / "content_src" / "modules"

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "path.simplify": False,
    }
)

BLUE = "#1f5a99"
ORANGE = "#c4561c"
GREY = "#7f7f7f"


def save(fig: plt.Figure, module: str, name: str) -> Path:
    """Write images/<name>.png into the module folder, deterministically."""
    out = MODULES / module / "images" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata={"Software": None}, bbox_inches=None)
    plt.close(fig)
    print(f"wrote {out.relative_to(SCRIPTS.parent)}", file=sys.stderr)
    return out


def ranked_intervals(
    ax: plt.Axes,
    values: np.ndarray,
    se: np.ndarray,
    *,
    markersize: float = 3,
    elinewidth: float = 0.8,
    zero_colour: str = GREY,
) -> None:
    """A caterpillar plot: the values in rank order with 95% intervals, and a line at 0."""
    order = np.argsort(values)
    ax.errorbar(np.arange(1, len(values) + 1), values[order], yerr=1.96 * se[order], fmt="o",
                markersize=markersize, color=BLUE, ecolor=GREY, elinewidth=elinewidth)
    ax.axhline(0, color=zero_colour, linewidth=1)
