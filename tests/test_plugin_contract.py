"""The companion plugin follows its contract: PHP classes, db/services.php, the zip.

The PHP side is checked under a real PHP (`php` on PATH; `.ci/run` installs php-cli): each
file must pass `php -l`, and each external class's execute_parameters()/execute_returns()
must describe exactly what contract.yaml says (tests/php/dump_external.php loads the classes
against small stand-ins of core_external's description classes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lemma_pkg.cli import main
from lemma_pkg.moodle.functions import FUNCTIONS
from lemma_pkg.plugin import contract as contract_mod
from lemma_pkg.plugin.bundle import plugin_dir, plugin_files, plugin_version, write_zip
from lemma_pkg.plugin.contract import ContractError, canonical, canonical_parameters, load_contract
from lemma_pkg.plugin.services import (
    contract_doc_path,
    generated_files,
    service_functions,
    services_php_path,
)

HARNESS = Path(__file__).parent / "php" / "dump_external.php"
PHP = shutil.which("php")
# .ci/run installs php-cli and sets LEMMA_REQUIRE_PHP, so these never skip in CI.
needs_php = pytest.mark.skipif(
    PHP is None and not os.environ.get("LEMMA_REQUIRE_PHP"),
    reason="php is not installed (CI installs php-cli; `apt-get install php-cli` locally)",
)


def _php_dump() -> dict[str, object]:
    assert PHP is not None, "php is required (LEMMA_REQUIRE_PHP is set): apt-get install php-cli"
    classes = [fn.classname for fn in load_contract().values()]
    out = subprocess.run(
        [PHP, str(HARNESS), str(plugin_dir()), *classes],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@needs_php
def test_every_plugin_file_passes_php_lint() -> None:
    assert PHP is not None
    php_files = [p for p in plugin_files() if p.suffix == ".php"]
    assert len(php_files) >= 6
    for path in php_files:
        res = subprocess.run([PHP, "-l", str(path)], capture_output=True, text=True)
        assert res.returncode == 0, f"{path}: {res.stdout}{res.stderr}"


@needs_php
def test_php_classes_describe_what_the_contract_says() -> None:
    dump = _php_dump()
    functions = dump["functions"]
    assert isinstance(functions, dict)
    for fn in load_contract().values():
        php = functions[fn.classname]
        assert php["parameters"] == canonical_parameters(fn), fn.name
        assert php["returns"] == canonical(fn.returns), fn.name


@needs_php
def test_services_php_declares_the_contract_and_the_lemma_service() -> None:
    dump = _php_dump()
    declared = dump["servicefunctions"]
    assert isinstance(declared, dict)
    contract = load_contract()
    assert set(declared) == set(contract)
    for name, fn in contract.items():
        assert declared[name]["classname"] == fn.classname
        assert declared[name]["type"] == fn.type
        assert declared[name]["capabilities"] == ", ".join(fn.capabilities)
    services = dump["services"]
    assert isinstance(services, dict)
    lemma = services["lemma"]
    assert lemma["shortname"] == "lemma"
    assert lemma["uploadfiles"] == 1 and lemma["downloadfiles"] == 1 and lemma["enabled"] == 1
    # one token for one service serves every command: every function lemma calls is listed
    assert set(lemma["functions"]) == set(FUNCTIONS) | set(contract)


def test_generated_files_match_the_contract() -> None:
    """db/services.php and docs/companion-plugin.md are generated from the contract."""
    files = generated_files()
    assert services_php_path() in files and contract_doc_path() in files
    for path, text in files.items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is out of date: python -m lemma_pkg.plugin.services --write"
        )
    assert "- `courseid` int: Course id" in contract_doc_path().read_text(encoding="utf-8")
    assert service_functions() == sorted(service_functions())


def test_every_contract_class_has_a_file_and_every_file_a_contract_entry() -> None:
    contract = load_contract()
    classes = {fn.classname for fn in contract.values()}
    files = {
        "local_lemma\\external\\" + p.stem
        for p in (plugin_dir() / "classes" / "external").glob("*.php")
    }
    assert classes == files


def test_contract_rejects_malformed_nodes(tmp_path: Path) -> None:
    bad = {
        "functions": {
            "local_lemma_x": {
                "class": "local_lemma\\external\\x",
                "type": "read",
                "parameters": {"a": {"type": "int", "keys": {}}},
            }
        }
    }
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ContractError, match="exactly one of type/keys/list"):
        contract_mod.load_contract(path)
    bad["functions"]["local_lemma_x"]["parameters"] = {"a": {"type": "int", "dflt": 1}}
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(ContractError, match="unknown keys"):
        contract_mod.load_contract(path)


def test_plugin_version_requires_moodle_45() -> None:
    v = plugin_version()
    assert v.requires == 2024100700
    text = (plugin_dir() / "version.php").read_text(encoding="utf-8")
    assert "$plugin->component = 'local_lemma';" in text
    assert "$plugin->supported = [405, 500];" in text


def test_zip_is_installable_shape_and_deterministic(tmp_path: Path) -> None:
    a = write_zip(tmp_path / "a.zip")
    b = write_zip(tmp_path / "sub" / "b.zip")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        # Moodle's installer wants one top folder named after the plugin, version.php in it
        assert {n.split("/")[0] for n in names} == {"lemma"}
        for required in (
            "lemma/version.php",
            "lemma/db/services.php",
            "lemma/db/access.php",
            "lemma/lang/en/local_lemma.php",
            "lemma/classes/privacy/provider.php",
            "lemma/README.md",
        ):
            assert required in names
        files = [n for n in names if not n.endswith("/")]
        assert len(files) == len(plugin_files())
        assert zf.read("lemma/version.php") == (plugin_dir() / "version.php").read_bytes()


def test_plugin_cli_zip_and_path(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "p.zip"
    res = runner.invoke(main, ["plugin", "zip", "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["path"] == str(out.resolve())
    assert data["version"] == plugin_version().version
    assert zipfile.is_zipfile(out)
    res = runner.invoke(main, ["plugin", "path"])
    assert res.exit_code == 0
    assert Path(res.stdout.strip()) == plugin_dir()
    assert (Path(res.stdout.strip()) / "version.php").is_file()
