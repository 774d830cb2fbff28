"""Generate the plugin's ``db/services.php`` (and the contract section of
``docs/companion-plugin.md``) from the contract and lemma's function table.

The plugin declares its own functions (from ``contract.yaml``) and a pre-built external
service ``lemma`` that lists every function the tool calls, core and plugin, with file upload
and download allowed: one token for that service serves every command.

``python -m lemma_pkg.plugin.services --write`` rewrites both; a test fails when the committed
files and this generator drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lemma_pkg.moodle.functions import FUNCTIONS
from lemma_pkg.plugin.bundle import PHP_HEADER, plugin_dir
from lemma_pkg.plugin.contract import load_contract
from lemma_pkg.plugin.reference import update_doc

SERVICE_SHORTNAME = "lemma"


def _php_str(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def service_functions() -> list[str]:
    """Every function the ``lemma`` service lists: core ones and the plugin's, sorted."""
    return sorted(set(FUNCTIONS) | set(load_contract()))


def render_services_php() -> str:
    contract = load_contract()
    lines = [
        "<?php",
        PHP_HEADER,
        "",
        "/**",
        " * Web-service functions of local_lemma and the pre-built service 'lemma'.",
        " *",
        " * Generated from lemma_pkg/plugin/contract.yaml and lemma_pkg/moodle/functions.py by",
        " * `python -m lemma_pkg.plugin.services --write`; do not edit by hand.",
        " *",
        " * @package    local_lemma",
        " * @copyright  2026 lemma-pkg contributors",
        " * @license    https://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later",
        " */",
        "",
        "defined('MOODLE_INTERNAL') || die();",
        "",
        "$functions = [",
    ]
    for fn in contract.values():
        lines += [
            f"    {_php_str(fn.name)} => [",
            f"        'classname' => {_php_str(fn.classname)},",
            f"        'description' => {_php_str(fn.description)},",
            f"        'type' => {_php_str(fn.type)},",
            f"        'capabilities' => {_php_str(', '.join(fn.capabilities))},",
            "        'ajax' => false,",
            "    ],",
        ]
    lines += [
        "];",
        "",
        "$services = [",
        f"    {_php_str(SERVICE_SHORTNAME)} => [",
        "        'functions' => [",
        *(f"            {_php_str(name)}," for name in service_functions()),
        "        ],",
        f"        'shortname' => {_php_str(SERVICE_SHORTNAME)},",
        "        'enabled' => 1,",
        "        'restrictedusers' => 0,",
        "        'uploadfiles' => 1,",
        "        'downloadfiles' => 1,",
        "    ],",
        "];",
        "",
    ]
    return "\n".join(lines)


def services_php_path() -> Path:
    return plugin_dir() / "db" / "services.php"


def contract_doc_path() -> Path:
    """docs/companion-plugin.md of a source checkout (not shipped in the package)."""
    return Path(__file__).resolve().parents[2] / "docs" / "companion-plugin.md"


def generated_files() -> dict[Path, str]:
    """Each generated file and what it must contain."""
    doc = contract_doc_path()
    return {
        services_php_path(): render_services_php(),
        doc: update_doc(doc.read_text(encoding="utf-8")),
    }


def main(argv: list[str]) -> int:
    stale = 0
    for path, text in generated_files().items():
        if path.read_text(encoding="utf-8") == text:
            continue
        if "--write" in argv:
            path.write_text(text, encoding="utf-8")
        else:
            sys.stderr.write(
                f"{path} is out of date: python -m lemma_pkg.plugin.services --write\n"
            )
            stale += 1
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
