# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting a Threat Response response action on one endpoint and following its task to the end
(wire facts: docs/wire-format.md#response-actions).

look up the endpoint (its name as the platform spells it, its platform for the quarantine package) ->
POST response-actions -> with wait: find the action's task in the task list by its metadata, read it
until its status is final (wire.RESPONSE_TASK_OUTCOMES) -> read the action once more for its results.
"""

from __future__ import annotations

import datetime

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import format_timestamp, utc_now
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.connections import one_endpoint
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline, answered


class TaskEndedBadly(ThreatResponseError):
    """A task that ended in a status other than success (ERROR, INCOMPLETE, EXPIRED, ...)."""


def start(module):
    client, p = module.client, module.params
    # wait_timeout bounds the whole task, from the endpoint lookup to the task's end.
    task = TaskDeadline(client, p["wait_timeout"])
    with task.step(f"looking up endpoint {p['hostname']}"):
        endpoint = one_endpoint(client, hostname=p["hostname"], warn=module.warn)
    body = action_body(p["type"], endpoint, p["package"], p["expire_seconds"])
    if module.check_mode:
        planned = dict(body, id=None, status=None)
        return dict(changed=True, action=to_record(planned), task=None)
    with task.step(f"starting the {body['type']} response action on {endpoint['hostname']}"):
        action = client.post(client.deploy_path(wire.RESPONSE_ACTIONS), json_body=body)
    if not isinstance(action, dict) or not isinstance(action.get("id"), int):
        raise ThreatResponseError(f"POST {wire.RESPONSE_ACTIONS}: the answer holds no response action id: {action!r}")
    if not p["wait"]:
        return dict(changed=True, action=to_record(action), task=None)
    try:
        ended = task.poll(f"waiting for the task of {body['type']} response action {action['id']} on "
                          f"{endpoint['hostname']} to end", ActionTask(client, action).ended, answered, p["wait_sleep"])
        with task.step(f"reading response action {action['id']}"):
            action = reread(client, action) or action
    except ThreatResponseError as error:
        # The action was started: the failure says so, with the action as it stood.
        error.result = dict(changed=True, action=to_record(action))
        raise
    return dict(changed=True, action=to_record(action), task=to_record(ended))


def action_body(module_type, endpoint, package, expire_seconds):
    """The POST body (docs/wire-format.md#response-actions); InvalidInput before anything is sent."""
    body = {"type": wire.RESPONSE_ACTION_TYPES[module_type], "computerName": endpoint["hostname"], "options": {}}
    if module_type == "quarantine":
        body["options"] = {"packageName": package or quarantine_package(endpoint),
                           "packageParameters": [{"key": key, "value": None} for key in wire.QUARANTINE_PARAMETER_KEYS]}
    elif package:
        raise InvalidInput("package: only a quarantine takes a package")
    if expire_seconds is not None:
        if expire_seconds < 1:
            raise InvalidInput("expire_seconds must be at least 1")
        body["expirationTime"] = format_timestamp(utc_now() + datetime.timedelta(seconds=expire_seconds))
    return body


def quarantine_package(endpoint):
    """The quarantine package of the endpoint's platform (wire.QUARANTINE_PACKAGES)."""
    platform = str(endpoint.get("platform") or "").lower()
    if platform not in wire.QUARANTINE_PACKAGES:
        known = ", ".join(sorted(wire.QUARANTINE_PACKAGES))
        raise InvalidInput(f"package: no quarantine package is known for the platform of {endpoint['hostname']} "
                           f"({endpoint.get('platform') or 'unknown'}; known: {known}); give the package")
    return wire.QUARANTINE_PACKAGES[platform]


class ActionTask:
    """Follows the task of one response action: found in the task list once, then read by id."""

    def __init__(self, client, action):
        self.client = client
        self.action = action
        self.task_id = None

    def ended(self):
        """The task once it has succeeded; None while it has not appeared or not ended."""
        if self.task_id is None:
            task = find_task(self.client, self.action)
            if task is None:
                return None
            self.task_id = task.get("id")
        else:
            task = self.client.get(self.client.deploy_path(wire.TASK, task_id=self.task_id)) or {}
        return ended_task(task, f"the {self.action.get('type')} response action {self.action['id']} on "
                                f"{self.action.get('computerName')}")


def ended_task(task, what):
    """`task` when its status says it succeeded, None when it is not final yet (wire.RESPONSE_TASK_OUTCOMES);
    TaskEndedBadly, naming `what`, the status and the server's error, when it ended otherwise."""
    succeeded = wire.RESPONSE_TASK_OUTCOMES.get(task.get("status")) if isinstance(task, dict) else None
    if succeeded is None:
        return None
    if not succeeded:
        error = f": {task['error']}" if task.get("error") else ""
        raise TaskEndedBadly(f"{what} did not succeed: its task {task.get('id')} ended {task['status']}{error}")
    return task


def find_task(client, action):
    """The task whose metadata names the action (its type and id), from the task list."""
    for task in as_list(client.get(client.deploy_path(wire.TASKS))):
        metadata = task.get("metadata") if isinstance(task, dict) else None
        if isinstance(metadata, dict) and metadata.get("type") == action.get("type") \
                and metadata.get("id") == action["id"]:
            return task
    return None


def reread(client, action):
    """The action as the list shows it now (with its results), newest first; None when it is not there."""
    params = {"sortOrder": "desc", "queryPartialComputerName": action.get("computerName")}
    listing = client.paginate(client.deploy_path(wire.RESPONSE_ACTIONS), params=params,
                              page_size=wire.RESPONSE_ACTION_PAGE)
    return next((a for a in listing if isinstance(a, dict) and a.get("id") == action["id"]), None)
