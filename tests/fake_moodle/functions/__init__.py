"""The web-service functions, one module per Moodle component. Importing registers them."""

from __future__ import annotations

import importlib

for _name in (
    "webservice",
    "course",
    "files",
    "user",
    "enrol",
    "group",
    "cohort",
    "completion",
    "quiz",
    "grades",
    "page",
):
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:  # modules are added one by one
        if exc.name != f"{__name__}.{_name}":
            raise
