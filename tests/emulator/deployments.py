"""Deploy tasks: pending -> current after a delay, one at a time, raising alerts from the fleet."""

from __future__ import annotations

import threading
from typing import Callable

from . import guesses
from .alerts import new_alert
from .clock import iso_now
from .fleet import Fleet
from .state import Store
from .tasks import TaskRegistry


class Deployer:
    def __init__(self, store: Store, tasks: TaskRegistry, fleet: Fleet, delay: Callable[[], float]):
        self.store = store
        self.tasks = tasks
        self.fleet = fleet
        self._delay = delay
        self._active: int | None = None
        self._queue: list[int] = []  # later deploys wait for the active one (docs/wire-format.md#deploy-and-deployment-status)
        self._timer: threading.Timer | None = None
        self._stopped = False

    def request(self) -> int:
        with self.store.lock:
            task_id = self.tasks.register(guesses.DEPLOY_TASK_TYPE)
            if self._active is None:
                self._start(task_id)
            else:
                self._queue.append(task_id)
        self.store.changed()
        return task_id

    def resume(self) -> None:
        """After loading a state file: restart deploys that were still running."""
        with self.store.lock:
            waiting = self.tasks.started(guesses.DEPLOY_TASK_TYPE)
            if waiting and self._active is None:
                self._queue.extend(waiting[1:])
                self._start(waiting[0])

    def stop(self) -> None:
        with self.store.lock:
            self._stopped = True
            if self._timer is not None:
                self._timer.cancel()

    def _start(self, task_id: int) -> None:
        """Caller holds the lock."""
        status = self.store.deploy_status
        status["pendingRevision"] = status["currentRevision"] + 1
        status["pendingSize"] = self.store.total_size()
        self.tasks.update(task_id, metadata={"revision": status["pendingRevision"]})
        self._active = task_id
        self._timer = threading.Timer(self._delay(), self._finish, args=(task_id,))
        self._timer.daemon = True
        self._timer.start()

    def _finish(self, task_id: int) -> None:
        with self.store.lock:
            if self._stopped or self._active != task_id:
                return
            now = iso_now()
            status = self.store.deploy_status
            status.update(currentRevision=status["pendingRevision"], currentSize=self.store.total_size(),
                          modifiedAt=now, pendingRevision=None, pendingSize=None)
            for doc in self.store.intels.values():
                doc.last_deployment = now
                doc.first_deployment = doc.first_deployment or now
            self._raise_alerts(now)
            self.tasks.update(task_id, status="COMPLETED")
            self._active = None
            if self._queue:
                self._start(self._queue.pop(0))
        self.store.changed()

    def _raise_alerts(self, now: str) -> None:
        """One alert per (endpoint, intel document), ever (caller holds the lock)."""
        for doc in self.store.intels.values():
            if doc.type != "openioc" or not doc.hashes:
                continue
            for endpoint, file in self.fleet.matches(doc.hashes):
                if (endpoint["name"], doc.id) not in self.store.alerted:
                    alert = new_alert(self.store.new_id("alert"), doc, endpoint, file, now)
                    self.store.add_alert(alert)
