# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP exchange through requests, bounded: the session a client keeps, and each answer read whole
(or streamed to a file) within its time and size limits.

What a failure means is said in _api.failures; auth, retries and errors in _api.client.
"""

from __future__ import annotations

import threading
import time
import traceback

try:
    import requests
    from requests.adapters import HTTPAdapter
    from requests.cookies import extract_cookies_to_jar
    from urllib3 import disable_warnings
    from urllib3.exceptions import HTTPError, InsecureRequestWarning
    from urllib3.util import Timeout
except ImportError:  # reported by the module base (missing_required_lib) and the client, not at import time
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

from ansible_collections.tanium.threat_response.plugins.module_utils._api.watchdog import WATCHDOG

# An answer is refused past this many bytes once decoded: no API answer comes near it (the largest are pages of
# 500 rows), and a compressed answer that expands without end is stopped here, not in the machine's memory.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
# Decoded bytes asked for per read; urllib3 (>= 2.6) decompresses no more than this per call.
_CHUNK = 256 * 1024
# `ends`: the moment (time.monotonic()) the exchange running on this thread must end, for the watchdog.
_EXCHANGE = threading.local()
# The watchdog acts this long after `ends`, so that a server sending nothing at all is still ended (and named)
# by the socket's own timeout, and the watchdog ends only what trickles in.
_WATCHDOG_GRACE = 0.25


class AnswerTooLarge(Exception):
    """The answer's decoded body passed `limit` bytes, or its Content-Length (`announced`) says it would: the rest
    was not read."""

    def __init__(self, limit, announced=None):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit
        self.announced = announced


class AnswerTooSlow(Exception):
    """The whole exchange (connect, send, the entire answer) took longer than its timeout."""


class ExchangeFailed(Exception):
    """An exchange that brought no usable answer: `error` is what requests, urllib3, ssl, the socket or the
    bounds above raised; `reading_body` says it came after the status line and headers (_api.failures reads both)."""

    def __init__(self, error, reading_body=False):
        super().__init__(str(error))
        self.error = error
        self.reading_body = reading_body


class Answer:
    """A whole answer: status, headers (case-insensitive) and the decoded body (empty when streamed to a file)."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status_code, headers, content):
        self.status_code = status_code
        self.headers = headers
        self.content = content


class Transport:
    """One requests.Session with one server: a keep-alive pool of `pool_size` connections, no retries below the
    client's own, redirects never followed, cookies kept. The environment is read by the caller, once
    (_api.settings): `verify` and `proxy` are fixed here, and requests is asked through its adapter, which reads
    no variable and no ~/.netrc.
    """

    def __init__(self, verify, proxy, pool_size):
        self.session = requests.Session()  # the cookie jar, and the adapter to close with it
        adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._adapter = adapter
        self._verify = verify
        if verify is False:
            disable_warnings(InsecureRequestWarning)  # the client says it once; urllib3 would on every request
        self._proxies = {"https": proxy, "http": proxy} if proxy else {}

    def exchange(self, method, url, headers, body, timeout, sink=None, sink_limit=None):
        """Send one request and read its whole answer within `timeout` seconds and MAX_ANSWER_BYTES decoded bytes.

        `sink`: a binary file a 2xx answer's body is written to instead, from its start (so a retry overwrites
        it), up to `sink_limit` bytes; other answers are read for their message. Raises ExchangeFailed.
        """
        ends = time.monotonic() + timeout
        cookies = self.session.cookies
        _EXCHANGE.ends = ends
        try:
            prepared = _prepared(method, url, headers, body, cookies)
            # Not Session.send: it would read a redirect's whole body, unbounded, to prepare a request never sent.
            response = self._adapter.send(prepared, stream=True, timeout=Timeout(total=timeout), verify=self._verify,
                                          proxies=self._proxies)
        except (requests.RequestException, HTTPError, OSError, AnswerTooSlow) as error:
            raise ExchangeFailed(error) from error
        finally:
            _EXCHANGE.ends = None
        try:
            if "Set-Cookie" in response.headers:
                extract_cookies_to_jar(cookies, prepared, response.raw)
            streamed = sink is not None and 200 <= response.status_code < 300
            limit = sink_limit if streamed else MAX_ANSWER_BYTES
            if (response.raw.length_remaining or 0) > limit:
                raise ExchangeFailed(AnswerTooLarge(limit, response.raw.length_remaining), reading_body=True)
            if streamed:
                sink.seek(0)
                sink.truncate()
                _read(response.raw, ends, limit, sink.write)
                return Answer(response.status_code, response.headers, b"")
            chunks = []
            _read(response.raw, ends, limit, chunks.append)
            return Answer(response.status_code, response.headers, b"".join(chunks))
        finally:
            response.close()  # after a whole answer the connection is back in the pool already; else it is dropped


class _WatchedAdapter(HTTPAdapter if REQUESTS_IMPORT_ERROR is None else object):
    """requests' adapter whose connections connect, send and read an answer's head under the watchdog, also
    through a proxy."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        _watch_pools(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        _watch_pools(manager)
        return manager


def _watch_pools(manager):
    manager.pool_classes_by_scheme = {scheme: _watched_pool(pool) for scheme, pool in
                                      manager.pool_classes_by_scheme.items()}


def _watched_pool(pool_class):
    """`pool_class` (a urllib3 connection pool) whose connections connect, send and read an answer's head under
    the watchdog."""
    if getattr(pool_class, "watched", False):
        return pool_class
    connection_class = pool_class.ConnectionCls

    class WatchedConnection(connection_class):
        _ticket = None

        def connect(self):
            return self._watched(super().connect)

        def request(self, *args, **kwargs):
            return self._watched(super().request, *args, **kwargs)

        def getresponse(self, *args, **kwargs):
            response = self._watched(super().getresponse, *args, **kwargs)
            self._release()  # the head arrived; the body is read under the exchange's own deadline (_read)
            return response

        def _watched(self, step, *args, **kwargs):
            """`step` under the watchdog, from the first step of an exchange (connect for HTTPS, else request)."""
            ends = getattr(_EXCHANGE, "ends", None)
            if ends is not None and self._ticket is None:
                self._ticket = WATCHDOG.watch(self, ends + _WATCHDOG_GRACE)
            try:
                return step(*args, **kwargs)
            except BaseException:
                if self._release():
                    raise
                raise AnswerTooSlow() from None  # the watchdog ended it: its time was up

        def _release(self):
            """Stop watching; False when the watchdog had ended this exchange already."""
            ticket, self._ticket = self._ticket, None
            return ticket is None or WATCHDOG.release(ticket)

    return type(pool_class.__name__, (pool_class,), {"ConnectionCls": WatchedConnection, "watched": True})


def _prepared(method, url, headers, body, cookies):
    """The request as PreparedRequest.prepare makes it (url quoted, headers checked, Content-Length), without
    its steps for what the client never sends (files, auth, hooks), and with the Cookie header only once the
    server has set a cookie: 34 instead of 62 microseconds a request (bench/README.md, "Where the time goes")."""
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.prepare_url(url, None)
    prepared.prepare_headers(headers)
    prepared.prepare_body(body, None)
    if cookies:
        prepared.prepare_cookies(cookies)
    return prepared


def _read(raw, ends, limit, write):
    """Hand the decoded body of urllib3 answer `raw` to `write`, chunk by chunk, refusing it past `limit` bytes
    or past the moment `ends`: each read is at most one read from the socket, given only the time left."""
    size = 0
    sock = getattr(raw.connection, "sock", None)
    while True:
        left = ends - time.monotonic()
        if left <= 0:
            raise ExchangeFailed(AnswerTooSlow(), reading_body=True)
        try:
            if sock is not None:
                sock.settimeout(left)
            chunk = raw.read1(_CHUNK, decode_content=True)
        except (HTTPError, OSError) as error:
            raise ExchangeFailed(error, reading_body=True) from error
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            raise ExchangeFailed(AnswerTooLarge(limit), reading_body=True)
        write(chunk)
