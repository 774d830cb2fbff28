"""A course's registration background on a site: its fields as Moodle's profile field
definitions, compared with (or made into) the site's through the companion plugin, and the
``lemma doctor`` check of them."""

from __future__ import annotations

from pathlib import Path

from lemma_pkg.content.background import load_background
from lemma_pkg.content.loader import find_project
from lemma_pkg.content.model import Background, BackgroundField
from lemma_pkg.doctor import Check, Status
from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import MoodleError
from lemma_pkg.moodle.profilefields import (
    CONFLICT,
    DIFFERENT,
    FUNCTION,
    MISSING,
    FieldDefinition,
    SyncResult,
    sync_profile_fields,
)
from lemma_pkg.moodle.site import SiteInfo
from lemma_pkg.moodle.siterules import (
    TEXT_SIZE,
    VISIBLE_ALL,
    VISIBLE_NONE,
    VISIBLE_PRIVATE,
    VISIBLE_TEACHERS,
)

VISIBILITY = {
    "private": VISIBLE_PRIVATE,
    "teachers": VISIBLE_TEACHERS,
    "everyone": VISIBLE_ALL,
    "nobody": VISIBLE_NONE,
}
DATATYPE = {"menu": "menu", "text": "text", "checkbox": "checkbox", "date": "datetime"}


def definition(f: BackgroundField) -> FieldDefinition:
    """The ``user_info_field`` columns for one background field. Moodle's own "required" is
    always off: with it, every account without a value is refused at login and in every
    web-service call (``usernotfullysetup``); lemma enrol checks required values instead."""
    param1 = param2 = param3 = ""
    default = f.default
    if f.type == "menu":
        param1 = "\n".join(f.options)
    elif f.type == "text":
        param1, param2, param3 = str(TEXT_SIZE), str(f.max_length), "0"
    elif f.type == "date":
        param1, param2, default = str(f.start_year), str(f.end_year), "0"
    elif f.type == "checkbox":
        default = default or "0"
    return {
        "shortname": f.shortname,
        "name": f.name,
        "datatype": DATATYPE[f.type],
        "description": f.description,
        "required": False,
        "locked": f.locked,
        "forceunique": False,
        "signup": False,
        "visible": VISIBILITY[f.visible],
        "defaultdata": default,
        "param1": param1,
        "param2": param2,
        "param3": param3,
    }


def sync_background(client: MoodleClient, background: Background, *, apply: bool) -> SyncResult:
    """Compare the course's background with the site's fields (``apply``: make them so)."""
    return sync_profile_fields(
        client, background.category, [definition(f) for f in background.fields], apply=apply
    )


def describe(result: SyncResult) -> list[str]:
    """One line per field that is not as the course declares it."""
    out = []
    for f in result.fields:
        if f.status == MISSING:
            out.append(f"{f.shortname}: missing")
        elif f.status == DIFFERENT:
            out.append(f"{f.shortname}: differs in {', '.join(f.differences)}")
        elif f.status == CONFLICT:
            out.append(
                f"{f.shortname}: a field of another type has this shortname (never changed "
                "by lemma: rename one of them)"
            )
    return out


def check_background_fields(
    client: MoodleClient, info: SiteInfo, project: Path | None = None
) -> Check:
    """``lemma doctor``: the course's background fields exist on the site as declared
    (the course project is ``project``, or the current folder)."""
    name = "background fields"
    root = find_project(project or Path.cwd())
    if root is None:
        return Check(name, Status.SKIP, "no course project here", required=False)
    loaded = load_background(root)
    if loaded.background is None:
        summary = (
            "course.yaml has errors in its background"
            if loaded.errors
            else "the course declares no background"
        )
        return Check(
            name,
            Status.SKIP,
            summary,
            "run `lemma validate`" if loaded.errors else "",
            required=bool(loaded.errors),
        )
    background = loaded.background
    if FUNCTION not in info.functions:
        return Check(
            name,
            Status.SKIP,
            f"not checked: the course declares {len(background.fields)} background fields, "
            f"but {FUNCTION} is not in the token's service",
            "install the companion plugin local_lemma and use its service 'lemma' "
            "(docs/companion-plugin.md); lemma enrol needs it",
            required=False,
        )
    try:
        result = sync_background(client, background, apply=False)
    except MoodleError as exc:
        return Check(name, Status.FAIL, exc.message, exc.hint or "")
    problems = describe(result)
    if not problems:
        return Check(
            name,
            Status.OK,
            f"{len(result.fields)} fields as the course declares them "
            f"(category {background.category!r})",
        )
    return Check(
        name,
        Status.FAIL,
        f"{len(problems)} of {len(result.fields)} background fields are not as the course "
        "declares them: " + "; ".join(problems),
        "run `lemma background sync` to create and update them",
    )
