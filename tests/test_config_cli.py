"""`lemma config show`."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import click
from click.testing import CliRunner, Result

from lemma_pkg.cli import main
from lemma_pkg.cli.site_options import SiteOptions, site_options
from lemma_pkg.errors import ConfigError
from lemma_pkg.moodle.errors import InsecureURLError
from tests.token_guard import register_secret

TOKEN = register_secret("0123456789abcdef0123456789abcd9f")
ENV_TOKEN = register_secret("fedcba9876543210fedcba98765432e1")


def run(tmp_path: Path, *args: str, mode: int = 0o600, **env: str | None) -> Result:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[profiles.staging]\nurl = "https://staging.example.edu"\ntoken = "{TOKEN}"\n',
        encoding="utf-8",
    )
    os.chmod(cfg, mode)
    base: dict[str, str | None] = {
        "LEMMA_CONFIG": str(cfg),
        "LEMMA_URL": None,
        "LEMMA_TOKEN": None,
        "LEMMA_PROFILE": None,
    }
    base.update(env)
    runner = CliRunner(env=base)
    with contextlib.chdir(tmp_path):
        result = runner.invoke(main, ["config", "show", *args])
    assert TOKEN not in result.output and ENV_TOKEN not in result.output
    return result


def test_show_profile(tmp_path: Path) -> None:
    result = run(tmp_path, "--profile", "staging")
    assert result.exit_code == 0, result.output
    cfg = tmp_path / "config.toml"
    assert result.stdout.splitlines()[:3] == [
        "profile  staging                      (flag --profile)",
        f"url      https://staging.example.edu  (profile 'staging' in {cfg})",
        f"token    ****cd9f                     (profile 'staging' in {cfg})",
    ]
    assert f"config   {cfg} (found)" in result.stdout


def test_show_env_overrides(tmp_path: Path) -> None:
    result = run(
        tmp_path, "--format", "json", LEMMA_URL="https://other.example.edu", LEMMA_TOKEN=ENV_TOKEN
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"] == {"value": "https://other.example.edu", "origin": "env LEMMA_URL"}
    assert data["token"] == {"value": "****32e1", "origin": "env LEMMA_TOKEN"}
    assert data["profile"] == {"value": None, "origin": "not set"}


def test_show_nothing_set(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == "url      -  (not set)"


def test_world_readable_config_is_refused(tmp_path: Path) -> None:
    result = run(tmp_path, "--profile", "staging", mode=0o644)
    assert result.exit_code == 3
    assert "readable or writable by others (mode 0644)" in result.stderr
    assert f"hint: make it private: chmod 600 {tmp_path / 'config.toml'}" in result.stderr


def test_token_in_lemma_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text("", encoding="utf-8")
    os.chmod(cfg, 0o600)
    (tmp_path / "proj" / "lemma.toml").write_text(f'[site]\ntoken = "{TOKEN}"\n', "utf-8")
    runner = CliRunner(env={"LEMMA_CONFIG": str(cfg), "LEMMA_TOKEN": None, "LEMMA_URL": None})
    with contextlib.chdir(tmp_path / "proj"):
        result = runner.invoke(main, ["config", "show"])
    assert result.exit_code == 3
    assert "must never hold one" in result.stderr
    assert TOKEN not in result.output


def test_insecure_http_refused_for_remote_hosts(tmp_path: Path) -> None:
    result = run(tmp_path, "--insecure-http", "--url", "http://moodle.example.edu")
    assert result.exit_code == 2
    assert "only for loopback addresses" in result.stderr


@click.command()
@site_options
def _probe(site: SiteOptions) -> None:
    with site.client() as client:
        click.echo(repr(client))


def test_site_options_build_a_client(tmp_path: Path) -> None:
    runner = CliRunner(
        env={
            "LEMMA_CONFIG": str(tmp_path / "none.toml"),
            "LEMMA_TOKEN": ENV_TOKEN,
            "LEMMA_URL": None,
            "LEMMA_PROFILE": None,
        }
    )
    with contextlib.chdir(tmp_path):
        ok = runner.invoke(_probe, ["--url", "http://127.0.0.1:9/", "--insecure-http"])
        plain = runner.invoke(_probe, ["--url", "http://127.0.0.1:9/"])
        missing = runner.invoke(_probe, [], env={"LEMMA_TOKEN": None})
    assert ok.exit_code == 0
    assert ok.stdout == "MoodleClient('http://127.0.0.1:9', token=Token('****32e1'))\n"
    assert isinstance(plain.exception, InsecureURLError)
    assert isinstance(missing.exception, ConfigError)
    assert "no Moodle site URL or token configured" in str(missing.exception)
