#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: platform_action
short_description: Deploy a Tanium package to a computer group or to named endpoints, and read each endpoint's status
version_added: 0.1.0
description:
  - Creates a platform action (C(POST /api/v2/actions)) that deploys one Tanium package, with its parameters, to a
    computer group or to the endpoints named in O(hostnames).
  - With O(wait=true), reads each endpoint's action status until every one is final or O(wait_timeout) passes,
    and returns one result per endpoint. Reaching O(wait_timeout) does not fail the task; RV(complete) says
    whether every status was final, and a warning names the endpoints that were not.
  - An endpoint whose package failed is reported in RV(results), not as a failed task; test RV(results) to act on it.
  - Always reports C(changed) (each run starts a new action).
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  package:
    description:
      - Name of the Tanium package to deploy, for example V(Apply Windows IPsec Quarantine).
    type: str
    required: true
  parameters:
    description:
      - Values of the package's parameters, in the order the package defines them (C($1), C($2), ...).
      - The count must match the package's parameters; otherwise the task fails before starting anything.
    type: list
    elements: str
    default: []
  computer_group:
    description:
      - Name of the computer group to deploy to.
      - Exactly one of O(computer_group) and O(hostnames) is required.
    type: str
  hostnames:
    description:
      - Host names of the endpoints to deploy to (exact, case-insensitive); each must be known to the platform.
    type: list
    elements: str
  action_group:
    description:
      - Name of the action group the action belongs to (it limits which endpoints may run it).
    type: str
    required: true
  name:
    description:
      - Name of the action. Default C(<package> (Ansible tanium.threat_response)).
    type: str
  expire_seconds:
    description:
      - Seconds until the action expires. Default the package's own C(expire_seconds).
    type: int
  wait:
    description:
      - Whether to read each endpoint's status until every one is final.
    type: bool
    default: false
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.wait.poll
  - tanium.threat_response.attributes.JOB
attributes:
  check_mode:
    details: The package, the target and the parameters are checked; the action is not created.
  diff_mode:
    details: An action has no before and after to show.
notes:
  - "Final statuses, from a public client: C(Completed), C(Verified), C(Failed), C(NotSucceeded), C(Expired) and
    C(Stopped); C(Completed) is not final for a package with a verify group (its endpoints go on to
    C(Verified)). C(PendingVerification), C(Running), C(Downloading), C(Copying), C(Waiting) and any other status
    are not final."
  - "A computer group is complete when every endpoint the server counts has reported (C(mr_tested) reaches
    C(estimated_total)) and every row's status is final; named endpoints when each has a final status."
  - "Inferred about the server: named endpoints are targeted with a filter group of one C(Computer Name) filter per
    host, OR'ed (a public client builds this group for one host)."
seealso:
  - module: tanium.threat_response.response_action
  - module: tanium.threat_response.question_info
"""

EXAMPLES = r"""
- name: Tag the Windows endpoints and wait for each one's status
  tanium.threat_response.platform_action:
    package: Custom Tagging - Add Tags
    parameters: [contained]
    computer_group: Windows Computers
    action_group: All Computers
    wait: true
  register: tagged

- name: The endpoints where it did not succeed
  ansible.builtin.debug:
    msg: "{{ tagged.results | rejectattr('status', 'in', ['Completed', 'Verified']) | map(attribute='hostname') | list }}"

- name: Quarantine two Linux servers
  tanium.threat_response.platform_action:
    package: Apply Linux IPTables Quarantine
    hostnames: [lnx-web-01, lnx-build-02]
    action_group: All Computers
    wait: true
"""

RETURN = r"""
action:
  description: The action the server created, with snake_case keys; null in check mode.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the action.
      type: int
      sample: 41
    name:
      description: Name of the action.
      type: str
      sample: Apply Windows IPsec Quarantine (Ansible tanium.threat_response)
    status:
      description: The action's status when created, for example V(Active) or V(Pending).
      type: str
      sample: Active
    target_group:
      description: The group it targets, C(id) and C(name) (an unnamed group for O(hostnames)).
      type: dict
      sample: {"id": 2, "name": "Windows Computers"}
    expiration_time:
      description: When the action expires.
      type: str
      sample: "2026-03-01T11:15:02Z"
results:
  description:
    - One entry per endpoint, sorted by host name (for O(hostnames), in their order, with a null C(status) for
      an endpoint that had not reported); empty without O(wait=true).
  returned: always
  type: list
  elements: dict
  contains:
    hostname:
      description: The endpoint.
      type: str
      sample: WIN-HR-03
    status:
      description: Its action status, for example V(Completed), V(Failed) or V(Running).
      type: str
      sample: Completed
    final:
      description: Whether the status is final.
      type: bool
      sample: true
complete:
  description: Whether every endpoint's status was final when the task returned (false without O(wait=true)).
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.package_actions import deploy


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            package=dict(type="str", required=True),
            parameters=dict(type="list", elements="str", default=[]),
            computer_group=dict(type="str"),
            hostnames=dict(type="list", elements="str"),
            action_group=dict(type="str", required=True),
            name=dict(type="str"),
            expire_seconds=dict(type="int"),
            wait=dict(type="bool", default=False),
            **wait_argument_spec(timeout=600, sleep=5),
        ),
        exactly_one_of=[("computer_group", "hostnames")],
    )
    module.run(deploy)


if __name__ == "__main__":
    main()
