"""The platform API under /api/v2 and dec/v1 (docs/wire-format.md#endpoints, #platform-questions): endpoints, questions,
saved questions, sensors and computer groups. Always {"data": ...}; sessions shared with Threat Response."""

from __future__ import annotations

import datetime
import json
import time
from urllib.parse import unquote

from . import guesses
from .clock import iso, parse_iso
from .questions import ParseError, candidate_wire, parse_candidates, parse_exact, question_from_wire
from .sensors import sensor_named
from .wire import Request, bad_request, json_response, not_found

# Computer groups by name: which endpoints each holds (GET /api/v2/groups/by-name/<name>).
GROUPS = (
    (1, "All Computers", lambda endpoint: True),
    (2, "Windows Computers", lambda endpoint: endpoint["platform"] == "windows"),
    (3, "Linux Computers", lambda endpoint: endpoint["platform"] == "linux"),
    (4, "Mac Computers", lambda endpoint: endpoint["platform"] == "mac"),
)
_REGISTERED_AT = 1_767_225_600  # a fixed last_registration, 2026-01-01, so answers are stable


def group_members(core, group_id: int) -> list | None:
    for gid, _name, member in GROUPS:
        if gid == group_id:
            return [e for e in core.fleet.endpoints if member(e)]
    return None


# --- endpoints ---
def system_status(core, request: Request):
    """Client entries, then an aggregate object and a cache object, as real servers end the list.

    One page of the cached list (guesses.py, "Endpoints"): `tanium-options` picks `row_start` and
    `row_count`; `system_status_page_max` caps the clients a page holds. Strict: no query parameter,
    as no public client sends one.
    """
    if core.config.strict and request.query:
        raise bad_request(f"strict: system_status takes no query parameters (got {sorted(request.query)}); "
                          "page with the tanium-options header")
    options = _tanium_options(request)
    if options.get("cache_id") not in (None, guesses.SYSTEM_STATUS_CACHE_ID):
        raise bad_request(f"cache {options['cache_id']} does not exist or has expired")
    endpoints = core.fleet.endpoints
    start, count = options.get("row_start", 0), options.get("row_count")
    if core.config.row_start_ignored:
        start = 0
    page_max = core.config.system_status_page_max
    if page_max:
        count = page_max if count is None else min(count, page_max)
    page = endpoints[start:] if count is None else endpoints[start:start + count]
    clients = [_client_entry(endpoint) for endpoint in page]
    cache = {"cache_id": guesses.SYSTEM_STATUS_CACHE_ID, "page_row_count": len(clients),
             "filtered_row_count": len(endpoints), "cache_row_count": len(endpoints),
             "expiration": iso(time.time() + guesses.SYSTEM_STATUS_CACHE_SECONDS)}
    return json_response(clients + [_aggregate(endpoints), cache], envelope=True)


def _client_entry(endpoint: dict) -> dict:
    return {"computer_id": str(endpoint["client_id"]), "host_name": endpoint["name"],
            "ipaddress_client": endpoint["ip"], "ipaddress_server": "10.20.0.2",
            "last_registration": _registration_time(endpoint["last_registration"]),
            "full_version": guesses.CLIENT_VERSION, "port_number": 17472, "protocol_version": 316,
            "public_key_valid": True, "receive_state": "None", "send_state": "None",
            "registered_with_tls": True, "status": endpoint["status"]}


def _registration_time(value: str | None) -> str:
    """In the form of the evidence's sample, `2021-09-14T07:54:50Z`: whole seconds, UTC."""
    moment = parse_iso(value) if value else datetime.datetime.fromtimestamp(_REGISTERED_AT, datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _aggregate(endpoints: list) -> dict:
    statuses = [endpoint["status"] for endpoint in endpoints]
    return {"send_forward_count": 0, "send_backward_count": 0, "send_none_count": len(endpoints),
            "send_ok_count": 0, "receive_none_count": len(endpoints), "receive_ok_count": 0,
            "slowlink_count": statuses.count("Slow link"), "blocked_count": statuses.count("Blocked"),
            "leader_count": statuses.count("Leader"), "normal_count": statuses.count("Normal"),
            "registered_with_tls_count": len(endpoints),
            "versions": [{"version": guesses.CLIENT_VERSION, "count": len(endpoints)}]}


def dec_endpoints(core, request: Request):
    hostname, ip, client_id = request.first("hostname"), request.first("ip"), request.first("clientId")
    if hostname is None and ip is None and client_id is None:
        raise bad_request("give hostname, ip or clientId")
    found = [{"hostname": e["name"], "ip": e["ip"], "clientId": str(e["client_id"]), "platform": e["platform"]}
             for e in core.fleet.endpoints
             if (hostname is None or e["name"].lower() == hostname.lower())
             and (ip is None or e["ip"] == ip) and (client_id is None or str(e["client_id"]) == client_id)]
    return json_response(found, envelope=True)


# --- sensors and groups ---
def sensor_by_name(core, request: Request):
    sensor = sensor_named(unquote(request.params["name"]))
    if sensor is None:
        raise not_found(f"Sensor {unquote(request.params['name'])}")
    return json_response(sensor.render(), envelope=True)


def group_by_name(core, request: Request):
    name = unquote(request.params["name"])
    for gid, group_name, _member in GROUPS:
        if group_name.lower() == name.lower():
            return json_response({"id": gid, "name": group_name, "text": ""}, envelope=True)
    raise not_found(f"Group {name}")


# --- questions ---
def parse_question(core, request: Request):
    body = request.json()
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        raise bad_request('the body must be {"text": "<question>"}')
    try:
        candidates = [candidate_wire(selects, question_filter, text)
                      for selects, question_filter, _guessed in parse_candidates(text)]
    except ParseError as error:
        raise bad_request(str(error)) from None
    return json_response(candidates, envelope=True)


def ask_question(core, request: Request):
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("the body must be a question object")
    expire = body.get("expire_seconds", 600)
    if not isinstance(expire, int) or isinstance(expire, bool) or expire <= 0:
        raise bad_request("expire_seconds must be a positive integer")
    try:
        if "query_text" in body:
            selects, question_filter = parse_exact(str(body["query_text"]))
        else:
            selects, question_filter = question_from_wire(body)
    except ParseError as error:
        raise bad_request(str(error)) from None
    question = core.questions.ask(selects, question_filter, expire)
    return json_response(core.questions.render(question), envelope=True)


def question_result_info(core, request: Request):
    question = _question(core, request.int_param("id"))
    return json_response({"max_available_age": "", "now": "",
                          "result_infos": [core.questions.result_info(question)]}, envelope=True)


def question_result_data(core, request: Request):
    return _result_data(core, request, _question(core, request.int_param("id")))


# --- saved questions ---
def saved_question_by_name(core, request: Request):
    name = unquote(request.params["name"])
    for saved in core.questions.saved.values():
        if saved["name"].lower() == name.lower():
            return json_response(_saved_wire(saved), envelope=True)
    raise not_found(f"Saved question {name}")


def saved_result_info(core, request: Request):
    """Reading a saved question's result info makes the server ask it again (AX)."""
    saved_id = request.int_param("id")
    if saved_id not in core.questions.saved:
        raise not_found(f"Saved question {saved_id}")
    question = core.questions.reask_saved(saved_id)
    return json_response({"max_available_age": "", "now": "",
                          "result_infos": [core.questions.result_info(question)]}, envelope=True)


def saved_result_data(core, request: Request):
    saved = core.questions.saved.get(request.int_param("id"))
    if saved is None:
        raise not_found(f"Saved question {request.int_param('id')}")
    return _result_data(core, request, _question(core, saved["question_id"]))


def _saved_wire(saved: dict) -> dict:
    return {"id": saved["id"], "name": saved["name"], "query_text": saved["query_text"],
            "question": {"id": saved["question_id"]}}


def _question(core, question_id: int):
    question = core.questions.get(question_id)
    if question is None:
        raise not_found(f"Question {question_id}")
    return question


def _tanium_options(request: Request) -> dict:
    """The `tanium-options` header: {row_start (default 0), row_count (None: all), cache_id (or None)}."""
    try:
        options = json.loads(request.headers.get("tanium-options") or "{}")
        start, count = int(options.get("row_start", 0)), options.get("row_count")
        count = None if count is None else int(count)
    except (ValueError, TypeError, AttributeError):
        raise bad_request("the tanium-options header must be a JSON object") from None
    if start < 0 or (count is not None and count < 0):
        raise bad_request("row_start and row_count must not be negative")
    return {"row_start": start, "row_count": count, "cache_id": options.get("cache_id")}


def _result_data(core, request: Request, question):
    """One page of rows: `tanium-options` {row_start, row_count, cache_id}; at most result_page_max rows."""
    options = _tanium_options(request)
    start, count = options["row_start"], options["row_count"]
    if core.config.row_start_ignored:
        start = 0
    cache_id, rows = core.questions.snapshot(question, options["cache_id"])
    limit = core.config.result_page_max if count is None else min(count, core.config.result_page_max)
    info = core.questions.result_info(question)
    result_set = dict(info, row_count=len(rows), cache_id=cache_id, filtered_row_count=len(rows),
                      item_count=len(rows), select_count=len(question.selects),
                      columns=[{"hash": s.sensor.hash, "name": s.sensor.name, "type": 1} for s in question.selects],
                      rows=rows[start:start + limit])
    return json_response({"max_available_age": "", "now": "", "result_sets": [result_set]}, envelope=True)


# (method, regex, handler): registered by routes.py with a session required. `name` is one
# URL-quoted path segment.
ROUTES = (
    ("GET", r"/api/v2/system_status", system_status),
    ("GET", r"/plugin/products/dec/v1/endpoints/?", dec_endpoints),
    ("GET", r"/api/v2/sensors/by-name/(?P<name>[^/]+)", sensor_by_name),
    ("GET", r"/api/v2/groups/by-name/(?P<name>[^/]+)", group_by_name),
    ("POST", r"/api/v2/parse_question", parse_question),
    ("POST", r"/api/v2/questions", ask_question),
    ("GET", r"/api/v2/result_info/question/(?P<id>\d+)", question_result_info),
    ("GET", r"/api/v2/result_data/question/(?P<id>\d+)", question_result_data),
    ("GET", r"/api/v2/saved_questions/by-name/(?P<name>[^/]+)", saved_question_by_name),
    ("GET", r"/api/v2/result_info/saved_question/(?P<id>\d+)", saved_result_info),
    ("GET", r"/api/v2/result_data/saved_question/(?P<id>\d+)", saved_result_data),
)
