# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns a failed HTTP exchange into one plain sentence, and says whether the server may have seen it."""

from __future__ import annotations

import socket
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
    if isinstance(exc, requests.exceptions.SSLError):
        if ca_path:
            hint = f"check that ca_path ({ca_path}) holds the CA that signed the server's certificate"
        else:
            hint = "set ca_path to the PEM file of the CA that signed the server's certificate"
        return f"TLS verification of {where} failed ({_short_tls_reason(causes)}); {hint}", False, False
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


def _short_tls_reason(causes):
    for cause in causes:
        verify_message = getattr(cause, "verify_message", None)
        if verify_message:
            return verify_message
    return "certificate verify failed"
