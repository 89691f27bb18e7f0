#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_info
short_description: List Tanium Threat Response intel documents
version_added: 0.1.0
description:
  - Lists the intel documents on a Tanium Threat Response server, reading every page.
  - Filters by id, exact name, type or label; with no filter, returns every document.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  id:
    description:
      - Server id of one document. Returns an empty list when it does not exist.
    type: int
  name:
    description:
      - Exact name of the documents to return (case-sensitive).
      - The server's own name filter may match substrings, so the exact match is done by the module.
    type: str
  type:
    description:
      - Only documents of this type.
    type: str
    choices: [openioc, stix, cybox, yara, tanium-signal]
  label:
    description:
      - Only documents that carry the label with this name (case-insensitive). Mutually exclusive with O(id).
      - Returns an empty list when no such label exists.
    type: str
  limit:
    description:
      - Return at most this many documents, in the order the server lists them (newest first on the servers seen so far).
      - Pages of up to 500 are read until this many are found.
    type: int
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - Returned keys are snake_case versions of the server's camelCase fields; fields the server sends as
    JSON strings on Threat Response 3.x (C(compiled), C(mitre_attack)) are decoded into objects.
seealso:
  - module: tanium.threat_response.intel
"""

EXAMPLES = r"""
- name: List every intel document
  tanium.threat_response.intel_info:
    url: https://tanium.example.com
    api_token: "{{ tanium_api_token }}"
  register: all_intel

- name: Find one document by its exact name
  tanium.threat_response.intel_info:
    name: APT18 DEMONSTRATING HUSTLE (BLOG)
  register: by_name

- name: The newest 20 YARA documents that carry the label "Windows"
  tanium.threat_response.intel_info:
    type: yara
    label: Windows
    limit: 20

- name: One document by server id, logging in with a username and password
  tanium.threat_response.intel_info:
    url: https://tanium.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    ca_path: /etc/pki/tanium-ca.pem
    id: 431
"""

RETURN = r"""
intels:
  description: The matching intel documents, in the order the server lists them.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Server id.
      type: int
      sample: 431
    name:
      description: Name, as declared in the document or given at upload.
      type: str
      sample: APT18 DEMONSTRATING HUSTLE (BLOG)
    description:
      description: Description.
      type: str
      sample: Indicators from the FireEye blog post on APT18.
    type:
      description: Intel type.
      type: str
      sample: openioc
    type_version:
      description: Version of the type's format.
      type: str
      sample: "1.0"
    intrinsic_id:
      description: The id the document claims (OpenIOC or STIX id, YARA file name, signal id).
      type: str
      sample: 0ae061d7-c624-4a84-8adf-00281b97797b
    md5:
      description: MD5 of the stored contents.
      type: str
      sample: 6a0a1c4e2c1f64c63d6d26c13e5a3c9e
    size:
      description: Size of the stored contents in bytes.
      type: int
      sample: 3117
    revision_id:
      description: How many times the contents were updated, starting at 1.
      type: int
      sample: 1
    platforms:
      description: Platforms a signal applies to (V(windows), V(linux), V(mac)); null for other types.
      type: list
      elements: str
      sample: [windows]
    compiled:
      description: The server's compiled form of a signal (decoded from its JSON string on 3.x); null for other types.
      type: dict
      sample: {operator: and, text: "process.path ends with '\\rundll32.exe'", syntax_version: 1}
    mitre_attack:
      description: MITRE ATT&CK techniques of a signal (decoded from its JSON string on 3.x); null when none.
      type: dict
      sample: {techniques: [{id: T1218, name: Signed Binary Proxy Execution}]}
    alert_count:
      description: How many alerts the document has raised.
      type: int
      sample: 2
    source_id:
      description:
        - Id of the intel source.
        - "Documents this collection creates come from its C(api-client) source: C(tanium.threat_response),
          or C(tanium.threat_response: <managed label>) for M(tanium.threat_response.intel_sync)."
      type: int
      sample: 1
    label_ids:
      description:
        - Ids of the labels attached to the document.
        - Where the server leaves them out of intel objects (some 4.x versions), they are learned from one
          listing filtered by each label, not from one request per document.
      type: list
      elements: int
      sample: [1, 16]
    created_at:
      description: When the document was created (ISO 8601, UTC).
      type: str
      sample: "2026-11-27T10:15:00.000Z"
    updated_at:
      description: When the document was last changed (ISO 8601, UTC).
      type: str
      sample: "2026-11-27T10:15:00.000Z"
"""

from itertools import islice

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    INTEL_TYPES,
    matches_server_type,
    server_type_filter,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._api.wire import PAGE_LIMIT
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record


def list_matching(module):
    store = IntelStore(module.client)
    params = module.params
    if params["limit"] is not None and params["limit"] < 1:
        raise InvalidInput("limit must be at least 1")
    if params["id"] is not None:
        found = store.get_intel(params["id"])
        candidates = [found] if found else []
    else:
        label_id = None
        if params["label"]:
            label = store.find_label(params["label"])
            if label is None:
                return dict(changed=False, intels=[])
            label_id = label["id"]
        page_size = min(params["limit"] or PAGE_LIMIT, PAGE_LIMIT)
        candidates = store.list_intels(name=params["name"], intel_type=server_type_filter(params["type"]),
                                       label_id=label_id, page_size=page_size)
    # CybOX may be stored under another server type, so the type is matched here, by the formats table.
    matching = (intel for intel in candidates
                if params["name"] in (None, intel.get("name"))
                and (params["type"] is None or matches_server_type(params["type"], str(intel.get("type")))))
    # islice stops before the generator asks the server for a page it does not need.
    intels = list(islice(matching, params["limit"]))
    if any("labelIds" not in intel for intel in intels):
        store.fill_label_ids(intels)
    return dict(changed=False, intels=[to_record(intel) for intel in intels])


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            id=dict(type="int"),
            name=dict(type="str"),
            type=dict(type="str", choices=list(INTEL_TYPES)),
            label=dict(type="str"),
            limit=dict(type="int"),
        ),
        mutually_exclusive=[("id", "label")],
    )
    module.run(list_matching)


if __name__ == "__main__":
    main()
