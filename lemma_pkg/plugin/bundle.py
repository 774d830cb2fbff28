"""The companion plugin as files: where they are, and an installable zip.

The plugin's PHP lives inside the Python package (``lemma_pkg/plugin/local_lemma``) so that
the tool and the plugin it talks to always come from the same release. Moodle's plugin
installer (Site administration > Plugins > Install plugins) wants a zip holding one folder
named after the plugin (``lemma/``) with ``version.php`` inside.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lemma_pkg.errors import LemmaError

PLUGIN_COMPONENT = "local_lemma"
#: The folder name inside the zip and under Moodle's local/.
PLUGIN_FOLDER = "lemma"

PHP_HEADER = """\
// This file is part of local_lemma, the companion plugin of lemma-pkg.
//
// local_lemma is free software: you can redistribute it and/or modify
// it under the terms of the GNU General Public License as published by
// the Free Software Foundation, either version 3 of the License, or
// (at your option) any later version.
//
// local_lemma is distributed in the hope that it will be useful,
// but WITHOUT ANY WARRANTY; without even the implied warranty of
// MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
// GNU General Public License for more details.
//
// You should have received a copy of the GNU General Public License
// along with local_lemma.  If not, see <https://www.gnu.org/licenses/>."""

# A fixed time for every zip entry: the same plugin files always give the same bytes.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PluginVersion:
    version: int  # $plugin->version, e.g. 2026120400
    release: str  # $plugin->release, e.g. "0.1.0"
    requires: int


def plugin_dir() -> Path:
    """The folder holding the plugin's files (copy it to MOODLE/local/lemma)."""
    return Path(__file__).with_name("local_lemma")


def plugin_files() -> list[Path]:
    """Every file of the plugin, in a stable order (caches and editor files left out)."""
    root = plugin_dir()
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def plugin_version() -> PluginVersion:
    text = (plugin_dir() / "version.php").read_text(encoding="utf-8")

    def grab(key: str) -> str:
        m = re.search(rf"\$plugin->{key}\s*=\s*'?([^';]+)'?;", text)
        if not m:
            raise LemmaError(f"the plugin's version.php has no $plugin->{key}")
        return m.group(1).strip()

    return PluginVersion(int(grab("version")), grab("release"), int(grab("requires")))


def write_zip(out: Path) -> Path:
    """Write the installable zip to ``out`` atomically; the same files give the same bytes."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    root = plugin_dir()
    fd, tmp = tempfile.mkstemp(prefix=".local_lemma-", suffix=".zip", dir=out.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            dirs: set[str] = set()
            for path in plugin_files():
                rel = path.relative_to(root).as_posix()
                parts = rel.split("/")[:-1]
                for i in range(len(parts) + 1):
                    d = "/".join([PLUGIN_FOLDER, *parts[:i]]) + "/"
                    if d not in dirs:
                        dirs.add(d)
                        info = zipfile.ZipInfo(d, _ZIP_TIME)
                        info.external_attr = (0o40755 << 16) | 0x10
                        zf.writestr(info, b"")
                info = zipfile.ZipInfo(f"{PLUGIN_FOLDER}/{rel}", _ZIP_TIME)
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def default_zip_name() -> str:
    return f"{PLUGIN_COMPONENT}-{plugin_version().release}.zip"
