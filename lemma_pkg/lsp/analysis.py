"""What the language server knows about course files, without any protocol.

- :class:`Projects` diagnoses a file: a GIFT file is linted with the same rules as
  ``lemma gift lint`` (with the course's ``lint:`` settings when it belongs to a course);
  a file of a course project (course.yaml, module.yaml, a lesson, the glossary, a GIFT file)
  also makes it load the whole course, with the editor's unsaved texts in place of the
  files, and report the loader's diagnostics (``LEM`` codes) for every file.
- :func:`completions` proposes item idnumbers and file paths in module.yaml/course.yaml.
- :func:`rule_page` is the reference text of a diagnostic code, shown on hover.
- :func:`format_gift` is ``lemma gift fmt`` on a text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lemma_pkg.content.cache import LoadCache
from lemma_pkg.content.context import CONTENT_DIR, COURSE_FILE, GIFT_DIR, MODULE_FILE
from lemma_pkg.content.loader import LoadResult, load_course
from lemma_pkg.diagnostics import RULES, Diagnostic, display_path
from lemma_pkg.gift import LintConfig, lint_text
from lemma_pkg.gift.fmt import format_bytes
from lemma_pkg.gift.rules import RULES_BY_CODE, rule_section

CODE = re.compile(r"\b(?:GIFT|LEM|MBZ)\d{3}\b")


def project_of(path: Path) -> Path | None:
    """The course project (folder holding content_src/course.yaml) that ``path`` is in."""
    for parent in path.parents:
        if (parent / CONTENT_DIR / COURSE_FILE).is_file():
            return parent
    return None


def absolute(diag_path: str) -> Path:
    """The file a diagnostic's path names (paths are shown relative to the cwd)."""
    return (Path.cwd() / diag_path).resolve()


@dataclass
class Project:
    """One course project: its load cache and its last load."""

    root: Path
    cache: LoadCache = field(default_factory=LoadCache)
    last: LoadResult | None = None


class Projects:
    """The course projects of the files an editor has opened."""

    def __init__(self) -> None:
        self._projects: dict[Path, Project] = {}

    def project(self, path: Path) -> Project | None:
        root = project_of(path)
        if root is None:
            return None
        if root not in self._projects:
            self._projects[root] = Project(root)
        return self._projects[root]

    def load(self, project: Project, open_docs: Mapping[Path, str]) -> LoadResult:
        overlay = {p: t for p, t in open_docs.items() if p.is_relative_to(project.root)}
        project.last = load_course(project.root, project.cache, overlay)
        return project.last

    def diagnose(self, path: Path, open_docs: Mapping[Path, str]) -> dict[Path, list[Diagnostic]]:
        """Diagnostics by file (resolved path) after ``path`` was opened or changed.

        For a file of a course project, every file of the project that has diagnostics is
        in the result; open GIFT files are linted on their own too (the course may not use
        them). ``open_docs`` maps resolved paths to the editor's texts.
        """
        by_file: dict[Path, list[Diagnostic]] = {}
        config = LintConfig()
        project = self.project(path)
        gift_files = [p for p in open_docs if p.suffix == ".gift"]
        if project is not None:
            result = self.load(project, open_docs)
            config = LintConfig(
                require_feedback=result.lint.require_feedback,
                disabled=frozenset(result.lint.disable),
            )
            for d in result.diagnostics:
                by_file.setdefault(absolute(d.path), []).append(d)
            gift_files = [p for p in gift_files if p.is_relative_to(project.root)]
        else:
            gift_files = [path] if path.suffix == ".gift" else []
        for gift in gift_files:
            # The loader lints the quizzes the course uses; lint every open one the same way.
            others = [d for d in by_file.get(gift, []) if not d.code.startswith("GIFT")]
            by_file[gift] = others + lint_text(open_docs[gift], display_path(gift), config)
        return by_file

    def idnumbers(self, path: Path, open_docs: Mapping[Path, str]) -> tuple[str, ...]:
        project = self.project(path)
        if project is None:
            return ()
        last = project.last or self.load(project, open_docs)
        return last.idnumbers


# ------------------------------------------------------------------------------ completion

_PATH_KEY = re.compile(r"(?:^|[\s{,])(page|file|quiz)\s*:\s*([^\s,}'\"]*)$")
_ID_KEY = re.compile(r"(?:^|[\s{,])(completed|quiz)\s*:\s*([^\s,}'\"]*)$")
_LIST_ITEM = re.compile(r"^(\s*)-\s+([^\s'\"]*)$")
_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_]+)\s*:")


@dataclass(frozen=True)
class Completion:
    """``label`` replaces the ``prefix_length`` characters before the cursor."""

    label: str
    kind: str  # "file", "folder" or "id"
    prefix_length: int


def _parent_key(lines: list[str], line: int, indent: int) -> str | None:
    """The key of the nearest line above ``line`` indented less than ``indent``."""
    for i in range(line - 1, -1, -1):
        m = _KEY_LINE.match(lines[i])
        if m and len(m.group(1)) < indent:
            return m.group(2)
    return None


def _files(folder: Path, want: str) -> list[str]:
    """Files under ``folder`` (relative POSIX paths): lessons, data files or GIFT files."""
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        is_md = p.suffix == ".md"
        if (
            (want == "page" and is_md)
            or (want == "gift" and p.suffix == ".gift")
            or (want == "file" and not is_md and p.name != MODULE_FILE)
        ):
            out.append(rel.as_posix())
    return out


def completions(
    path: Path, text: str, line: int, column: int, idnumbers: tuple[str, ...]
) -> list[Completion]:
    """What can be written at 0-based ``line``/``column`` of module.yaml or course.yaml."""
    lines = text.split("\n")
    if line >= len(lines):
        return []
    before = lines[line][:column]
    root = project_of(path)
    if path.name == MODULE_FILE:
        m = _ID_KEY.search(before)
        if m and (m.group(1) == "completed" or _in_grade(lines, line, before)):
            return _ids(idnumbers, m.group(2))
        m = _PATH_KEY.search(before)
        if m:
            key, typed = m.group(1), m.group(2)
            if key == "quiz":
                gift = root / GIFT_DIR if root else path.parent
                return _match(_files(gift, "gift"), typed, "file")
            return _match(_files(path.parent, key), typed, "file")
        return []
    if path.name == COURSE_FILE and path.parent.name == CONTENT_DIR:
        m = _LIST_ITEM.match(before)
        if m:
            parent = _parent_key(lines, line, len(m.group(1)) + 1)
            if parent == "course_completion":
                return _ids(idnumbers, m.group(2))
            if parent == "modules":
                return _match(_modules(path.parent), m.group(2), "folder")
        m = re.search(r"^welcome\s*:\s*(\S*)$", before)
        if m:
            return _match(_modules(path.parent), m.group(1), "folder")
    return []


def _in_grade(lines: list[str], line: int, before: str) -> bool:
    """True when a ``quiz:`` key is the quiz of a ``restriction: grade:`` (an idnumber)."""
    if re.search(r"grade\s*:\s*\{", before):
        return True
    indent = len(before) - len(before.lstrip(" -"))
    return _parent_key(lines, line, indent) == "grade"


def _modules(content: Path) -> list[str]:
    modules = content / "modules"
    if not modules.is_dir():
        return []
    return [f"modules/{p.name}" for p in sorted(modules.iterdir()) if (p / MODULE_FILE).is_file()]


def _ids(idnumbers: tuple[str, ...], typed: str) -> list[Completion]:
    return _match(list(idnumbers), typed, "id")


def _match(candidates: list[str], typed: str, kind: str) -> list[Completion]:
    return [Completion(c, kind, len(typed)) for c in candidates if c.startswith(typed)]


# ------------------------------------------------------------------------------ hover, fmt


def rule_page(code: str) -> str | None:
    """The reference text of ``code`` (Markdown), or None for an unknown code."""
    import lemma_pkg.content.codes
    import lemma_pkg.mbz.checks  # noqa: F401  (both register their codes)

    gift = RULES_BY_CODE.get(code)
    if gift is not None:
        return (
            "\n".join(rule_section(gift))
            + "\n\nAll rules: `lemma gift rules` (docs/gift-rules.md)."
        )
    rule = RULES.get(code)
    if rule is None:
        return None
    text = f"### {rule.code}\n\n`{rule.name}` · {rule.severity.value}\n\n{rule.summary}"
    if rule.help:
        text += f"\n\n{rule.help}"
    return text + "\n\nAll codes: docs/diagnostics.md."


def code_at(line_text: str, column: int) -> str | None:
    """The diagnostic code (``GIFT012``, ``LEM004``…) written at ``column`` of a line."""
    for m in CODE.finditer(line_text):
        if m.start() <= column <= m.end():
            return m.group()
    return None


def format_gift(text: str) -> str | None:
    """The text ``lemma gift fmt`` would write, or None when it would not change it."""
    result = format_bytes(text.encode("utf-8", "surrogatepass"))
    if result is None or not result.changed:
        return None
    return result.text
