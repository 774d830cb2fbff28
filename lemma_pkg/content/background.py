"""The ``background:`` block of course.yaml: the registration background a course asks
learners for (custom user profile fields), read into :class:`~lemma_pkg.content.model.Background`
with ``LEM`` diagnostics (the format is in docs/source-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from yaml.nodes import MappingNode, Node

from lemma_pkg.content import codes
from lemma_pkg.content.context import COURSE_FILE, LoadContext
from lemma_pkg.content.model import (
    Background,
    BackgroundField,
    BackgroundType,
    SourceSpan,
    Visibility,
)
from lemma_pkg.content.yamlio import Fields, pos, type_name
from lemma_pkg.diagnostics import Diagnostic

DEFAULT_CATEGORY = "Registration background"
TYPES: tuple[str, ...] = ("menu", "text", "checkbox", "date")
VISIBILITY: tuple[str, ...] = ("private", "teachers", "everyone", "nobody")
SHORTNAME = re.compile(r"^[A-Za-z0-9_]+$")
#: Moodle's profile field form: shortname maxlength 100; user_info_field.name char(255).
MAX_SHORTNAME = 100
MAX_NAME = 255
#: The text field form's default (and lemma's ceiling for) the maximum length.
MAX_TEXT_LENGTH = 2048
#: Years a date field may span (Moodle's date selector goes from 1900 to 2050).
MIN_YEAR, MAX_YEAR = 1900, 2050

COMMON_KEYS = ("shortname", "name", "type", "required", "description", "visible", "locked")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "menu": ("options", "default"),
    "text": ("max_length", "default"),
    "checkbox": ("default",),
    "date": ("start_year", "end_year"),
}
ALL_TYPE_KEYS = tuple(dict.fromkeys(k for keys in TYPE_KEYS.values() for k in keys))


def read_background(node: MappingNode, parent: Fields, path: Path) -> Background | None:
    """Read ``background:`` (``node``) of course.yaml; diagnostics go to ``parent``'s
    collector. None when the block is unusable."""
    f = Fields(node, parent.display, parent.diags, "course.yaml background", parent.line_offset)
    category = f.text("category", default=DEFAULT_CATEGORY, max_len=MAX_NAME) or DEFAULT_CATEGORY
    fields_node = f.sequence("fields", required=True)
    f.finish()
    if fields_node is None:
        return None
    fields: list[BackgroundField] = []
    seen: dict[str, int] = {}
    for child in fields_node.value:
        if not isinstance(child, MappingNode):
            f.error(
                child,
                codes.WRONG_TYPE,
                f"course.yaml background: each field must be a mapping, not {type_name(child)}",
                "write each field as `- shortname: ...` followed by name, type and so on",
            )
            continue
        field = _read_field(child, f, path)
        if field is None:
            continue
        key = field.shortname.lower()
        if key in seen:
            f.error(
                child,
                codes.DUPLICATE_FIELD,
                f'course.yaml background: field "{field.shortname}" is declared twice '
                f"(first on line {seen[key]})",
                "give each field its own shortname (case does not count)",
            )
            continue
        seen[key] = field.span.line if field.span else 0
        fields.append(field)
    if not f.ok:
        return None
    return Background(category=category.strip(), fields=tuple(fields))


def _read_field(node: MappingNode, parent: Fields, path: Path) -> BackgroundField | None:
    f = Fields(node, parent.display, parent.diags, "background field", parent.line_offset)
    shortname = f.text("shortname", required=True, max_len=MAX_SHORTNAME) or ""
    if shortname and not SHORTNAME.match(shortname):
        f.error(
            f.raw("shortname") or node,
            codes.BAD_FIELD_SHORTNAME,
            f'background field "{shortname}": a shortname may hold only letters, digits and _',
            "write it like study_background; it becomes the roster column "
            f"profile_field_{re.sub(r'[^A-Za-z0-9_]', '_', shortname)}",
        )
    what = f'background field "{shortname}"' if shortname else "background field"
    f.what = what
    name = f.text("name", required=True, max_len=MAX_NAME) or ""
    if not f.has("type"):
        f.error(
            node,
            codes.MISSING_KEY,
            f'{what}: required key "type" is missing',
            f"write type: one of {', '.join(TYPES)}",
        )
    ftype = f.choice("type", TYPES, None)
    required = f.flag("required", False)
    description = f.text("description", default="") or ""
    visible = f.choice("visible", VISIBILITY, "private") or "private"
    locked = f.flag("locked", False)
    for key in ALL_TYPE_KEYS:
        if f.has(key) and ftype is not None and key not in TYPE_KEYS[ftype]:
            f.error(
                f.raw(key) or node,
                codes.BAD_VALUE,
                f'{what}: "{key}" applies to {_kinds(key)} fields, not to {ftype}',
                f'remove "{key}"',
            )
    options: tuple[str, ...] = ()
    default = ""
    max_length = MAX_TEXT_LENGTH
    start_year, end_year = MIN_YEAR, MAX_YEAR
    if ftype == "menu":
        options, default = _menu(f, node, what)
    elif ftype == "text":
        max_length = f.integer("max_length", MAX_TEXT_LENGTH, 1, MAX_TEXT_LENGTH) or MAX_TEXT_LENGTH
        default = f.text("default", default="") or ""
        if len(default) > max_length:
            f.error(
                f.raw("default") or node,
                codes.TOO_LONG,
                f"{what}: the default is longer than max_length ({max_length})",
                "shorten the default or raise max_length",
            )
    elif ftype == "checkbox":
        default = "1" if f.flag("default", False) else "0"
    elif ftype == "date":
        start_year = f.integer("start_year", MIN_YEAR, MIN_YEAR, MAX_YEAR) or MIN_YEAR
        end_year = f.integer("end_year", MAX_YEAR, MIN_YEAR, MAX_YEAR) or MAX_YEAR
        if start_year > end_year:
            f.error(
                f.raw("start_year") or node,
                codes.BAD_VALUE,
                f"{what}: start_year {start_year} is after end_year {end_year}",
                "swap them",
            )
    f.finish(COMMON_KEYS + ALL_TYPE_KEYS)
    if not f.ok or ftype is None:
        return None
    p = pos(node, parent.line_offset)
    return BackgroundField(
        shortname=shortname,
        name=name,
        type=cast(BackgroundType, ftype),
        required=required,
        options=options,
        default=default,
        description=description.strip(),
        visible=cast(Visibility, visible),
        locked=locked,
        max_length=max_length,
        start_year=start_year,
        end_year=end_year,
        span=SourceSpan(path, p.line, p.column),
    )


def _kinds(key: str) -> str:
    kinds = [k for k, keys in TYPE_KEYS.items() if key in keys]
    return ", ".join(kinds[:-1]) + " and " + kinds[-1] if len(kinds) > 1 else kinds[0]


def _menu(f: Fields, node: Node, what: str) -> tuple[tuple[str, ...], str]:
    entries = f.str_list("options", required=True) or []
    options: list[str] = []
    for text, child in entries:
        if not text.strip():
            f.error(child, codes.BAD_MENU_OPTIONS, f"{what}: an option is empty", "remove it")
        elif "\n" in text or "\r" in text:
            f.error(
                child,
                codes.BAD_MENU_OPTIONS,
                f"{what}: option {text!r} contains a line break",
                "Moodle keeps one option per line: write each option on one line",
            )
        elif text != text.strip():
            f.error(
                child,
                codes.BAD_MENU_OPTIONS,
                f"{what}: option {text!r} starts or ends with spaces",
                "Moodle's Upload users trims every value, so it could never match: remove them",
            )
        elif text in options:
            f.error(child, codes.BAD_MENU_OPTIONS, f"{what}: option {text!r} is listed twice")
        else:
            options.append(text)
    if f.has("options") and len(entries) < 2:
        f.error(
            f.raw("options") or node,
            codes.BAD_MENU_OPTIONS,
            f"{what}: a menu needs at least two options",
            "list the choices under options:, one per line",
        )
    default = f.text("default", default="") or ""
    if default and options and default not in options:
        f.error(
            f.raw("default") or node,
            codes.BAD_MENU_OPTIONS,
            f"{what}: the default {default!r} is not one of the options",
            "write one of the options exactly, or leave the default out",
        )
    return tuple(options), default


@dataclass(frozen=True)
class BackgroundResult:
    """The background of a project read from course.yaml alone (not the whole course)."""

    background: Background | None
    diagnostics: list[Diagnostic]
    course_file: Path

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def load_background(project: Path) -> BackgroundResult:
    """Read only the ``background:`` block of ``project``'s course.yaml (quick; lessons
    and quizzes are not read). ``background`` is None when there is none or it has errors."""
    ctx = LoadContext(project.resolve())
    course_file = ctx.content / COURSE_FILE
    node, disp = ctx.read_yaml(course_file)
    background = None
    if node is not None:
        f = Fields(node, disp, ctx.diags, "course.yaml")
        bg = f.mapping("background")
        if bg is not None:
            background = read_background(bg, f, course_file)
    diags = ctx.diags.sorted()
    if any(d.is_error for d in diags):
        background = None
    return BackgroundResult(background, diags, course_file)
