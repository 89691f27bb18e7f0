#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_scan
short_description: Scan one intel document on one computer group now (a Threat Response quick scan)
version_added: 0.1.0
description:
  - Starts a Threat Response on-demand scan (called quick scan on 3.x) that evaluates one intel document on the
    endpoints of one computer group right away, without waiting for a deployment. Its findings arrive as
    ordinary alerts; read them with M(tanium.threat_response.alert_info).
  - Starting a scan is an action, not a state, so the task reports a change every time.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  intel_id:
    description:
      - Server id of the intel document to scan for.
      - Exactly one of O(intel_id) and O(intel_name) is required.
    type: int
  intel_name:
    description:
      - Exact name of the intel document to scan for; two documents of that name are an error naming their ids.
    type: str
  computer_group:
    description:
      - Name of the computer group whose endpoints to scan, looked up with C(GET /api/v2/groups/by-name/...).
      - Exactly one of O(computer_group) and O(computer_group_id) is required.
    type: str
  computer_group_id:
    description:
      - Id of the computer group whose endpoints to scan.
    type: int
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.JOB
attributes:
  check_mode:
    details: The lookups are of the document and the computer group; a scan is always reported as a change.
notes:
  - With O(api_version=4) the request goes to C(POST .../threat-response/api/v1/on-demand-scans/), with
    O(api_version=3) to C(POST .../detect3/api/v1/quick-scans/).
  - The scan request is sent again only when the server surely did not act on it (HTTP 429 or 503, or no
    connection made); otherwise a second scan could start.
seealso:
  - module: tanium.threat_response.alert_info
  - module: tanium.threat_response.intel_deploy
"""

EXAMPLES = r"""
- name: Hunt for the incident's hashes on the Windows computers now
  tanium.threat_response.intel_scan:
    intel_name: INCIDENT 4711 HASHES
    computer_group: Windows Computers
  register: scan

- name: Alerts the scan raised
  tanium.threat_response.alert_info:
    intel_name: INCIDENT 4711 HASHES
"""

RETURN = r"""
scan:
  description: The scan the server started; in check mode, the ids it would use and nulls.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the scan; null in check mode.
      type: int
      sample: 12
    intel_doc_id:
      description: The document scanned for.
      type: int
      sample: 431
    computer_group_id:
      description: The group scanned.
      type: int
      sample: 2
    alert_count:
      description: How many alerts the scan had raised when the server answered; null in check mode.
      type: int
      sample: 3
    question_id:
      description: Id of the platform question that runs the scan; null in check mode.
      type: int
      sample: 5
    created_at:
      description: When the scan started (ISO 8601, UTC); null in check mode.
      type: str
      sample: "2026-11-28T07:30:00.000Z"
    user_id:
      description: Id of the user who started it; null in check mode.
      type: int
      sample: 1
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.endpoints import computer_group_id
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record


def scan(module):
    client, params = module.client, module.params
    intel_id = params["intel_id"]
    if intel_id is None:
        ids = [intel["id"] for intel in IntelStore(client).list_intels(name=params["intel_name"])]
        if len(ids) != 1:
            raise InvalidInput(f"intel_name: {len(ids)} documents are named {params['intel_name']!r}"
                               + (f" (ids {ids}); use intel_id" if ids else ""))
        intel_id = ids[0]
    group_id = params["computer_group_id"]
    if group_id is None:
        group_id = computer_group_id(client, params["computer_group"])
    body = {"intelDocId": intel_id, "computerGroupId": group_id}
    if module.check_mode:
        return dict(changed=True, scan=dict(id=None, intel_doc_id=intel_id, computer_group_id=group_id,
                                            alert_count=None, question_id=None, created_at=None, user_id=None))
    answer = client.post(client.api_path(wire.SCANS[client.api_version]), json_body=body)
    return dict(changed=True, scan=to_record(answer if isinstance(answer, dict) else {}))


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            intel_id=dict(type="int"),
            intel_name=dict(type="str"),
            computer_group=dict(type="str"),
            computer_group_id=dict(type="int"),
        ),
        exactly_one_of=[("intel_id", "intel_name"), ("computer_group", "computer_group_id")],
    )
    module.run(scan)


if __name__ == "__main__":
    main()
