#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel
short_description: Make one Tanium Threat Response intel document present or absent
version_added: 0.1.0
description:
  - Uploads an OpenIOC, STIX 1.x, CybOX, YARA or Tanium Signal document to Threat Response, updates it
    in place when it changed, and leaves it alone when it did not.
  - The document is validated on the controller before anything is sent; invalid input fails with the
    file name and the problem, and nothing is written.
  - Uploading does not deploy; use M(tanium.threat_response.intel_deploy) once after all changes.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  src:
    description:
      - Path of the intel document on the controller.
      - A relative path is looked up like the C(template) module's, in the role's C(files/) directory
        and then beside the playbook.
      - The type is detected from the content, never from the file extension.
      - Mutually exclusive with O(content).
    type: path
  content:
    description:
      - The intel document itself, as text. Mutually exclusive with O(src).
    type: str
  type:
    description:
      - The document's type. V(auto) detects it from the content.
      - Any other value makes a document of another type an error.
    type: str
    choices: [auto, openioc, stix, cybox, yara, tanium-signal]
    default: auto
  name:
    description:
      - For YARA, the document's name on the server; its identity is its upload file name, this name
        with C(.yara) (kept as it is when it ends so already). Defaults to the file name of O(src), and
        is required with O(content).
      - OpenIOC, STIX, CybOX and signals declare their own name; if given, it must equal it.
      - With O(state=absent) and no document, the name of the document to delete.
    type: str
  description:
    description:
      - For YARA, the description stored with the document.
      - OpenIOC, STIX, CybOX and signals declare their own description; if given, it must equal it.
    type: str
  labels:
    description:
      - Names of the labels the document carries, exactly this set. Missing labels are created.
      - Omit to leave the document's labels alone; V([]) removes them all.
    type: list
    elements: str
  id:
    description:
      - Server id of the document to manage, instead of finding it by identity.
      - Use it to pick one when several server documents match.
    type: int
  state:
    description:
      - V(present) uploads or updates the document; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  max_size:
    description:
      - Largest document accepted, in bytes. A larger file is refused before it is read in full.
    type: int
    default: 10485760
  applicability:
    description:
      - What to do when the document uses terms Threat Response may not evaluate (see RV(applicability)).
      - V(warn) uploads it and, when this task creates or updates it, warns naming the terms (an unchanged
        document gets one short line; RV(applicability) always holds the findings); V(error) fails before
        anything is written; V(ignore) skips the analysis.
    type: str
    choices: [warn, error, ignore]
    default: warn
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes
notes:
  - "Identity: a document is the server document of the same type with the same intrinsic id (OpenIOC
    C(ioc/@id), STIX C(STIX_Package/@id), CybOX first C(@id), YARA upload file name C(<name>.yara), signal C(id)), else
    the one with the same name. Two matching server documents are an error naming their ids, unless
    O(id) is given."
  - "Unchanged: the server's MD5 equals the MD5 of the exact bytes that would be uploaded (for signals,
    which the server re-serialises, their name, description, expression and platforms), and the
    description and label set match. A re-run of the same input never reports a change."
  - "Updates use PUT and keep the server's stored intrinsic id, as the server otherwise creates a new
    document; if it does anyway, the stray copy is deleted and the task fails."
  - "Applicability: the terms of the document are compared with a table of what Threat Response is known
    or likely to evaluate, built from public sources and in large part inferred; see the collection's
    C(docs/applicability.md)."
  - "Inferred about the server (no public source confirms it): a YARA document's upload file name is its
    identity, and its C(name) and C(description) headers set its name and description; a CybOX document's
    server type may read V(cybox) or V(stix); deletion uses C(DELETE intels/?id=<id>)."
  - "Documents are created through an intel source of the collection's, with the headers OpenCTI's
    connector sends. On a server that has no sources (it answers 404 or 405 there) they are created with
    C(POST intels), as Tanium's how-to does, and the task warns once."
seealso:
  - module: tanium.threat_response.intel_sync
  - module: tanium.threat_response.intel_deploy
  - module: tanium.threat_response.intel_info
"""

EXAMPLES = r"""
- name: Upload an OpenIOC document kept in the role's files/ directory, with two labels
  tanium.threat_response.intel:
    src: apt18.ioc
    labels: [APT, Windows]

- name: Upload a YARA file; its file name is its identity on the server
  tanium.threat_response.intel:
    src: intel/yara/FIN4_MACROCHECK.yara
    description: FIN4 macro dropper

- name: Inline YARA rule under an explicit name
  tanium.threat_response.intel:
    name: eicar.yara
    content: |
      rule eicar { strings: $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $a }

- name: Preview a change in a change request (no write happens)
  tanium.threat_response.intel:
    src: intel/stuxnet.stix.xml
  check_mode: true
  diff: true

- name: Refuse a document with terms Threat Response may not evaluate, and documents over 1 MiB
  tanium.threat_response.intel:
    src: intel/SHARPERSIST (UTILITY).ioc
    type: openioc
    applicability: error
    max_size: 1048576

- name: Remove every label from a document
  tanium.threat_response.intel:
    src: intel/apt18.ioc
    labels: []

- name: Set the connection once for every module of the collection
  module_defaults:
    group/tanium.threat_response.all:
      url: https://tanium.example.com
      api_token: "{{ tanium_api_token }}"
  block:
    - name: Upload with the group's connection
      tanium.threat_response.intel:
        src: intel/apt18.ioc

- name: Delete a document by name
  tanium.threat_response.intel:
    name: OLD CAMPAIGN (REPORT)
    type: openioc
    state: absent

- name: Manage one of two same-named documents by server id, with username/password auth
  tanium.threat_response.intel:
    url: https://tanium.example.com
    username: automation
    password: "{{ vault_tanium_password }}"
    id: 431
    src: intel/apt18.ioc
"""

RETURN = r"""
action:
  description: What the task did (or, in check mode, would do) to the document.
  returned: always
  type: str
  sample: update
  choices: [create, update, unchanged, delete, absent]
intel:
  description:
    - The document on the server after the task, as M(tanium.threat_response.intel_info) returns it,
      plus C(labels), the names of its labels. In check mode, the predicted document (C(id) is null for a
      document that would be created). Null when the document is absent.
  returned: always
  type: dict
  sample:
    id: 512
    name: APT18 DEMONSTRATING HUSTLE (BLOG)
    type: openioc
    intrinsic_id: 0ae061d7-c624-4a84-8adf-00281b97797b
    md5: 0cb9c7f6e7c4e1a1b3a1a55ee5b3de0f
    size: 3117
    revision_id: 2
    label_ids: [1, 16]
    labels: [APT, Windows]
applicability:
  description:
    - What Threat Response can evaluate in the document; C(findings) lists every term that is not known.
    - Null with O(state=absent) or O(applicability=ignore).
  returned: always
  type: dict
  sample:
    known: 3
    probable: 1
    unknown: 1
    findings:
      - {term: urlMonitorEvent/requestUrl, level: unknown, detail: "1 item; no URL telemetry is documented"}
diff:
  description: Before and after of name, description, type, md5, size, revision and labels (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample:
    before: {state: present, name: APT18, md5: 6a0a..., size: 3117, revision: 1, labels: [APT]}
    after: {state: present, name: APT18, md5: 9f3c..., size: 3120, revision: 2, labels: [APT]}
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import apply_items
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import (
    applicability_warnings,
    assess,
    read_entry,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.options import (
    APPLICABILITY_OPTION,
    DOCUMENT_OPTIONS,
    MAX_SIZE_OPTION,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import plan_change
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record


def ensure_intel(module):
    params = module.params
    options = {name: params[name] for name in DOCUMENT_OPTIONS}
    item = read_entry(options, params["max_size"], state=params["state"], intel_id=params["id"])
    assess([item], params["applicability"] if params["state"] == "present" else "ignore")
    store = IntelStore(module.client)
    current = store.find_document(item.desired)
    item.change = plan_change(item.desired, current, store.label_names(current))
    for warning in applicability_warnings([item]):
        module.warn(warning)
    for warning in apply_items(store, [item], 1, module.check_mode, params["retries"]):
        module.warn(warning)
    if item.error is not None:
        raise item.error
    return intel_result(item, store, module._diff, module.check_mode)


def intel_result(item, store, diff, check_mode):
    """The module result for one planned-and-applied (or, in check mode, predicted) item."""
    change = item.change
    result = dict(changed=change.changed, action=change.action, intel=None, applicability=item.report)
    if item.result is not None:
        record = to_record(item.result)
        labels = change.labels_after if check_mode else store.label_names(item.result)
        record["labels"] = sorted(labels, key=str.casefold)
        result["intel"] = record
    if diff:
        header = change.name or ""
        result["diff"] = dict(before=change.before(), after=change.after(), before_header=header, after_header=header)
    return result


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            DOCUMENT_OPTIONS,
            id=dict(type="int"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            max_size=MAX_SIZE_OPTION,
            applicability=APPLICABILITY_OPTION,
        ),
        mutually_exclusive=[("src", "content")],
        required_if=[("state", "present", ("src", "content"), True),
                     ("state", "absent", ("id", "name", "src", "content"), True)],
    )
    module.run(ensure_intel)


if __name__ == "__main__":
    main()
