# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP/1.1 with one server over reused keep-alive connections, through Python's http.client.

The client's transport: TLS, the proxy tunnel, cookies and compressed answers. What a failure means
is said in _api.failures; auth, retries and errors in _api.client. The standard library takes about half
the CPU per request that requests and urllib3 took (bench/README.md, "Where the time goes").
"""

from __future__ import annotations

import base64
import gzip
import http.client
import http.cookies
import json
import os
import select
import ssl
import threading
import zlib
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment


class ExchangeFailed(Exception):
    """An exchange that brought no response. `error` is the cause; `phase` is where it failed: CONNECT (so
    the server cannot have seen the request), SEND (while the request was written) or RECEIVE."""

    def __init__(self, error, phase):
        super().__init__(str(error))
        self.error = error
        self.phase = phase

    @property
    def request_sent(self):
        return self.phase != CONNECT


CONNECT, SEND, RECEIVE = "connect", "send", "receive"


class HttpResponse:
    """A complete answer: status, headers (case-insensitive `get`) and the body, decompressed."""

    def __init__(self, status_code, headers, content):
        self.status_code = status_code
        self.headers = headers
        self.content = content

    def json(self):
        return json.loads(self.content)

    @property
    def text(self):
        return self.content.decode(self.headers.get_content_charset() or "utf-8", errors="replace")


def environment_proxy(url):
    """The proxy url the environment gives for `url` (HTTPS_PROXY or HTTP_PROXY by scheme, else ALL_PROXY),
    or None when there is none or NO_PROXY lists the host."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or proxy_bypass_environment(parts.hostname, proxies):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def tls_context(verify):
    """`verify` is False (no verification), a CA file or directory, or True (the system trust store)."""
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if verify is True:
        return ssl.create_default_context()
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


class Connections:
    """Keep-alive connections to the server of `base_url`, shared by threads; at most `pool_size` kept idle.

    A new connection is made (TCP, proxy tunnel, TLS) before the request is written, so a failure to
    connect is known not to have sent anything.
    """

    def __init__(self, base_url, verify, pool_size, proxy=None):
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._netloc = parts.netloc
        self._base_path = parts.path.rstrip("/")
        self._context = tls_context(verify) if self._https else None
        self._proxy = urlsplit(proxy) if proxy else None
        self._proxy_headers = _proxy_authorization(self._proxy)
        self._pool_size = pool_size
        self._idle = []
        self._cookies = {}
        self._lock = threading.Lock()

    def exchange(self, method, target, headers, body, timeout):
        """Send one request (`target`: path and query, below the base url's own path) and read its whole
        answer: an HttpResponse, or ExchangeFailed."""
        connection = self._idle_connection() or self._new_connection(timeout)
        phase = SEND
        try:
            connection.sock.settimeout(timeout)
            connection.request(method, self._request_target(target), body=body, headers=self._headers_for(headers))
            phase = RECEIVE
            answer = connection.getresponse()
            content = _decoded(answer.read(), answer.headers.get("Content-Encoding"))
        except (OSError, http.client.HTTPException, zlib.error) as error:
            connection.close()
            raise ExchangeFailed(error, phase) from None
        self._keep_cookies(answer.headers)
        if connection.sock is not None:  # http.client closes it when the server said Connection: close
            self._release(connection)
        return HttpResponse(answer.status, answer.headers, content)

    def _new_connection(self, timeout):
        if self._proxy is None:
            host, port = self._host, self._port
        else:
            host, port = self._proxy.hostname, self._proxy.port or 80
        if self._https:
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._context)
            if self._proxy is not None:
                connection.set_tunnel(self._host, self._port, headers=self._proxy_headers)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise ExchangeFailed(error, CONNECT) from None
        return connection

    def _idle_connection(self):
        while True:
            with self._lock:
                if not self._idle:
                    return None
                connection = self._idle.pop()
            if _still_open(connection.sock):
                return connection
            connection.close()  # the server closed it while it was idle

    def _release(self, connection):
        with self._lock:
            if len(self._idle) < self._pool_size:
                self._idle.append(connection)
                return
        connection.close()

    def _request_target(self, target):
        if self._proxy is not None and not self._https:
            return f"http://{self._netloc}{self._base_path}{target}"  # a plain-HTTP proxy is sent the absolute url
        return self._base_path + target

    def _headers_for(self, headers):
        """The request's headers, with the cookies kept and, through a plain-HTTP proxy, its authorization."""
        extra = dict(self._proxy_headers) if self._proxy is not None and not self._https else {}
        with self._lock:
            if self._cookies:
                extra["Cookie"] = "; ".join(f"{name}={value}" for name, value in self._cookies.items())
        return dict(headers, **extra) if extra else headers

    def _keep_cookies(self, headers):
        """Cookies the server or a gateway in front of it sets (for example to pin a client to one node)."""
        for line in headers.get_all("Set-Cookie") or ():
            jar = http.cookies.SimpleCookie()
            try:
                jar.load(line)
            except http.cookies.CookieError:
                continue
            with self._lock:
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self._cookies.pop(name, None)
                    else:
                        self._cookies[name] = morsel.coded_value


def _proxy_authorization(proxy):
    """The Proxy-Authorization header for a proxy url with user:password, sent to the proxy only."""
    if proxy is None or proxy.username is None:
        return {}
    credentials = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
    return {"Proxy-Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}


def _still_open(sock):
    """An idle connection is still usable when nothing is waiting on it: no close, no stray bytes."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


def _decoded(content, encoding):
    """The body of an answer sent with Content-Encoding gzip or deflate (the request accepts both)."""
    encoding = (encoding or "").strip().lower()
    if not content or encoding not in ("gzip", "deflate"):
        return content
    if encoding == "gzip":
        return gzip.decompress(content)
    try:
        return zlib.decompress(content)
    except zlib.error:  # some servers send raw deflate, without the zlib header
        return zlib.decompress(content, -zlib.MAX_WBITS)
