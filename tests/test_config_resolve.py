"""URL and token resolution: flag > env > profile > lemma.toml, with real files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lemma_pkg.config import resolve_site, user_config_path
from lemma_pkg.errors import ConfigError
from tests.token_guard import register_secret

TOKEN_A = register_secret("aaaaaaaaaaaaaaaaaaaaaaaaaaaa1111")
TOKEN_B = register_secret("bbbbbbbbbbbbbbbbbbbbbbbbbbbb2222")
TOKEN_ENV = register_secret("eeeeeeeeeeeeeeeeeeeeeeeeeeee3333")


def write_user_config(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "user" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


USER = f"""
default_profile = "a"

[profiles.a]
url = "https://a.example.edu"
token = "{TOKEN_A}"

[profiles.b]
url = "https://b.example.edu/moodle"
token = "{TOKEN_B}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    d = tmp_path / "project"
    d.mkdir()
    return d


def env_for(cfg: Path, **extra: str) -> dict[str, str]:
    return {"LEMMA_CONFIG": str(cfg), **extra}


def test_default_profile_from_the_user_config(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    site = resolve_site(env=env_for(cfg), cwd=project)
    assert site.url == "https://a.example.edu"
    assert site.token is not None and site.token.reveal() == TOKEN_A
    assert site.profile == "a"
    assert site.url_origin == f"profile 'a' in {cfg}"
    assert site.profile_origin == f"{cfg} default_profile"


def test_flag_beats_env_beats_lemma_toml_for_the_profile(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    (project / "lemma.toml").write_text('[site]\nprofile = "a"\n', encoding="utf-8")
    assert resolve_site(env=env_for(cfg), cwd=project).profile_origin.endswith("[site] profile")
    site = resolve_site(env=env_for(cfg, LEMMA_PROFILE="b"), cwd=project)
    assert (site.profile, site.profile_origin) == ("b", "env LEMMA_PROFILE")
    site = resolve_site(profile="a", env=env_for(cfg, LEMMA_PROFILE="b"), cwd=project)
    assert (site.profile, site.profile_origin) == ("a", "flag --profile")


def test_env_url_and_token_beat_the_profile(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    env = env_for(cfg, LEMMA_URL="https://c.example.edu", LEMMA_TOKEN=TOKEN_ENV)
    site = resolve_site(env=env, cwd=project)
    assert (site.url, site.url_origin) == ("https://c.example.edu", "env LEMMA_URL")
    assert site.token is not None and site.token.reveal() == TOKEN_ENV
    assert site.token_origin == "env LEMMA_TOKEN"


def test_flag_url_beats_env(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, "")
    env = env_for(cfg, LEMMA_URL="https://c.example.edu", LEMMA_TOKEN=TOKEN_ENV)
    site = resolve_site(url="https://d.example.edu", env=env, cwd=project)
    assert (site.url, site.url_origin) == ("https://d.example.edu", "flag --url")


def test_lemma_toml_gives_the_url_last(tmp_path: Path, project: Path) -> None:
    (project / "lemma.toml").write_text('[site]\nurl = "https://p.example.edu"\n', "utf-8")
    sub = project / "content"
    sub.mkdir()
    site = resolve_site(
        env={"LEMMA_CONFIG": str(tmp_path / "none.toml"), "LEMMA_TOKEN": TOKEN_ENV}, cwd=sub
    )
    assert site.url == "https://p.example.edu"
    assert site.url_origin == f"{project / 'lemma.toml'} [site] url"
    assert not site.user_config_exists


def test_a_profile_token_is_never_sent_to_another_site(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    with pytest.raises(ConfigError) as info:
        resolve_site(url="https://evil.example.com", env=env_for(cfg), cwd=project)
    assert "does not send a token to another site" in info.value.message
    assert TOKEN_A not in info.value.message + (info.value.hint or "")
    # The same site with a trailing slash is fine.
    site = resolve_site(
        url="https://b.example.edu/moodle/", profile="b", env=env_for(cfg), cwd=project
    )
    assert site.token is not None


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_config_file_others_can_read_is_refused(tmp_path: Path, project: Path, mode: int) -> None:
    cfg = write_user_config(tmp_path, USER, mode)
    with pytest.raises(ConfigError) as info:
        resolve_site(env=env_for(cfg), cwd=project)
    assert info.value.exit_code == 3
    assert info.value.hint == f"make it private: chmod 600 {cfg}"


def test_mode_0400_is_fine(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER, 0o400)
    assert resolve_site(env=env_for(cfg), cwd=project).profile == "a"


def test_lemma_toml_must_never_hold_a_token(tmp_path: Path, project: Path) -> None:
    (project / "lemma.toml").write_text(
        f'[site]\nurl = "https://p.example.edu"\ntoken = "{TOKEN_B}"\n', "utf-8"
    )
    with pytest.raises(ConfigError) as info:
        resolve_site(env={"LEMMA_CONFIG": str(tmp_path / "none.toml")}, cwd=project)
    assert "must never hold one" in info.value.message
    assert "site.token" in info.value.message
    assert TOKEN_B not in info.value.message + (info.value.hint or "")
    assert "revoke" in (info.value.hint or "")


def test_unknown_profile_lists_the_known_ones(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    with pytest.raises(ConfigError) as info:
        resolve_site(profile="prod", env=env_for(cfg), cwd=project)
    assert "no profile 'prod' (chosen by flag --profile)" in info.value.message
    assert "profiles defined there: a, b" in (info.value.hint or "")


def test_every_problem_in_the_user_config_is_reported_at_once(
    tmp_path: Path, project: Path
) -> None:
    cfg = write_user_config(
        tmp_path,
        '[profiles.a]\nurl = 3\ntokn = "x"\n[profiles.b]\ntoken = ""\n[colours]\nx = 1\n',
    )
    with pytest.raises(ConfigError) as info:
        resolve_site(env=env_for(cfg), cwd=project)
    msg = info.value.message
    for part in (
        "profiles.a.url must be a non-empty string",
        "unknown key 'tokn'",
        "profiles.b.token must be a non-empty string",
        "unknown key 'colours'",
    ):
        assert part in msg


def test_bad_toml_names_the_file(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, "[profiles.a\nurl=")
    with pytest.raises(ConfigError) as info:
        resolve_site(env=env_for(cfg), cwd=project)
    assert str(cfg) in info.value.message and "not valid TOML" in info.value.message


def test_nothing_configured_says_how(tmp_path: Path, project: Path) -> None:
    site = resolve_site(env={"LEMMA_CONFIG": str(tmp_path / "none.toml")}, cwd=project)
    assert site.url is None and site.token is None and site.url_origin == "not set"
    with pytest.raises(ConfigError) as info:
        site.require()
    assert info.value.message == "no Moodle site URL or token configured"
    assert "LEMMA_URL and LEMMA_TOKEN" in (info.value.hint or "")


def test_token_is_masked_in_the_json_view(tmp_path: Path, project: Path) -> None:
    cfg = write_user_config(tmp_path, USER)
    d = resolve_site(env=env_for(cfg), cwd=project).to_dict()
    assert d["token"] == {"value": "****1111", "origin": f"profile 'a' in {cfg}"}
    assert TOKEN_A not in repr(d)


def test_user_config_path_default_and_override(tmp_path: Path) -> None:
    assert user_config_path({"LEMMA_CONFIG": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"
    assert user_config_path({}).name == "config.toml"
