"""Fault injection for the fake Moodle, switchable per test.

Every switch applies to the next ``count`` matching requests (``count=None``: until
:meth:`Faults.clear`). ``endpoint`` narrows a fault to ``"rest"`` or ``"upload"``, ``function`` to
one wsfunction. Faults act before Moodle sees the request (like a proxy or PHP would), except
``unable_to_lock`` and ``site_maintenance``, which Moodle itself raises after authentication.

    fake.faults.latency(0.2)                        # every request waits 0.2 s
    fake.faults.http_error(502, count=2)            # two proxy 502s, then normal
    fake.faults.reset_connection(count=1)           # close the socket without an answer
    fake.faults.maintenance(retry_after=300)        # 503 + Moodle's climaintenance HTML page
    fake.faults.site_maintenance()                  # REST error sitemaintenance (HTTP 200)
    fake.faults.unable_to_lock(count=1)             # REST error ex_unabletolock (HTTP 200)
    fake.faults.max_input_vars(100)                 # PHP keeps 101 fields, drops the rest
    fake.faults.body_too_large(max_bytes=1000)      # proxy 413 for bigger bodies
    fake.faults.uri_too_long(max_length=2000)       # proxy 414 for longer request lines
    fake.faults.webservices_disabled()              # 403 with an empty body
    fake.faults.truncated_response(count=1)         # 200 with half a JSON body (PHP fatal)
    fake.expire_token(token)                        # (on FakeMoodle) validuntil in the past
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

MAINTENANCE_HTML = """<!DOCTYPE html>
<html dir="ltr" lang="en" xml:lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>Site maintenance</title>
</head>
<body>
<div class="box py-3 generalbox">
This site is undergoing maintenance and is currently unavailable
</div>
</body>
</html>
"""

PROXY_HTML = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class Fault:
    kind: str
    count: int | None
    endpoint: str | None = None
    function: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def matches(self, endpoint: str, function: str | None) -> bool:
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.function is None or self.function == function


class Faults:
    """The fault switches of one :class:`~tests.fake_moodle.FakeMoodle`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency_seconds = 0.0
        self.max_input_vars_limit: int | None = None
        self.max_body_bytes: int | None = None
        self.max_uri_length: int | None = None
        self.ws_disabled = False
        self.fired: list[str] = []  # kinds of faults that fired, in order

    # --------------------------------------------------------------- switches
    def _add(
        self,
        kind: str,
        count: int | None,
        endpoint: str | None,
        function: str | None,
        **options: Any,
    ) -> None:
        with self._lock:
            self._faults.append(Fault(kind, count, endpoint, function, options))

    def latency(self, seconds: float) -> None:
        """Delay every response by ``seconds`` (0 switches it off)."""
        self.latency_seconds = seconds

    def http_error(
        self,
        status: int = 500,
        count: int | None = 1,
        *,
        endpoint: str | None = None,
        function: str | None = None,
        body: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer with ``status`` (5xx burst) and a proxy-style HTML page."""
        self._add(
            "http_error",
            count,
            endpoint,
            function,
            status=status,
            body=body,
            retry_after=retry_after,
        )

    def reset_connection(
        self, count: int | None = 1, *, endpoint: str | None = None, function: str | None = None
    ) -> None:
        """Close the connection without sending anything (the client sees a reset)."""
        self._add("reset", count, endpoint, function)

    def lost_response(
        self,
        count: int | None = 1,
        *,
        endpoint: str | None = None,
        function: str | None = None,
        status: int | None = None,
    ) -> None:
        """The site handles the request in full, then the answer is lost: the connection is
        reset (``status`` None) or a proxy answers ``status`` (e.g. 504 after its timeout)."""
        self._add("lost", count, endpoint, function, status=status)

    def slow(
        self,
        seconds: float,
        count: int | None = 1,
        *,
        endpoint: str | None = None,
        function: str | None = None,
    ) -> None:
        """Delay the matching responses by ``seconds`` (a client with a shorter read timeout
        gives up; the site still handles the request)."""
        self._add("slow", count, endpoint, function, seconds=seconds)

    def maintenance(
        self, retry_after: int = 300, count: int | None = None, *, endpoint: str | None = None
    ) -> None:
        """CLI maintenance: HTTP 503, ``Retry-After``, Moodle's climaintenance HTML."""
        self._add("maintenance", count, endpoint, None, retry_after=retry_after)

    def site_maintenance(self, count: int | None = None) -> None:
        """REST error ``sitemaintenance`` for every caller (``state.config.maintenance = True`` is
        Moodle's own rule instead: site admins still get through)."""
        self._add("sitemaintenance", count, "rest", None)

    def unable_to_lock(self, count: int | None = 1, *, function: str | None = None) -> None:
        """REST error ``ex_unabletolock`` (cache lock contention), HTTP 200."""
        self._add("unabletolock", count, "rest", function)

    def truncated_response(self, count: int | None = 1, *, function: str | None = None) -> None:
        """HTTP 200 with the first half of the JSON body (a PHP fatal mid-output)."""
        self._add("truncated", count, "rest", function)

    def max_input_vars(self, limit: int | None) -> None:
        """PHP's max_input_vars: fields past ``limit + 1`` are silently dropped."""
        self.max_input_vars_limit = limit

    def body_too_large(self, max_bytes: int | None) -> None:
        """A proxy in front answers 413 to bodies over ``max_bytes``."""
        self.max_body_bytes = max_bytes

    def uri_too_long(self, max_length: int | None) -> None:
        """A proxy in front answers 414 to request targets longer than ``max_length``."""
        self.max_uri_length = max_length

    def webservices_disabled(self, disabled: bool = True) -> None:
        """REST protocol off: HTTP 403 with an empty body."""
        self.ws_disabled = disabled

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.latency_seconds = 0.0
        self.max_input_vars_limit = None
        self.max_body_bytes = None
        self.max_uri_length = None
        self.ws_disabled = False
        self.fired.clear()

    # -------------------------------------------------------------- internals
    def take(self, kinds: tuple[str, ...], endpoint: str, function: str | None) -> Fault | None:
        """Consume and return the first active fault of one of ``kinds``."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.matches(endpoint, function):
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    self.fired.append(fault.kind)
                    return fault
        return None
