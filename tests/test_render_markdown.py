"""Markdown to Moodle HTML: math kept intact, CommonMark extensions, local files as assets."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import escapeHtml

from lemma_pkg.content import codes
from lemma_pkg.diagnostics import Diagnostics
from lemma_pkg.render.markdown import (
    AssetCollector,
    TextOrigin,
    pluginfile_url,
    render_markdown,
)


def render(
    text: str, base: Path, origin: TextOrigin | None = None
) -> tuple[str, Diagnostics, AssetCollector]:
    diags = Diagnostics()
    assets = AssetCollector()
    out = render_markdown(
        text,
        base_dir=base,
        project_root=base,
        origin=origin or TextOrigin("lesson.md"),
        diags=diags,
        assets=assets,
    )
    return out.html, diags, assets


def test_inline_math_is_not_touched_by_markdown(tmp_path: Path) -> None:
    html, diags, _ = render(r"See $a_1 * b_2 = c_{ij} \\ \alpha$ here.", tmp_path)
    assert html == "<p>See \\(a_1 * b_2 = c_{ij} \\\\ \\alpha\\) here.</p>\n"
    assert not diags.items


def test_display_math_block(tmp_path: Path) -> None:
    html, _, _ = render("$$\n\\hat\\beta_{ij} = *x*_1 <y\n$$\n", tmp_path)
    assert html == '<div class="math">\\[\n\\hat\\beta_{ij} = *x*_1 &lt;y\n\\]</div>\n'


def test_display_math_inside_a_paragraph(tmp_path: Path) -> None:
    html, _, _ = render("so $$x^2$$ holds", tmp_path)
    assert html == "<p>so \\[x^2\\] holds</p>\n"


def test_escaped_dollar_and_money_are_not_math(tmp_path: Path) -> None:
    html, _, _ = render(r"It costs \$5, or $10 and $20 later.", tmp_path)
    assert html == "<p>It costs $5, or $10 and $20 later.</p>\n"


def test_math_in_code_is_code(tmp_path: Path) -> None:
    html, _, _ = render("`$x_1$`", tmp_path)
    assert html == "<p><code>$x_1$</code></p>\n"


def test_tables_and_footnotes(tmp_path: Path) -> None:
    html, _, _ = render(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^n].\n\n[^n]: Footnote.\n", tmp_path
    )
    assert "<table>\n<thead>\n<tr>\n<th>a</th>" in html
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in html
    assert '<li id="fn1" class="footnote-item"><p>Footnote.' in html


def test_front_matter_is_returned_not_rendered(tmp_path: Path) -> None:
    diags = Diagnostics()
    out = render_markdown(
        "---\ntitle: T\n---\nBody\n",
        base_dir=tmp_path,
        project_root=tmp_path,
        origin=TextOrigin("x.md"),
        diags=diags,
        assets=AssetCollector(),
    )
    assert out.html == "<p>Body</p>\n"
    assert out.front_matter == "title: T"
    assert out.front_matter_line == 2


def test_local_image_and_link_become_pluginfile_assets(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "fig 1.png").write_bytes(b"png")
    (tmp_path / "data.csv").write_text("x\n")
    html, diags, assets = render(
        "![F](<images/fig 1.png>) [data](data.csv#top) [web](https://example.org/a.png)",
        tmp_path,
    )
    assert html == (
        '<p><img src="@@PLUGINFILE@@/fig%201.png" alt="F" /> '
        '<a href="@@PLUGINFILE@@/data.csv#top">data</a> '
        '<a href="https://example.org/a.png">web</a></p>\n'
    )
    assert not diags.items
    assert [(a.name, a.source.name) for a in assets.assets()] == [
        ("fig 1.png", "fig 1.png"),
        ("data.csv", "data.csv"),
    ]


def test_same_name_in_two_folders_gets_a_unique_name(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "fig.png").write_bytes(folder.encode())
    html, _, assets = render("![](a/fig.png) ![](b/fig.png) ![](a/fig.png)", tmp_path)
    assert [a.name for a in assets.assets()] == ["fig.png", "fig-2.png"]
    assert html.count("@@PLUGINFILE@@/fig.png") == 2
    assert html.count("@@PLUGINFILE@@/fig-2.png") == 1


def test_missing_target_reported_at_line_and_column(tmp_path: Path) -> None:
    _, diags, _ = render("# T\n\nSee ![x](img/none.png) and\n[y](none.csv).\n", tmp_path)
    found = [(d.line, d.column, d.code, d.message) for d in diags.sorted()]
    assert found == [
        (3, 10, codes.BROKEN_LINK, 'image target "img/none.png" does not exist'),
        (4, 5, codes.BROKEN_LINK, 'link target "none.csv" does not exist'),
    ]


def test_positions_shift_with_the_origin_of_embedded_text(tmp_path: Path) -> None:
    _, diags, _ = render("a\n[y](none.csv)", tmp_path, TextOrigin("module.yaml", 7, 5))
    assert [(d.path, d.line, d.column) for d in diags.sorted()] == [("module.yaml", 8, 9)]


def test_anchor_and_mailto_links_are_left_alone(tmp_path: Path) -> None:
    html, diags, assets = render("[a](#sec) [m](mailto:x@example.org)", tmp_path)
    assert html == '<p><a href="#sec">a</a> <a href="mailto:x@example.org">m</a></p>\n'
    assert not diags.items and not assets.by_source


def test_pluginfile_url_quotes_names() -> None:
    assert pluginfile_url("a b&c.png") == "@@PLUGINFILE@@/a%20b%26c.png"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abxyz_*\\^{}+-=()<>&'\" 019", min_size=1, max_size=30))
def test_math_content_survives_rendering(body: str) -> None:
    # Inline math opens before a non-space character and closes after one.
    body = body.strip()
    if not body or body.endswith("\\"):
        return
    html, _, _ = render(f"x ${body}$ y", Path("/nonexistent"))
    assert f"\\({escapeHtml(body)}\\)" in html


def test_pipe_in_table_math_is_flagged_but_money_is_not(tmp_path: Path) -> None:
    text = "| a | b |\n|---|---|\n| $5 | $10 |\n| $\\vert x \\vert$ | $|x|$ |\n"
    _, diags, _ = render(text, tmp_path)
    assert [(d.line, d.column, d.code) for d in diags.sorted()] == [(4, 21, codes.MATH_IN_TABLE)]


def test_crlf_sources_keep_positions_and_math(tmp_path: Path) -> None:
    html, diags, _ = render("Title\r\n\r\nSee $a_1$ and ![x](none.png)\r\n", tmp_path)
    assert "\\(a_1\\)" in html
    assert [(d.line, d.column) for d in diags.sorted()] == [(3, 20)]
