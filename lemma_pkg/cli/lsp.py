"""`lemma lsp`."""

from __future__ import annotations

import importlib.util

import click

from lemma_pkg.errors import ConfigError


@click.command("lsp")
def lsp_command() -> None:
    """Run the language server for editors (stdio).

    Diagnostics as you type for GIFT files (the rules of `lemma gift lint`) and for the
    course sources (course.yaml, module.yaml, lessons: the codes of `lemma validate`),
    formatting of GIFT (`lemma gift fmt`), the rule's reference on hover over a
    diagnostic, completion of item idnumbers and file paths in module.yaml. Editors start
    it themselves; see the README for VS Code, Neovim and Emacs. Needs the `lsp` extra:
    pip install 'lemma-pkg[lsp]'.
    """
    if importlib.util.find_spec("pygls") is None:
        raise ConfigError(
            "`lemma lsp` needs pygls, which is not installed",
            "install the language-server extra: pip install 'lemma-pkg[lsp]'",
        )
    from lemma_pkg.lsp.server import serve_stdio

    serve_stdio()
