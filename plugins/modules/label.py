#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: label
short_description: Make one Tanium Threat Response intel label present or absent
version_added: 0.1.0
description:
  - Creates, updates the description of, or deletes an intel label on a Threat Response server.
  - Labels are found by name, ignoring case, as the console treats them.
  - To attach labels to documents, use the O(tanium.threat_response.intel#module:labels) option.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  name:
    description:
      - Name of the label.
    type: str
    required: true
  description:
    description:
      - Description of the label. Omit to leave an existing label's description alone.
    type: str
  state:
    description:
      - V(present) creates the label (or updates its description); V(absent) deletes it, detaching it
        from every document.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes
notes:
  - "Inferred about the server (only the legacy Detect API shows it): labels are updated with
    C(PUT labels/{id}) and deleted with C(DELETE labels/{id})."
seealso:
  - module: tanium.threat_response.intel
"""

EXAMPLES = r"""
- name: A label for intel managed from git
  tanium.threat_response.label:
    name: managed-by-ansible
    description: Intel documents kept in the detection-engineering repository

- name: Remove a label that is no longer used
  tanium.threat_response.label:
    name: Old campaign
    state: absent

- name: Create a label on a second server, logging in with a username and password
  tanium.threat_response.label:
    url: https://tanium-staging.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    name: APT
"""

RETURN = r"""
action:
  description: What the task did (or, in check mode, would do).
  returned: always
  type: str
  choices: [create, update, unchanged, delete, absent]
  sample: create
label:
  description: The label after the task (predicted in check mode, where a new label's C(id) is null); null when absent.
  returned: always
  type: dict
  sample:
    id: 17
    name: managed-by-ansible
    description: Intel documents kept in the detection-engineering repository
    indicator_count: 12
    signal_count: 0
diff:
  description: Name and description before and after (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: absent}
    after: {state: present, name: APT, description: ""}
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.labels import ensure_label
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            description=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
    )
    module.run(lambda m: ensure_label(IntelStore(m.client), m.params["name"], m.params["description"],
                                      m.params["state"], m.check_mode, m._diff))


if __name__ == "__main__":
    main()
