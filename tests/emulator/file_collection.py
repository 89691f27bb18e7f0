"""Collecting a file from an endpoint (docs/wire-format.md#file-collection): live connections,
fileDownload tasks, file evidence and its password-protected zip. Always under threat-response,
bodies without the {"data": ...} envelope, as the public clients read them (tasks keep theirs).

A connection is `waiting` until `collect_delay` seconds after it was asked for, then `connected`.
A download task is decided when it is asked for (the file is on the endpoint or not) and shows its
outcome once `collect_delay` has passed; its evidence is listed only from then on.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
import uuid
from urllib.parse import unquote

from . import guesses
from .clock import iso, iso_now
from .wire import HttpError, Request, Response, bad_request, empty_response, json_response, not_found, page_window
from .zipcrypto import encrypted_zip

TASK_TYPE = "fileDownload"


def file_bytes(endpoint: dict, file: dict) -> bytes:
    """What the endpoint's file holds: the fleet's `content`, or stable stand-in bytes."""
    if file.get("content") is not None:
        return file["content"].encode("utf-8")
    return f"emulator stand-in for {endpoint['name']}:{file['path']}\n".encode("utf-8")


def _basename(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


class Connections:
    """Live connections, in memory only (a restarted server has none, as after a real restart)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._conns: dict[str, dict] = {}
        self._numbers = itertools.count(1)

    def open(self, endpoint: dict) -> str:
        with self._lock:
            cid = f"remote:{endpoint['name']}:{next(self._numbers)}:"
            self._conns[cid] = {"id": cid, "status": "waiting", "hostname": endpoint["name"], "ip": endpoint["ip"],
                                "clientId": str(endpoint["client_id"]), "platform": endpoint["platform"],
                                "initiatedAt": iso_now(), "connectedAt": None, "message": "", "hasTools": True,
                                "_opened": time.monotonic()}
        return cid

    def listing(self, delay: float) -> list[dict]:
        with self._lock:
            for conn in self._conns.values():
                if conn["status"] == "waiting" and time.monotonic() - conn["_opened"] >= delay:
                    conn.update(status="connected", connectedAt=iso_now())
            return [{k: v for k, v in conn.items() if not k.startswith("_")} for conn in self._conns.values()]

    def get(self, cid: str, delay: float) -> dict | None:
        return next((conn for conn in self.listing(delay) if conn["id"] == cid), None)

    def close(self, cid: str) -> bool:
        with self._lock:
            if cid not in self._conns:
                return False
            self._conns[cid]["status"] = "disconnected"
            return True

    def delete(self, cid: str) -> bool:
        with self._lock:
            return self._conns.pop(cid, None) is not None


def _endpoint(core, target: dict) -> dict:
    """The fleet endpoint the connect target names; its hostname and clientId must agree."""
    for endpoint in core.fleet.endpoints:
        if str(target.get("clientId")) == str(endpoint["client_id"]):
            if str(target.get("hostname", "")).lower() != endpoint["name"].lower():
                raise bad_request("target hostname and clientId name different endpoints")
            return endpoint
    raise HttpError(404, {"text": f"no endpoint with clientId {target.get('clientId')!r}"})


# --- connections ---
def connect(core, request: Request):
    body = request.json()
    target = body.get("target") if isinstance(body, dict) else None
    if not isinstance(target, dict) or not all(target.get(k) for k in ("hostname", "clientId")):
        raise bad_request('the body must be {"target": {"hostname", "clientId", "ip", "platform"}}')
    return json_response(core.connections.open(_endpoint(core, target)))


def list_connections(core, request: Request):
    return json_response(core.connections.listing(core.config.collect_delay))


def close_connection(core, request: Request):
    if not core.connections.close(unquote(request.params["cid"])):
        raise not_found(f"Connection {unquote(request.params['cid'])}")
    return empty_response(guesses.DELETE_STATUS)


def delete_connection(core, request: Request):
    if not core.connections.delete(unquote(request.params["cid"])):
        raise not_found(f"Connection {unquote(request.params['cid'])}")
    return empty_response(guesses.DELETE_STATUS)


# --- file download ---
def connected(core, request: Request) -> tuple[str, dict]:
    """(cid, connection) of the request's `cid`: a 404 when unknown, a 400 when not connected."""
    cid = unquote(request.params["cid"])
    conn = core.connections.get(cid, core.config.collect_delay)
    if conn is None:
        raise not_found(f"Connection {cid}")
    if conn["status"] != "connected":
        raise bad_request(f"connection {cid} is {conn['status']}, not connected")
    return cid, conn


def request_file(core, request: Request):
    cid, conn = connected(core, request)
    body = request.json()
    path = body.get("path") if isinstance(body, dict) else None
    if not isinstance(path, str) or not path:
        raise bad_request('the body must be {"path": "<file on the endpoint>"}')
    endpoint = next(e for e in core.fleet.endpoints if e["name"] == conn["hostname"])
    held = next((f for f in endpoint["files"] if f["path"].lower() == path.lower()), None)
    metadata = {"connection": cid, "paths": [path], "compress": "true"}
    task_id = core.tasks.register(TASK_TYPE, metadata=metadata)
    if held is None:
        core.tasks.schedule(task_id, core.config.collect_delay, status="ERROR",
                            results={"completed": [], "failed": [path], "fileResults": []},
                            error=f"{path}: no such file on {endpoint['name']}")
    else:
        data = file_bytes(endpoint, held)
        record = {"uuid": str(uuid.uuid4()), "hostname": endpoint["name"], "path": held["path"],
                  "downloaded": iso(time.time() + core.config.collect_delay),
                  "hash": hashlib.new(guesses.EVIDENCE_HASH, data).hexdigest(), "size": len(data),
                  "process_creation_time": None, "evidenceType": "file", "_task": task_id}
        with core.store.lock:
            core.store.evidence[record["uuid"]] = record
        core.store.changed()
        result = {"response": {"source": held["path"], "target": record["uuid"], "totalBytes": len(data),
                               "transferHash": hashlib.sha256(data).hexdigest(), "totalTimeMs": 5},
                  "finalPath": record["uuid"]}
        core.tasks.schedule(task_id, core.config.collect_delay, status="COMPLETED",
                            results={"completed": [path], "failed": [], "fileResults": [result]})
    task = core.tasks.read(task_id)
    info = {"id": task_id, "status": task["status"], "metadata": metadata, "startTime": task["startTime"]}
    return json_response({"taskInfo": info, "status": "ACCEPTED"})


# --- evidence ---
def _visible(core) -> list[dict]:
    """Evidence whose download task has completed, newest first, in wire form."""
    with core.store.lock:
        records = [r for r in core.store.evidence.values()
                   if (core.store.tasks.get(r["_task"]) or {}).get("status") == "COMPLETED"]
    records.sort(key=lambda r: r["downloaded"], reverse=True)
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]


def _one(core, request: Request) -> dict:
    wanted = request.params["uuid"]
    record = next((r for r in _visible(core) if r["uuid"] == wanted), None)
    if record is None:
        raise not_found(f"Evidence {wanted}")
    return record


def list_evidence(core, request: Request):
    limit, offset = page_window(request)
    records = _visible(core)
    return json_response({"fileEvidence": records[offset:offset + limit], "totalCount": len(records)})


def get_evidence(core, request: Request):
    return json_response({"evidence": _one(core, request)})


def evidence_data(core, request: Request):
    record = _one(core, request)
    endpoint = next(e for e in core.fleet.endpoints if e["name"] == record["hostname"])
    held = next(f for f in endpoint["files"] if f["path"] == record["path"])
    name = _basename(record["path"])
    archive = encrypted_zip(name, file_bytes(endpoint, held), guesses.EVIDENCE_ZIP_PASSWORD)
    return Response(200, archive, "application/zip", {"Content-Disposition": f"attachment; filename={name}.zip"})


def delete_evidence(core, request: Request):
    _one(core, request)
    with core.store.lock:
        del core.store.evidence[request.params["uuid"]]
    core.store.changed()
    return empty_response(guesses.DELETE_STATUS)


# (method, regex under the threat-response prefix, handler). `cid` is one URL-quoted segment.
_CID = r"(?P<cid>[^/]+)"
_UUID = r"(?P<uuid>[0-9a-f-]{36})"
ROUTES = (
    ("POST", r"/conns/connect", connect),
    ("GET", r"/conns/?", list_connections),
    ("DELETE", rf"/conns/close/{_CID}", close_connection),
    ("DELETE", rf"/conns/delete/{_CID}", delete_connection),
    ("POST", rf"/conns/{_CID}/file", request_file),
    ("GET", r"/filedownload/?", list_evidence),
    ("GET", rf"/filedownload/{_UUID}", get_evidence),
    ("GET", rf"/filedownload/data/{_UUID}", evidence_data),
    ("DELETE", rf"/filedownload/{_UUID}", delete_evidence),
)
