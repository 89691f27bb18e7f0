#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alert_info
short_description: List the alerts raised by Tanium Threat Response intel
version_added: 0.1.0
description:
  - Lists the alerts that deployed intel raised on endpoints, reading every page (500 alerts a page).
  - Filters by intel document, label, state, priority, severity and time; with no filter, returns every alert.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  intel_id:
    description:
      - Only alerts raised by the document with this server id.
      - Mutually exclusive with O(intel_name).
    type: int
  intel_name:
    description:
      - Only alerts raised by the documents with exactly this name (case-sensitive).
      - Returns an empty list when no document has that name.
    type: str
  state:
    description:
      - Only alerts in one of these states.
      - Public clients filter on the first four; V(dismissed) and V(ignored) are states an alert can be set
        to, and whether the server's list filter takes them is not documented.
    type: list
    elements: str
    choices: [unresolved, inprogress, resolved, suppressed, dismissed, ignored]
  priority:
    description:
      - Only alerts with one of these priorities, such as V(high), filtered by the server.
    type: list
    elements: str
  severity:
    description:
      - Only alerts with one of these severities, such as V(info), filtered by the server.
    type: list
    elements: str
  label:
    description:
      - Only alerts raised by documents that carry the label with this name, filtered by the server
        (C(labelName)); whether the server matches the name exactly is not documented.
    type: str
  since:
    description:
      - Only alerts raised at or after this moment, an ISO 8601 timestamp such as V(2024-05-01T12:00:00Z).
      - A timestamp without a time zone is taken as UTC; a date alone means midnight UTC.
    type: str
  limit:
    description:
      - Return at most this many alerts, in the order the server lists them.
    type: int
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - Returned keys are snake_case versions of the server's camelCase fields. C(details), which the server
    sends as a JSON string, is decoded into a dictionary.
  - Alerts exist only for deployed intel; deploy first with M(tanium.threat_response.intel_deploy) and
    O(tanium.threat_response.intel_deploy#module:wait=true).
seealso:
  - module: tanium.threat_response.alert
  - module: tanium.threat_response.intel_deploy
"""

EXAMPLES = r"""
- name: Every alert on the server
  tanium.threat_response.alert_info:
  register: all_alerts

- name: Open alerts of one hash-hunt document
  tanium.threat_response.alert_info:
    intel_name: INCIDENT 4711 HASHES
    state: [unresolved, inprogress]
  register: hunt

- name: The endpoints that hold the files
  ansible.builtin.debug:
    msg: "{{ hunt.alerts | map(attribute='computer_name') | unique | list }}"

- name: Open high-priority alerts of the documents labelled Ransomware
  tanium.threat_response.alert_info:
    label: Ransomware
    priority: [high]
    state: [unresolved]

- name: The 50 newest alerts of document 431 since the start of May
  tanium.threat_response.alert_info:
    intel_id: 431
    since: "2024-05-01T00:00:00Z"
    limit: 50

- name: Alerts from a second server, logging in with a username and password
  tanium.threat_response.alert_info:
    url: https://tanium-staging.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    api_version: "3"
    state: [unresolved]
"""

RETURN = r"""
alerts:
  description: The matching alerts.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Server id of the alert.
      type: int
      sample: 1042
    state:
      description: State of the alert.
      type: str
      sample: unresolved
    type:
      description: Alert type.
      type: str
      sample: detect.match
    guid:
      description: Globally unique id of the alert, used in console links.
      type: str
      sample: 2b1d1a0e-4cb6-4a8a-9a4f-1f0d6a3e2c11
    priority:
      description: Priority.
      type: str
      sample: high
    severity:
      description: Severity.
      type: str
      sample: info
    intel_doc_id:
      description: Server id of the intel document that raised the alert.
      type: int
      sample: 431
    intel_doc_revision_id:
      description: Revision of that document when it raised the alert.
      type: int
      sample: 1
    computer_name:
      description: Name of the endpoint.
      type: str
      sample: WIN-FIN-01
    computer_ip_address:
      description: IP address of the endpoint.
      type: str
      sample: 10.20.1.11
    path:
      description: Path of the matching file (Threat Response 4.x).
      type: str
      sample: C:\Users\jdoe\AppData\Local\Temp\svchelper.exe
    match_type:
      description: What matched, such as C(file) or C(process) (Threat Response 4.x).
      type: str
      sample: file
    details:
      description: What matched and where, decoded from the server's JSON string.
      type: dict
      sample:
        match:
          type: file
          properties:
            fullpath: C:\Users\jdoe\AppData\Local\Temp\svchelper.exe
            md5: b8cf3640443c280fbfb12c279309ca09
        intel_id: 431
    alerted_at:
      description: When the endpoint found the match (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T09:14:03.512Z"
    created_at:
      description: When the server stored the alert (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T09:14:05.020Z"
    updated_at:
      description: When the alert last changed, for example its state (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T09:14:05.020Z"
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import ALERT_STATES, find_alerts
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            intel_id=dict(type="int"),
            intel_name=dict(type="str"),
            state=dict(type="list", elements="str", choices=list(ALERT_STATES)),
            priority=dict(type="list", elements="str"),
            severity=dict(type="list", elements="str"),
            label=dict(type="str"),
            since=dict(type="str"),
            limit=dict(type="int"),
        ),
        mutually_exclusive=[("intel_id", "intel_name")],
    )
    params = module.params
    filters = {name: params[name] for name in ("state", "priority", "severity", "label")}
    module.run(lambda m: dict(changed=False, alerts=find_alerts(
        m.client, intel_id=params["intel_id"], intel_name=params["intel_name"], filters=filters,
        since=params["since"], limit=params["limit"])))


if __name__ == "__main__":
    main()
