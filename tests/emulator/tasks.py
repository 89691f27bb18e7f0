"""Platform tasks: one registry any component uses to publish a task and let its status evolve.

`GET {T}/tasks/{id}` serves these (docs/wire-format.md#deployment-finished). A component registers a task
with a type (deploys use `guesses.DEPLOY_TASK_TYPE`; file collection may use its own) and either
updates it itself or schedules the next status after a delay. Tasks live in `store.tasks`, so
they survive a restart with the state file.
"""

from __future__ import annotations

import threading

from .clock import iso_now
from .state import Store
from .wire import Request, data_response, not_found

TERMINAL = ("COMPLETED", "ERROR", "CANCELLED")


class TaskRegistry:
    def __init__(self, store: Store):
        self.store = store
        self._timers: list[threading.Timer] = []
        self._stopped = False

    def register(self, task_type: str, status: str = "STARTED", metadata: dict | None = None) -> int:
        """A new task; returns its id. Takes the store lock (re-entrant: callers may hold it)."""
        with self.store.lock:
            now = iso_now()
            task = {"id": self.store.new_id("task"), "type": task_type, "status": status,
                    "startTime": now, "endTime": None, "error": None, "metadata": dict(metadata or {}),
                    "results": None, "createdAt": now, "updatedAt": now}
            self.store.tasks[task["id"]] = task
        self.store.changed()
        return task["id"]

    def update(self, task_id: int, **fields) -> None:
        """Change fields (status, metadata, results, error); a terminal status stamps endTime."""
        with self.store.lock:
            task = self.store.tasks[task_id]
            now = iso_now()
            task.update(fields, updatedAt=now)
            if task["status"] in TERMINAL and task["endTime"] is None:
                task["endTime"] = now
        self.store.changed()

    def schedule(self, task_id: int, after: float, **fields) -> None:
        """Apply `update(task_id, **fields)` after `after` seconds (unless stopped)."""
        def fire():
            with self.store.lock:
                if self._stopped or task_id not in self.store.tasks:
                    return
            self.update(task_id, **fields)
        timer = threading.Timer(after, fire)
        timer.daemon = True
        with self.store.lock:
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def started(self, task_type: str) -> list[int]:
        """Ids of unfinished tasks of a type, oldest first (to resume after a restart)."""
        with self.store.lock:
            return sorted(t["id"] for t in self.store.tasks.values()
                          if t["type"] == task_type and t["status"] not in TERMINAL)

    def read(self, task_id: int) -> dict | None:
        with self.store.lock:
            task = self.store.tasks.get(task_id)
            return dict(task) if task is not None else None

    def stop(self) -> None:
        with self.store.lock:
            self._stopped = True
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()


def get_task(core, request: Request):
    task_id = request.int_param("id")
    task = core.tasks.read(task_id)
    if task is None or not core.config.tasks_readable:
        raise not_found(f"Task {task_id}")
    return data_response(request, task)
