# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns a failed HTTP exchange into one plain sentence, and says whether the server may have seen it."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

try:
    import requests
    import urllib3
except ImportError:  # _client reports the missing library; nothing here runs without it
    requests = urllib3 = None


def describe_transport_failure(exc, base_url, timeout, ca_path):
    """(reason, request_sent, retryable) for a requests exception.

    `request_sent` is False only when no connection was made, so even a create may be sent again.
    """
    where = urlsplit(base_url).netloc or base_url
    causes = list(_causes(exc))
    if isinstance(exc, requests.exceptions.InvalidJSONError):
        return "the request body holds a number standard JSON cannot carry (NaN or Infinity); nothing was sent", False, False
    if isinstance(exc, requests.exceptions.ProxyError):
        return _describe_proxy_failure(causes, base_url, where), False, True
    if isinstance(exc, requests.exceptions.SSLError):
        return _describe_tls_failure(causes, where, ca_path)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection to {where} within {timeout} seconds", False, True
    if any(isinstance(cause, socket.gaierror) or type(cause).__name__ == "NameResolutionError" for cause in causes):
        host = urlsplit(base_url).hostname
        return f"cannot resolve the host name {host!r} of the url {base_url}", False, False
    if any(isinstance(cause, urllib3.exceptions.NewConnectionError) for cause in causes):
        refused = any(isinstance(cause, ConnectionRefusedError) for cause in causes)
        return f"cannot connect to {where}: {'connection refused' if refused else 'connection failed'}", False, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no response from {where} within {timeout} seconds (timeout)", True, True
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"the connection to {where} was closed before a response arrived", True, True
    return f"invalid request to {base_url}: {type(exc).__name__}", False, False


def _causes(exc):
    """The exception and everything it wraps (requests -> urllib3 -> socket), without repeats."""
    seen = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
        pending.append(getattr(current, "reason", None) if isinstance(getattr(current, "reason", None), BaseException) else None)
        pending.extend((current.__cause__, current.__context__))


# OpenSSL's reasons when the other side answers, but not in TLS: typically a plain-HTTP port.
_NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
                    "PACKET_LENGTH_TOO_LONG")


def _describe_tls_failure(causes, where, ca_path):
    """Only a refused certificate is a certificate problem; a plain-HTTP port or a cut connection is not."""
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            if ca_path:
                hint = f"check that ca_path ({ca_path}) holds the CA that signed the server's certificate"
            else:
                hint = "set ca_path to the PEM file of the CA that signed the server's certificate"
            return f"TLS verification of {where} failed ({cause.verify_message}); {hint}", False, False
    for cause in causes:
        if isinstance(cause, ssl.SSLError) and str(getattr(cause, "reason", "")).upper() in _NOT_TLS_REASONS:
            return (f"{where} did not answer in TLS ({cause.reason}): it looks like a plain-HTTP port; "
                    "check the port in url, which must be the server's HTTPS port", False, False)
    if any(isinstance(cause, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionResetError)) for cause in causes):
        # Possibly after the request went out (mid-upload): a create is looked up, never sent blindly again.
        return (f"the connection to {where} was cut during the TLS exchange (by the server, a proxy or a firewall)"
                " before a response arrived", True, True)
    reason = next((str(cause) for cause in causes if isinstance(cause, ssl.SSLError)), "unknown TLS error")
    return f"the TLS connection to {where} failed ({reason})", False, False


def _describe_proxy_failure(causes, base_url, where):
    """Name the proxy from the environment, not the server, when the proxy is what failed."""
    proxy = requests.utils.select_proxy(base_url, requests.utils.get_environ_proxies(base_url)) or ""
    try:
        parts = urlsplit(proxy)
        # Only host and port: a proxy url may hold a user name and password.
        proxy_where = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "(unknown)")
    except ValueError:
        proxy_where = "(unreadable proxy url)"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        problem = "connection refused"
    elif any(isinstance(cause, socket.gaierror) or type(cause).__name__ == "NameResolutionError" for cause in causes):
        problem = "its host name does not resolve"
    else:
        problem = next((str(cause) for cause in causes if type(cause).__name__ == "ProxyError"
                        and cause.args and isinstance(cause.args[0], str)), "the proxy failed")
    return (f"cannot reach {where} through the proxy {proxy_where} set by the HTTPS_PROXY or ALL_PROXY environment"
            f" variable ({problem}): check the proxy, or list the server's host in NO_PROXY to connect directly")
