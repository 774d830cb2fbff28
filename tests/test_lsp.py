"""`lemma lsp`: a real language-server process driven over stdio by pygls's own client."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from lemma_pkg.cli import main
from lemma_pkg.gift.rules import RULES_BY_CODE

from .conftest import FIXTURES

T = TypeVar("T")

DRAFT = """// lemma: disable=GIFT042
::Q1::Is the sky blue? {true}

::Q2:: Which   is right? {=yes ~no

::Q3::Pick {~a ~b}
"""


class Session:
    """An initialised client talking to `lemma lsp`; collects published diagnostics."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.updates: asyncio.Queue[str] = asyncio.Queue()
        self.versions: dict[str, int] = {}

    def uri(self, path: Path) -> str:
        uri = from_fs_path(str(path.resolve()))
        assert uri is not None
        return uri

    async def published(self, path: Path) -> list[types.Diagnostic]:
        """The next diagnostics published for ``path``."""
        uri = self.uri(path)
        while True:
            got = await asyncio.wait_for(self.updates.get(), timeout=30)
            if got == uri:
                return list(self.diagnostics[uri])

    def open(self, path: Path, text: str | None = None) -> None:
        uri = self.uri(path)
        self.versions[uri] = 1
        language = {".gift": "gift", ".yaml": "yaml", ".md": "markdown"}[path.suffix]
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri, language, 1, path.read_text(encoding="utf-8") if text is None else text
                )
            )
        )

    def change(self, path: Path, text: str) -> None:
        uri = self.uri(path)
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=self.versions[uri], uri=uri),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )


@asynccontextmanager
async def lsp(cwd: Path) -> AsyncIterator[Session]:
    client = LanguageClient("lemma-tests", "1")
    session = Session(client)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        session.diagnostics[params.uri] = params.diagnostics
        session.updates.put_nowait(params.uri)

    await client.start_io(sys.executable, "-m", "lemma_pkg", "lsp", cwd=str(cwd))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=session.uri(cwd), process_id=None
        )
    )
    client.initialized(types.InitializedParams())
    try:
        yield session
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(test())


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(FIXTURES / "course_small", dest)
    (dest / "gift_quizzes" / "draft.gift").write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(dest)
    return dest


def _lint_json(path: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(main, ["gift", "lint", "--format", "json", path])
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc["diagnostics"]  # type: ignore[no-any-return]


def _key(d: types.Diagnostic) -> tuple[int, int, str | int | None]:
    return (d.range.start.line + 1, d.range.start.character + 1, d.code)


def test_gift_diagnostics_formatting_and_hover(course: Path) -> None:
    draft = course / "gift_quizzes" / "draft.gift"

    async def go() -> None:
        async with lsp(course) as s:
            s.open(draft)
            got = await s.published(draft)
            # the same codes at the same places as `lemma gift lint`
            expected = _lint_json("gift_quizzes/draft.gift")
            assert len(expected) == 5
            assert sorted(_key(d) for d in got if str(d.code).startswith("GIFT")) == sorted(
                (e["line"], e["column"], e["code"]) for e in expected
            )
            # and what `lemma validate` adds: the course does not use this file
            [unused] = [d for d in got if d.code == "LEM040"]
            assert unused.message.startswith("file is not used by the course")
            by_code = {d.code: d for d in got}
            brace = by_code["GIFT003"]
            assert brace.severity == types.DiagnosticSeverity.Error
            assert brace.source == "lemma"
            assert brace.message.startswith("'{' without a matching '}'")
            assert "\nhint: close the answer block" in brace.message
            assert by_code["GIFT021"].severity == types.DiagnosticSeverity.Warning
            # the range covers the word at the position
            t = by_code["GIFT021"].range
            assert DRAFT.split("\n")[1][t.start.character : t.end.character] == "true"

            # formatting gives what `lemma gift fmt` writes
            edits = await s.client.text_document_formatting_async(
                types.DocumentFormattingParams(
                    types.TextDocumentIdentifier(s.uri(draft)), types.FormattingOptions(2, True)
                )
            )
            assert edits is not None and len(edits) == 1
            assert edits[0].range.start == types.Position(0, 0)
            CliRunner().invoke(main, ["gift", "fmt", "gift_quizzes/draft.gift"])
            assert edits[0].new_text == draft.read_text(encoding="utf-8") != DRAFT

            # hover on a rule id written in the file shows the rule's page
            hover = await s.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(s.uri(draft)), types.Position(0, 22))
            )
            assert hover is not None
            assert isinstance(hover.contents, types.MarkupContent)
            page = hover.contents.value
            assert page.startswith("### GIFT042\n\n`" + RULES_BY_CODE["GIFT042"].name)
            assert RULES_BY_CODE["GIFT042"].why in page
            # hover on a line with a diagnostic shows that diagnostic's rule
            hover = await s.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(s.uri(draft)), types.Position(3, 2))
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            assert hover.contents.value.startswith("### GIFT003")

            # fixing the text (unsaved) clears the GIFT diagnostics
            s.change(draft, "::Q1::Is the sky blue? {TRUE#Yes.#No, it is.}\n")
            assert [d.code for d in await s.published(draft)] == ["LEM040"]

    run(go)


def test_course_sources_unsaved_edits_and_completion(course: Path) -> None:
    module = course / "content_src" / "modules" / "01-basics" / "module.yaml"
    lesson = course / "content_src" / "modules" / "01-basics" / "concepts.md"
    text = module.read_text(encoding="utf-8")

    async def go() -> None:
        async with lsp(course) as s:
            s.open(module)
            assert await s.published(module) == []
            # an unknown key, not saved: the loader's LEM004 at its place
            broken = text.replace("  - page: concepts.md", "  - page: concepts.md\n    titel: X")
            s.change(module, broken)
            got = await s.published(module)
            [d] = got
            line_no = broken.split("\n").index("    titel: X")
            assert (d.code, d.range.start.line, d.range.start.character) == ("LEM004", line_no, 4)
            assert 'unknown key "titel"' in d.message and 'did you mean "title"' in d.message
            hover = await s.client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(s.uri(module)), types.Position(line_no, 6)
                )
            )
            assert hover is not None and isinstance(hover.contents, types.MarkupContent)
            assert hover.contents.value.startswith("### LEM004\n\n`unknown-key` · error")
            s.change(module, text)
            assert await s.published(module) == []

            # a lesson with a broken link: reported in the lesson, before it is saved
            lesson_text = lesson.read_text(encoding="utf-8") + "\n![x](images/nope.png)\n"
            s.open(lesson, lesson_text)
            got = await s.published(lesson)
            assert [(d.code, d.range.start.line + 1, d.range.start.character + 1) for d in got] == [
                ("LEM030", lesson_text.split("\n").index("![x](images/nope.png)") + 1, 6)
            ]

            # completion: item idnumbers after `completed:`, files after `page:`
            edited = text.replace(
                "  - page: concepts.md", "  - page: concepts.md\n  - page: \n"
            ).replace("grade: {quiz: 00-welcome/prerequisites, min: 50}", "completed: 00-")
            s.change(module, edited)
            lines = edited.split("\n")
            at = lines.index("  completed: 00-")
            items = await s.client.text_document_completion_async(
                types.CompletionParams(
                    types.TextDocumentIdentifier(s.uri(module)), types.Position(at, 16)
                )
            )
            assert isinstance(items, types.CompletionList)
            assert [i.label for i in items.items] == [
                "00-welcome/prerequisites",
                "00-welcome/welcome",
            ]
            edit = items.items[0].text_edit
            assert isinstance(edit, types.TextEdit)
            assert edit.range == types.Range(types.Position(at, 13), types.Position(at, 16))
            at = lines.index("  - page: ")
            items = await s.client.text_document_completion_async(
                types.CompletionParams(
                    types.TextDocumentIdentifier(s.uri(module)), types.Position(at, 10)
                )
            )
            assert isinstance(items, types.CompletionList)
            assert [i.label for i in items.items] == ["concepts.md"]

    run(go)


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    # An isolated Python (-I -S: no site-packages) that sees lemma_pkg and click only.
    import subprocess

    import click

    import lemma_pkg

    (tmp_path / "lemma_pkg").symlink_to(Path(lemma_pkg.__file__).parent)
    (tmp_path / "click").symlink_to(Path(click.__file__).parent)
    code = f"import sys; sys.path[:0] = [{str(tmp_path)!r}]; from lemma_pkg.cli import main; main(['lsp'])"
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr == (
        "error: `lemma lsp` needs pygls, which is not installed\n"
        "  hint: install the language-server extra: pip install 'lemma-pkg[lsp]'\n"
    )
