# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Starting a deployment of all intel, and telling when the one a task started has finished.

INFERRED (reference §7.3): no public source says how a client can tell that a deployment has
finished, or when one document counts as deployed. The two rules below, `deployment_finished` and
`document_deployed`, are guesses; they live only here, so one edit changes them for every module
and role.
"""

from __future__ import annotations

import datetime
import json
import time

from ansible_collections.tanium.threat_response.plugins.module_utils import _wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError, TransportError
from ansible_collections.tanium.threat_response.plugins.module_utils._records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._timestamps import parse_timestamp

# INFERRED: deploying touches a document's updatedAt just after stamping lastDeploymentTimestamp
# (23 ms later in the one public sample), so a document edited within this margin after its last
# deployment is taken for deployed.
DEPLOYMENT_TOUCHES_UPDATED_AT = datetime.timedelta(seconds=2)
# A status read near the end of a wait still gets this long, so it can succeed at all.
MIN_READ_TIMEOUT = 1.0


class DeploymentTimeout(ThreatResponseError):
    """The deployment had not finished when the wait ran out; `last_status` is the last status read."""

    def __init__(self, timeout, last_status):
        self.timeout = timeout
        self.last_status = last_status
        super().__init__(f"the deployment had not finished after {timeout} seconds; last status seen: "
                         f"{json.dumps(status_record(last_status), sort_keys=True)}")


def deployment_finished(before, now, requested_at):
    """Whether status `now` shows that the deployment requested at `requested_at` has finished.

    `before` is the status read just before the deploy request; `requested_at` an aware datetime.
    """
    if now.get("pendingRevision") is not None:
        return False  # a package is still being built or distributed
    current = _revision(now.get("currentRevision"))
    if before.get("pendingRevision") is not None:
        # An earlier deployment was still running: ours queues behind it (quirk Q10), so only a
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
    return client.get(client.deploy_path(_wire.DEPLOY_STATUS)) or {}


def start_deployment(client):
    """Ask the server to deploy all intel; returns the task id it gives (None if it gives none)."""
    # `{}`, not an empty body: the server refuses an empty body sent as JSON (quirk Q9).
    answer = client.post(client.deploy_path(_wire.DEPLOY), json_body={})
    return answer.get("taskId") if isinstance(answer, dict) else None


def wait_for_deployment(client, before, requested_at, timeout, sleep, clock=time.monotonic, sleeper=time.sleep):
    """Read the status every `sleep` seconds until the deployment is finished; returns that status.

    Raises DeploymentTimeout, carrying the last status read, when `timeout` seconds pass first. Each
    read gets at most the time left (the client's timeout is lowered for it), so slow reads do not
    stretch the wait. An expired login or a transient 5xx during the wait is handled by the client.
    """
    deadline = clock() + timeout
    full_timeout, status = client.timeout, before
    try:
        while True:
            client.timeout = max(MIN_READ_TIMEOUT, min(full_timeout, deadline - clock()))
            try:
                status = read_status(client)
            except TransportError:
                if clock() >= deadline:
                    raise DeploymentTimeout(timeout, status) from None
                raise
            if deployment_finished(before, status, requested_at):
                return status
            remaining = deadline - clock()
            if remaining <= 0:
                raise DeploymentTimeout(timeout, status)
            sleeper(min(sleep, remaining))
    finally:
        client.timeout = full_timeout


def _revision(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None
