"""The loader never raises for author mistakes, whatever the sources hold."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lemma_pkg.content.loader import load_course

GOLDEN = Path(__file__).parent / "fixtures" / "course_small"
M1 = "content_src/modules/01-basics"

# YAML-ish and Markdown-ish fragments, so that many examples get past the parser.
FRAGMENTS = st.sampled_from(
    [
        "title: T\n",
        "summary: |\n  x\n",
        "items:\n",
        "  - page: concepts.md\n",
        "  - quiz: basics.gift\n",
        "  - label: hi\n",
        "  - url: https://x.org\n",
        "    title: [a, b]\n",
        "    idnumber: 01-basics/basics\n",
        "restriction:\n",
        "  completed: 00-welcome/welcome\n",
        "  grade: {quiz: x, min: 200}\n",
        "- 1\n",
        "items: 5\n",
        "  - {}\n",
        "  - practical: nowhere\n",
        "    variants: [1, {}]\n",
        "    feedback: [{min: 5}, {min: 90, text: t}]\n",
        "\t",
        ": :\n",
        "'",
        '"\\q"\n',
        "&a x\n",
        "*a\n",
        "---\n",
        "$x$ ![i](nope.png) [l](../../../../x)\n",
        "\ufeff",
    ]
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    module=st.lists(FRAGMENTS, max_size=12).map("".join),
    lesson=st.lists(FRAGMENTS, max_size=8).map("".join),
)
def test_any_module_and_lesson_text_gives_diagnostics_not_exceptions(
    module: str, lesson: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "c"
        shutil.copytree(GOLDEN, root)
        (root / M1 / "module.yaml").write_text(module, encoding="utf-8")
        (root / M1 / "concepts.md").write_text(lesson, encoding="utf-8")
        result = load_course(root)
        assert (result.course is None) == any(d.is_error for d in result.diagnostics)
        for d in result.diagnostics:
            assert d.code and d.message and d.line >= 0 and d.column >= 0


COURSE_FRAGMENTS = st.sampled_from(
    [
        "fullname: F\n",
        "shortname: S\n",
        "category: C\n",
        "summary: s\n",
        "startdate: 2026-01-01\n",
        "startdate: soon\n",
        "authors: [A]\n",
        "authors: A\n",
        "modules:\n",
        "  - modules/01-basics\n",
        "  - modules/01-basics\n",
        "  - ../../x\n",
        "welcome: modules/00-welcome\n",
        "welcome: [x]\n",
        "citation: '{x} {'\n",
        "course_completion: [nope, 01-basics/basics]\n",
        "lint: {disable: LEM040}\n",
        "preview: 3\n",
        "year: 'x'\n",
        "url: ftp://x\n",
        "completion: maybe\n",
        "\t",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(course=st.lists(COURSE_FRAGMENTS, max_size=14).map("".join))
def test_any_course_yaml_gives_diagnostics_not_exceptions(course: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "c"
        shutil.copytree(GOLDEN, root)
        (root / "content_src" / "course.yaml").write_text(course, encoding="utf-8")
        result = load_course(root)
        assert (result.course is None) == any(d.is_error for d in result.diagnostics)
