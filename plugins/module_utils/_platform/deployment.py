# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting a deployment of all intel, and telling when the one a task started has finished.

INFERRED (docs/wire-format.md#deployment-finished): no public source says how a client can tell
that a deployment has finished, or when one document counts as deployed. The wait polls the task
the deploy answer names (`TaskWatch`, the way public clients wait for other tasks) and falls back
to the status rule `deployment_finished` when the task cannot be read. They live only here, so one
edit changes them for every module and role; `document_deployed`, a guess too, lives with the intel
record in _api/records.py (the intel room uses it as well).
"""

from __future__ import annotations

import json

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    ThreatResponseError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TimedOut
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import parse_timestamp


class DeploymentTimeout(ThreatResponseError):
    """The deployment had not finished when the wait ran out; `last_status` is the last status read."""

    def __init__(self, timeout, last_status, task_id=None, task_status=None, reason=""):
        self.timeout = timeout
        self.last_status = last_status
        task = f" (task {task_id})" if task_id is not None else ""
        because = f" ({reason})" if reason else ""
        seen = f"; last task status: {task_status}" if task_status else ""
        super().__init__(f"gave up after wait_timeout ({timeout} seconds): the deployment{task} had not finished"
                         f"{because}{seen}; "
                         f"last status seen: {json.dumps(status_record(last_status), sort_keys=True)}")


class DeploymentFailed(ThreatResponseError):
    """The deployment's task ended in a failure status (wire.TASK_FAILED)."""

    def __init__(self, task_id, task):
        error = task.get("error")
        detail = "" if not error else f": {error if isinstance(error, str) else json.dumps(error, sort_keys=True)}"
        super().__init__(f"the deployment task {task_id} ended with status {task.get('status')}{detail}")


def deployment_finished(before, now, requested_at):
    """Whether status `now` shows that the deployment requested at `requested_at` has finished.

    `before` is the status read just before the deploy request; `requested_at` an aware datetime.
    """
    if now.get("pendingRevision") is not None:
        return False  # a package is still being built or distributed
    current = _revision(now.get("currentRevision"))
    if before.get("pendingRevision") is not None:
        # An earlier deployment was still running: ours queues behind it (docs/wire-format.md#deploy-and-deployment-status), so only a
        # revision past that one's is ours, and a newer modifiedAt may be that one's finishing.
        pending_before = _revision(before.get("pendingRevision"))
        return current is not None and pending_before is not None and current > pending_before
    current_before = _revision(before.get("currentRevision"))
    if current is not None and current_before is not None and current > current_before:
        return True
    # A deployment may keep the revision (UNKNOWN, e.g. when nothing changed): a modifiedAt newer
    # than both the request and the one seen before tells instead. Both, so that neither clock skew
    # between controller and server nor an unchanged status passes for a finished deployment.
    modified = parse_timestamp(now.get("modifiedAt"))
    modified_before = parse_timestamp(before.get("modifiedAt"))
    return (modified is not None and modified > requested_at
            and (modified_before is None or modified > modified_before))


def status_record(status):
    """The deployment status with snake_case keys, plus `deployed`: nothing is pending."""
    record = to_record(status or {})
    record["deployed"] = record.get("pending_revision") is None
    return record


def read_status(client):
    return client.get(client.deploy_path(wire.DEPLOY_STATUS)) or {}


def start_deployment(client):
    """Ask the server to deploy all intel; returns the task id it gives (None if it gives none)."""
    answer = client.post(client.deploy_path(wire.DEPLOY), json_body=wire.DEPLOY_BODY)
    return answer.get("taskId") if isinstance(answer, dict) else None


def wait_for_deployment(task, before, requested_at, sleep, task_id=None):
    """Poll every `sleep` seconds until the deployment is finished; returns the status read then.

    `task` is the module's TaskDeadline (wait_timeout). Finished is task `task_id` at wire.TASK_DONE,
    or the status rule once the task cannot be read. Raises DeploymentFailed when the task fails, and
    DeploymentTimeout (with the last status read) when the deadline passes first. Expired logins and
    transient 5xx are the client's job.
    """
    watch = TaskWatch(task.client, task_id)

    def read():
        task_status = watch.read()
        if task_status in wire.TASK_FAILED:
            raise DeploymentFailed(task_id, watch.task)
        # Read in both modes: it is what the module reports.
        return task_status, read_status(task.client)

    def finished(seen):
        task_status, status = seen
        if task_status is None:  # the task cannot be read: the status decides
            return deployment_finished(before, status, requested_at)
        return task_status == wire.TASK_DONE

    try:
        return task.poll("waiting for the deployment to finish", read, finished, sleep)[1]
    except TimedOut as timed_out:
        status = timed_out.last[1] if timed_out.last else before
        raise DeploymentTimeout(task.seconds, status, task_id, watch.last, timed_out.reason) from None


class TaskWatch:
    """Reads the deployment's task; once the server will not show it, stays out of the way."""

    def __init__(self, client, task_id):
        self.client = client
        self.task_id = task_id
        self.readable = task_id is not None
        self.task = {}
        self.last = None

    def read(self):
        """The task's status, or None when the task cannot be read (then for the rest of the wait)."""
        if not self.readable:
            return None
        try:
            task = self.client.get(self.client.deploy_path(wire.TASK, task_id=self.task_id))
        except ApiError as error:
            if error.status not in wire.TASK_UNREADABLE:
                raise
            task = None
        if not isinstance(task, dict) or not isinstance(task.get("status"), str):
            self.readable = False
            return None
        self.task, self.last = task, task["status"]
        return self.last


def _revision(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None
