"""Requests and responses as the route handlers see them, and the error shapes of docs/wire-format.md#base-url-api-families-and-envelope"""

from __future__ import annotations

import dataclasses
import json

from . import guesses

JSON_TYPE = "application/json"  # exactly this, no charset (docs/wire-format.md#base-url-api-families-and-envelope)


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict  # name -> list of values
    headers: dict  # lower-case name -> value
    body: bytes
    family: str = ""  # "3" (detect3), "4" (threat-response) or "" (platform /api/v2)
    params: dict = dataclasses.field(default_factory=dict)  # from the route pattern

    def first(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        """The body as JSON; a 400 when it is missing or malformed."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HttpError(400, {"text": "the request body is not valid JSON"}) from None

    def int_param(self, name: str) -> int:
        return int(self.params[name])


@dataclasses.dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict = dataclasses.field(default_factory=dict)


class HttpError(Exception):
    def __init__(self, status: int, body: dict | None = None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body if body is not None else {"text": f"HTTP {status}"}
        self.headers = headers or {}


def json_response(value, status: int = 200, envelope: bool = False) -> Response:
    payload = {"data": value} if envelope else value
    return Response(status, json.dumps(payload).encode("utf-8"), JSON_TYPE)


def data_response(request: Request, value, status: int = 200) -> Response:
    """A success body: {"data": ...} on threat-response (4.x), bare on detect3 (docs/wire-format.md#base-url-api-families-and-envelope)."""
    return json_response(value, status, envelope=request.family == "4")


def empty_response(status: int = 204) -> Response:
    return Response(status)


def not_found(text: str) -> HttpError:
    return HttpError(404, {"text": f"{text} not found"})


def bad_request(text: str) -> HttpError:
    return HttpError(400, {"text": text})


def no_route(path: str) -> HttpError:
    return HttpError(404, {"errors": [{"code": "NotFound", "description": f"{path} does not exist"}]})


def page_window(request: Request, page_max: int = 0) -> tuple[int, int]:
    """(rows to answer, offset) from the query; limit > 500 is a 400 (docs/wire-format.md#paging); `page_max` caps a page."""
    limit = _non_negative_int(request, "limit", guesses.DEFAULT_LIST_LIMIT)
    if limit > guesses.MAX_LIST_LIMIT:
        raise bad_request(f"limit must not be greater than {guesses.MAX_LIST_LIMIT}")
    if page_max:
        limit = min(limit, page_max)
    return limit, _non_negative_int(request, "offset", 0)


def list_response(request: Request, rows: list, total: int) -> Response:
    """One page of a list: 4.x adds `meta.totalCount` beside `data` (as the Splunk SOAR 4.x connector
    reads it); 3.x answers the bare list."""
    if request.family != "4":
        return json_response(rows)
    return Response(200, json.dumps({"data": rows, "meta": {"totalCount": total}}).encode("utf-8"), JSON_TYPE)


def int_values(request: Request, name: str) -> list[int]:
    try:
        return [int(value) for value in request.query.get(name, [])]
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


def _non_negative_int(request: Request, name: str, default: int) -> int:
    raw = request.first(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer, not {raw!r}") from None
    if value < 0:
        raise bad_request(f"{name} must not be negative")
    return value
