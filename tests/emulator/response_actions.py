"""Threat Response response actions (docs/wire-format.md#response-actions): gatherSnapshot and quarantine
on one endpoint named by `computerName`, each run by a task that `GET {T}/tasks` lists with the action's
type and id in its metadata. Under threat-response only, in {"data": ...}. In memory only, like
live connections (tasks are the task registry's).

A task ends `action_delay` seconds after the request: COMPLETED (a gathered snapshot then shows in the
snapshot list, a quarantined endpoint in `ResponseBook.quarantined`), ERROR for a quarantine package that
does not exist or does not apply to the endpoint's platform, `guesses.EXPIRED_TASK_STATUS` when the
action's expirationTime comes first, or what `response_outcomes` says for that host (a status that is not
final leaves the task STARTED).
"""

from __future__ import annotations

import itertools
import threading
import time

from . import guesses
from .clock import iso, parse_iso
from .platform_actions import package_applies, package_named
from .tasks import TERMINAL
from .wire import Request, bad_request, json_response, page_window

TYPES = ("gatherSnapshot", "quarantine")
BODY_KEYS = frozenset({"type", "computerName", "options", "expirationTime"})
# What the one public client that quarantines sends: nine parameters, each with a null value.
QUARANTINE_PARAMETERS = [{"key": f"${n}", "value": None} for n in range(1, 10)]
FINAL_TASK_STATUSES = TERMINAL + ("INCOMPLETE", guesses.EXPIRED_TASK_STATUS)


class ResponseBook:
    """Response actions, in memory only."""

    def __init__(self):
        self.lock = threading.Lock()
        self.actions: dict[int, dict] = {}
        self._ids = itertools.count(1)

    def add_action(self, action: dict) -> dict:
        with self.lock:
            action["id"] = next(self._ids)
            self.actions[action["id"]] = action
        return action

    def quarantined(self, core) -> dict:
        """Host name -> package of every endpoint a quarantine action has completed on."""
        with self.lock:
            actions = list(self.actions.values())
        return {a["computerName"]: a["options"]["packageName"] for a in actions
                if a["type"] == "quarantine" and _task_status(core, a) == "COMPLETED"}


def _task_status(core, action: dict) -> str:
    return (core.tasks.read(action["_task"]) or {}).get("status", "STARTED")


def action_wire(core, action: dict) -> dict:
    task = core.tasks.read(action["_task"]) or {}
    status = task.get("status", "STARTED")
    done = status == "COMPLETED"
    return dict({k: v for k, v in action.items() if not k.startswith("_")},
                status=guesses.RESPONSE_ACTION_STATUS.get(status, status),
                results=dict(action["_results"], taskIds=[action["_task"]]) if done else {},
                updatedAt=task.get("updatedAt", action["createdAt"]))


def _checked_body(core, body) -> tuple[dict, dict]:
    """(the body, the fleet endpoint it names), or a 400 for a form no public client sends."""
    if not isinstance(body, dict) or body.get("type") not in TYPES:
        raise bad_request(f"type must be one of {list(TYPES)}")
    if set(body) - BODY_KEYS:
        raise bad_request(f"a response action holds only {sorted(BODY_KEYS)}, not {sorted(set(body) - BODY_KEYS)}")
    name = body.get("computerName")
    endpoint = next((e for e in core.fleet.endpoints if isinstance(name, str) and e["name"].lower() == name.lower()), None)
    if endpoint is None and guesses.REFUSE_UNKNOWN_COMPUTER_NAME:
        raise bad_request(f"computerName: no endpoint named {name!r}")
    options = body.get("options")
    if body["type"] == "gatherSnapshot" and options != {}:
        raise bad_request("a gatherSnapshot action takes empty options: {}")
    if body["type"] == "quarantine":
        if not isinstance(options, dict) or not isinstance(options.get("packageName"), str):
            raise bad_request('a quarantine takes options {"packageName", "packageParameters"}')
        if core.config.strict and options.get("packageParameters") != QUARANTINE_PARAMETERS:
            raise bad_request("strict: a quarantine names packageParameters $1 to $9, each with a null value")
    if "expirationTime" in body:
        try:
            parse_iso(str(body["expirationTime"]))
        except ValueError:
            raise bad_request("expirationTime must be an ISO-8601 time") from None
    return body, endpoint


def _outcome(core, body: dict, endpoint: dict) -> tuple[str, str | None]:
    """(the task's final status, its error) for this action on this endpoint."""
    override = core.config.response_outcomes.get(endpoint["name"])
    if override is not None:
        return override, None if override == "COMPLETED" else f"{override} (emulated outcome for {endpoint['name']})"
    if body["type"] == "quarantine":
        package = package_named(body["options"]["packageName"])
        if package is None:
            return "ERROR", f"no package named {body['options']['packageName']!r}"
        if not package_applies(package, endpoint):
            return "ERROR", f"package {package['name']!r} does not apply to {endpoint['platform']} endpoints"
    return "COMPLETED", None


def start_action(core, request: Request):
    body, endpoint = _checked_body(core, request.json())
    now = time.time()
    action = core.response.add_action({
        "type": body["type"], "computerName": endpoint["name"], "options": body["options"], "userId": 1,
        "userName": core.sessions.username, "expirationTime": body.get("expirationTime"), "createdAt": iso(now),
        "_results": {"actionIds": []}})
    action["_task"] = core.tasks.register(guesses.RESPONSE_TASK_TYPE,
                                          metadata={"type": body["type"], "id": action["id"]})
    status, error = _outcome(core, body, endpoint)
    after = core.config.action_delay
    if body.get("expirationTime") and parse_iso(body["expirationTime"]).timestamp() < now + after:
        status, error = guesses.EXPIRED_TASK_STATUS, "the action expired before the endpoint ran it"
        after = max(0.0, parse_iso(body["expirationTime"]).timestamp() - now)
    if body["type"] == "gatherSnapshot" and status == "COMPLETED":
        snapshot = core.snapshots.add(endpoint["name"], action["_task"])
        action["_results"]["snapshotName"] = snapshot["name"]
    if status in FINAL_TASK_STATUSES:
        core.tasks.schedule(action["_task"], after, status=status, error=error,
                            results={"computerName": endpoint["name"]})
    return json_response(action_wire(core, action), envelope=True)


def list_actions(core, request: Request):
    limit, offset = page_window(request)
    order = request.first("sortOrder", "desc")
    if order not in ("asc", "desc"):
        raise bad_request("sortOrder must be asc or desc")
    name, status, kind = (request.first(key) for key in ("queryPartialComputerName", "queryStatus", "queryType"))
    with core.response.lock:
        actions = sorted(core.response.actions.values(), key=lambda a: a["id"], reverse=order == "desc")
    rendered = [action_wire(core, a) for a in actions]
    rendered = [a for a in rendered if (name is None or name.lower() in a["computerName"].lower())
                and (status is None or a["status"] == status) and (kind is None or a["type"] == kind)]
    return json_response(rendered[offset:offset + limit], envelope=True)


def list_tasks(core, request: Request):
    with core.store.lock:
        tasks = [dict(task) for task in sorted(core.store.tasks.values(), key=lambda t: t["id"])]
    return json_response(tasks, envelope=True)


# (method, regex under the threat-response prefix, handler).
ROUTES = (
    ("POST", r"/response-actions/?", start_action),
    ("GET", r"/response-actions/?", list_actions),
    ("GET", r"/tasks/?", list_tasks),
)
