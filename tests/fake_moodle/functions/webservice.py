"""core_webservice_*."""

from __future__ import annotations

from typing import Any

from ..params import Multiple, Params, Value, dflt
from ..registry import Call, function_version, wsfunction
from ..state import THEME_REV


def _version(overrides: dict[str, str], name: str) -> str:
    for component, version in overrides.items():
        if name.startswith(component + "_"):
            return version
    return function_version(name)


@wsfunction(
    "core_webservice_get_site_info",
    Params({"serviceshortnames": dflt(Multiple(Value("alphanumext")), [])}),
)
def get_site_info(call: Call, params: dict[str, Any]) -> dict[str, Any]:
    state, user = call.state, call.user
    cfg = state.config
    admin = state.is_siteadmin(user["id"])
    maxupload = min(cfg.upload_max_filesize, cfg.post_max_size)
    if cfg.maxbytes:
        maxupload = min(maxupload, cfg.maxbytes)
    return {
        "sitename": cfg.sitename,
        "username": user["username"],
        "firstname": user["firstname"],
        "lastname": user["lastname"],
        "fullname": state.fullname(user),
        "lang": user["lang"] or "en",
        "userid": user["id"],
        "siteurl": state.url,
        "userpictureurl": f"{state.url}/theme/image.php/boost/core/{THEME_REV}/u/f1",
        "functions": [
            {"name": name, "version": _version(state.component_versions, name)}
            for name in call.service["functions"]
        ],
        "downloadfiles": 1 if call.service["downloadfiles"] else 0,
        "uploadfiles": 1 if call.service["uploadfiles"] else 0,
        "release": cfg.release,
        "version": cfg.version,
        "mobilecssurl": "",
        "advancedfeatures": [
            {
                "name": name,
                "value": (1 if cfg.enablecompletion else 0)
                if name == "enablecompletion"
                else value,
            }
            for name, value in cfg.advancedfeatures
        ],
        "usercanmanageownfiles": True,
        "userquota": 0 if admin else cfg.userquota,
        "usermaxuploadfilesize": -1 if admin else maxupload,
        "userhomepage": 1,
        "userprivateaccesskey": "<REDACTED: 32 hex chars>",
        "siteid": 1,
        "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian",
        "userissiteadmin": admin,
        "theme": "boost",
        "limitconcurrentlogins": 0,
        "policyagreed": 0,
    }
