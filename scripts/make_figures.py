"""Run every figure script in scripts/figures/ (each writes PNGs into a module's images/).

    python scripts/make_figures.py        # needs the `course` extra

Files whose names start with "_" are helpers, not figures. Each script also runs on its
own: `python scripts/figures/m5_school_lines.py`.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

FIGURES = Path(__file__).resolve().parent / "figures"


def main() -> int:
    scripts = sorted(p for p in FIGURES.glob("*.py") if not p.name.startswith("_"))
    sys.path.insert(0, str(FIGURES))
    for script in scripts:
        print(f"== {script.name}", file=sys.stderr)
        runpy.run_path(str(script), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
