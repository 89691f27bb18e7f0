# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns a failed HTTP exchange (_api.http.ExchangeFailed) into one plain sentence, and says whether the server
may have seen it and whether trying again may help."""

from __future__ import annotations

import socket
import ssl
import zlib
from urllib.parse import urlsplit

from ansible_collections.tanium.threat_response.plugins.module_utils._api.http import SEND


def describe_transport_failure(failure, base_url, timeout, ca_path, proxy=None):
    """(reason, request_sent, retryable) for an _api.http.ExchangeFailed.

    `request_sent` is False only when no connection was made, so even a create may be sent again.
    `proxy`: the proxy url the connection went through, if any.
    """
    where = urlsplit(base_url).netloc or base_url
    error = failure.error
    if not failure.request_sent:
        return _describe_connect_failure(error, base_url, where, timeout, ca_path, proxy), False, _retryable(error)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"no response from {where} within {timeout} seconds (timeout)", True, True
    if isinstance(error, zlib.error) or type(error).__name__ == "BadGzipFile":
        return f"the answer from {where} could not be decompressed ({error})", True, True
    if failure.phase == SEND and base_url.startswith("https") and isinstance(
            error, (ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        # Possibly after part of the request went out (mid-upload): a create is looked up, never sent blindly again.
        return (f"the connection to {where} was cut during the TLS exchange (by the server, a proxy or a firewall)"
                " before a response arrived"), True, True
    return f"the connection to {where} was closed before a response arrived", True, True


def _describe_connect_failure(error, base_url, where, timeout, ca_path, proxy):
    """Why no connection was made: the name, the port, the proxy, the time or TLS."""
    if isinstance(error, ssl.SSLError):
        return _describe_tls_failure(error, where, ca_path)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"no connection to {where} within {timeout} seconds"
    if (proxy and isinstance(error, (ConnectionRefusedError, socket.gaierror))) or _tunnel_refused(error):
        return _describe_proxy_failure(error, proxy, where)
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name {urlsplit(base_url).hostname!r} of the url {base_url}"
    if isinstance(error, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused"
    if base_url.startswith("https") and isinstance(error, (ConnectionResetError, BrokenPipeError)):
        return (f"the connection to {where} was cut during the TLS exchange (by the server, a proxy or a firewall)"
                " before a response arrived")
    return f"cannot connect to {where}: connection failed ({error})"


def _retryable(error):
    """A connection may succeed later, but not past a wrong name, a refused certificate or a non-TLS port."""
    if isinstance(error, ssl.SSLError):
        return not isinstance(error, ssl.SSLCertVerificationError) and _not_tls_reason(error) is None
    return not isinstance(error, socket.gaierror)


def _tunnel_refused(error):
    """http.client's error when the proxy answers CONNECT with anything but 200."""
    return isinstance(error, OSError) and str(error).startswith("Tunnel connection failed")


# OpenSSL's reasons when the other side answers, but not in TLS: typically a plain-HTTP port.
_NOT_TLS_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "HTTP_REQUEST",
                    "PACKET_LENGTH_TOO_LONG")


def _not_tls_reason(error):
    reason = str(getattr(error, "reason", "") or "")
    return reason if reason.upper() in _NOT_TLS_REASONS else None


def _describe_tls_failure(error, where, ca_path):
    """Only a refused certificate is a certificate problem; a plain-HTTP port or a cut connection is not."""
    if isinstance(error, ssl.SSLCertVerificationError):
        if ca_path:
            hint = f"check that ca_path ({ca_path}) holds the CA that signed the server's certificate"
        else:
            hint = "set ca_path to the PEM file of the CA that signed the server's certificate"
        return f"TLS verification of {where} failed ({error.verify_message}); {hint}"
    if _not_tls_reason(error):
        return (f"{where} did not answer in TLS ({error.reason}): it looks like a plain-HTTP port; "
                "check the port in url, which must be the server's HTTPS port")
    if isinstance(error, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return (f"the connection to {where} was cut during the TLS exchange (by the server, a proxy or a firewall)"
                " before a response arrived")
    return f"the TLS connection to {where} failed ({error})"


def _describe_proxy_failure(error, proxy, where):
    """Name the proxy from the environment, not the server, when the proxy is what failed."""
    try:
        parts = urlsplit(proxy or "")
        # Only host and port: a proxy url may hold a user name and password.
        proxy_where = f"{parts.hostname}:{parts.port}" if parts.port else (parts.hostname or "(unknown)")
    except ValueError:
        proxy_where = "(unreadable proxy url)"
    if isinstance(error, ConnectionRefusedError):
        problem = "connection refused"
    elif isinstance(error, socket.gaierror):
        problem = "its host name does not resolve"
    else:
        problem = str(error)  # http.client's "Tunnel connection failed: 407 Proxy Authentication Required"
    return (f"cannot reach {where} through the proxy {proxy_where} set by the HTTPS_PROXY or ALL_PROXY environment"
            f" variable ({problem}): check the proxy, or list the server's host in NO_PROXY to connect directly")
