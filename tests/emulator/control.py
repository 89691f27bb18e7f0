"""The /_emulator control API: no auth, never journaled, for out-of-process tests and demos.

GET/DELETE /_emulator/journal, POST/DELETE /_emulator/faults, POST /_emulator/sessions/expire,
POST /_emulator/config, POST /_emulator/alerts, GET /_emulator/state, POST /_emulator/shutdown.
"""

from __future__ import annotations

import json
from typing import Callable

from .wire import HttpError, Response, empty_response, json_response

PREFIX = "/_emulator"


def handle(core, method: str, path: str, body: bytes,
           request_shutdown: Callable[[], None]) -> tuple[Response, Callable[[], None] | None]:
    """Return the response and, for shutdown, what to run once it has been sent."""
    action = (method, path[len(PREFIX):].rstrip("/"))
    if action == ("GET", "/journal"):
        return json_response(core.journal.entries()), None
    if action == ("DELETE", "/journal"):
        core.journal.clear()
        return empty_response(), None
    if action == ("POST", "/faults"):
        _call(core.faults.add, _json_object(body))
        return json_response({"ok": True}), None
    if action == ("DELETE", "/faults"):
        core.faults.clear()
        return empty_response(), None
    if action == ("POST", "/sessions/expire"):
        core.sessions.expire_all()
        return empty_response(), None
    if action == ("POST", "/config"):
        return json_response(_call(core.configure, _json_object(body))), None
    if action == ("POST", "/alerts"):
        return json_response(_call(core.raise_alert, _json_object(body))), None
    if action == ("GET", "/state"):
        return json_response(core.snapshot_wire()), None
    if action == ("POST", "/shutdown"):
        return json_response({"ok": True}), request_shutdown
    raise HttpError(404, {"text": f"{method} {path} is not a control endpoint"})


def _json_object(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise HttpError(400, {"text": "the body is not valid JSON"}) from None
    if not isinstance(value, dict):
        raise HttpError(400, {"text": "the body must be a JSON object"})
    return value


def _call(function, arguments: dict):
    try:
        return function(**arguments)
    except (TypeError, ValueError) as error:
        raise HttpError(400, {"text": str(error)}) from None
