"""The HTTP side: a threaded server on 127.0.0.1 and the :class:`FakeMoodle` facade."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import struct
import threading
import time
import weakref
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

from . import functions as _functions  # noqa: F401  (registers every wsfunction)
from . import rest, seed
from .errors import MoodleError
from .faults import MAINTENANCE_HTML, PROXY_HTML, Faults
from .httpbits import UploadedFile, decode_chunked, parse_multipart, parse_urlencoded
from .rest import php_json
from .state import Record, State
from .upload import handle_upload

REASONS = {
    403: "Forbidden",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


@dataclass
class LoggedRequest:
    """One request as the fake received it (before PHP's limits were applied)."""

    method: str
    path: str  # the request target, query string included
    headers: dict[str, str]
    fields: list[tuple[str, str]]  # form fields (urlencoded or multipart), query excluded
    query: list[tuple[str, str]]
    files: list[UploadedFile] = field(default_factory=list)
    body: bytes = b""
    status: int = 0
    wsfunction: str | None = None
    response_body: bytes = b""

    @property
    def form(self) -> dict[str, str]:
        return dict(self.fields)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeMoodle


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ---------------------------------------------------------------- verbs
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # ------------------------------------------------------------- plumbing
    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return decode_chunked(self.rfile.readline, self.rfile.read)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self, status: int, body: str | bytes, ctype: str, extra: dict[str, str] | None = None
    ) -> None:
        if getattr(self, "_delayed", 0.0):
            delay, self._delayed = self._delayed, 0.0
            time.sleep(delay)
        if getattr(self, "_losing", False):
            self._losing = False
            status_lost = self._lose_answer
            if status_lost is None:
                self._reset()
                return
            status, body, ctype, extra = (
                int(status_lost),
                PROXY_HTML.format(code=status_lost, reason=REASONS.get(status_lost, "Error")),
                "text/html",
                None,
            )
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header(
            "Cache-Control", "private, must-revalidate, pre-check=0, post-check=0, max-age=0"
        )
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._logged.status = status
        self._logged.response_body = data

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self._logged.status = 0
        with contextlib.suppress(OSError):
            self.connection.close()

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        target = self.path
        parts = urlsplit(target)
        path = parts.path
        query = parse_urlencoded(parts.query.encode("utf-8")) if parts.query else []
        body = self._read_body()
        ctype_in = self.headers.get("Content-Type", "")
        fields: list[tuple[str, str]] = []
        files: list[UploadedFile] = []
        if ctype_in.startswith("multipart/form-data"):
            fields, files = parse_multipart(body, ctype_in)
        elif body and ctype_in.startswith("application/x-www-form-urlencoded"):
            fields = parse_urlencoded(body)  # PHP fills $_POST only for form bodies
        endpoint = "upload" if path.endswith("/webservice/upload.php") else "rest"
        wsfunction = dict(query + fields).get("wsfunction")
        self._logged = LoggedRequest(
            method,
            target,
            {k: v for k, v in self.headers.items()},
            fields,
            query,
            files,
            body,
            wsfunction=wsfunction,
        )
        fake._log(self._logged)
        faults = fake.faults
        if faults.latency_seconds:
            faults.fired.append("latency")
            time.sleep(faults.latency_seconds)
        if faults.take(("reset",), endpoint, wsfunction):
            self._reset()
            return
        slow = faults.take(("slow",), endpoint, wsfunction)
        lost = faults.take(("lost",), endpoint, wsfunction)
        if lost is not None:
            self._lose_answer = lost.options.get("status")
            self._losing = True
        else:
            self._losing = False
        if faults.max_uri_length is not None and len(target) > faults.max_uri_length:
            self._proxy_error(414)
            return
        if faults.max_body_bytes is not None and len(body) > faults.max_body_bytes:
            self._proxy_error(413)
            return
        fault = faults.take(("http_error",), endpoint, wsfunction)
        if fault:
            status = int(fault.options["status"])
            extra = {}
            if fault.options.get("retry_after") is not None:
                extra["Retry-After"] = str(fault.options["retry_after"])
            page = fault.options.get("body") or PROXY_HTML.format(
                code=status, reason=REASONS.get(status, "Error")
            )
            self._send(status, page, "text/html", extra)
            return
        fault = faults.take(("maintenance",), endpoint, wsfunction)
        if fault:
            self._send(
                503,
                MAINTENANCE_HTML,
                "text/html; charset=utf-8",
                {"Retry-After": str(fault.options["retry_after"])},
            )
            return
        if slow is not None:
            # handled first, answered late: the client may time out meanwhile
            self._delayed = float(slow.options["seconds"])
        else:
            self._delayed = 0.0
        if path.endswith("/webservice/rest/server.php"):
            self._rest(method, query, fields, body)
        elif endpoint == "upload":
            self._upload(query, fields, files, body)
        elif path in ("/", "/index.php"):
            self._send(200, "<!DOCTYPE html><html><body>Fake Moodle</body></html>", "text/html")
        elif path.startswith("/draftfile.php/"):
            self._file(path)
        elif path.startswith("/webservice/pluginfile.php/"):
            self._ws_file(path, dict(query + fields))
        else:
            self._send(404, "<html><body>Not found</body></html>", "text/html")

    def _proxy_error(self, status: int) -> None:
        self._send(status, PROXY_HTML.format(code=status, reason=REASONS[status]), "text/html")

    def _php_limits(self, fields: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
        """post_max_size drops everything; max_input_vars keeps limit + 1 fields."""
        fake = self.server.fake
        cfg = fake.state.config
        if len(body) > cfg.post_max_size:
            return []
        limit = fake.faults.max_input_vars_limit
        if limit is None:
            limit = cfg.max_input_vars
        if len(fields) > limit + 1:
            return fields[: limit + 1]
        return fields

    def _rest(
        self, method: str, query: list[tuple[str, str]], fields: list[tuple[str, str]], body: bytes
    ) -> None:
        fake = self.server.fake
        if fake.faults.ws_disabled or not fake.state.config.rest_enabled:
            self._send(403, b"", "text/html; charset=utf-8")
            return
        posted = self._php_limits(fields, body)
        # PHP: array_merge($_GET, $_POST): POST wins, GET keys first.
        merged: dict[str, str] = {}
        for k, v in query + posted:
            merged[k] = v
        pairs = [(k, v) for k, v in query if k not in dict(posted)] + posted
        debug = fake.state.config.debug
        wsfunction = merged.get("wsfunction")
        fmt = merged.get("moodlewsrestformat")
        restformat = fmt if fmt in ("json", "xml") else "xml"
        if fake.faults.take(("truncated",), "rest", wsfunction):
            text, restformat, _ = rest.run(fake.state, pairs, debug)
            self._send(200, text[: max(1, len(text) // 2)], rest.content_type(restformat))
            return
        for kind, err in (
            (
                "unabletolock",
                MoodleError(
                    "core\\exception\\moodle_exception",
                    "ex_unabletolock",
                    "Unable to acquire a lock (lock timeout)",
                    "Cannot obtain cache lock",
                ),
            ),
            (
                "sitemaintenance",
                MoodleError(
                    "core\\exception\\moodle_exception",
                    "sitemaintenance",
                    "The site is undergoing maintenance and is currently not available",
                ),
            ),
        ):
            if fake.faults.take((kind,), "rest", wsfunction):
                self._send(
                    200, rest.render_error(err, restformat, debug), rest.content_type(restformat)
                )
                return
        text, restformat, _call = rest.run(fake.state, pairs, debug)
        self._send(
            200,
            text,
            rest.content_type(restformat),
            {"Access-Control-Allow-Origin": "*", "Pragma": "no-cache"},
        )

    def _upload(
        self,
        query: list[tuple[str, str]],
        fields: list[tuple[str, str]],
        files: list[UploadedFile],
        body: bytes,
    ) -> None:
        fake = self.server.fake
        cfg = fake.state.config
        if len(body) > cfg.post_max_size:
            fields, files = [], []
        files = files[: cfg.max_file_uploads]
        merged = {k: v for k, v in query}
        merged.update(dict(fields))
        text, ctype = handle_upload(fake.state, list(merged.items()), files, cfg.debug)
        self._send(200, text, ctype, {"Access-Control-Allow-Origin": "*"})

    def _ws_file(self, path: str, params: dict[str, str]) -> None:
        """webservice/pluginfile.php: the token (POST or GET) must be valid and its service
        allow downloads; the file is always sent ``inline`` (the script passes forcedownload 0
        to file_pluginfile, whatever the URL says); a missing file is a 404."""
        fake = self.server.fake
        state = fake.state
        with state.lock:
            token = state.tokens.get(params.get("token", ""))
            service = state.services.get(token["serviceid"]) if token else None
        if token is None or service is None:
            body = {
                "error": "Invalid token - token not found",
                "errorcode": "invalidtoken",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
            self._send(200, json.dumps(body), "application/json; charset=utf-8")
            return
        if not service.get("downloadfiles", 1):
            body = {
                "error": "Web service file downloading must be enabled in external service "
                "settings",
                "errorcode": "accessexception",
                "stacktrace": None,
                "debuginfo": None,
                "reproductionlink": None,
            }
            self._send(200, json.dumps(body), "application/json; charset=utf-8")
            return
        self._file(path, inline=True)

    def _file(self, path: str, *, inline: bool = False) -> None:
        fake = self.server.fake
        bits = path.split("/")
        # /draftfile.php/<ctx>/user/draft/<itemid>/<path...>/<name>
        try:
            if bits[1] == "draftfile.php":
                ctxid, component, area, itemid = int(bits[2]), bits[3], bits[4], int(bits[5])
                rest_bits = bits[6:]
            else:
                ctxid, component, area, itemid = int(bits[3]), bits[4], bits[5], int(bits[6])
                rest_bits = bits[7:]
        except (IndexError, ValueError):
            self._send(404, b"", "text/plain")
            return
        filename = rest_bits[-1] if rest_bits else ""
        filepath = "/" + "/".join(rest_bits[:-1]) + ("/" if len(rest_bits) > 1 else "")
        if (component, area) == ("mod_resource", "content"):
            itemid = 0  # resource_pluginfile() ignores the revision in the URL
        with fake.state.lock:
            for f in fake.state.files:
                if (
                    f["contextid"],
                    f["component"],
                    f["filearea"],
                    f["itemid"],
                    f["filepath"],
                    f["filename"],
                ) == (ctxid, component, area, itemid, filepath, filename):
                    extra = {"Content-Disposition": f'inline; filename="{filename}"'}
                    self._send(
                        200,
                        f.get("content", b""),
                        f.get("mimetype") or "application/octet-stream",
                        extra if inline else None,
                    )
                    return
        self._send(404, b"", "application/json; charset=utf-8")


class FakeMoodle:
    """A fake Moodle 4.5.6 site over real HTTP on 127.0.0.1. See the package docstring."""

    #: Every fake alive in this process: the token guard (tests/token_guard.py) looks for all
    #: of their tokens, whichever way a test got hold of a fake.
    instances: ClassVar[weakref.WeakSet[FakeMoodle]] = weakref.WeakSet()

    def __init__(self, port: int = 0, *, seed_reference: bool = True) -> None:
        FakeMoodle.instances.add(self)
        self._port = port
        self.faults = Faults()
        self.requests: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._seed_reference = seed_reference
        self._issued: set[str] = set()
        self.state = State()
        self.reset()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeMoodle:
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.fake = self
        self._server = server
        self._port = server.server_address[1]
        self.state.url = self.url
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="fake-moodle",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMoodle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Fresh state (the recorded reference site), no faults, empty request log."""
        url = self.state.url
        self.state = State()
        self.state.url = url
        if self._seed_reference:
            seed.reference_site(self.state)
        else:
            seed.empty_site(self.state)
        self.faults.clear()
        with self._log_lock:
            self.requests.clear()
        self.admin_token = self.issue_token("admin")

    # --------------------------------------------------------------- access
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Base URL of the site, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def rest_url(self) -> str:
        return self.url + "/webservice/rest/server.php"

    @property
    def upload_url(self) -> str:
        return self.url + "/webservice/upload.php"

    def _log(self, req: LoggedRequest) -> None:
        with self._log_lock:
            self.requests.append(req)

    # -------------------------------------------------------------- helpers
    def install_plugin(self) -> None:
        """Install the companion plugin: its functions appear with the plugin's version."""
        from lemma_pkg.plugin.bundle import plugin_version

        with self.state.lock:
            self.state.component_versions["local_lemma"] = str(plugin_version().version)

    def issue_lemma_token(self, username: str = "admin") -> str:
        """Install the plugin and issue a token for its pre-built service ``lemma`` (every
        function lemma calls, core and plugin, as the plugin's db/services.php lists them)."""
        from lemma_pkg.plugin.services import service_functions

        self.install_plugin()
        return self.issue_token(username, service_functions())

    def issue_token(
        self,
        username: str,
        service_functions: list[str] | None = None,
        *,
        uploadfiles: bool = True,
        validuntil: int = 0,
        token: str | None = None,
    ) -> str:
        """Create a token for ``username``. ``service_functions=None`` uses the recorded
        site's service (38 functions); a list makes a new custom service with exactly those."""
        with self.state.lock:
            user = self.state.user_by_username(username)
            if user is None:
                raise KeyError(f"no user {username!r}")
            if service_functions is None:
                serviceid = seed.default_service(self.state)["id"]
                if not uploadfiles:
                    serviceid = seed.add_service(
                        self.state, list(seed.SERVICE_FUNCTIONS), uploadfiles=False
                    )["id"]
            else:
                serviceid = seed.add_service(
                    self.state, service_functions, uploadfiles=uploadfiles
                )["id"]
            value = token or secrets.token_hex(16)
            self._issued.add(value)
            self.state.tokens[value] = {
                "token": value,
                "userid": user["id"],
                "serviceid": serviceid,
                "validuntil": validuntil,
                "lastaccess": 0,
            }
            return value

    def expire_token(self, token: str) -> None:
        """Make ``token`` expired: the next call gets accessexception, later ones invalidtoken."""
        with self.state.lock:
            self.state.tokens[token]["validuntil"] = self.state.now() - 1

    def revoke_token(self, token: str) -> None:
        with self.state.lock:
            self.state.tokens.pop(token, None)

    def add_user(self, username: str, **fields: Any) -> Record:
        """Create a user directly in the state (no web service). Returns the record."""
        with self.state.lock:
            return seed.add_user(self.state, username, **fields)

    def call(self, token: str, wsfunction: str, **params: Any) -> Any:
        """Send one REST call over HTTP (a tiny independent client for tests of the fake)."""
        import urllib.request

        from .flatten import flatten

        pairs = [
            ("wstoken", token),
            ("wsfunction", wsfunction),
            ("moodlewsrestformat", "json"),
            *flatten(params),
        ]
        from urllib.parse import urlencode

        data = urlencode(pairs).encode()
        req = urllib.request.Request(self.rest_url, data=data, method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8"))

    def requests_with_token_in_url(self) -> list[LoggedRequest]:
        """Logged requests whose target (path or query string) contains any token the fake has
        issued, including tokens since revoked or expired. The client must never produce one."""
        with self.state.lock:
            tokens = set(self.state.tokens) | self._issued
        with self._log_lock:
            return [r for r in self.requests if any(t in r.path for t in tokens)]

    def set_debug(self, on: bool = True) -> None:
        """Site debugging (DEBUG_DEVELOPER): error bodies gain ``debuginfo``."""
        self.state.config.debug = on

    @staticmethod
    def json(value: Any) -> str:
        return php_json(value)
