"""The language server (pygls) over stdio: the protocol side of :mod:`.analysis`.

Features: diagnostics on open, change and save (``.gift``, ``course.yaml``,
``module.yaml``, ``glossary.yaml``, lessons ``.md``), formatting of GIFT, hover on a
diagnostic code (or on a place with a diagnostic) showing the rule's reference, and
completion of item idnumbers and file paths in module.yaml and course.yaml.

Positions: lemma counts columns in characters from 1; the protocol counts from 0 in the
client's code units (UTF-16 by default). pygls's position codec converts.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from lemma_pkg import __version__
from lemma_pkg.diagnostics import Diagnostic, Severity
from lemma_pkg.lsp.analysis import Projects, code_at, completions, format_gift, rule_page

log = logging.getLogger("lemma.lsp")

WATCHED_SUFFIXES = (".gift", ".yaml", ".yml", ".md")
SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class LemmaServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "lemma", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.projects = Projects()
        # uri -> the lemma diagnostics last published for it (hover shows their rules)
        self.published: dict[str, list[Diagnostic]] = {}

    # ------------------------------------------------------------------ documents

    def path_of(self, uri: str) -> Path | None:
        fs = to_fs_path(uri)
        return Path(fs).resolve() if fs else None

    def open_docs(self) -> dict[Path, str]:
        docs: dict[Path, str] = {}
        for uri, doc in self.workspace.text_documents.items():
            path = self.path_of(uri)
            if path is not None:
                docs[path] = doc.source
        return docs

    def lines_of(self, path: Path) -> list[str]:
        """The file's lines as the editor has them (else from disk), for position conversion."""
        uri = from_fs_path(str(path))
        if uri is not None and uri in self.workspace.text_documents:
            return list(self.workspace.get_text_document(uri).lines)
        try:
            return path.read_text(encoding="utf-8", errors="replace").splitlines(True)
        except OSError:
            return []

    def check(self, uri: str) -> None:
        path = self.path_of(uri)
        if path is None or path.suffix not in WATCHED_SUFFIXES:
            return
        by_file = self.projects.diagnose(path, self.open_docs())
        fresh: dict[str, list[Diagnostic]] = {}
        for file, diags in by_file.items():
            file_uri = from_fs_path(str(file))
            if file_uri is not None:
                fresh[file_uri] = diags
        fresh.setdefault(uri, [])  # the document itself always hears back
        root = self.projects.project(path)
        for old_uri in list(self.published):
            old = self.path_of(old_uri)
            same_scope = old == path or (
                root is not None and old is not None and old.is_relative_to(root.root)
            )
            if same_scope and old_uri not in fresh:
                fresh[old_uri] = []  # clear what is fixed
        for file_uri, diags in fresh.items():
            file_path = self.path_of(file_uri)
            lines = self.lines_of(file_path) if file_path is not None else []
            self.published[file_uri] = diags
            if not diags:
                del self.published[file_uri]
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=file_uri, diagnostics=[self.to_lsp(d, lines) for d in diags]
                )
            )

    def to_lsp(self, d: Diagnostic, lines: list[str]) -> types.Diagnostic:
        start = end = types.Position(0, 0)
        if d.line > 0 and d.line <= len(lines):
            text = lines[d.line - 1].rstrip("\r\n")
            col = max(d.column - 1, 0)
            # The word (or else the run of non-blank characters) that starts there.
            word = re.match(r"\w+|\S+", text[col:])
            stop = col + (len(word.group()) if word else 1)
            codec = self.workspace.position_codec
            start = codec.position_to_client_units(lines, types.Position(d.line - 1, col))
            end = codec.position_to_client_units(lines, types.Position(d.line - 1, stop))
        elif d.line > 0:
            start = end = types.Position(d.line - 1, 0)
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        return types.Diagnostic(
            range=types.Range(start, end),
            message=message,
            severity=SEVERITY[d.severity],
            code=d.code,
            source="lemma",
        )

    # ------------------------------------------------------------------ requests

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        doc = self.workspace.get_text_document(params.text_document.uri)
        pos = doc.position_codec.position_from_client_units(doc.lines, params.position)
        line = doc.lines[pos.line] if pos.line < len(doc.lines) else ""
        code = code_at(line, pos.character)
        if code is None:
            for d in self.published.get(params.text_document.uri, []):
                if d.line - 1 == pos.line:
                    code = d.code
                    break
        page = rule_page(code) if code else None
        if page is None:
            return None
        return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, page))

    def formatting(self, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        doc = self.workspace.get_text_document(params.text_document.uri)
        if not doc.uri.endswith(".gift"):
            return []
        text = format_gift(doc.source)
        if text is None:
            return []
        end = types.Position(len(doc.lines), 0)
        return [types.TextEdit(types.Range(types.Position(0, 0), end), text)]

    def complete(self, params: types.CompletionParams) -> types.CompletionList:
        doc: TextDocument = self.workspace.get_text_document(params.text_document.uri)
        path = self.path_of(doc.uri)
        items: list[types.CompletionItem] = []
        if path is not None:
            pos = doc.position_codec.position_from_client_units(doc.lines, params.position)
            ids = self.projects.idnumbers(path, self.open_docs())
            kinds = {
                "file": types.CompletionItemKind.File,
                "folder": types.CompletionItemKind.Folder,
                "id": types.CompletionItemKind.Reference,
            }
            for c in completions(path, doc.source, pos.line, pos.character, ids):
                start = types.Position(
                    params.position.line, params.position.character - c.prefix_length
                )
                items.append(
                    types.CompletionItem(
                        label=c.label,
                        kind=kinds[c.kind],
                        text_edit=types.TextEdit(types.Range(start, params.position), c.label),
                    )
                )
        return types.CompletionList(is_incomplete=False, items=items)


def make_server() -> LemmaServer:
    server = LemmaServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LemmaServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LemmaServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LemmaServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LemmaServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = ls.path_of(uri)
        if path is not None and ls.projects.project(path) is not None:
            ls.check(uri)  # the file on disk counts again
        elif ls.published.pop(uri, None) is not None:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LemmaServer, params: types.HoverParams) -> types.Hover | None:
        return ls.hover(params)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: LemmaServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        return ls.formatting(params)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[":", " ", "/"]),
    )
    def completion(ls: LemmaServer, params: types.CompletionParams) -> types.CompletionList:
        return ls.complete(params)

    return server


def serve_stdio() -> None:
    """Run the language server on stdin/stdout until the client exits."""
    make_server().start_io()
