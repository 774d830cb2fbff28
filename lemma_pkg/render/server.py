"""`lemma preview --serve`: the preview on 127.0.0.1, rebuilt on every save, pages reloaded.

A :class:`PreviewServer` holds a :class:`~lemma_pkg.render.site.SiteBuilder` and serves its
last good site from memory (pages) and from the course sources (images, data sets, which
download). A watcher thread (watchfiles) rebuilds after every change of the course sources
(``content_src/``, ``gift_quizzes/``).

Live reload: the server adds a small script to every page it serves (``/_lemma/live.js``)
and tells it the page's ETag (a digest of its HTML and of the files it shows). The script
listens to ``/_lemma/events`` (server-sent events); after each build the server sends the
build's state: whether it has errors, its diagnostics and the ETag of every page. A page
whose ETag changed reloads; a build with errors shows them over the page (file, line,
column, message, hint) until a good build clears them. ``/_lemma/state`` gives the same
state as JSON.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lemma_pkg.content.context import CONTENT_DIR, GIFT_DIR
from lemma_pkg.diagnostics import Diagnostic, format_text, summary_line
from lemma_pkg.errors import UsageError
from lemma_pkg.render.site import BuildResult, Site, SiteBuilder

log = logging.getLogger("lemma.preview")

HOST = "127.0.0.1"
LIVE_JS = Path(__file__).parent / "templates" / "live.js"
PING_SECONDS = 10.0

NO_SITE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lemma preview</title></head>
<body><main><h1>lemma preview</h1><p>{message}</p><p><a href="/">Course index</a></p></main>
</body></html>
"""


@dataclass
class State:
    """What the pages are told after each build."""

    build: int = 0
    ok: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)  # page -> ETag (last good site)

    def document(self) -> dict[str, Any]:
        return {
            "build": self.build,
            "ok": self.ok,
            "summary": summary_line(self.diagnostics),
            "diagnostics": [{**d.to_dict(), "location": d.location()} for d in self.diagnostics],
            "pages": self.etags,
        }


def page_etag(site: Site, name: str) -> str:
    """A digest of the page's HTML and of the size and time of the files it shows."""
    h = hashlib.sha256(site.pages[name].encode("utf-8"))
    for file_name in site.page_files.get(name, ()):
        try:
            st = site.files[file_name].stat()
            h.update(f"{file_name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{file_name}\0missing\0".encode())
    return h.hexdigest()[:16]


class PreviewServer:
    """Serves the preview of ``builder``'s project on ``HOST``:``port`` (0: any free port)."""

    def __init__(self, builder: SiteBuilder, port: int = 8000) -> None:
        self.builder = builder
        self.state = State()
        self._changed = threading.Condition()
        self._closing = False
        self._rebuild_lock = threading.Lock()
        try:
            self.httpd = ThreadingHTTPServer((HOST, port), _handler_for(self))
        except OSError as exc:
            raise UsageError(
                f"cannot serve on {HOST}:{port}: {exc.strerror or exc}",
                "choose another port with --port (0: any free port)",
            ) from exc
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    # -------------------------------------------------------------------------- builds

    def rebuild(self) -> BuildResult:
        """Build again, publish the new state to the pages, log what happened."""
        with self._rebuild_lock:
            start = time.perf_counter()
            result = self.builder.build()
            elapsed = time.perf_counter() - start
            site = self.builder.site
            etags = {} if site is None else {n: page_etag(site, n) for n in site.pages}
            with self._changed:
                self.state = State(self.state.build + 1, result.ok, result.diagnostics, etags)
                self._changed.notify_all()
        if result.diagnostics:
            log.warning("%s", format_text(result.diagnostics).rstrip("\n"))
        if result.ok:
            log.info(
                "build %d: %d of %d pages rendered, %d changed, in %.2f s%s",
                self.state.build,
                result.rendered,
                len(etags),
                len(result.changed),
                elapsed,
                f" ({summary_line(result.diagnostics)})" if result.diagnostics else "",
            )
        else:
            log.error(
                "build %d: %s; the pages show them until the next good build",
                self.state.build,
                summary_line(result.diagnostics),
            )
        return result

    def watch_paths(self) -> list[Path]:
        root = self.builder.root
        if root is None:
            return [self.builder.path]
        return [p for p in (root / CONTENT_DIR, root / GIFT_DIR) if p.is_dir()]

    def watch(self, stop: threading.Event, ready: threading.Event) -> None:
        """Rebuild after each batch of changes to the course sources, until ``stop``.

        ``ready`` is set once the watcher is in place (its first empty wait is over).
        """
        import watchfiles

        paths = self.watch_paths()
        for changes in watchfiles.watch(
            *paths, stop_event=stop, debounce=400, step=50, rust_timeout=100, yield_on_timeout=True
        ):
            if not changes:
                ready.set()
                continue
            log.debug("changed: %s", ", ".join(sorted(p for _, p in changes)))
            self.rebuild()
            if self.watch_paths() != paths:  # e.g. gift_quizzes/ was created
                return self.watch(stop, ready)

    # -------------------------------------------------------------------------- serving

    def serve(self, on_ready: Callable[[str], None] = lambda url: None) -> None:
        """Build, watch and serve until interrupted (Ctrl-C) or :meth:`close`."""
        self.rebuild()
        stop, ready = threading.Event(), threading.Event()
        watcher = threading.Thread(target=self.watch, args=(stop, ready), name="lemma-watch")
        watcher.daemon = True
        watcher.start()
        ready.wait(timeout=10)
        on_ready(self.url)
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            stop.set()
            self.close()
            watcher.join(timeout=2)

    def close(self) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self.httpd.server_close()

    def wait_for_change(self, seen: int, timeout: float) -> State | None:
        """The state once its build differs from ``seen`` (None on timeout or closing)."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closing or self.state.build != seen, timeout=timeout
            )
            if self._closing or self.state.build == seen:
                return None
            return self.state

    @property
    def closing(self) -> bool:
        return self._closing


def _handler_for(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        preview = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    preview: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "lemma-preview"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/_lemma/events":
            return self._events()
        if path == "/_lemma/state":
            body = json.dumps(self.preview.state.document(), ensure_ascii=False).encode()
            return self._send(HTTPStatus.OK, "application/json", body)
        if path == "/_lemma/live.js":
            return self._send(HTTPStatus.OK, "text/javascript", LIVE_JS.read_bytes())
        name = path.lstrip("/") or "index.html"
        site = self.preview.builder.site
        if site is None:
            message = "The course has errors; they are listed over this page."
            return self._page(HTTPStatus.OK, name, NO_SITE_PAGE.format(message=message), None)
        html = site.pages.get(name)
        if html is not None:
            return self._page(HTTPStatus.OK, name, html, page_etag(site, name))
        source = site.files.get(name)
        if source is not None:
            return self._file(name, source)
        message = f"No page {name} in this course (any more)."
        return self._page(HTTPStatus.NOT_FOUND, name, NO_SITE_PAGE.format(message=message), None)

    def _page(self, status: HTTPStatus, name: str, html: str, etag: str | None) -> None:
        page = json.dumps({"name": name, "etag": etag}).replace("<", "\\u003c")
        snippet = (
            f"<script>window.LEMMA_PAGE = {page};</script>\n"
            '<script src="/_lemma/live.js" defer></script>\n'
        )
        body = html.replace("</head>", snippet + "</head>", 1).encode("utf-8")
        self._send(status, "text/html; charset=utf-8", body)

    def _file(self, name: str, source: Path) -> None:
        try:
            body = source.read_bytes()
        except OSError:
            return self._send(HTTPStatus.NOT_FOUND, "text/plain", b"file not found\n")
        ctype = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        headers = {}
        if name.startswith("files/"):  # data sets download, as in Moodle
            headers["Content-Disposition"] = f'attachment; filename="{source.name}"'
        self._send(HTTPStatus.OK, ctype, body, headers)

    def _send(
        self, status: HTTPStatus, ctype: str, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the state now, then after every build (pings in between)."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        preview = self.preview
        state: State | None = preview.state
        seen = -1
        try:
            while not preview.closing:
                if state is not None:
                    seen = state.build
                    data = json.dumps(state.document(), ensure_ascii=False)
                    self.wfile.write(f"event: state\ndata: {data}\n\n".encode())
                else:
                    self.wfile.write(b": ping\n\n")
                self.wfile.flush()
                state = preview.wait_for_change(seen, PING_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            return


def serve_preview(builder: SiteBuilder, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the preview until interrupted (Ctrl-C)."""
    server = PreviewServer(builder, port)
    try:
        server.serve(on_ready)
    except KeyboardInterrupt:
        log.info("stopped")
