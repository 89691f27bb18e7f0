#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: snapshot
short_description: Take a Threat Response snapshot of one endpoint, or delete snapshots
version_added: 0.1.0
description:
  - With O(state=present), makes sure Threat Response holds a snapshot of the endpoint (its recorded process,
    file, network and registry activity). When there is none (or none younger than O(max_age) seconds), it opens
    a live connection to the endpoint, waits until it is connected, takes the snapshot, waits for its task, finds
    the new snapshot in the list, and closes and deletes the connection - also when a step failed (unless
    O(cleanup=false)).
  - With O(state=absent), deletes the snapshots that O(uuid), O(hostname) (or O(client_id)) and O(older_than)
    choose together; deleting nothing is no change.
  - Idempotent. O(force=true) takes a new snapshot even when one is there.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  state:
    description:
      - V(present) to take a snapshot unless there is one, V(absent) to delete snapshots.
    type: str
    choices: [present, absent]
    default: present
  hostname:
    description:
      - Host name of the endpoint, as the platform knows it (exact, case-insensitive).
      - With O(state=present), exactly one of O(hostname) and O(client_id) is required.
      - With O(state=absent), deletes only snapshots of this endpoint.
    type: str
  client_id:
    description:
      - Platform client id of the endpoint, instead of O(hostname).
    type: str
  uuid:
    description:
      - With O(state=absent), delete only the snapshot with this id.
    type: str
  older_than:
    description:
      - With O(state=absent), delete only snapshots taken more than this many seconds ago (by the controller's clock).
    type: int
  max_age:
    description:
      - With O(state=present), a snapshot counts only when it was taken at most this many seconds ago; older ones
        are ignored and a new one is taken. Without it, any snapshot of the endpoint counts.
    type: int
  force:
    description:
      - With O(state=present), take a new snapshot even when one is there.
    type: bool
    default: false
  cleanup:
    description:
      - Close and delete the live connection when done (C(DELETE .../conns/close/<id>), then
        C(DELETE .../conns/delete/<id>)), whether the snapshot succeeded or not.
    type: bool
    default: true
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.wait.poll
  - tanium.threat_response.attributes
attributes:
  check_mode:
    details: The endpoint and the snapshots are read; no connection is opened and nothing is deleted, and the
      snapshots that would be deleted are returned.
  diff_mode:
    support: none
    description: There is no diff; RV(deleted) lists what is (or would be) deleted.
notes:
  - The paths are those of the threat-response API family, whatever O(api_version) says, as public clients of
    Threat Response 4.x send them; the 3.x snapshot paths (C(/plugin/products/trace)) are not sent.
  - O(wait_timeout) bounds the whole snapshot (connecting, then its task); when it passes first, the task fails
    and the connection is still closed and deleted.
  - "Inferred about the server (no public source states it): that a snapshot's task reads like a file download's
    at C(tasks/<id>), C(COMPLETED) when done."
  - The endpoint's client id, IP address and platform for the connection come from the platform
    (C(GET /api/v2/system_status) and C(GET /plugin/products/dec/v1/endpoints)), as for
    M(tanium.threat_response.file_collect).
  - M(tanium.threat_response.response_action) gathers a snapshot without a live connection, queued until the
    endpoint runs it.
seealso:
  - module: tanium.threat_response.snapshot_info
  - module: tanium.threat_response.response_action
"""

EXAMPLES = r"""
- name: Make sure there is a snapshot of the endpoint from the last hour
  tanium.threat_response.snapshot:
    hostname: WIN-HR-03
    max_age: 3600
  register: taken

- name: Delete the endpoint's snapshots older than 30 days
  tanium.threat_response.snapshot:
    hostname: WIN-HR-03
    older_than: 2592000
    state: absent

- name: Delete one snapshot
  tanium.threat_response.snapshot:
    uuid: "{{ taken.snapshot.uuid }}"
    state: absent
"""

RETURN = r"""
snapshot:
  description:
    - With O(state=present), the snapshot taken, or the newest one already there; null in check mode when one
      would be taken, and with O(state=absent).
  returned: always
  type: dict
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
      description: When it was taken, as the server writes it (epoch milliseconds, or ISO 8601).
      type: str
      sample: "1772360102120"
    created_at:
      description: When it was taken, in ISO 8601 UTC (derived from C(created)).
      type: str
      sample: "2026-03-01T10:15:02.120Z"
    connection_id:
      description: The connection it was taken over.
      type: str
      sample: "remote:WIN-HR-03:1:"
    size:
      description: Size in bytes.
      type: int
      sample: 4194304
deleted:
  description: The snapshots deleted (in check mode, that would be deleted), each like RV(snapshot).
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.snapshots import (
    ensure_absent,
    ensure_present,
)

# Options that mean something for one state only: naming them for the other is a mistake, not a no-op.
ONLY_FOR = {"present": ("max_age",), "absent": ("uuid", "older_than")}


def run(module):
    state, p = module.params["state"], module.params
    for other, names in ONLY_FOR.items():
        given = [name for name in names if other != state and p[name] is not None]
        if given:
            raise InvalidInput(f"{', '.join(given)}: only with state={other}")
    if state == "absent":
        return ensure_absent(module)
    if p["hostname"] is None and p["client_id"] is None:
        raise InvalidInput("state=present needs hostname or client_id")
    return ensure_present(module)


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            hostname=dict(type="str"),
            client_id=dict(type="str"),
            uuid=dict(type="str"),
            older_than=dict(type="int"),
            max_age=dict(type="int"),
            force=dict(type="bool", default=False),
            cleanup=dict(type="bool", default=True),
            **wait_argument_spec(timeout=600, sleep=5),
        ),
        mutually_exclusive=[("hostname", "client_id")],
    )
    module.run(run)


if __name__ == "__main__":
    main()
