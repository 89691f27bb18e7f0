#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_status_info
short_description: Read the intel deployment status of a Tanium Threat Response server
version_added: 0.1.0
description:
  - Returns the status of the intel package the server deploys to endpoints, and whether a deployment is
    pending.
  - With O(id) or O(name), also returns the deployment state of that one document.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  id:
    description:
      - Server id of one document whose deployment state to return as well.
      - Mutually exclusive with O(name).
    type: int
  name:
    description:
      - Exact name of one document whose deployment state to return as well (case-sensitive).
      - Two documents of that name are an error naming their ids; use O(id) then.
    type: str
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - "Inferred about the server (no public source states it): a document is deployed when it has a
    C(last_deployment_timestamp) and was not updated after it. A deployment itself touches C(updated_at)
    a few milliseconds after stamping C(last_deployment_timestamp), so an update within 2 seconds of it
    is taken for that touch."
  - Only the Threat Response 4.x API family (O(api_version=4)) returns C(last_deployment_timestamp); with
    O(api_version=3) the document's RV(intel.deployed) is null (unknown).
seealso:
  - module: tanium.threat_response.intel_deploy
  - module: tanium.threat_response.intel_info
"""

EXAMPLES = r"""
- name: Read the deployment status
  tanium.threat_response.intel_status_info:
  register: deployment

- name: Fail when a deployment is still pending
  ansible.builtin.assert:
    that: deployment.status.deployed

- name: Whether one document is in the deployed package, by name
  tanium.threat_response.intel_status_info:
    name: APT18 DEMONSTRATING HUSTLE (BLOG)
  register: apt18

- name: The same by server id, logging in with a username and password
  tanium.threat_response.intel_status_info:
    url: https://tanium.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    id: 431
"""

RETURN = r"""
status:
  description: The deployment status of the server's intel package.
  returned: always
  type: dict
  contains:
    created_at:
      description: When the first intel package was created (ISO 8601, UTC).
      type: str
      sample: "2021-05-02T19:18:00.685Z"
    modified_at:
      description: When the last deployment finished (ISO 8601, UTC).
      type: str
      sample: "2021-07-14T10:17:13.050Z"
    current_revision:
      description: Revision of the deployed intel package, incremented by each deployment.
      type: int
      sample: 10
    current_size:
      description: Size of the deployed intel package in bytes.
      type: int
      sample: 2000
    pending_revision:
      description: Revision of the package being deployed; null when nothing is pending.
      type: int
      sample: null
    pending_size:
      description: Size of the package being deployed; null when nothing is pending.
      type: int
      sample: null
    deployed:
      description: True when nothing is pending (derived from RV(status.pending_revision)).
      type: bool
      sample: true
intel:
  description: The deployment state of the document named by O(id) or O(name); null when it does not exist.
  returned: when O(id) or O(name) is given
  type: dict
  contains:
    id:
      description: Server id of the document (O(id), or the id of the document named by O(name)).
      type: int
      sample: 431
    name:
      description: Name of the document.
      type: str
      sample: APT18 DEMONSTRATING HUSTLE (BLOG)
    revision_id:
      description: How many times the contents were updated, starting at 1.
      type: int
      sample: 2
    updated_at:
      description: When the document was last changed (ISO 8601, UTC).
      type: str
      sample: "2021-07-14T10:17:13.073Z"
    first_deployment_timestamp:
      description: When the document was first deployed; null when never (absent on 3.x).
      type: str
      sample: "2021-05-03T08:00:12.411Z"
    last_deployment_timestamp:
      description: When the document was last deployed; null when never (absent on 3.x).
      type: str
      sample: "2021-07-14T10:17:13.050Z"
    deployed:
      description: Whether this version of the document is deployed (inferred, see the notes); null when unknown.
      type: bool
      sample: true
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import document_deployed
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.deployment import (
    read_status,
    status_record,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import DesiredIntel
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record

DOCUMENT_FIELDS = ("id", "name", "revisionId", "updatedAt", "firstDeploymentTimestamp", "lastDeploymentTimestamp")


def read_deployment(module):
    params = module.params
    result = dict(changed=False, status=status_record(read_status(module.client)))
    if params["id"] is None and params["name"] is None:
        return result
    intel = IntelStore(module.client).find_document(DesiredIntel(state="absent", intel_id=params["id"],
                                                                 name=params["name"]))
    result["intel"] = None
    if intel is not None:
        shown = to_record({field: intel[field] for field in DOCUMENT_FIELDS if field in intel})
        result["intel"] = dict(shown, deployed=document_deployed(intel))
    return result


def main():
    module = ThreatResponseModule(
        argument_spec=dict(id=dict(type="int"), name=dict(type="str")),
        mutually_exclusive=[("id", "name")],
    )
    module.run(read_deployment)


if __name__ == "__main__":
    main()
