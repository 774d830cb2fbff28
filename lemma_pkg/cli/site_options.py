"""Options shared by every command that talks to a Moodle site: ``--url``, ``--profile``,
``--insecure-http``; and the one function that turns them into a client."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

from lemma_pkg.config import SiteConfig, resolve_site
from lemma_pkg.errors import UsageError
from lemma_pkg.moodle.client import MoodleClient, is_loopback

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class SiteOptions:
    url: str | None
    profile: str | None
    insecure_http: bool

    def resolve(self) -> SiteConfig:
        cfg = resolve_site(url=self.url, profile=self.profile)
        check_insecure_http(self.insecure_http, cfg.url)
        return cfg

    def client(self, **kwargs: Any) -> MoodleClient:
        """A client for the resolved site (exit 3 when URL or token is missing)."""
        url, token = self.resolve().require()
        return MoodleClient(url, token, allow_insecure_http=self.insecure_http, **kwargs)


def check_insecure_http(insecure_http: bool, url: str | None) -> None:
    """``--insecure-http`` is refused unless the site is on a loopback address."""
    if not insecure_http or url is None:
        return
    host = urlsplit(url.strip()).hostname or ""
    if not is_loopback(host):
        raise UsageError(
            f"--insecure-http is refused for {host or url}: it is only for loopback addresses",
            "use the site's https:// address; plain http is allowed only for 127.0.0.1, ::1 "
            "or localhost (a local test site)",
        )


def site_options(f: F) -> F:
    """Add ``--url``, ``--profile`` and ``--insecure-http``; the command receives one
    ``site: SiteOptions`` argument instead."""

    @click.option(
        "--url",
        metavar="URL",
        default=None,
        help="Moodle site address (default: $LEMMA_URL, the profile, lemma.toml).",
    )
    @click.option(
        "--profile",
        metavar="NAME",
        default=None,
        help="Profile of the user config file to use (default: $LEMMA_PROFILE, lemma.toml, "
        "default_profile).",
    )
    @click.option(
        "--insecure-http",
        is_flag=True,
        help="Allow plain http:// (loopback addresses only, e.g. a local test site).",
    )
    @functools.wraps(f)
    def wrapper(
        *args: Any, url: str | None, profile: str | None, insecure_http: bool, **kwargs: Any
    ) -> Any:
        kwargs["site"] = SiteOptions(url=url, profile=profile, insecure_http=insecure_http)
        return f(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
