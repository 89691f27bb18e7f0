"""Snapshots (docs/wire-format.md#snapshots): taken over a live connection (`POST {T}/conns/{cid}/snapshot`,
no body, a task like a file download's) or gathered by a response action; listed with `GET {T}/snapshot`
(`{"snapshots": [...], "totalCount"}`, no `data` envelope) once their task has completed; deleted with
`DELETE {T}/snapshot` and a JSON body `{"ids": [...]}`. In memory only.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid

from . import guesses
from .clock import iso
from .file_collection import connected
from .wire import Request, bad_request, empty_response, json_response, page_window

SIZE = 4_194_304


class SnapshotBook:
    def __init__(self):
        self._lock = threading.Lock()
        self._records: dict[str, dict] = {}
        self._numbers = itertools.count(1)

    def add(self, hostname: str, task_id: int | None, connection_id: str | None = None,
            created: float | None = None) -> dict:
        """A snapshot of `hostname`, listed once task `task_id` has completed (None: at once)."""
        created = time.time() if created is None else created
        name = f"{hostname}-{next(self._numbers)}.db"
        record = {"uuid": str(uuid.uuid4()), "name": name, "evidenceType": "snapshot", "hostname": hostname,
                  "username": "admin", "created": _stamp(created), "completed": _stamp(created),
                  "connectionId": connection_id or f"local:{hostname}:{name}", "size": SIZE, "isUpload": False,
                  "recorderVersion": 2, "_task": task_id, "_created": created}
        with self._lock:
            self._records[record["uuid"]] = record
        return record

    def visible(self, core) -> list[dict]:
        """Snapshots whose task has completed, oldest first, in wire form."""
        with self._lock:
            records = sorted(self._records.values(), key=lambda r: r["_created"])
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in records
                if r["_task"] is None or (core.tasks.read(r["_task"]) or {}).get("status") == "COMPLETED"]

    def delete(self, ids: list) -> list:
        with self._lock:
            return [self._records.pop(i)["uuid"] for i in ids if i in self._records]


def _stamp(epoch: float) -> str:
    return str(int(epoch * 1000)) if guesses.SNAPSHOT_CREATED_AS_EPOCH_MS else iso(epoch)


def take_snapshot(core, request: Request):
    cid, conn = connected(core, request)
    if request.body and core.config.strict:
        raise bad_request("strict: no client sends a body with a snapshot request")
    metadata = {"connection": cid}
    task_id = core.tasks.register(guesses.SNAPSHOT_TASK_TYPE, metadata=metadata)
    outcome = core.config.response_outcomes.get(conn["hostname"], "COMPLETED")
    core.snapshots.add(conn["hostname"], task_id, cid)
    core.tasks.schedule(task_id, core.config.collect_delay, status=outcome,
                        error=None if outcome == "COMPLETED" else f"{outcome} (emulated outcome)")
    task = core.tasks.read(task_id)
    info = {"id": task_id, "status": task["status"], "metadata": metadata, "startTime": task["startTime"]}
    return json_response({"taskInfo": info, "status": "ACCEPTED"})


def list_snapshots(core, request: Request):
    limit, offset = page_window(request)
    records = core.snapshots.visible(core)
    sort = request.first("sort")
    if sort is not None:
        field = sort.lstrip("+-")
        if field not in guesses.SNAPSHOT_SORT_FIELDS:
            raise bad_request(f"sort must be one of {list(guesses.SNAPSHOT_SORT_FIELDS)}")
        records.sort(key=lambda r: str(r[field]), reverse=sort.startswith("-"))
    return json_response({"snapshots": records[offset:offset + limit], "totalCount": len(records)})


def delete_snapshots(core, request: Request):
    if "json" not in (request.headers.get("content-type") or ""):
        raise bad_request('the body must be JSON {"ids": [...]}')
    body = request.json()
    ids = body.get("ids") if isinstance(body, dict) else None
    if set(body if isinstance(body, dict) else {}) != {"ids"} or not isinstance(ids, list) or not ids \
            or not all(isinstance(i, str) for i in ids):
        raise bad_request('the body must be {"ids": ["<snapshot uuid>", ...]}')
    core.snapshots.delete(ids)
    return empty_response(guesses.DELETE_STATUS)


# (method, regex under the threat-response prefix, handler). `cid` is one URL-quoted segment.
ROUTES = (
    ("POST", r"/conns/(?P<cid>[^/]+)/snapshot", take_snapshot),
    ("GET", r"/snapshot/?", list_snapshots),
    ("DELETE", r"/snapshot/?", delete_snapshots),
)
