"""Re-fetch the MathJax copy the preview uses offline, and check it.

The preview loads MathJax from a CDN and falls back to a copy shipped in the package
(lemma_pkg/render/mathjax/: the es5 ``tex-chtml-full.js`` bundle, which holds every TeX
extension so nothing is loaded on demand, its CHTML woff fonts and MathJax's Apache-2.0
licence). This script downloads the pinned npm package with ``npm pack``, checks the
tarball's sha256 against the pin below, and writes those files plus SHA256SUMS.

  scripts/fetch_mathjax.py           # re-fetch and rewrite the copy
  scripts/fetch_mathjax.py --check   # only check the copy against SHA256SUMS (no network)

To move to another version: change VERSION and TARBALL_SHA256 (``npm pack mathjax@X``
then ``sha256sum mathjax-X.tgz``), run the script, and commit the result.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.2.2"
TARBALL_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
DEST = Path(__file__).resolve().parent.parent / "lemma_pkg" / "render" / "mathjax"
FONTS = "output/chtml/fonts/woff-v2"
SUMS = "SHA256SUMS"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wanted(name: str) -> str | None:
    """Where a tarball member goes in DEST, or None when it is not vendored."""
    if name == "package/LICENSE":
        return "LICENSE"
    if name == "package/es5/tex-chtml-full.js":
        return "tex-chtml-full.js"
    prefix = f"package/es5/{FONTS}/"
    if name.startswith(prefix) and name.endswith(".woff") and "/" not in name[len(prefix) :]:
        return name[len("package/es5/") :]
    return None


def check() -> int:
    sums = DEST / SUMS
    if not sums.is_file():
        print(f"{sums} is missing: run scripts/fetch_mathjax.py", file=sys.stderr)
        return 1
    bad = 0
    listed = set()
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed.add(name)
        path = DEST / name
        if not path.is_file() or sha256(path) != digest:
            print(f"{name}: missing or changed", file=sys.stderr)
            bad += 1
    extra = (
        {p.relative_to(DEST).as_posix() for p in DEST.rglob("*") if p.is_file()} - listed - {SUMS}
    )
    for name in sorted(extra):
        print(f"{name}: not in {SUMS}", file=sys.stderr)
        bad += 1
    print(f"MathJax {VERSION}: {len(listed)} files, {bad} problems")
    return 1 if bad else 0


def fetch() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"mathjax@{VERSION}", "--silent", "--pack-destination", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        tarball = Path(tmp) / f"mathjax-{VERSION}.tgz"
        digest = sha256(tarball)
        if digest != TARBALL_SHA256:
            print(f"sha256 mismatch: got {digest}, pinned {TARBALL_SHA256}", file=sys.stderr)
            return 1
        if DEST.exists():
            shutil.rmtree(DEST)
        lines = []
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                target = wanted(member.name) if member.isfile() else None
                if target is None:
                    continue
                data = tar.extractfile(member)
                assert data is not None
                out = DEST / target
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data.read())
                lines.append(f"{sha256(out)}  {target}")
        (DEST / SUMS).write_text("\n".join(sorted(lines, key=lambda s: s[66:])) + "\n")
    return check()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check the vendored copy")
    args = ap.parse_args()
    return check() if args.check else fetch()


if __name__ == "__main__":
    sys.exit(main())
