"""Item idnumbers: derivation from source paths and Moodle's limits.

Every item has an idnumber unique across the course. Explicit ``idnumber:`` values win;
otherwise it is derived from where the item is written (docs/source-format.md, "Items"):

- page, quiz, file: ``<module folder>/<file stem>``
- practical: the label is ``<module folder>/<practical stem>``, each variant page
  ``<module folder>/<practical stem>-<package, lower-cased, slugged>``
- url, glossary: ``<module folder>/<slug of the title>``
- label: ``<module folder>/label-<n>``, n counting the module's labels from 1
"""

from __future__ import annotations

import re
import unicodedata

# course_modules.idnumber is varchar(100) (lib/db/install.xml); so are grade item idnumbers.
MAX_IDNUMBER = 100


def slug(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` (``"Overview video (R)"`` → ``overview-video-r``)."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", norm.lower())
    return "-".join(words)[:60].strip("-") or "item"


def derive(module_folder: str, stem: str) -> str:
    return f"{module_folder}/{stem}"


def problem(idnumber: str) -> str | None:
    """Why ``idnumber`` is not usable in Moodle, or None."""
    if not idnumber.strip():
        return "is empty"
    if idnumber != idnumber.strip():
        return "has leading or trailing spaces"
    if len(idnumber) > MAX_IDNUMBER:
        return f"is {len(idnumber)} characters long; Moodle allows {MAX_IDNUMBER}"
    return None
