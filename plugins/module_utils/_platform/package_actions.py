# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deploying one Tanium package to a computer group or to named endpoints (a platform action), and
reading each endpoint's status until every one is final (wire facts: docs/wire-format.md#platform-actions).

the package by name (its id, parameters, expiry, verify group) -> the target: a computer group's id, or a
filter group of the host names -> POST /api/v2/actions -> with wait: read result_data/action/{id} until
every endpoint's status is final (wire.ENDPOINT_ACTION_STATUSES) or the wait ends.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    InvalidInput,
    NotFoundError,
    ThreatResponseError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.endpoints import computer_group_id
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline, TimedOut


def deploy(module):
    client, p = module.client, module.params
    if p["hostnames"] is not None and not p["hostnames"]:
        raise InvalidInput("hostnames: give at least one host name (or a computer_group)")
    if p["expire_seconds"] is not None and p["expire_seconds"] < 1:
        raise InvalidInput("expire_seconds must be at least 1")
    # wait_timeout bounds the whole task, from the package lookup to the last status read.
    task = TaskDeadline(client, p["wait_timeout"])
    with task.step(f"reading package {p['package']!r} and the target"):
        package = read_package(client, p["package"])
        hostnames = known_hostnames(client, p["hostnames"]) if p["hostnames"] else None
        target = (_hostname_group(client, hostnames) if hostnames
                  else {"id": computer_group_id(client, p["computer_group"])})
    body = {"package_spec": {"source_id": package["id"]},
            "name": p["name"] or f"{package['name']} (Ansible tanium.threat_response)",
            "target_group": target,
            "action_group": {"name": p["action_group"]},
            "expire_seconds": package.get("expire_seconds") if p["expire_seconds"] is None else p["expire_seconds"]}
    parameters = package_parameters(package, p["parameters"])
    if parameters:
        body["package_spec"]["parameters"] = parameters
    if not isinstance(body["expire_seconds"], int) or body["expire_seconds"] < 1:
        raise InvalidInput(f"expire_seconds: package {package['name']!r} names no expiry; give expire_seconds")
    if module.check_mode:
        return dict(changed=True, action=None, results=[], complete=False)
    with task.step(f"starting the action of package {package['name']!r}"):
        action = as_list(client.post(wire.ACTIONS, json_body=body))[0]
    if not p["wait"]:
        return dict(changed=True, action=to_record(action), results=[], complete=False)
    try:
        results, complete = wait_for_results(task, action["id"], verified=_has_verify_group(package),
                                             hostnames=hostnames, sleep=p["wait_sleep"])
    except ThreatResponseError as error:
        error.result = dict(changed=True, action=to_record(action))
        raise
    if not complete:
        pending = [r["hostname"] for r in results if not r["final"]]
        module.warn(f"wait_timeout passed before every endpoint's status was final (not final: "
                    f"{', '.join(pending) or 'endpoints that had not reported yet'})")
    return dict(changed=True, action=to_record(action), results=results, complete=complete)


def read_package(client, name):
    try:
        package = as_list(client.get(wire.PACKAGE_BY_NAME.format(name=quote(name, safe=""))))
    except NotFoundError:
        raise InvalidInput(f"package: the server has no package named {name!r}") from None
    if not package or not isinstance(package[0].get("id"), int):
        raise InvalidInput(f"package: the server's answer for {name!r} holds no package id")
    return package[0]


def package_parameters(package, values):
    """[{"key", "value"}] for the package's parameters, from `values` in their order; InvalidInput when
    the counts differ (the package's parameter_definition is a JSON string)."""
    definition = package.get("parameter_definition") or ""
    try:
        keys = [entry["key"] for entry in json.loads(definition).get("parameters", [])] if definition else []
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ApiError("GET", wire.PACKAGE_BY_NAME, 200, "the package's parameter_definition is not the expected JSON") from None
    values = list(values or [])
    if len(values) != len(keys):
        raise InvalidInput(f"parameters: package {package['name']!r} takes {len(keys)} parameter(s) "
                           f"({', '.join(keys) or 'none'}), {len(values)} given")
    return [{"key": key, "value": str(value)} for key, value in zip(keys, values)]


def _has_verify_group(package):
    return bool((package.get("verify_group") or {}).get("id"))


def known_hostnames(client, hostnames):
    """The names as the platform spells them (one system_status read); InvalidInput for names it does not know."""
    entries = [e for e in as_list(client.get(wire.SYSTEM_STATUS)) if isinstance(e, dict) and "computer_id" in e]
    spelled = {str(e.get("host_name", "")).lower(): e.get("host_name") for e in entries}
    unknown = [name for name in hostnames if name.lower() not in spelled]
    if unknown:
        raise InvalidInput(f"hostnames: the platform knows no endpoint named {', '.join(unknown)}")
    return list(dict.fromkeys(spelled[name.lower()] for name in hostnames))


def _hostname_group(client, hostnames):
    """A target filter group: one sub-group per host, `Computer Name` equal to it, OR'ed."""
    sensor = as_list(client.get(wire.SENSOR_BY_NAME.format(name=quote(wire.HOSTNAME_SENSOR, safe=""))))[0]
    reference = {"hash": sensor.get("hash"), "id": sensor.get("id"), "name": wire.HOSTNAME_SENSOR}
    return {"and_flag": False, "filters": [], "sub_groups": [
        {"and_flag": True, "filters": [{"sensor": reference, "operator": "Equal", "value": name,
                                        "value_type": "String", "ignore_case_flag": True}], "sub_groups": []}
        for name in hostnames]}


def wait_for_results(task, action_id, verified, hostnames, sleep):
    """(per-endpoint results, complete) once every endpoint's status is final, or when the task's
    deadline (a waiting.TaskDeadline) passes: then what was read by then, with complete false.

    Named endpoints are complete when each has a final status; a group when every endpoint has
    reported (`mr_tested` reaches `estimated_total`) and each row's status is final.
    """
    def finished(seen):
        results, reported_all = seen
        return reported_all and all(r["final"] for r in results)

    try:
        results, _reported_all = task.poll(f"waiting for every endpoint's final status of action {action_id}",
                                           lambda: read_results(task.client, action_id, verified, hostnames),
                                           finished, sleep)
        return results, True
    except TimedOut as timed_out:
        return (timed_out.last[0] if timed_out.last else []), False


def read_results(client, action_id, verified, hostnames=None):
    """(results, every endpoint reported): one `{hostname, status, final}` per endpoint."""
    path = wire.ACTION_RESULT_DATA.format(action_id=action_id)
    answer = client.get(path)
    sets = answer.get("result_sets") if isinstance(answer, dict) else None
    if not sets or not isinstance(sets[0], dict):
        raise ApiError("GET", path, 200, "the answer holds no result_sets")
    result = sets[0]
    columns = [c.get("name") for c in result.get("columns") or []]
    if wire.ACTION_HOST_COLUMN not in columns or wire.ACTION_STATUS_COLUMN not in columns:
        return [], False  # no row yet
    host_at, status_at = columns.index(wire.ACTION_HOST_COLUMN), columns.index(wire.ACTION_STATUS_COLUMN)
    seen = {}
    for row in result.get("rows") or []:
        cells = row.get("data") or []
        host, status = _text(cells, host_at), endpoint_status(_text(cells, status_at))
        seen[host] = {"hostname": host, "status": status, "final": status_is_final(status, verified)}
    if hostnames is not None:
        return [seen.get(name, {"hostname": name, "status": None, "final": False}) for name in hostnames], True
    tested, total = result.get("mr_tested") or 0, result.get("estimated_total") or 0
    return sorted(seen.values(), key=lambda r: str(r["hostname"]).lower()), total > 0 and tested >= total


def _text(cells, index):
    cell = cells[index] if index < len(cells) else []
    return str(cell[0].get("text", "")) if cell and isinstance(cell[0], dict) else ""


def endpoint_status(text):
    """`Completed` from a status cell such as `12:Completed.` (the action id, a colon, the status)."""
    return text.strip().rsplit(":", 1)[-1].rstrip(".").strip()


def status_is_final(status, verified):
    """Whether an endpoint's status is final, by wire.ENDPOINT_ACTION_STATUSES (unknown ones are not)."""
    return wire.ENDPOINT_ACTION_STATUSES.get(status, (False, False))[1 if verified else 0]
