"""Platform session endpoints under /api/v2/session (docs/wire-format.md#authentication); always {"data": ...}."""

from __future__ import annotations

from .wire import HttpError, Request, json_response


def login(core, request: Request):
    body = request.json()
    if not isinstance(body, dict):
        raise HttpError(400, {"text": 'the body must be {"username": ..., "password": ...}'})
    token = core.sessions.login(body.get("username"), body.get("password"))
    if token is None:
        raise HttpError(401, {"text": "Invalid username or password"})
    return json_response({"session": token}, envelope=True)


def current(core, request: Request):
    """Reached only with a valid session header (the dispatcher checked it)."""
    return json_response(core.sessions.current_user(), envelope=True)


def validate(core, request: Request):
    body = request.json()
    token = body.get("session") if isinstance(body, dict) else None
    kind = core.sessions.check(token if isinstance(token, str) else None)
    if kind not in ("api_token", "session"):
        raise HttpError(401, {"text": "Invalid session"})
    return json_response(dict(core.sessions.current_user(), session=token), envelope=True)
