"""Platform actions (docs/wire-format.md#platform-actions): packages by name, actions that deploy one to a
computer group or to the endpoints a filter group names, and each endpoint's action status in
`result_data/action/{id}`. Always {"data": ...}; sessions shared with Threat Response. In memory only.

Every fleet endpoint reports in turn over `action_delay` seconds (so `mr_tested` grows to the fleet's
size); a targeted endpoint then shows `Running`, and `action_delay` later its final status: `Completed`,
or `Completed` and then `Verified` for a package with a verify group, or `Failed` for a package that does
not apply to its platform. `action_outcomes` (host name -> status) overrides that final status, or, with
`offline`, keeps the endpoint from ever reporting.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from urllib.parse import unquote

from . import guesses
from .clock import iso
from .platform_api import GROUPS
from .sensors import sensor_named
from .wire import Request, bad_request, json_response, not_found

# The packages the emulator knows; `platforms` (emulator-only) says where a package works.
PACKAGES = (
    {"id": 101, "name": "Apply Windows IPsec Quarantine", "platforms": ("windows",)},
    {"id": 102, "name": "Apply Linux IPTables Quarantine", "platforms": ("linux",)},
    {"id": 103, "name": "Apply Mac PF Quarantine", "platforms": ("mac",)},
    {"id": 110, "name": "Custom Tagging - Add Tags", "parameters": ("$1",)},
    {"id": 111, "name": "Distribute Tanium Standard Utilities", "verify_group": 1},
)
ACTION_KEYS = frozenset({"package_spec", "name", "target_group", "action_group", "expire_seconds", "issue_seconds"})
COLUMNS = ("Computer Name", "Action Statuses", "Count")
# An `action_outcomes` value for an endpoint that never reports (it is offline): no row, not in mr_tested.
OFFLINE = "offline"


def package_named(name: str) -> dict | None:
    return next((p for p in PACKAGES if p["name"].lower() == str(name).lower()), None)


def package_applies(package: dict, endpoint: dict) -> bool:
    return endpoint["platform"] in package.get("platforms", (endpoint["platform"],))


def package_wire(package: dict) -> dict:
    parameters = [{"key": key, "label": f"Parameter {key}", "values": [], "parameterType": "text"}
                  for key in package.get("parameters", ())]
    return {"id": package["id"], "name": package["name"], "display_name": package["name"], "expire_seconds": 3600,
            "command": f"cmd /c {package['name']}", "command_timeout": 600,
            "verify_group": {"id": package.get("verify_group", 0)},
            "parameter_definition": json.dumps({"parameters": parameters}) if parameters else "",
            "content_set": {"id": 1, "name": "Base"}}


class ActionBook:
    def __init__(self):
        self._lock = threading.Lock()
        self._actions: dict[int, dict] = {}
        self._ids = itertools.count(1)
        self._anonymous_groups = itertools.count(1001)

    def add(self, action: dict) -> dict:
        with self._lock:
            action["id"] = next(self._ids)
            if action["target_group"].get("id") is None:
                action["target_group"] = {"id": next(self._anonymous_groups), "name": ""}
            self._actions[action["id"]] = action
        return action

    def get(self, action_id: int) -> dict | None:
        with self._lock:
            return self._actions.get(action_id)

    def all(self) -> list[dict]:
        with self._lock:
            return list(self._actions.values())


def _group(value, what: str) -> tuple[int, str, list | None]:
    """(id, name, members) of a group given as {"id"} or {"name"}."""
    if not isinstance(value, dict) or len({"id", "name"} & set(value)) != 1:
        raise bad_request(f'{what} must be {{"id"}} or {{"name"}}')
    for gid, name, member in GROUPS:
        if value.get("id") == gid or str(value.get("name", "")).lower() == name.lower():
            return gid, name, member
    raise bad_request(f"{what}: no group {value}")


def _filter_targets(core, group: dict) -> list[dict]:
    """The endpoints a filter group names: OR'ed sub-groups, each with Computer Name filters."""
    sub_groups = group.get("sub_groups")
    if group.get("and_flag") is not False or not isinstance(sub_groups, list) or not sub_groups:
        raise bad_request("target_group must be a group id, a name, or sub_groups of filters under and_flag false")
    names = set()
    for sub_group in sub_groups:
        for entry in (sub_group or {}).get("filters") or []:
            sensor = sensor_named(str((entry.get("sensor") or {}).get("name", "")))
            if sensor is None or sensor.name != "Computer Name" or entry.get("operator") != "Equal":
                raise bad_request("the emulator's filter groups take Computer Name Equal filters only")
            if (entry.get("sensor") or {}).get("hash") != sensor.hash:
                raise bad_request("a filter's sensor must carry the sensor's hash")
            names.add(str(entry.get("value", "")).lower())
    return [e for e in core.fleet.endpoints if e["name"].lower() in names]


def _parameters(package: dict, spec: dict) -> list:
    given = spec.get("parameters", [])
    keys = [p.get("key") for p in given if isinstance(p, dict)] if isinstance(given, list) else None
    if keys != list(package.get("parameters", ())) or not all(isinstance(p.get("value"), str) for p in given):
        raise bad_request(f"package {package['name']!r} takes the parameters {list(package.get('parameters', ()))}"
                          ' as [{"key", "value": "<text>"}]')
    return given


def create_action(core, request: Request):
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request("the body must be an action object")
    if core.config.strict and set(body) - ACTION_KEYS:
        raise bad_request(f"strict: an action body holds only {sorted(ACTION_KEYS)}, not {sorted(set(body) - ACTION_KEYS)}")
    spec = body.get("package_spec") or {}
    package = next((p for p in PACKAGES if p["id"] == spec.get("source_id")), None)
    if package is None:
        raise bad_request(f"package_spec.source_id: no package {spec.get('source_id')!r}")
    parameters = _parameters(package, spec)
    expire = body.get("expire_seconds")
    if not isinstance(expire, int) or isinstance(expire, bool) or expire <= 0:
        raise bad_request("expire_seconds must be a positive integer")
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise bad_request("name must be a non-empty string")
    action_group = _group(body.get("action_group"), "action_group")
    target = body.get("target_group")
    if isinstance(target, dict) and ("id" in target or "name" in target) and "sub_groups" not in target:
        gid, name, member = _group(target, "target_group")
        targets, target_group = [e for e in core.fleet.endpoints if member(e)], {"id": gid, "name": name}
    else:
        targets, target_group = _filter_targets(core, target or {}), {}
    now = time.time()
    action = core.platform_actions.add({
        "name": body["name"], "stopped_flag": False, "expire_seconds": expire, "start_time": iso(now),
        "creation_time": iso(now), "expiration_time": iso(now + expire),
        "action_group": {"id": action_group[0], "name": action_group[1]},
        "package_spec": {"id": package["id"], "name": package["name"], "parameters": parameters},
        "saved_action": {"id": 0}, "history_saved_question": {"id": 0}, "target_group": target_group,
        "user": {"id": 1, "name": core.sessions.username}, "approver": {"id": 1, "name": core.sessions.username},
        "_started": time.monotonic(), "_targets": [e["name"] for e in targets],
        "_package": package, "_outcomes": dict(core.config.action_outcomes), "_delay": core.config.action_delay})
    return json_response(_action_wire(action), envelope=True)


def _action_wire(action: dict) -> dict:
    expired = time.monotonic() - action["_started"] >= action["expire_seconds"]
    status = guesses.PLATFORM_ACTION_EXPIRED if expired else guesses.PLATFORM_ACTION_RUNNING
    return dict({k: v for k, v in action.items() if not k.startswith("_")}, status=status)


def _action(core, request: Request) -> dict:
    action = core.platform_actions.get(request.int_param("id"))
    if action is None:
        raise not_found(f"Action {request.params['id']}")
    return action


def get_action(core, request: Request):
    return json_response(_action_wire(_action(core, request)), envelope=True)


def endpoint_status(action: dict, endpoint: dict, elapsed: float) -> str:
    """What one targeted endpoint reports `elapsed` seconds after the action started."""
    delay, package = action["_delay"], action["_package"]
    if elapsed < 2 * delay:
        return "Running"
    final = action["_outcomes"].get(endpoint["name"])
    if final is None:
        final = ("Verified" if package.get("verify_group") else "Completed") if package_applies(package, endpoint) else "Failed"
    if final == "Verified" and elapsed < 3 * delay:
        return "Completed"  # done, not yet verified
    return final


def action_result_data(core, request: Request):
    action = _action(core, request)
    fleet = core.fleet.endpoints
    elapsed = time.monotonic() - action["_started"]
    # Every endpoint reports in turn over the first `delay` seconds (a zero delay: all at once).
    reported = fleet if action["_delay"] <= 0 else fleet[:min(len(fleet), int(elapsed / action["_delay"] * len(fleet)))]
    reported = [e for e in reported if action["_outcomes"].get(e["name"]) != OFFLINE]
    rows = [{"id": endpoint["client_id"], "cid": str(endpoint["client_id"]), "data": [
        [{"text": endpoint["name"]}], [{"text": f"{action['id']}:{endpoint_status(action, endpoint, elapsed)}."}],
        [{"text": "1"}]]} for endpoint in reported if endpoint["name"] in action["_targets"]]
    result_set = {"age": 0, "id": action["id"], "mr_tested": len(reported), "estimated_total": len(fleet),
                  "tested": len(reported), "passed": len(rows), "mr_passed": len(rows), "row_count": len(rows),
                  "columns": [{"name": name, "hash": index + 1, "type": 1} for index, name in enumerate(COLUMNS)],
                  "rows": rows}
    now = time.strftime("%Y/%m/%d %H:%M:%S GMT-0000", time.gmtime())
    return json_response({"max_available_age": "", "now": now, "result_sets": [result_set]}, envelope=True)


def package_by_name(core, request: Request):
    package = package_named(unquote(request.params["name"]))
    if package is None:
        raise not_found(f"Package {unquote(request.params['name'])}")
    return json_response(package_wire(package), envelope=True)


# (method, regex, handler): registered by routes.py with a session required.
ROUTES = (
    ("GET", r"/api/v2/packages/by-name/(?P<name>[^/]+)", package_by_name),
    ("POST", r"/api/v2/actions", create_action),
    ("GET", r"/api/v2/actions/(?P<id>\d+)", get_action),
    ("GET", r"/api/v2/result_data/action/(?P<id>\d+)", action_result_data),
)
