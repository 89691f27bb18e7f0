#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot_info
short_description: List the snapshots Threat Response holds
version_added: 0.1.0
description:
  - Reads every page of the snapshot list (C(GET .../snapshot)) and returns the snapshots, oldest first,
    optionally of one endpoint and taken before some time.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  hostname:
    description:
      - Only snapshots of this endpoint (exact host name, case-insensitive).
    type: str
  older_than:
    description:
      - Only snapshots taken more than this many seconds ago (by the controller's clock).
    type: int
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - The paths are those of the threat-response API family, whatever O(api_version) says, as public clients of
    Threat Response 4.x send them; the 3.x snapshot paths (C(/plugin/products/trace)) are not sent.
  - "Servers write a snapshot's C(created) as epoch milliseconds or as ISO 8601 (both are seen in public clients);
    both are read, and RV(snapshots[].created_at) gives it in ISO 8601 either way."
seealso:
  - module: tanium.threat_response.snapshot
"""

EXAMPLES = r"""
- name: Snapshots of the endpoint
  tanium.threat_response.snapshot_info:
    hostname: WIN-HR-03
  register: held

- name: Name them
  ansible.builtin.debug:
    msg: "{{ held.snapshots | map(attribute='name') | list }}"
"""

RETURN = r"""
snapshots:
  description: The snapshots, oldest first, with snake_case keys.
  returned: always
  type: list
  elements: dict
  contains:
    uuid:
      description: Id of the snapshot.
      type: str
      sample: 5e7fa0c3-45d5-4d84-9d43-3a3e8f2d0c9a
    name:
      description: File name of the snapshot on the server.
      type: str
      sample: WIN-HR-03-1.db
    hostname:
      description: The endpoint.
      type: str
      sample: WIN-HR-03
    created:
      description: When it was taken, as the server writes it.
      type: str
      sample: "1772360102120"
    created_at:
      description: When it was taken, in ISO 8601 UTC.
      type: str
      sample: "2026-03-01T10:15:02.120Z"
    evidence_type:
      description: V(snapshot).
      type: str
      sample: snapshot
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.snapshots import (
    list_snapshots,
    snapshot_record,
)


def run(module):
    p = module.params
    found = list_snapshots(module.client, hostname=p["hostname"], older_than=p["older_than"])
    return dict(changed=False, snapshots=[snapshot_record(s) for s in found])


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            hostname=dict(type="str"),
            older_than=dict(type="int"),
        ),
    )
    module.run(run)


if __name__ == "__main__":
    main()
