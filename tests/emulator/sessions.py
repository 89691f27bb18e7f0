"""Who may call the API: login sessions with an idle TTL, and API tokens that never expire."""

from __future__ import annotations

import hmac
import itertools
import secrets
import threading
import time

from . import guesses


class SessionBook:
    def __init__(self, username: str, password: str, api_token: str, ttl: float):
        self.username = username
        self.password = password
        self.api_token = api_token
        self.ttl = ttl
        self._lock = threading.Lock()
        self._last_used: dict[str, float] = {}
        self._expired: set[str] = set()
        self._counter = itertools.count(1)

    def login(self, username, password) -> str | None:
        if not (isinstance(username, str) and isinstance(password, str)):
            return None
        if not (hmac.compare_digest(username, self.username)
                and hmac.compare_digest(password.encode(), self.password.encode())):
            return None
        # Tanium session strings look like "<user id>-<n>-<hex>" (docs/wire-format.md#authentication).
        token = f"{guesses.SESSION_USER_ID}-{next(self._counter)}-{secrets.token_hex(24)}"
        with self._lock:
            self._last_used[token] = time.monotonic()
        return token

    def check(self, token: str | None) -> str:
        """"api_token", "session", "none", "invalid" or "expired"; a valid session is refreshed."""
        if not token:
            return "none"
        if hmac.compare_digest(token.encode(), self.api_token.encode()):
            return "api_token"
        with self._lock:
            last_used = self._last_used.get(token)
            if last_used is None:
                return "expired" if token in self._expired else "invalid"
            now = time.monotonic()
            if now - last_used > self.ttl:
                del self._last_used[token]
                self._expired.add(token)
                return "expired"
            self._last_used[token] = now
            return "session"

    def expire_all(self) -> None:
        with self._lock:
            self._expired.update(self._last_used)
            self._last_used.clear()

    def current_user(self) -> dict:
        return {"id": guesses.SESSION_USER_ID, "name": self.username, "domain": "",
                "display_name": self.username, "deleted_flag": False}
