"""Injected faults: matched per request in the order added, each match using up one `times`."""

from __future__ import annotations

import dataclasses
import re
import threading

ACTIONS = ("status", "drop", "apply_then_drop", "delay", "expire_sessions")


@dataclasses.dataclass
class Fault:
    method: str
    path: re.Pattern
    action: str
    status: int
    retry_after: str | None
    times: int | None  # None: forever
    delay: float
    body: object


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, method: str = "*", path: str = "", action: str = "status", status: int = 503,
            retry_after=None, times: int | None = 1, delay: float = 0.0, body=None) -> None:
        if action not in ACTIONS:
            raise ValueError(f"fault action must be one of {ACTIONS}, not {action!r}")
        if times is not None and int(times) < 1:
            raise ValueError("times must be at least 1 (or None for forever)")
        if not 100 <= int(status) <= 599:
            raise ValueError("status must be an HTTP status code")
        fault = Fault(method=method.upper(), path=re.compile(path), action=action,
                      status=int(status), retry_after=None if retry_after is None else str(retry_after),
                      times=None if times is None else int(times), delay=float(delay), body=body)
        with self._lock:
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, consuming one of its `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.method in ("*", method) and fault.path.search(path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
