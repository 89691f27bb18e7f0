# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns a failed exchange (_api.exchange.ExchangeFailed) into one plain sentence, and says whether the server
may have seen the request (`request_sent`) and whether trying again may help.

One table, read top to bottom; a row matches when the failure, or anything it wraps (requests wraps urllib3,
which wraps ssl, socket and http.client), is of the row's kind.
"""

from __future__ import annotations

import socket
import ssl
# Exception types only, never a request: urllib3 reads answers with http.client and wraps these two causes
# (a header line over 64 KB; a close before the status line), which no requests or urllib3 type names.
from http.client import LineTooLong, RemoteDisconnected
from urllib.parse import urlsplit

try:
    from requests import exceptions as requests_errors
    from urllib3 import exceptions as urllib3_errors
except ImportError:  # reported by the module base and the client; nothing here runs without them
    requests_errors = urllib3_errors = None

from ansible_collections.tanium.threat_response.plugins.module_utils._api.exchange import (
    AnswerTooLarge,
    AnswerTooSlow,
)

# OpenSSL's reasons when the other side answers, but not in TLS: typically a plain-HTTP port.
_NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
                    "PACKET_LENGTH_TOO_LONG")


def describe_transport_failure(failed, base_url, timeout, ca_path, proxy=None):
    """(reason, request_sent, retryable) for an _api.exchange.ExchangeFailed.

    `request_sent` is False only when the request surely never reached the server (no connection made, or it
    could not be built), so even a create may be sent again. `proxy`: the proxy url used, if any.
    """
    failure = _Failure(failed, base_url, timeout, ca_path, proxy)
    for matches, sent, retryable, sentence in _rules():
        cause = matches(failure)
        if cause:
            return sentence(failure, cause), sent, retryable(failure) if callable(retryable) else retryable
    raise AssertionError("the last rule matches every failure")


class _Failure:
    def __init__(self, failed, base_url, timeout, ca_path, proxy):
        self.causes = list(_wrapped(failed.error))
        self.reading_body = failed.reading_body
        self.https = base_url.lower().startswith("https")
        self.host = urlsplit(base_url).hostname
        self.where = urlsplit(base_url).netloc or base_url
        self.base_url, self.ca_path, self.proxy = base_url, ca_path, proxy
        self.timeout = f"{timeout:g}"  # 3, not 3.0

    def first(self, kinds, condition=lambda cause: True):
        return next((cause for cause in self.causes if isinstance(cause, kinds) and condition(cause)), None)


def _wrapped(error):
    """`error` and everything it wraps, outermost first."""
    seen, queue = set(), [error]
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = (getattr(current, "reason", None), getattr(current, "error", None), *current.args,
                 current.__cause__, current.__context__)
        queue.extend(item for item in inner if isinstance(item, BaseException))


def _kind(*kinds, condition=lambda cause: True):
    return lambda failure: failure.first(kinds, condition)


def _not_tls_reason(error):
    reason = str(getattr(error, "reason", "") or "")
    return reason if reason.upper() in _NOT_TLS_REASONS else None


def _tunnel_refused_with(status):
    return lambda error: str(error).startswith(f"Tunnel connection failed: {status}")


def _too_large(failure, cause):
    announced = f" (it announces {cause.announced:,} bytes)" if cause.announced is not None else ""
    return (f"the answer from {failure.where} is larger than the limit of {cause.limit:,} bytes once decoded"
            f"{announced}; it was not read further")


def _tls_verification(failure, cause):
    if failure.ca_path:
        hint = f"check that ca_path ({failure.ca_path}) holds the CA that signed the server's certificate"
    else:
        hint = "set ca_path to the PEM file of the CA that signed the server's certificate"
    return f"TLS verification of {failure.where} failed ({cause.verify_message}); {hint}"


def proxy_refused_credentials(proxy, https):
    """The sentence for a proxy answering 407, through a CONNECT tunnel or to a plain-HTTP request alike."""
    return (f"the proxy {_proxy_where(proxy)} set by the {_proxy_variable(https)} or ALL_PROXY environment variable"
            " refused the request (407 Proxy Authentication Required): check the user and password in the proxy url")


def _proxy_where(proxy):
    try:
        parts = urlsplit(proxy or "")
        # Only host and port: a proxy url may hold a user name and password.
        return f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "(unknown)")
    except ValueError:
        return "(unreadable proxy url)"


def _proxy_variable(https):
    return "HTTPS_PROXY" if https else "HTTP_PROXY"


def _proxy(failure, cause):
    """Name the proxy from the environment, not the server, when the proxy is what failed."""
    if failure.first(OSError, _tunnel_refused_with(407)):
        return proxy_refused_credentials(failure.proxy, failure.https)
    if failure.first(ConnectionRefusedError):
        problem = "connection refused"
    elif failure.first(socket.gaierror):
        problem = "its host name does not resolve"
    elif failure.first(OSError, _tunnel_refused_with("")):
        problem = str(failure.first(OSError, _tunnel_refused_with("")))  # "Tunnel connection failed: 403 ..."
    elif failure.first(ssl.SSLError):
        problem = f"TLS with the proxy failed: {failure.first(ssl.SSLError).reason or failure.first(ssl.SSLError)}"
    elif failure.first(_timeouts()):
        problem = f"no connection within {failure.timeout} seconds"
    else:
        problem = str(cause)
    return (f"cannot reach {failure.where} through the proxy {_proxy_where(failure.proxy)} set by the"
            f" {_proxy_variable(failure.https)} or ALL_PROXY environment variable ({problem}): check the proxy, or"
            " list the server's host in NO_PROXY to connect directly")


def _cut(cause):
    """A TLS connection cut (reset, EOF) rather than closed in good order; a close before the status line,
    http.client's RemoteDisconnected, is a ConnectionResetError too, but not a cut."""
    return not isinstance(cause, RemoteDisconnected)


def _closed(failure, cause):
    if failure.reading_body:
        return f"the connection to {failure.where} was closed before the whole answer arrived"
    if failure.https and isinstance(cause, (ssl.SSLError, ConnectionResetError, BrokenPipeError)) and _cut(cause):
        return (f"the connection to {failure.where} was cut during the TLS exchange (by the server, a proxy or a"
                " firewall) before a response arrived")
    return f"the connection to {failure.where} was closed before a response arrived"


def _timeouts():
    return socket.timeout, TimeoutError, urllib3_errors.ReadTimeoutError


def _rules():
    """(which failure, could the server have seen the request, may trying again help, the sentence); the first
    row that matches wins. Built when a failure is described: requests' exception types exist only then."""
    timeouts = _timeouts()
    return (
        (_kind(AnswerTooLarge), True, False, _too_large),
        (lambda failure: failure.first(AnswerTooSlow) or (failure.reading_body and failure.first(timeouts)),
         True, True,
         lambda failure, _: f"no complete answer from {failure.where} within {failure.timeout} seconds (timeout)"),
        # A proxy that refused its credentials (407) or whose name does not resolve will not do better on a retry.
        (_kind(requests_errors.ProxyError, urllib3_errors.ProxyError), False,
         lambda failure: not failure.first(OSError, _tunnel_refused_with(407)) and not failure.first(socket.gaierror),
         _proxy),
        (_kind(ssl.SSLCertVerificationError), False, False, _tls_verification),
        (_kind(ssl.SSLError, condition=_not_tls_reason), False, False,
         lambda failure, cause: (f"{failure.where} did not answer in TLS ({cause.reason}): it looks like a plain-HTTP"
                                 " port; check the port in url, which must be the server's HTTPS port")),
        (_kind(socket.gaierror, urllib3_errors.NameResolutionError), False, False,
         lambda failure, _: f"cannot resolve the host name {failure.host!r} of the url {failure.base_url}"),
        (_kind(ConnectionRefusedError), False, True,
         lambda failure, _: f"cannot connect to {failure.where}: connection refused"),
        # urllib3's NewConnectionError is a ConnectTimeoutError too, and no timeout.
        (_kind(urllib3_errors.ConnectTimeoutError,
               condition=lambda cause: not isinstance(cause, urllib3_errors.NewConnectionError)),
         False, True, lambda failure, _: f"no connection to {failure.where} within {failure.timeout} seconds"),
        (_kind(urllib3_errors.NewConnectionError), False, True,
         lambda failure, cause: f"cannot connect to {failure.where}: connection failed ({cause.__cause__ or cause})"),
        (_kind(requests_errors.InvalidSchema, condition=lambda cause: "SOCKS" in str(cause)), False, False,
         lambda failure, _: ("the proxy set by the HTTPS_PROXY or ALL_PROXY environment variable is a SOCKS proxy,"
                             " which needs the PySocks library: install requests[socks] beside ansible-core")),
        (_kind(requests_errors.InvalidHeader, requests_errors.InvalidURL, urllib3_errors.LocationParseError),
         False, False,
         lambda failure, cause: f"the request to {failure.where} could not be built: {type(cause).__name__}"),
        (_kind(LineTooLong), True, False,
         lambda failure, cause: f"the answer from {failure.where} has a line longer than HTTP allows ({cause});"
                                " refused"),
        (_kind(*timeouts), True, True,
         lambda failure, _: f"no response from {failure.where} within {failure.timeout} seconds (timeout)"),
        (_kind(urllib3_errors.DecodeError), True, True,
         lambda failure, cause: f"the answer from {failure.where} could not be decompressed ({cause.args[0]})"),
        # Any other TLS alert or error, such as no cipher in common; an EOF is a cut (below).
        (_kind(ssl.SSLError, condition=lambda cause: not isinstance(cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError))),
         True, True, lambda failure, cause: f"the TLS connection to {failure.where} failed ({cause.reason or cause})"),
        (lambda failure: failure.first((ssl.SSLError, ConnectionResetError, BrokenPipeError), _cut)
         or failure.causes[0], True, True, _closed),
    )
