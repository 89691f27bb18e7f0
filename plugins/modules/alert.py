#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alert
short_description: Set the state of one Tanium Threat Response alert
version_added: 0.1.0
description:
  - Sets the state of one alert raised by deployed intel, for example to mark it resolved after the
    endpoint was cleaned.
  - An alert that already has the state is left alone.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  id:
    description:
      - Server id of the alert, as M(tanium.threat_response.alert_info) returns it.
      - An id that does not exist is an error.
    type: int
    required: true
  state:
    description:
      - The state the alert should have.
    type: str
    required: true
    choices: [unresolved, inprogress, resolved, suppressed, dismissed, ignored]
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes
attributes:
  check_mode:
    details: Reads the alert and reports whether its state would change, sending no PUT.
  diff_mode:
    details: For an alert, its state before and after.
notes:
  - With O(api_version=4) the state is set with C(PUT alerts/{id}).
  - With O(api_version=3) the state is set with C(PUT alerts/{id}) too, or, when the server answers 404 or 405
    to that, with the bulk form C(PUT alerts/) and the id in the body. The alert is then read again, and the
    task fails when the server accepted the request but the alert does not have the new state.
seealso:
  - module: tanium.threat_response.alert_info
"""

EXAMPLES = r"""
- name: Mark an alert resolved
  tanium.threat_response.alert:
    id: 1042
    state: resolved

- name: Resolve every open alert of a hash hunt, showing each change
  tanium.threat_response.alert:
    id: "{{ item.id }}"
    state: resolved
  loop: "{{ hunt.alerts }}"
  loop_control:
    label: "{{ item.computer_name }}"
  diff: true

- name: Suppress an alert on a Threat Response 3.x server, logging in with a username and password
  tanium.threat_response.alert:
    url: https://tanium-legacy.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    api_version: "3"
    id: 17
    state: suppressed
"""

RETURN = r"""
alert:
  description:
    - The alert after the task, with the same keys as M(tanium.threat_response.alert_info) returns; in check
      mode, the alert with the state it would get.
  returned: always
  type: dict
  sample:
    id: 1042
    state: resolved
    intel_doc_id: 431
    computer_name: WIN-FIN-01
    computer_ip_address: 10.20.1.11
    details: {match: {type: file, properties: {md5: b8cf3640443c280fbfb12c279309ca09}}}
    updated_at: "2024-05-02T11:40:00.001Z"
diff:
  description: The alert's state before and after (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: unresolved}
    after: {state: resolved}
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import ALERT_STATES, ensure_alert_state
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            id=dict(type="int", required=True),
            state=dict(type="str", required=True, choices=list(ALERT_STATES)),
        ),
    )
    module.run(lambda m: ensure_alert_state(m.client, m.params["id"], m.params["state"], m.check_mode, m._diff))


if __name__ == "__main__":
    main()
