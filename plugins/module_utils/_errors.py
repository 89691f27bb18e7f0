# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors of the Threat Response client, and the one place secrets are scrubbed from text."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, quote_plus

REDACTED = "********"
# Shorter values would redact ordinary words; no real token or password is that short.
MIN_SECRET_LENGTH = 4
# A server message is quoted in an error, never a whole HTML error page.
MAX_MESSAGE_LENGTH = 300


class ThreatResponseError(Exception):
    """Base of every error the client raises. `str()` is safe to show: secrets are scrubbed."""


class InvalidInput(ValueError):
    """Options or documents that cannot be used: found before anything is written."""


class RequestFailed(ThreatResponseError):
    """One request failed: `method` and `path` name it, `problem` says how."""

    def __init__(self, method, path, problem):
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} failed: {problem}")


class ApiError(RequestFailed):
    """The server answered with an unexpected status."""

    def __init__(self, method, path, status, message):
        self.status = status
        self.message = message
        super().__init__(method, path, f"HTTP {status}: {message}")


class AuthError(ApiError):
    """401/403 that a fresh login could not cure (or an API token the server refuses)."""


class NotFoundError(ApiError):
    """404: the object does not exist."""


class TransportError(RequestFailed):
    """No usable answer: connection refused, reset, timed out, DNS or TLS failure.

    `request_sent` is False only when the request surely never reached the server, so a create may
    be sent again; True means the server may have acted on it.
    """

    def __init__(self, method, path, reason, request_sent, retryable=True):
        self.reason = reason
        self.request_sent = request_sent
        self.retryable = retryable
        super().__init__(method, path, reason)


class DeadlineExceeded(ThreatResponseError):
    """A wait ran out of time; says which wait, after how long, and the last problem seen."""

    def __init__(self, what, timeout, reason=""):
        self.what = what
        self.timeout = timeout
        self.reason = reason
        super().__init__(f"gave up after {timeout} seconds waiting for {what}" + (f" ({reason})" if reason else ""))


class WriteOutcomeUnknown(ThreatResponseError):
    """A create got no clear answer (timeout, dropped connection, gateway error): it may exist now.

    Never retried blindly; the caller looks the object up before creating it again.
    """

    def __init__(self, method, path, reason):
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(f"{method} {path}: no clear answer ({reason}); the server may have applied it")


class Scrubber:
    """Knows every secret of this run and replaces it in any text that leaves the collection.

    A server may echo a secret escaped (JSON, HTML, URL encoding), so each is matched in all those forms,
    case-insensitively (percent-encoding may come back in lower case).
    """

    def __init__(self, on_add=None):
        self._forms = set()
        self._pattern = None
        # The module base passes AnsibleModule.no_log_values.add, so Ansible masks them in results too.
        self._on_add = on_add

    def add(self, secret):
        if not secret or len(str(secret)) < MIN_SECRET_LENGTH:
            return
        for form in written_forms(str(secret)):
            self._forms.add(form)
            if self._on_add:
                self._on_add(form)
        longest_first = sorted(self._forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(form) for form in longest_first), re.IGNORECASE)

    def __call__(self, text):
        text = str(text)
        return self._pattern.sub(REDACTED, text) if self._pattern else text


def written_forms(secret):
    """The secret as it may appear in a server's answer or an exception: raw (and without the line break or
    spaces around it), JSON-, HTML- and URL-escaped, and as Python shows a str or bytes (repr)."""
    return {form for form in (
        secret,
        secret.strip(),
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret, quote=False),
        html.escape(secret, quote=True),
        html.escape(secret, quote=True).replace("&#x27;", "&#39;"),
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
    ) if len(form) >= MIN_SECRET_LENGTH}


def server_message(body, scrub=str):
    """The human message inside an error body, in any of the shapes the server uses (docs/wire-format.md#base-url-api-families-and-envelope).

    `scrub` runs before the message is shortened: a secret cut in half would no longer match it.
    """
    return _shorten(scrub(_message_text(body)))


def _message_text(body):
    data = body
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: a hostile server's deeply nested body
            return " ".join(text.split()) or "(empty response body)"
    if isinstance(data, dict):
        for key in ("text", "message", "Message", "error", "detail"):
            if isinstance(data.get(key), str):
                return data[key]
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            return str(first.get("description") or first.get("message") or first)
        if isinstance(data.get("data"), dict):
            return _message_text(data["data"])
    return json.dumps(data, sort_keys=True)


def _shorten(text):
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 3] + "..."


class IntelFormatError(InvalidInput):
    """An intel document that cannot be sent, with the file (`source`) and a one-line `problem`."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem

    def __reduce__(self):
        return type(self), (self.source, self.problem)
