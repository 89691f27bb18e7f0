"""The journal: one entry per API request served, with no secrets in it."""

from __future__ import annotations

import threading

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_PATH_PREFIX = "/api/v2/session/"


class Journal:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._seq = 0

    def record(self, **entry) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append(dict(entry, seq=self._seq))

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(entry, query={k: list(v) for k, v in entry["query"].items()})
                    for entry in self._entries]

    def writes(self) -> list[dict]:
        return [entry for entry in self.entries()
                if entry["method"] in WRITE_METHODS and not entry["path"].startswith(SESSION_PATH_PREFIX)]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
