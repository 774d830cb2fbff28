"""Where preview pages load MathJax from: the configured CDN, or the copy in the package.

The package ships MathJax 3 (the es5 ``tex-chtml-full.js`` bundle with every TeX
extension, its CHTML woff fonts and its Apache-2.0 licence; ``scripts/fetch_mathjax.py``
re-fetches the pinned version and checks its sha256). A site holds that copy under
``_lemma/mathjax/``. Pages load the CDN's MathJax and switch to the local copy when the
CDN script fails to load (no network); with ``offline`` they load the local copy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MATHJAX_DIR = Path(__file__).parent / "mathjax"
SITE_DIR = "_lemma/mathjax"  # where a site holds the local copy
LOCAL_URL = f"{SITE_DIR}/tex-chtml-full.js"  # relative: every page is at the site root


@dataclass(frozen=True)
class MathJaxSource:
    """``cdn``: the URL pages load first (None: offline, the local copy only)."""

    cdn: str | None
    local: str = LOCAL_URL


def local_files() -> dict[str, Path]:
    """The local copy's files by their path in a site (``_lemma/mathjax/...``)."""
    return {
        f"{SITE_DIR}/{p.relative_to(MATHJAX_DIR).as_posix()}": p
        for p in sorted(MATHJAX_DIR.rglob("*"))
        if p.is_file() and p.name != "SHA256SUMS"
    }
