"""Where the Moodle site URL and token come from.

Order, first found wins:

1. command-line flags (``--url``, ``--profile``);
2. environment: ``LEMMA_URL``, ``LEMMA_TOKEN``, ``LEMMA_PROFILE``;
3. a named profile in the user config file, TOML at ``click.get_app_dir("lemma")/config.toml``
   or ``$LEMMA_CONFIG``, which must be private (mode 0600) because it holds tokens::

       default_profile = "staging"

       [profiles.staging]
       url = "https://moodle.example.edu"
       token = "0123456789abcdef0123456789abcdef"

4. the project's ``lemma.toml`` (committed to git, so it must never hold a token)::

       [site]
       url = "https://moodle.example.edu"
       profile = "staging"   # the user profile to use by default

The profile is chosen by ``--profile``, else ``LEMMA_PROFILE``, else ``[site] profile`` in
``lemma.toml``, else ``default_profile`` in the user config. A profile's token is never sent to
another site: if the URL comes from elsewhere and differs from the profile's, lemma refuses.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lemma_pkg.errors import ConfigError
from lemma_pkg.moodle.redact import Token

ENV_URL = "LEMMA_URL"
ENV_TOKEN = "LEMMA_TOKEN"
ENV_PROFILE = "LEMMA_PROFILE"
ENV_CONFIG = "LEMMA_CONFIG"
PROJECT_FILE = "lemma.toml"

PROFILE_KEYS = {"url", "token"}
SITE_KEYS = {"url", "profile"}
NOT_SET = "not set"


@dataclass(frozen=True)
class SiteConfig:
    """The resolved site settings, each with where it came from."""

    url: str | None
    url_origin: str
    token: Token | None
    token_origin: str
    profile: str | None
    profile_origin: str
    user_config_path: Path
    user_config_exists: bool
    project_config_path: Path | None

    def require(self) -> tuple[str, Token]:
        """URL and token, or a :class:`ConfigError` saying how to set what is missing."""
        missing = [n for n, v in (("URL", self.url), ("token", self.token)) if v is None]
        if missing:
            raise ConfigError(
                f"no Moodle site {' or '.join(missing)} configured",
                missing_hint(self),
            )
        assert self.url is not None and self.token is not None
        return self.url, self.token

    def to_dict(self) -> dict[str, Any]:
        """For ``lemma config show --format json``: the token masked."""
        return {
            "profile": {"value": self.profile, "origin": self.profile_origin},
            "url": {"value": self.url, "origin": self.url_origin},
            "token": {
                "value": self.token.masked if self.token else None,
                "origin": self.token_origin,
            },
            "user_config": {
                "path": str(self.user_config_path),
                "exists": self.user_config_exists,
            },
            "project_config": {
                "path": str(self.project_config_path) if self.project_config_path else None,
                "exists": self.project_config_path is not None,
            },
        }


def missing_hint(cfg: SiteConfig) -> str:
    return (
        f"set {ENV_URL} and {ENV_TOKEN}, or add a profile to {cfg.user_config_path} "
        "([profiles.NAME] with url and token; chmod 600) and choose it with --profile NAME, "
        f"{ENV_PROFILE} or default_profile; `lemma config show` shows what was found"
    )


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG]).expanduser()
    return Path(click.get_app_dir("lemma")) / "config.toml"


def find_project_config(start: Path | None = None) -> Path | None:
    """``lemma.toml`` in ``start`` (default: the working directory) or a parent directory."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", "fix the file's syntax") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def check_private(path: Path) -> None:
    """Refuse a user config file that others can read or write (it holds tokens)."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds tokens but is readable or writable by others (mode {mode:04o})",
            f"make it private: chmod 600 {path}",
        )


def load_user_config(path: Path) -> dict[str, Any] | None:
    """The user config (checked), or ``None`` if there is no such file."""
    if not path.exists():
        return None
    check_private(path)
    data = _read_toml(path)
    problems: list[str] = []
    for key in data:
        if key not in ("default_profile", "profiles"):
            problems.append(f"unknown key {key!r} (expected default_profile, [profiles.NAME])")
    if "default_profile" in data and not isinstance(data["default_profile"], str):
        problems.append("default_profile must be a string")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        problems.append("profiles must be a table: [profiles.NAME]")
        profiles = {}
    for name, prof in profiles.items():
        if not isinstance(prof, dict):
            problems.append(f"profiles.{name} must be a table")
            continue
        for key, value in prof.items():
            if key not in PROFILE_KEYS:
                problems.append(
                    f"profiles.{name}: unknown key {key!r} (expected {', '.join(sorted(PROFILE_KEYS))})"
                )
            elif not isinstance(value, str) or not value.strip():
                problems.append(f"profiles.{name}.{key} must be a non-empty string")
    if problems:
        raise ConfigError(
            f"{path}: " + "; ".join(problems),
            "see docs/moodle-client.md for the file's format",
        )
    return data


def _find_tokens(data: Any, prefix: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if str(key).lower() in ("token", "wstoken", "moodle_token"):
                found.append(name)
            found.extend(_find_tokens(value, name))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_find_tokens(value, f"{prefix}[{i}]"))
    return found


def load_project_config(path: Path) -> dict[str, Any]:
    """The ``[site]`` table of ``lemma.toml`` (checked: never a token)."""
    data = _read_toml(path)
    tokens = _find_tokens(data)
    if tokens:
        raise ConfigError(
            f"{path} holds a token ({', '.join(tokens)}); lemma.toml is part of the project and "
            "must never hold one",
            f"remove it; put the token in {ENV_TOKEN} or a profile of your user config file, "
            "and revoke this token on the site if the file was ever committed or shared",
        )
    site = data.get("site", {})
    if not isinstance(site, dict):
        raise ConfigError(f"{path}: [site] must be a table")
    problems = [
        f"unknown key site.{k!r} (expected {', '.join(sorted(SITE_KEYS))})"
        for k in site
        if k not in SITE_KEYS
    ]
    problems += [
        f"site.{k} must be a non-empty string"
        for k in SITE_KEYS
        if k in site and (not isinstance(site[k], str) or not site[k].strip())
    ]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return site


def _same_site(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def resolve_site(
    *,
    url: str | None = None,
    profile: str | None = None,
    token: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> SiteConfig:
    """Resolve URL, token and profile (see the module docstring for the order).

    ``url``/``profile`` are the command-line flags; ``token`` is for library callers only
    (there is no ``--token`` flag: a token on a command line ends up in shell history and
    process lists)."""
    env = os.environ if env is None else env
    cfg_path = user_config_path(env)
    user = load_user_config(cfg_path)
    project_path = find_project_config(cwd)
    site = load_project_config(project_path) if project_path else {}
    profiles: dict[str, dict[str, str]] = (user or {}).get("profiles", {})

    # which profile
    prof_name: str | None
    if profile:
        prof_name, prof_origin = profile, "flag --profile"
    elif env.get(ENV_PROFILE):
        prof_name, prof_origin = env[ENV_PROFILE], f"env {ENV_PROFILE}"
    elif site.get("profile"):
        prof_name, prof_origin = site["profile"], f"{project_path} [site] profile"
    elif user and user.get("default_profile"):
        prof_name, prof_origin = user["default_profile"], f"{cfg_path} default_profile"
    else:
        prof_name, prof_origin = None, NOT_SET
    prof: dict[str, str] = {}
    if prof_name is not None:
        if prof_name not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(
                f"no profile {prof_name!r} (chosen by {prof_origin}) in {cfg_path}"
                + ("" if user is not None else " (the file does not exist)"),
                f"profiles defined there: {known}; add [profiles.{prof_name}] with url and "
                "token, or choose another profile",
            )
        prof = profiles[prof_name]
    prof_where = f"profile {prof_name!r} in {cfg_path}"

    # URL
    the_url: str | None
    if url:
        the_url, url_origin = url.strip(), "flag --url"
    elif env.get(ENV_URL):
        the_url, url_origin = env[ENV_URL].strip(), f"env {ENV_URL}"
    elif prof.get("url"):
        the_url, url_origin = prof["url"].strip(), prof_where
    elif site.get("url"):
        the_url, url_origin = site["url"].strip(), f"{project_path} [site] url"
    else:
        the_url, url_origin = None, NOT_SET

    # token
    the_token: Token | None
    if token:
        the_token, token_origin = Token(token), "argument"
    elif env.get(ENV_TOKEN, "").strip():
        the_token, token_origin = Token(env[ENV_TOKEN]), f"env {ENV_TOKEN}"
    elif prof.get("token"):
        the_token, token_origin = Token(prof["token"]), prof_where
        if the_url and prof.get("url") and not _same_site(the_url, prof["url"]):
            raise ConfigError(
                f"the token of profile {prof_name!r} belongs to {prof['url']}, but the URL "
                f"{the_url} comes from {url_origin}; lemma does not send a token to another site",
                f"choose the profile for that site, or set {ENV_TOKEN} for it",
            )
    else:
        the_token, token_origin = None, NOT_SET

    return SiteConfig(
        url=the_url,
        url_origin=url_origin,
        token=the_token,
        token_origin=token_origin,
        profile=prof_name,
        profile_origin=prof_origin,
        user_config_path=cfg_path,
        user_config_exists=user is not None,
        project_config_path=project_path,
    )
