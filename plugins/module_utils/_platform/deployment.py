# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting a deployment of all intel, and telling when the one a task started has finished.

INFERRED (docs/wire-format.md#deployment-finished): no public source says how a client can tell
that a deployment has finished, or when one document counts as deployed. The wait polls the task
the deploy answer names (`TaskWatch`, the way public clients wait for other tasks) and falls back
to the status rule `deployment_finished` when the task cannot be read; `document_deployed` is a
guess too. They live only here, so one edit changes them for every module and role.
"""

from __future__ import annotations

import datetime
import json
import time

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    ApiError,
    DeadlineExceeded,
    ThreatResponseError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import Deadline
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import parse_timestamp

# INFERRED: deploying touches a document's updatedAt just after stamping lastDeploymentTimestamp
# (23 ms later in the one public sample), so a document edited within this margin after its last
# deployment is taken for deployed.
DEPLOYMENT_TOUCHES_UPDATED_AT = datetime.timedelta(seconds=2)


class DeploymentTimeout(ThreatResponseError):
    """The deployment had not finished when the wait ran out; `last_status` is the last status read."""

    def __init__(self, timeout, last_status, task_id=None, task_status=None, reason=""):
        self.timeout = timeout
        self.last_status = last_status
        task = f" (task {task_id})" if task_id is not None else ""
        because = f" ({reason})" if reason else ""
        seen = f"; last task status: {task_status}" if task_status else ""
        super().__init__(f"gave up after {timeout} seconds: the deployment{task} had not finished{because}{seen}; "
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


def document_deployed(intel):
    """Whether one intel document is in the deployed package: True, False, or None when unknown.

    Only the 4.x family returns lastDeploymentTimestamp; without it the answer is unknown.
    """
    if "lastDeploymentTimestamp" not in intel:
        return None
    deployed_at = parse_timestamp(intel.get("lastDeploymentTimestamp"))
    if deployed_at is None:
        return False
    updated_at = parse_timestamp(intel.get("updatedAt"))
    return updated_at is None or updated_at <= deployed_at + DEPLOYMENT_TOUCHES_UPDATED_AT


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


def wait_for_deployment(client, before, requested_at, timeout, sleep, task_id=None, clock=time.monotonic,
                        sleeper=time.sleep):
    """Poll every `sleep` seconds until the deployment is finished; returns the status read then.

    Finished is task `task_id` at wire.TASK_DONE, or the status rule once the task cannot be read.
    Raises DeploymentFailed when the task fails, and DeploymentTimeout (with the last status read)
    when `timeout` seconds pass first: no read, retry or pause of the client runs past that
    (docs/reliability.md, "Bounded waits"). Expired logins and transient 5xx are the client's job.
    """
    deadline = Deadline(timeout, "the deployment to finish", clock)
    watch = TaskWatch(client, task_id)
    status = before
    try:
        with client.within(deadline):
            while True:
                task_status = watch.read()
                if task_status in wire.TASK_FAILED:
                    raise DeploymentFailed(task_id, watch.task)
                # Read in both modes: it is what the module reports.
                status = read_status(client)
                if task_status == wire.TASK_DONE or (task_status is None and
                                                     deployment_finished(before, status, requested_at)):
                    return status
                remaining = deadline.remaining()
                if remaining <= 0:
                    raise DeploymentTimeout(timeout, status, task_id, watch.last)
                sleeper(min(sleep, remaining))
    except DeadlineExceeded as exceeded:
        raise DeploymentTimeout(timeout, status, task_id, watch.last, exceeded.reason) from None


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
