"""Markdown to Moodle HTML: one configured markdown-it-py parser.

CommonMark + tables + footnotes + YAML front matter, with math kept intact: ``$…$``
becomes ``\\( … \\)`` and ``$$…$$`` becomes ``\\[ … \\]`` (Moodle's MathJax filter
delimiters) and nothing inside math is touched by Markdown. ``\\$`` is a literal dollar.

Local links and images are resolved against the Markdown file's folder, collected as
:class:`~lemma_pkg.content.model.Asset` values and rewritten to
``@@PLUGINFILE@@/<quoted name>``, the placeholder Moodle expands against the activity's
own file area. A missing target is an error diagnostic at its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from lemma_pkg.content import codes
from lemma_pkg.content.model import Asset
from lemma_pkg.diagnostics import Diagnostics

PLUGINFILE = "@@PLUGINFILE@@"

# Characters Moodle's clean_param(PARAM_FILE) strips from file names (lib/classes/param.php).
_BAD_FILENAME = re.compile(r"[\x00-\x1f\x7f&<>\"`|':\\/]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "\\(" + escapeHtml(tokens[idx].content) + "\\)"


def _math_display(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "\\[" + escapeHtml(tokens[idx].content) + "\\]"


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<div class="math">\\[' + escapeHtml(tokens[idx].content) + "\\]</div>\n"


@cache
def parser() -> MarkdownIt:
    """The one configured parser (shared; markdown-it parsers are reusable)."""
    md = MarkdownIt("commonmark", {"html": True})
    md.enable("table")
    md.enable("strikethrough")
    md.use(front_matter_plugin)
    md.use(footnote_plugin)
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,  # `$ 5 and $ 6` is money, not math (as in pandoc)
        allow_digits=False,  # `$5` is money
        allow_blank_lines=False,
        double_inline=True,  # `text $$x$$ text` is display math
    )
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display)
    md.add_render_rule("math_block", _math_block)
    return md


# ------------------------------------------------------------------------------ assets


@dataclass
class AssetCollector:
    """The files of one activity's file area: source path -> unique file name.

    Two different files with the same base name get ``name-2.ext``, ``name-3.ext`` … in
    the order they are first referenced.
    """

    by_source: dict[Path, str] = field(default_factory=dict)

    def add(self, source: Path) -> str:
        source = source.resolve()
        name = self.by_source.get(source)
        if name is not None:
            return name
        taken = set(self.by_source.values())
        name = source.name
        n = 2
        while name in taken:
            name = f"{source.stem}-{n}{source.suffix}"
            n += 1
        self.by_source[source] = name
        return name

    def assets(self) -> tuple[Asset, ...]:
        return tuple(Asset(name=name, source=src) for src, name in self.by_source.items())


def pluginfile_url(name: str) -> str:
    """``@@PLUGINFILE@@/<name>`` with the name URL-quoted as Moodle's editor does."""
    return f"{PLUGINFILE}/{quote(name)}"


# ------------------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class TextOrigin:
    """Where a Markdown text starts in its file (for diagnostics of embedded Markdown).

    ``line`` is the 1-based file line of the text's first line; ``column`` the 1-based
    column of its first character (the indentation of a YAML block scalar).
    """

    display: str
    line: int = 1
    column: int = 1


@dataclass
class Rendered:
    html: str
    front_matter: str | None = None  # the YAML text between the --- lines, if any
    front_matter_line: int = 0  # 1-based file line of the first YAML line
    referenced: list[Path] = field(default_factory=list)  # every existing local target
    missing: list[Path] = field(default_factory=list)  # local targets that are not files


@dataclass
class _LinkContext:
    base_dir: Path
    project_root: Path
    origin: TextOrigin
    lines: list[str]
    diags: Diagnostics
    assets: AssetCollector
    referenced: list[Path]
    missing: list[Path]


def render_markdown(
    text: str,
    *,
    base_dir: Path,
    project_root: Path,
    origin: TextOrigin,
    diags: Diagnostics,
    assets: AssetCollector,
) -> Rendered:
    """Render ``text`` to Moodle HTML, collecting local link targets into ``assets``.

    ``base_dir`` resolves relative links; targets must stay inside ``project_root``.
    Problems are added to ``diags``; this never raises for author mistakes.
    """
    md = parser()
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    ctx = _LinkContext(
        base_dir=base_dir,
        project_root=project_root.resolve(),
        origin=origin,
        lines=text.split("\n"),
        diags=diags,
        assets=assets,
        referenced=[],
        missing=[],
    )
    front: str | None = None
    front_line = 0
    for tok in tokens:
        if tok.type == "table_open" and tok.map:
            _check_table_math(ctx, tok.map[0], tok.map[1])
        if tok.type == "front_matter":
            front = tok.content
            front_line = origin.line + 1
        if tok.type == "inline" and tok.children:
            start = tok.map[0] if tok.map else 0
            end = tok.map[1] if tok.map else len(ctx.lines)
            cursor = [start, 0]
            for child in _walk(tok.children):
                if child.type == "image":
                    _rewrite(child, "src", ctx, start, end, cursor)
                elif child.type == "link_open":
                    _rewrite(child, "href", ctx, start, end, cursor)
    html = md.renderer.render(tokens, md.options, env)
    if front is not None:
        html = html.lstrip("\n")
    return Rendered(
        html=html,
        front_matter=front,
        front_matter_line=front_line,
        referenced=ctx.referenced,
        missing=ctx.missing,
    )


# Inline math as authors mean it (pandoc's rule) that contains a '|': in a table row that
# pipe ends the cell before the math is parsed.
_PIPE_IN_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])[^$\n]*?\|[^$\n]*?(?<=\S)\$(?!\d)")


def _check_table_math(ctx: _LinkContext, start: int, end: int) -> None:
    for i in range(start, min(end, len(ctx.lines))):
        m = _PIPE_IN_MATH.search(ctx.lines[i])
        if m:
            ctx.diags.warning(
                ctx.origin.display,
                ctx.origin.line + i,
                m.start() + ctx.origin.column,
                codes.MATH_IN_TABLE,
                "'|' inside math in a table row ends the table cell",
                "inside math in tables write \\vert, \\lvert/\\rvert or \\mid instead of |",
            )


def _walk(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.append(t)
        if t.children:
            out.extend(_walk(t.children))
    return out


def _locate(
    target: str, ctx: _LinkContext, start: int, end: int, cursor: list[int]
) -> tuple[int, int]:
    """File line/column of ``target`` in source lines [start, end), searching from ``cursor``."""
    candidates = [target, unquote(target)]
    for i in range(max(start, cursor[0]), min(end, len(ctx.lines))):
        line = ctx.lines[i]
        from_col = cursor[1] if i == cursor[0] else 0
        best = -1
        for cand in candidates:
            if not cand:
                continue
            j = line.find(cand, from_col)
            if j >= 0 and (best < 0 or j < best):
                best = j
        if best >= 0:
            cursor[0], cursor[1] = i, best + 1
            col = best + ctx.origin.column
            return ctx.origin.line + i, col
    # Not found (e.g. a reference definition elsewhere): the start of the block.
    return ctx.origin.line + start, ctx.origin.column


def _rewrite(
    tok: Token, attr: str, ctx: _LinkContext, start: int, end: int, cursor: list[int]
) -> None:
    value = tok.attrGet(attr)
    if not isinstance(value, str) or not value:
        return
    if value.startswith(("#", "/", PLUGINFILE)) or _SCHEME.match(value):
        return  # anchor, site-absolute, already a plugin file, or an URL with a scheme
    path_part, sep, rest = _split_suffix(value)
    if not path_part:
        return
    rel = unquote(path_part)
    line, col = _locate(path_part, ctx, start, end, cursor)
    what = "image" if tok.type == "image" else "link"
    target = (ctx.base_dir / rel).resolve()
    if not target.is_relative_to(ctx.project_root):
        ctx.diags.error(
            ctx.origin.display,
            line,
            col,
            codes.OUTSIDE_PROJECT,
            f'{what} target "{rel}" is outside the course project',
            "keep images and data files inside content_src/",
        )
        return
    if not target.is_file():
        ctx.missing.append(target)
        ctx.diags.error(
            ctx.origin.display,
            line,
            col,
            codes.BROKEN_LINK,
            f'{what} target "{rel}" does not exist',
            "paths are relative to the Markdown file's folder"
            + (f" ({_rel(ctx.base_dir, ctx.project_root)})" if ctx.base_dir else ""),
        )
        return
    ctx.referenced.append(target)
    if target.suffix.lower() == ".md":
        ctx.diags.warning(
            ctx.origin.display,
            line,
            col,
            codes.LESSON_LINK,
            f'link to the lesson "{rel}" will not work in Moodle',
            "name the activity in the text instead of linking to its Markdown file",
        )
        return
    if _BAD_FILENAME.search(target.name):
        ctx.diags.error(
            ctx.origin.display,
            line,
            col,
            codes.BAD_ASSET_NAME,
            f'file name "{target.name}" has characters Moodle removes from file names',
            "rename the file: avoid & < > \" ` | ' : \\",
        )
        return
    name = ctx.assets.add(target)
    tok.attrSet(attr, pluginfile_url(name) + sep + rest)


def _split_suffix(value: str) -> tuple[str, str, str]:
    """Split ``path?query#frag`` into (path, first separator, rest)."""
    m = re.search(r"[?#]", value)
    if not m:
        return value, "", ""
    return value[: m.start()], value[m.start()], value[m.start() + 1 :]


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()
