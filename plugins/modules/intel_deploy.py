#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_deploy
short_description: Deploy all Tanium Threat Response intel to the endpoints
version_added: 0.1.0
description:
  - Starts a deployment of all intel on the Threat Response server (the server always deploys
    everything, never one document), and optionally waits until that deployment has finished.
  - A deployment takes minutes and later requests queue behind it, so deploy once after all changes,
    not after each one.
  - Deploying is an action, not a state, so the task reports a change every time it starts one.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options: {}
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.wait
  - tanium.threat_response.attributes.JOB
attributes:
  check_mode:
    details: The lookup is of the current status, returned as RV(status); a deployment is always reported as a change.
notes:
  - The deploy request is sent again only when the server surely did not act on it (HTTP 429 or 503, or no
    connection made). After a gateway error or a dropped connection the task fails instead, as a second
    request would queue a second deployment.
seealso:
  - module: tanium.threat_response.intel_status_info
  - module: tanium.threat_response.alert_info
"""

EXAMPLES = r"""
- name: Start a deployment and move on
  tanium.threat_response.intel_deploy:
  register: deployment

- name: Deploy and wait up to 30 minutes, reading the status every 30 seconds
  tanium.threat_response.intel_deploy:
    wait: true
    wait_timeout: 1800
    wait_sleep: 30

- name: Deploy only when an upload changed something
  tanium.threat_response.intel_deploy:
    wait: true
  when: upload is changed

- name: Deploy on a second server, logging in with a username and password
  tanium.threat_response.intel_deploy:
    url: https://tanium-staging.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    ca_path: /etc/pki/tanium-ca.pem
    wait: true
"""

RETURN = r"""
task_id:
  description: Id of the server task that runs the deployment; null in check mode.
  returned: always
  type: int
  sample: 779
status:
  description:
    - The deployment status after the task (at the end of the wait, with O(wait)); in check mode, the
      status before it. Also returned when the wait times out, holding the last status read.
  returned: always
  type: dict
  contains:
    created_at:
      description: When the server's first intel package was created (ISO 8601, UTC), not this task's deployment.
      type: str
      sample: "2021-05-02T19:18:00.685Z"
    modified_at:
      description:
        - When the last deployment finished (ISO 8601, UTC).
        - After a successful wait, normally the end of this task's deployment.
      type: str
      sample: "2021-07-14T10:23:41.512Z"
    current_revision:
      description:
        - Revision of the deployed intel package. Each deployment increments it, so after a successful wait it is
          normally one more than in check mode or before the task.
      type: int
      sample: 11
    current_size:
      description: Size in bytes of the package at RV(status.current_revision).
      type: int
      sample: 2150
    pending_revision:
      description:
        - Revision of the package still being deployed; null when none is.
        - Without O(wait), and when the wait times out, normally the revision of this task's deployment.
      type: int
      sample: null
    pending_size:
      description: Size in bytes of the package at RV(status.pending_revision); null when none is pending.
      type: int
      sample: null
    deployed:
      description:
        - True when nothing is pending (RV(status.pending_revision) is null).
        - Normally true after a successful wait, and false without O(wait), as the deployment has only started.
      type: bool
      sample: true
elapsed:
  description: Seconds from the deploy request to the end of the task; 0 in check mode.
  returned: always
  type: float
  sample: 312.4
"""

import time

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.deployment import (
    DeploymentTimeout,
    read_status,
    start_deployment,
    status_record,
    wait_for_deployment,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.waiting import TaskDeadline
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import utc_now


def deploy(module):
    client, params = module.client, module.params
    # wait_timeout bounds the whole task, from this first read to the exit, with or without `wait`.
    task = TaskDeadline(client, params["wait_timeout"])
    with task.step("reading the deployment status"):
        before = read_status(client)
    if module.check_mode:
        return dict(changed=True, task_id=None, status=status_record(before), elapsed=0.0)
    started, requested_at = time.monotonic(), utc_now()
    with task.step("asking the server to deploy"):
        task_id = start_deployment(client)
    try:
        if not params["wait"]:
            with task.step("reading the deployment status"):
                status = read_status(client)
        else:
            status = wait_for_deployment(task, before, requested_at, params["wait_sleep"], task_id=task_id)
    except DeploymentTimeout as timeout:
        module.fail_json(msg=str(timeout), changed=True, task_id=task_id, status=status_record(timeout.last_status),
                         elapsed=round(time.monotonic() - started, 1))
    except ThreatResponseError as error:
        # The deployment started: the failure must not hide that (changed, and which task to look at).
        module.fail_json(msg=module.scrub(f"the deployment started (task {task_id}), then: {error}"), changed=True,
                         task_id=task_id, elapsed=round(time.monotonic() - started, 1))
    return dict(changed=True, task_id=task_id, status=status_record(status), elapsed=round(time.monotonic() - started, 1))


def main():
    module = ThreatResponseModule(
        # Documented in plugins/doc_fragments/wait.py; the roles use the same names.
        argument_spec=dict(wait=dict(type="bool", default=False), **wait_argument_spec(timeout=900, sleep=10)),
    )
    module.run(deploy)


if __name__ == "__main__":
    main()
