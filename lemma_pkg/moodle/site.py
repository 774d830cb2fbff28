"""Site information: ``core_webservice_get_site_info``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lemma_pkg.moodle.client import MoodleClient
from lemma_pkg.moodle.errors import UnexpectedResponseError


@dataclass(frozen=True)
class SiteInfo:
    """What the site says about itself and the token's user and service."""

    sitename: str
    siteurl: str
    release: str
    version: int
    username: str
    userid: int
    userissiteadmin: bool
    #: wsfunction name -> component version, for the functions in the token's service.
    functions: dict[str, str] = field(default_factory=dict)
    uploadfiles: bool = False
    downloadfiles: bool = False
    #: bytes; -1 = no limit.
    usermaxuploadfilesize: int = -1
    #: bytes; 0 = no quota.
    userquota: int = 0
    advancedfeatures: dict[str, int] = field(default_factory=dict)

    @property
    def completion_enabled(self) -> bool:
        return self.advancedfeatures.get("enablecompletion", 0) == 1


def parse_site_info(data: Any) -> SiteInfo:
    if not isinstance(data, dict) or "version" not in data:
        raise UnexpectedResponseError(
            "core_webservice_get_site_info: the answer has no site version",
            "check the site URL",
        )
    try:
        version = int(str(data.get("version", "0")).split(".")[0])
    except ValueError:
        version = 0
    return SiteInfo(
        sitename=str(data.get("sitename", "")),
        siteurl=str(data.get("siteurl", "")),
        release=str(data.get("release", "")),
        version=version,
        username=str(data.get("username", "")),
        userid=int(data.get("userid", 0)),
        userissiteadmin=bool(data.get("userissiteadmin", False)),
        functions={
            str(f["name"]): str(f.get("version", ""))
            for f in data.get("functions", [])
            if isinstance(f, dict) and "name" in f
        },
        uploadfiles=bool(data.get("uploadfiles", 0)),
        downloadfiles=bool(data.get("downloadfiles", 0)),
        usermaxuploadfilesize=int(data.get("usermaxuploadfilesize", -1)),
        userquota=int(data.get("userquota", 0)),
        advancedfeatures={
            str(a["name"]): int(a.get("value", 0))
            for a in data.get("advancedfeatures", [])
            if isinstance(a, dict) and "name" in a
        },
    )


def get_site_info(client: MoodleClient) -> SiteInfo:
    """``core_webservice_get_site_info``: site, release, the token user and its service's
    functions, upload permission and limits, advanced features (completion)."""
    return parse_site_info(client.call("core_webservice_get_site_info"))
