"""The one place in lemma that sends requests to Moodle.

:class:`MoodleClient` POSTs form fields to ``/webservice/rest/server.php`` with
``moodlewsrestformat=json`` and the token in the body (never in a URL), with a timeout on every
request, no redirects followed, and typed exceptions for every failure
(:mod:`lemma_pkg.moodle.errors`). Transient failures are retried with backoff where that is
safe (:mod:`lemma_pkg.moodle.retry`); big row lists are split under PHP's ``max_input_vars``
(:meth:`MoodleClient.call_batched`); fan-out reads run with bounded concurrency
(:meth:`MoodleClient.map`). ``-vv`` shows every request and answer with the token masked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import requests

from lemma_pkg import __version__
from lemma_pkg.errors import ConfigError
from lemma_pkg.moodle.errors import (
    ConnectionFailedError,
    InsecureURLError,
    MoodleError,
    OutcomeUnknownError,
    RecordNotFoundError,
    RequestTimeoutError,
    ServerError,
    TLSError,
    TruncatedRequestError,
    error_from_envelope,
    error_from_http,
    parse_retry_after,
)
from lemma_pkg.moodle.functions import is_idempotent
from lemma_pkg.moodle.params import count_fields, flatten
from lemma_pkg.moodle.redact import Token, redact
from lemma_pkg.moodle.retry import RetryPolicy, retry_delay
from lemma_pkg.moodle.upload import FilePart, MultipartBody, ProgressCallback

log = logging.getLogger("lemma.moodle")
http_log = logging.getLogger("lemma.moodle.http")

REST_PATH = "/webservice/rest/server.php"
UPLOAD_PATH = "/webservice/upload.php"
#: The three fields every REST call carries besides its parameters.
BASE_FIELDS = 3
#: PHP's max_input_vars on a Moodle 4.5 site is at least 5000; stay well under it.
DEFAULT_MAX_FIELDS = 4000
DEFAULT_TIMEOUT = (10.0, 120.0)
DEFAULT_UPLOAD_TIMEOUT = (10.0, 900.0)
DEFAULT_CONCURRENCY = 4

#: Form fields as the client keeps them: the token stays a masked :class:`Token` until the
#: moment the body is encoded, so no traceback or repr can show it.
WireFields = list[tuple[str, "str | Token"]]

T = TypeVar("T")
R = TypeVar("R")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_site_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The site's base URL (``https://host[/path]`` without a trailing slash), or a
    :class:`~lemma_pkg.errors.ConfigError` that says what to change.

    HTTPS is required; ``http://`` is accepted only for loopback hosts and only with
    ``allow_insecure_http`` (``--insecure-http``)."""
    raw = url.strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"site URL {raw!r} is not a web address",
            "give the address of the Moodle front page, e.g. https://moodle.example.edu",
        )
    if parts.username or parts.password:
        raise ConfigError(
            "the site URL must not contain a user name or password",
            "remove the user:password@ part; lemma authenticates with the token",
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"the site URL must not have a query or fragment: {parts.scheme}://{parts.netloc}…",
            "give the address of the Moodle front page only (a token never goes in a URL)",
        )
    path = parts.path.rstrip("/")
    for suffix in (REST_PATH, UPLOAD_PATH, "/login/index.php", "/index.php"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    if parts.scheme == "http":
        if not is_loopback(parts.hostname):
            raise InsecureURLError(
                f"refusing to send the token over plain HTTP to {parts.hostname}",
                "use the site's https:// address (plain http is allowed only for loopback "
                "addresses such as 127.0.0.1, with --insecure-http)",
            )
        if not allow_insecure_http:
            raise InsecureURLError(
                f"the site URL {parts.scheme}://{parts.netloc} is plain HTTP",
                "use https://, or pass --insecure-http (accepted only for loopback addresses "
                "such as 127.0.0.1, e.g. a local test site)",
            )
    return f"{parts.scheme}://{parts.netloc}{path}"


#: Secrets Moodle itself puts in answers (site info's userprivateaccesskey, mobile private
#: tokens): masked in ``-vv`` traces.
_SECRET_JSON = re.compile(r'("(?:userprivateaccesskey|privatetoken|token|wstoken)"\s*:\s*")[^"]*"')


#: Form fields whose values are never traced (user passwords sent by core_user_create_users).
_SECRET_FIELD = re.compile(r"(?:^|\[)(?:password|newpassword|token|wstoken)\]?$")


def _mask_json_secrets(text: str) -> str:
    return _SECRET_JSON.sub(r'\1****"', text)


def _not_sent(exc: BaseException) -> bool:
    """Whether a connection error happened before the request could reach the server."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return True
        if isinstance(cur, ConnectionRefusedError):
            return True
        nxt = getattr(cur, "reason", None)
        if not isinstance(nxt, BaseException):
            nxt = cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None
        cur = nxt or cur.__cause__ or cur.__context__
    return False


class MoodleClient:
    """A Moodle web-service client for one site and token.

    ``retry`` sets the backoff (tests pass tiny values), ``timeout`` is ``(connect, read)`` in
    seconds for every request, ``max_fields`` bounds the form fields per request
    (``max_input_vars``), ``max_concurrency`` bounds :meth:`map`.
    """

    def __init__(
        self,
        url: str,
        token: Token | str,
        *,
        allow_insecure_http: bool = False,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        upload_timeout: tuple[float, float] = DEFAULT_UPLOAD_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_fields: int = DEFAULT_MAX_FIELDS,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        rng: random.Random | None = None,
    ) -> None:
        self.url = normalise_site_url(url, allow_insecure_http=allow_insecure_http)
        self._token = token if isinstance(token, Token) else Token(token)
        self.timeout = timeout
        self.upload_timeout = upload_timeout
        self.retry = retry or RetryPolicy()
        if max_fields <= BASE_FIELDS:
            raise ValueError("max_fields is too small")
        self.max_fields = max_fields
        self.max_concurrency = max(1, max_concurrency)
        self._rng = rng or random.Random()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        #: Requests sent (each retry counts), for ``-v`` summaries.
        self.requests_sent = 0

    # --- plumbing ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"MoodleClient({self.url!r}, token={self._token!r})"

    def __enter__(self) -> MoodleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()
        self._local = threading.local()

    @property
    def token(self) -> Token:
        return self._token

    def _session(self) -> requests.Session:
        s: requests.Session | None = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            # Plain http (loopback only) never goes through a proxy from the environment.
            s.trust_env = not self.url.startswith("http://")
            s.headers["User-Agent"] = f"lemma/{__version__} (+requests)"
            s.headers["Accept"] = "application/json"
            self._local.session = s
            with self._lock:
                self._sessions.append(s)
        return s

    def _redact(self, text: str) -> str:
        return redact(text, [self._token])

    def _trace_fields(self, fields: WireFields) -> str:
        shown = [
            (k, v.masked if isinstance(v, Token) else "****" if _SECRET_FIELD.search(k) else v)
            for k, v in fields[:40]
        ]
        more = f" … ({len(fields) - 40} more)" if len(fields) > 40 else ""
        return self._redact(" ".join(f"{k}={v!r}" for k, v in shown)) + more

    def _post(
        self,
        path: str,
        wsfunction: str | None,
        *,
        data: WireFields | MultipartBody,
        timeout: tuple[float, float],
        uploading: bool = False,
    ) -> Any:
        """One POST; the decoded JSON answer, or a typed exception."""
        url = self.url + path
        resp, started = self._send(path, wsfunction, data=data, timeout=timeout)
        return self._decode(resp, started, url, wsfunction, uploading=uploading)

    def _send(
        self,
        path: str,
        wsfunction: str | None,
        *,
        data: WireFields | MultipartBody,
        timeout: tuple[float, float],
        stream: bool = False,
    ) -> tuple[requests.Response, float]:
        """Send one POST; the response (and when it was sent), or a typed exception for a
        failure to get one (timeout, TLS, connection)."""
        url = self.url + path
        what = wsfunction or path.lstrip("/")
        headers: dict[str, str] = {}
        if isinstance(data, MultipartBody):
            headers["Content-Type"] = data.content_type
            http_log.debug("POST %s (multipart, %d bytes)", url, len(data))
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            http_log.debug("POST %s %s", url, self._trace_fields(data))
        started = time.monotonic()
        with self._lock:
            self.requests_sent += 1
        try:
            resp = self._session().post(
                url,
                data=data if isinstance(data, MultipartBody) else _encode_form(data),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                stream=stream,
            )
        except requests.exceptions.ConnectTimeout as exc:
            err: MoodleError = RequestTimeoutError(
                f"{what}: no connection to {self.url} within {timeout[0]:g} s",
                "check the URL, your network and whether the site is up",
                wsfunction=wsfunction,
            )
            err.executed = False
            raise err from _scrub(exc, self)
        except requests.exceptions.ReadTimeout as exc:
            err = RequestTimeoutError(
                f"{what}: {self.url} did not answer within {timeout[1]:g} s",
                "the site is slow or overloaded; try again later",
                wsfunction=wsfunction,
            )
            raise err from _scrub(exc, self)
        except requests.exceptions.SSLError as exc:
            reason = self._redact(str(exc))
            if "CERTIFICATE_VERIFY_FAILED" in reason or "certificate verify failed" in reason:
                err = TLSError(
                    f"{what}: the TLS certificate of {self.url} is not trusted",
                    "if the site uses a private certificate authority, set REQUESTS_CA_BUNDLE "
                    "to a file with its certificate (lemma never turns certificate checks off)",
                    wsfunction=wsfunction,
                )
            else:
                err = TLSError(
                    f"{what}: the TLS handshake with {self.url} failed",
                    "check that the address really serves https (that port may be plain "
                    "http, or a proxy is in the way)",
                    wsfunction=wsfunction,
                )
            raise err from _scrub(exc, self)
        except requests.exceptions.RequestException as exc:
            not_sent = _not_sent(exc)
            err = ConnectionFailedError(
                f"{what}: cannot reach {self.url}"
                + (": connection refused or host not found" if not_sent else ": connection broke"),
                "check the URL, your network and whether the site is up",
                wsfunction=wsfunction,
            )
            if not_sent:
                err.executed = False
            raise err from _scrub(exc, self)
        finally:
            if isinstance(data, MultipartBody):
                data.close()
        return resp, started

    def _decode(
        self,
        resp: requests.Response,
        started: float,
        url: str,
        wsfunction: str | None,
        *,
        uploading: bool = False,
    ) -> Any:
        """The decoded JSON of an answer, or the typed exception it stands for."""
        elapsed = time.monotonic() - started
        text = resp.content.decode("utf-8", errors="replace")  # Moodle always sends UTF-8
        http_log.debug(
            "← %d %s in %.3f s, %d bytes: %s",
            resp.status_code,
            resp.headers.get("Content-Type", "-"),
            elapsed,
            len(resp.content),
            _mask_json_secrets(self._redact(text[:600])),
        )
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if resp.status_code != 200:
            raise error_from_http(
                resp.status_code,
                self._redact(text),
                wsfunction=wsfunction,
                url=url,
                retry_after=retry_after,
                uploading=uploading,
                location=self._redact(resp.headers.get("Location", "")) or None,
            )
        try:
            body = json.loads(text) if text.strip() else _EMPTY
        except ValueError:
            body = _EMPTY
        if body is _EMPTY:
            raise error_from_http(
                200, self._redact(text), wsfunction=wsfunction, url=url, uploading=uploading
            )
        if isinstance(body, dict) and (
            ("errorcode" in body and ("exception" in body or "error" in body or "message" in body))
            # a PHP Error (not a Moodle exception) has no errorcode: {exception, message}
            or ("exception" in body and set(body) <= {"exception", "message", "debuginfo"})
        ):
            scrubbed = {k: self._redact(v) if isinstance(v, str) else v for k, v in body.items()}
            raise error_from_envelope(scrubbed, wsfunction, uploading=uploading)
        return body

    def _with_retries(
        self,
        send: Callable[[], Any],
        wsfunction: str,
        *,
        idempotent: bool,
        reconcile: Callable[[], Any] | None,
    ) -> Any:
        retry = 0
        while True:
            try:
                return send()
            except MoodleError as err:
                retry += 1
                safe = idempotent
                if err.transient and not idempotent and err.executed is not False:
                    # The write may have been applied: look before resending it.
                    if reconcile is None:
                        hint = (
                            "check the site (or run the same command again: lemma looks up "
                            "what exists before creating anything)"
                        )
                        if err.errorcode and err.hint:  # Moodle answered: keep its advice
                            hint = f"{err.hint}; then {hint}"
                        raise OutcomeUnknownError(
                            f"{err.message} — the change may or may not have been applied, "
                            "so lemma did not send it again",
                            hint,
                            wsfunction=wsfunction,
                            errorcode=err.errorcode,
                            debuginfo=err.debuginfo,
                        ) from err
                    try:
                        found = reconcile()
                    except MoodleError as again:
                        raise OutcomeUnknownError(
                            f"{err.message} — the change may or may not have been applied, "
                            f"and looking it up failed too: {again.message}",
                            "check the site before running the command again",
                            wsfunction=wsfunction,
                            errorcode=err.errorcode,
                        ) from again
                    if found is not None:
                        log.info("%s: the call had gone through after all", wsfunction)
                        return found
                    if _may_still_run(err):
                        # The site may still be working on the request (PHP carries on after
                        # a client or proxy timeout): "not there yet" is not "not applied".
                        raise OutcomeUnknownError(
                            f"{err.message} — the site may still be applying the change "
                            "(nothing is visible yet), so lemma did not send it again",
                            "wait a few minutes, then run the same command again: lemma looks "
                            "up what exists before creating anything",
                            wsfunction=wsfunction,
                            errorcode=err.errorcode,
                        ) from err
                    safe = True  # verified not applied: resending is safe
                delay = retry_delay(self.retry, err, retry, idempotent=safe, rng=self._rng)
                if delay is None:
                    if (
                        err.transient
                        and err.retry_after is not None
                        and retry < self.retry.attempts
                    ):
                        err.hint = f"the site asks to come back in {err.retry_after:.0f} s: " + (
                            err.hint or "try again then"
                        )
                    raise
                message = err.message
                if wsfunction not in message:  # upload errors name the URL, REST ones the function
                    message = f"{wsfunction}: {message}"
                log.warning(
                    "%s; retrying in %.1f s (%d/%d)",
                    message,
                    delay,
                    retry,
                    self.retry.attempts - 1,
                )
                time.sleep(delay)

    # --- the API ----------------------------------------------------------------------------

    def call(
        self,
        wsfunction: str,
        params: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        reconcile: Callable[[], Any] | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> Any:
        """Call ``wsfunction`` with ``params`` (nested; flattened the PHP way) and return the
        decoded JSON answer (``None`` for functions that return nothing).

        ``idempotent`` (default: from :mod:`lemma_pkg.moodle.functions`) says whether the call
        may be resent after a transient failure. For a write that is not, ``reconcile`` is
        called when its outcome is unknown (timeout, broken connection, 502/504): it re-reads
        the site and returns the result if the write went through, or ``None`` to resend.
        """
        fields: WireFields = [
            ("wstoken", self._token),
            ("wsfunction", wsfunction),
            ("moodlewsrestformat", "json"),
        ]
        fields.extend(flatten(params or {}))
        if len(fields) > self.max_fields:
            raise ConfigError(
                f"{wsfunction}: {len(fields)} form fields in one request, more than the limit "
                f"of {self.max_fields} (PHP's max_input_vars would silently cut the rest)",
                "send fewer rows per call (lemma's batch helpers do this)",
            )
        if idempotent is None:
            idempotent = is_idempotent(wsfunction)
        return self._with_retries(
            lambda: self._post(REST_PATH, wsfunction, data=fields, timeout=timeout or self.timeout),
            wsfunction,
            idempotent=idempotent,
            reconcile=reconcile,
        )

    def batches(
        self,
        list_key: str,
        rows: Sequence[Mapping[str, Any]],
        extra: Mapping[str, Any] | None = None,
        *,
        max_fields: int | None = None,
        max_rows: int | None = None,
    ) -> list[list[Mapping[str, Any]]]:
        """Split ``rows`` so that each request (``extra`` + ``{list_key: chunk}`` + the three
        base fields) stays within ``max_fields`` form fields (default: the client's)."""
        limit = (max_fields or self.max_fields) - BASE_FIELDS - count_fields(extra or {})
        out: list[list[Mapping[str, Any]]] = []
        chunk: list[Mapping[str, Any]] = []
        used = 0
        for i, row in enumerate(rows):
            n = count_fields({list_key: [row]})
            if n > limit:
                raise ConfigError(
                    f"row {i} of {list_key} alone needs {n} form fields, over the limit of {limit}",
                    "raise max_fields (the site's max_input_vars allows it?) or shrink the row",
                )
            if chunk and (used + n > limit or (max_rows is not None and len(chunk) >= max_rows)):
                out.append(chunk)
                chunk, used = [], 0
            chunk.append(row)
            used += n
        if chunk:
            out.append(chunk)
        return out

    def call_batched(
        self,
        wsfunction: str,
        list_key: str,
        rows: Sequence[Mapping[str, Any]],
        extra: Mapping[str, Any] | None = None,
        *,
        idempotent: bool | None = None,
        one_result_per_row: bool = False,
        max_rows: int | None = None,
        reconcile: Callable[[Sequence[Mapping[str, Any]]], Any] | None = None,
    ) -> list[Any]:
        """Call ``wsfunction`` once per batch of ``rows`` (see :meth:`batches`); return the
        answers in order. With ``one_result_per_row``, an answer list shorter than its batch
        raises :class:`TruncatedRequestError` (PHP's ``max_input_vars`` cut rows silently).
        ``reconcile(batch)`` is passed on to :meth:`call` for each batch."""
        answers: list[Any] = []
        chunks = self.batches(list_key, rows, extra, max_rows=max_rows)
        for n, chunk in enumerate(chunks, start=1):
            if len(chunks) > 1:
                log.info("%s: batch %d of %d (%d rows)", wsfunction, n, len(chunks), len(chunk))
            params: dict[str, Any] = dict(extra or {})
            params[list_key] = list(chunk)
            rec = (lambda c=chunk: reconcile(c)) if reconcile is not None else None
            answer = self.call(wsfunction, params, idempotent=idempotent, reconcile=rec)
            if one_result_per_row and isinstance(answer, list) and len(answer) != len(chunk):
                raise TruncatedRequestError(
                    f"{wsfunction}: sent {len(chunk)} rows, Moodle processed {len(answer)}",
                    "the site's PHP max_input_vars is lower than lemma assumed; lower "
                    "the batch size (max_fields) and run again — the rows that were "
                    "created are found and skipped",
                    wsfunction=wsfunction,
                )
            answers.append(answer)
        return answers

    def map(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[func(item) for item in items]`` with at most ``max_concurrency`` at a time, in
        order. For fan-out *reads* (one call per user, per quiz, ...). The first failure
        cancels what has not started and is raised."""
        todo = list(items)
        if self.max_concurrency == 1 or len(todo) <= 1:
            return [func(item) for item in todo]
        with ThreadPoolExecutor(
            max_workers=min(self.max_concurrency, len(todo)), thread_name_prefix="lemma-ws"
        ) as pool:
            futures: list[Future[R]] = [pool.submit(func, item) for item in todo]
            wait(futures, return_when=FIRST_EXCEPTION)
            for f in futures:
                if f.done() and f.exception() is not None:
                    for g in futures:
                        g.cancel()
                    exc = f.exception()
                    assert exc is not None
                    raise exc
            return [f.result() for f in futures]

    def upload_raw(
        self,
        files: Sequence[FilePart],
        *,
        filepath: str = "/",
        itemid: int = 0,
        progress: ProgressCallback | None = None,
    ) -> Any:
        """POST ``files`` to ``webservice/upload.php``; the decoded answer (see
        :func:`lemma_pkg.moodle.upload.upload_files` for the typed version).

        Retried after transient failures only when ``itemid`` is 0: each try then writes into
        a fresh draft area, so a try that did arrive leaves only an unused draft (Moodle
        purges those after four days)."""
        fields: WireFields = [("token", self._token), ("filepath", filepath)]
        if itemid:
            fields.append(("itemid", str(itemid)))

        def send() -> Any:
            body = MultipartBody(fields, files, progress)
            return self._post(
                UPLOAD_PATH, None, data=body, timeout=self.upload_timeout, uploading=True
            )

        return self._with_retries(
            send, "webservice/upload.php", idempotent=itemid == 0, reconcile=None
        )


    def download_digest(self, fileurl: str) -> DownloadedFile:
        """Download a file through ``webservice/pluginfile.php`` (the token in the POST body)
        and return its size, sha256 and the headers it came with; the bytes are not kept.

        ``fileurl`` is a file URL as Moodle gives it (``…/webservice/pluginfile.php/<path>``,
        maybe with a query string, maybe with another host name for the site): only the part
        after ``pluginfile.php`` is used, always against this client's site, so the token is
        never sent anywhere else."""
        marker = "/webservice/pluginfile.php/"
        rel = urlsplit(fileurl).path
        if marker not in rel:
            raise ConfigError(
                f"not a web-service file URL: {fileurl}",
                "only …/webservice/pluginfile.php/… addresses of the site can be downloaded",
            )
        path = marker + rel.split(marker, 1)[1]
        what = "webservice/pluginfile.php"

        def send() -> DownloadedFile:
            resp, started = self._send(
                path, None, data=[("token", self._token)], timeout=self.timeout, stream=True
            )
            with resp:
                ctype = resp.headers.get("Content-Type", "")
                if resp.status_code == 404:
                    raise RecordNotFoundError(
                        f"{what}: no file at {path}",
                        "the file is not on the site (or not where the course says it is)",
                        http_status=404,
                    )
                if resp.status_code != 200 or ctype.startswith("application/json"):
                    # Moodle's errors (bad token, downloads not allowed) come as AJAX JSON
                    return self._decode(resp, started, self.url + path, None)  # type: ignore[no-any-return]
                digest = hashlib.sha256()
                size = 0
                for chunk in resp.iter_content(CHUNK_SIZE):
                    digest.update(chunk)
                    size += len(chunk)
                return DownloadedFile(
                    size=size,
                    sha256=digest.hexdigest(),
                    content_type=ctype,
                    content_disposition=resp.headers.get("Content-Disposition", ""),
                )

        result: DownloadedFile = self._with_retries(send, what, idempotent=True, reconcile=None)
        return result


@dataclass(frozen=True)
class DownloadedFile:
    """What :meth:`MoodleClient.download_digest` saw of a file."""

    size: int
    sha256: str
    content_type: str
    content_disposition: str


CHUNK_SIZE = 64 * 1024


def _may_still_run(err: MoodleError) -> bool:
    """Whether Moodle may still be running the request after ``err``: our read timeout or a
    proxy's 504 end the wait, not PHP."""
    if err.executed is False:
        return False
    return isinstance(err, RequestTimeoutError) or (
        isinstance(err, ServerError) and err.http_status == 504
    )


def _encode_form(fields: WireFields) -> bytes:
    return urlencode([(k, v.reveal() if isinstance(v, Token) else v) for k, v in fields]).encode()


class _Empty:
    pass


_EMPTY: Any = _Empty()


def _scrub(exc: BaseException, client: MoodleClient) -> BaseException | None:
    """The cause to chain: requests' exceptions name the URL (never the token, which is only
    in the body), but scrub anyway and keep only the text."""
    text = client._redact(str(exc))
    return ConnectionError(text) if text else None
