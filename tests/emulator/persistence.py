"""The optional state file: loaded at start, rewritten after mutations, flushed on stop.

Writes happen on a background thread and coalesce: a burst of mutations (a benchmark uploading
a thousand documents) costs a few rewrites, not one full rewrite per request. stop() always
writes the final state.
"""

from __future__ import annotations

import json
import os
import threading

from .state import Store

FORMAT_VERSION = 1
# Shortest gap between two rewrites during a burst of mutations.
MIN_WRITE_INTERVAL = 1.0


class StateFile:
    def __init__(self, path: str, store: Store):
        self.path = path
        self.store = store
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._extra: dict = {}

    def load(self) -> dict | None:
        """Restore the store from the file; return its extra fields (credentials), or None."""
        if not os.path.exists(self.path):
            return None
        with open(self.path, encoding="utf-8") as handle:
            saved = json.load(handle)
        if saved.get("format") != FORMAT_VERSION:
            raise ValueError(f"{self.path}: unsupported state file format {saved.get('format')!r}")
        self.store.restore(saved["store"])
        return saved.get("extra", {})

    def start(self, extra: dict) -> None:
        self._extra = extra
        self.store.on_change(self._dirty.set)
        self._thread = threading.Thread(target=self._run, name="emulator-state-file", daemon=True)
        self._thread.start()
        self.write()

    def stop(self) -> None:
        if self._thread is None:
            return  # never started: nothing loaded needs saving
        self._stopping.set()
        self._dirty.set()
        self._thread.join(timeout=10)
        self.write()

    def write(self) -> None:
        # Snapshot inside the write lock, so an older snapshot never overwrites a newer one.
        with self._write_lock:
            snapshot = self.store.snapshot()
            snapshot["intels"] = [doc.to_state() for doc in snapshot["intels"]]
            document = {"format": FORMAT_VERSION, "extra": self._extra, "store": snapshot}
            temporary = f"{self.path}.{os.getpid()}.tmp"
            # The file holds the emulator's credentials: keep it private to the user.
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle)
            os.replace(temporary, self.path)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._dirty.wait()
            if self._stopping.is_set():
                return
            self._dirty.clear()
            self.write()
            self._stopping.wait(MIN_WRITE_INTERVAL)
