#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: response_action
short_description: Start a Threat Response response action on one endpoint, and follow its task to the end
version_added: 0.1.0
description:
  - Starts a response action on one endpoint (C(POST .../response-actions)) - gather a snapshot, or quarantine
    the endpoint - and, with O(wait=true), follows the task the action runs until it has ended.
  - Threat Response queues the action until the endpoint runs it, so the endpoint need not be online when the
    task starts; no live connection is opened (see M(tanium.threat_response.snapshot) for that).
  - Always reports C(changed) when it starts an action (each run starts a new one).
  - A task that ends in any status but C(COMPLETED) (C(ERROR), C(INCOMPLETE), an expired action, ...) fails the
    task, naming the action, the task, its status and the server's error.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  hostname:
    description:
      - Host name of the endpoint, as the platform knows it (exact, case-insensitive). The action names the
        endpoint as the platform spells it.
    type: str
    required: true
  type:
    description:
      - V(gather_snapshot) collects a snapshot of the endpoint's recorded activity into Threat Response.
      - V(quarantine) applies the quarantine package of the endpoint's platform, which cuts the endpoint off the
        network except for Tanium.
    type: str
    required: true
    choices: [gather_snapshot, quarantine]
  package:
    description:
      - The quarantine package to apply (V(type=quarantine) only).
      - Default by the endpoint's platform, as the platform API reports it - V(Apply Windows IPsec Quarantine),
        V(Apply Linux IPTables Quarantine) or V(Apply Mac PF Quarantine). When the platform is unknown, the task
        fails before starting anything and asks for this option.
    type: str
  expire_seconds:
    description:
      - When given, the action expires this many seconds from now (the controller's clock) if the endpoint has
        not run it by then; an expired action fails the task when O(wait=true).
      - Without it, the server's own expiry applies.
    type: int
  wait:
    description:
      - Whether to follow the action's task until it has ended.
      - Without waiting, the task returns once the server has queued the action.
      - O(wait_timeout) bounds the whole task; when it passes first, the task fails (the action stays queued on
        the server) and says what it was still waiting for.
    type: bool
    default: false
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.wait.poll
  - tanium.threat_response.attributes.JOB
attributes:
  check_mode:
    details: The endpoint is looked up and the request it would send is returned as RV(action); nothing is started.
  diff_mode:
    details: An action has no before and after to show.
notes:
  - The paths are those of the threat-response API family, whatever O(api_version) says, as public clients of
    Threat Response 4.x send them.
  - The action's task is the one in the server's task list whose metadata names the action's type and id; the
    action is read once more at the end for its results (for a snapshot, C(snapshot_name) in RV(action.results)).
  - "Inferred about the server (no public source states it): that a gathered snapshot's task carries the same
    metadata as a quarantine's, and that C(EXPIRED), C(CANCELLED) and C(FAILED) end a task without success
    (C(COMPLETED), C(ERROR) and C(INCOMPLETE) are seen in public clients)."
  - The role C(tanium.threat_response.contain) gathers a snapshot and quarantines with this module.
seealso:
  - module: tanium.threat_response.snapshot
  - module: tanium.threat_response.platform_action
"""

EXAMPLES = r"""
- name: Gather a snapshot of the alerted endpoint and wait for it
  tanium.threat_response.response_action:
    hostname: WIN-HR-03
    type: gather_snapshot
    wait: true

- name: Quarantine it (the package follows its platform)
  tanium.threat_response.response_action:
    hostname: WIN-HR-03
    type: quarantine
    expire_seconds: 3600
    wait: true
  register: quarantine

- name: Show the task that applied it
  ansible.builtin.debug:
    msg: "task {{ quarantine.task.id }} {{ quarantine.task.status }}"
"""

RETURN = r"""
action:
  description:
    - The response action with snake_case keys, as the server returns it (read again at the end with
      O(wait=true)); in check mode the request that would be sent, with a null C(id) and C(status).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the response action.
      type: int
      sample: 12
    type:
      description: The action type on the wire, V(gatherSnapshot) or V(quarantine).
      type: str
      sample: quarantine
    computer_name:
      description: The endpoint, as the platform spells its name.
      type: str
      sample: WIN-HR-03
    status:
      description: V(QUEUED) when started; V(COMPLETED) once done.
      type: str
      sample: COMPLETED
    options:
      description: The options sent; for a quarantine C(package_name) and C(package_parameters).
      type: dict
    results:
      description: What the action produced once done, for example C(task_ids) and, for a snapshot, C(snapshot_name).
      type: dict
      sample: {"task_ids": [7], "action_ids": [], "snapshot_name": "WIN-HR-03-1.db"}
  sample: {"id": 12, "type": "quarantine", "computer_name": "WIN-HR-03", "status": "COMPLETED"}
task:
  description: The task the action ran, with snake_case keys, once it has ended; null without O(wait=true).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the task.
      type: int
      sample: 7
    status:
      description: V(COMPLETED).
      type: str
      sample: COMPLETED
    metadata:
      description: The action it belongs to, C(type) and C(id).
      type: dict
      sample: {"type": "quarantine", "id": 12}
    end_time:
      description: When the task ended.
      type: str
      sample: "2026-03-01T10:15:02.120Z"
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.response_actions import start


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            hostname=dict(type="str", required=True),
            type=dict(type="str", required=True, choices=["gather_snapshot", "quarantine"]),
            package=dict(type="str"),
            expire_seconds=dict(type="int"),
            wait=dict(type="bool", default=False),
            **wait_argument_spec(timeout=600, sleep=5),
        ),
    )
    module.run(start)


if __name__ == "__main__":
    main()
