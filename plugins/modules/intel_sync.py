#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_sync
short_description: Make a Tanium Threat Response server hold exactly a set of intel documents
version_added: 0.1.0
description:
  - Takes a whole set of intel documents in one task. Every document is read and validated first; one
    invalid document fails the task, naming it, before anything is written.
  - Lists what the server holds once (every page), plans a create, update or no change for each
    document (and a delete for each managed document no longer listed, with O(purge)), then applies
    the plan with at most O(parallel) requests in flight.
  - Every document it manages carries O(managed_label), which is how O(purge) tells them apart from
    documents made by hand or by other tools; those are never touched.
  - Uploading does not deploy; use M(tanium.threat_response.intel_deploy) when something changed, as the
    P(tanium.threat_response.intel_rollout#role) role does.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  documents:
    description:
      - The intel documents, each given like one M(tanium.threat_response.intel) task.
      - O(documents) and O(paths) may both be given; at least one of them must be.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description:
          - Path of the document on the controller, looked up like the C(template) module's (role C(files/),
            then beside the playbook). Mutually exclusive with O(documents[].content).
        type: path
      content:
        description:
          - The document itself, as text.
        type: str
      type:
        description:
          - The document's type; V(auto) detects it from the content.
        type: str
        choices: [auto, openioc, stix, cybox, yara, tanium-signal]
        default: auto
      name:
        description:
          - For YARA, its name; its identity is its upload file name, this name with C(.yara).
            Defaults to the file name of O(documents[].src).
          - Other types declare their own name; if given, it must equal it.
        type: str
      description:
        description:
          - For YARA, the description stored with it. Other types declare their own.
        type: str
      labels:
        description:
          - Label names for this document, in addition to O(labels) and O(managed_label); exactly this set.
          - When neither this nor O(labels) is given, the document keeps its labels and gains O(managed_label).
        type: list
        elements: str
  paths:
    description:
      - Files, or directories whose files are taken (recursively, in sorted order, those matching
        O(patterns) and no O(excludes), skipping hidden files and directories, following symlinked
        directories and reading a directory reached twice only once), each added to O(documents) as one entry.
      - An entry is a path, or a dict shaped like a O(documents) entry, with C(src) (the file or directory)
        and optionally C(type), C(labels) and C(description), which every file under it gets.
      - Relative paths are looked up like O(documents[].src).
      - A YARA document's name is the file's name here, and its identity that name with C(.yara); to
        upload two files of the same name, list one in O(documents) with its own O(documents[].name).
    type: list
    elements: raw
    default: []
  labels:
    description:
      - Label names every document carries (with its own O(documents[].labels) and O(managed_label)).
    type: list
    elements: str
    default: []
  purge:
    description:
      - Delete the documents that carry O(managed_label) but are not in O(documents).
      - Documents without that label are never deleted.
      - An empty set is refused (with O(purge) it would delete every managed document); use
        M(tanium.threat_response.intel) with O(tanium.threat_response.intel#module:state=absent) for that.
    type: bool
    default: false
  managed_label:
    description:
      - The label that marks documents managed by this task; created when missing.
    type: str
    default: managed-by-ansible
  parallel:
    description:
      - How many requests may be in flight at once (uploads, updates and deletes, and the pages of the
        server's listing after the first).
    type: int
    default: 4
  max_size:
    description:
      - Largest document accepted, in bytes; a larger file is refused before it is read in full.
    type: int
    default: 10485760
  applicability:
    description:
      - What to do when documents use terms Threat Response may not evaluate (see RV(documents[].applicability)).
      - V(warn) uploads them and warns once per document this run creates or updates, naming the terms.
        A file whose exact bytes the server already holds is not parsed or analysed again (it was when
        it was uploaded), so it adds no warning; with O(details=all) every file is analysed, the unchanged
        ones with findings are counted in one warning line and their findings are in RV(documents).
      - V(error) analyses every file, also those the server holds, and fails before anything is written;
        V(ignore) skips the analysis.
    type: str
    choices: [warn, error, ignore]
    default: warn
  details:
    description:
      - How much the result says about documents that did not change. V(changed) (the default) keeps
        the result small on large sets, where RV(documents) holds the documents that changed, and the
        unchanged ones are only named in RV(unchanged) and counted in RV(counts).
      - V(all) adds an RV(documents) entry (source, action, applicability) for every listed document,
        which needs every file parsed and analysed, also those whose bytes the server already holds;
        on large sets that is most of a run's time.
    type: str
    choices: [changed, all]
    default: changed
extends_documentation_fragment:
  - tanium.threat_response.file_selection
  - tanium.threat_response.connection
  - tanium.threat_response.attributes
notes:
  - Identity, change detection and updates follow the same rules as M(tanium.threat_response.intel).
  - "Documents are created through an intel source of this set's (C(tanium.threat_response: <managed
    label>)), which marks them as the set's even before they are labelled. On a server without sources
    they are created with C(POST intels), the task warns once, and O(managed_label) alone marks them."
  - "Runs that overlap: after creating documents the task lists the server again (twice when it created
    several, as a concurrent run's deletions can shift a paged listing); when another run created the same
    document, with the same content, at the same moment, the run holding the newer copy deletes it and
    gives the older one its labels, so one document per identity remains. M(tanium.threat_response.intel)
    follows the same rule."
  - "Copies of a document that this collection made itself (an interrupted or overlapping run) are
    resolved at the next run: the oldest is kept and the others deleted, and appear in RV(deleted).
    A copy it did not make (other content, without O(managed_label)) fails the task before any write,
    naming each copy and how to delete one."
  - "Deploying: RV(undeployed) counts the listed documents not in the deployed package, from the
    server's C(lastDeploymentTimestamp) and C(updatedAt), so a deployment that failed in an earlier run
    is not forgotten (the P(tanium.threat_response.intel_rollout#role) role deploys when it is above zero)."
  - "Cost of a run with nothing to do: one listing pass (one request per 500 documents), one label
    listing, and no write."
seealso:
  - module: tanium.threat_response.intel
  - module: tanium.threat_response.intel_deploy
"""

EXAMPLES = r"""
- name: Make the server hold exactly these documents, deleting managed ones no longer listed
  tanium.threat_response.intel_sync:
    documents:
      - src: intel/apt18.ioc
      - src: intel/stuxnet.stix.xml
      - src: intel/FIN4_MACROCHECK.yara
    labels: [detection-engineering]
    purge: true

- name: A few documents listed by hand, with their own labels
  tanium.threat_response.intel_sync:
    documents:
      - src: intel/apt18.ioc
        labels: [APT]
      - src: intel/FIN4_MACROCHECK.yara
        description: FIN4 macro dropper
      - name: eicar.yara
        content: |
          rule eicar { strings: $a = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE" condition: $a }
    parallel: 8

- name: Every intel file under a directory, failing on terms Threat Response may not evaluate
  tanium.threat_response.intel_sync:
    paths: [intel/]
    managed_label: detection-repo
    applicability: error
    max_size: 1048576

- name: Set the connection once for every module of the collection
  module_defaults:
    group/tanium.threat_response.all:
      url: https://tanium.example.com
      api_token: "{{ tanium_api_token }}"
      ca_path: /etc/pki/tanium-ca.pem
  block:
    - name: Sync the set on that server
      tanium.threat_response.intel_sync:
        paths: [intel/]

- name: Show what would change, for a change request
  tanium.threat_response.intel_sync:
    documents: "{{ intel_documents }}"
    purge: true
  check_mode: true
  diff: true
  register: plan
"""

RETURN = r"""
created:
  description: Documents created (in check mode, that would be), each with C(name), C(id) and C(type).
  returned: always
  type: list
  elements: dict
  sample: [{name: APT18 DEMONSTRATING HUSTLE (BLOG), id: 512, type: openioc}]
updated:
  description: Documents whose content, description or labels changed.
  returned: always
  type: list
  elements: dict
  sample: [{name: FIN4_MACROCHECK.yara, id: 513, type: yara}]
unchanged:
  description: Names of the documents already as wanted (names only, so the result stays small on large sets).
  returned: always
  type: list
  elements: str
  sample: [stuxnet]
counts:
  description: How many documents were created, updated, unchanged and deleted (in check mode, would be).
  returned: always
  type: dict
  sample: {created: 1, updated: 1, unchanged: 9998, deleted: 0}
deleted:
  description: Managed documents deleted because O(purge) is on and they are no longer listed.
  returned: always
  type: list
  elements: dict
  sample: [{name: OLD CAMPAIGN (REPORT), id: 12, type: openioc}]
documents:
  description:
    - One entry per listed document that changed (with O(details=all), per listed document), in order,
      with what happened to it and its applicability.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The document's name.
      type: str
    type:
      description: Its type.
      type: str
    source:
      description: The C(src) path, or C(content).
      type: str
    action:
      description: V(create), V(update) or V(unchanged) (V(unchanged) with label changes counts as updated).
      type: str
    error:
      description: Why this document could not be written.
      type: str
      returned: in RV(failures) entries
    id:
      description: Server id (null for a document that check mode would create).
      type: int
    applicability:
      description:
        - As M(tanium.threat_response.intel) returns it; null with O(applicability=ignore).
        - Also null for a file whose exact bytes the server already held, which is not analysed again.
      type: dict
    applicability_summary:
      description: One line with the counts and the terms that are not known, when there are any.
      type: str
      returned: when the document has applicability findings
  sample:
    - name: SHARPERSIST (UTILITY)
      type: openioc
      source: /srv/intel/SHARPERSIST (UTILITY).ioc
      action: create
      id: 514
      applicability: {known: 1, probable: 0, unknown: 10, findings: [{term: processEvent/processCmdLine, level: unknown}]}
      applicability_summary: "SHARPERSIST (UTILITY): 1 known, 0 probable, 10 unknown item(s); unknown: processEvent/processCmdLine"
diff:
  description: Before and after (name, description, type, md5, size, revision, labels) of each changed document.
  returned: when diff mode is on
  type: list
  elements: dict
  sample: [{before: {state: absent}, after: {state: present, name: APT18, md5: 6a0a..., revision: 1}}]
undeployed:
  description:
    - How many listed documents are not in the deployed package - written by this task, or updated after
      their last deployment as the server records it.
    - Null when the server does not say (3.x has no C(lastDeploymentTimestamp)) and nothing was written.
  returned: always
  type: int
  sample: 0
partial:
  description:
    - When some writes failed, the changes that were made before and beside them. The task then fails
      with C(changed) true when anything was written, and RV(created), RV(updated), RV(deleted) and
      RV(counts) describe those writes.
  returned: on failure of some writes
  type: list
  elements: dict
  sample: [{name: APT18, action: create}]
failures:
  description: When some writes failed, one RV(documents) entry per document that failed, with its C(error).
  returned: on failure of some writes
  type: list
  elements: dict
  sample: [{name: APT30, id: null, type: openioc, action: create, error: "POST ... answered 500"}]
"""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.selection import files_under
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import (
    applicability_warnings,
    assess,
    read_entries,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.options import (
    APPLICABILITY_OPTION,
    DOCUMENT_OPTIONS,
    MAX_SIZE_OPTION,
    PATH_OPTIONS,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import HeldBytes
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.sync import (
    apply_sync,
    plan_sync,
    summarize,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule


def sync(module):
    params = module.params
    entries = params["documents"] + [file_entry for number, entry in enumerate(params["paths"], 1)
                                     for file_entry in path_entries(number, entry, params["patterns"], params["excludes"])]
    if not entries:
        # Also what keeps purge from deleting every managed document after a mistyped path variable.
        raise InvalidInput("no documents given: documents and paths are both empty")
    store = IntelStore(module.client, wire.SYNC_SOURCE_NAME.format(managed_label=params["managed_label"]),
                       parallel=params["parallel"])
    # Files whose bytes the server holds are not parsed again (the listing is read while the files
    # are), unless every document's findings are wanted: applicability `error` checks them all before
    # any request, `details: all` reports them all.
    every_finding = params["applicability"] == "error" or params["details"] == "all"
    held = HeldBytes(store.list_intels if every_finding else store.listing_ahead())
    items = read_entries(entries, params["max_size"], params["labels"], held=None if every_finding else held)
    assess(items, params["applicability"])
    items = plan_sync(store, items, params["managed_label"], params["purge"], held.documents)
    for warning in applicability_warnings(items):
        module.warn(warning)
    for warning in apply_sync(store, items, params["parallel"], module.check_mode, params["retries"]):
        module.warn(warning)
    result = dict(changed=any(item.change.changed for item in items), **summarize(items, params["details"]))
    if module._diff:
        result["diff"] = [dict(before=item.change.before(), after=item.change.after(), before_header=item.name,
                               after_header=item.name) for item in items if item.change.changed]
    return result


def path_entries(number, entry, patterns, excludes):
    """A `paths` entry as `documents` entries, one per file (a directory stands for its selected files).

    The entry is a path string, or a dict with `src` and document options that go with each file.
    """
    if isinstance(entry, str):
        return [{"src": path} for path in files_under(entry, patterns, excludes)]
    if not isinstance(entry, dict):
        raise InvalidInput(f"paths entry {number}: expected a path or a dict with src, not {type(entry).__name__}")
    checked = ArgumentSpecValidator(PATH_OPTIONS).validate(entry)
    if checked.error_messages:
        raise InvalidInput(f"paths entry {number}: " + "; ".join(checked.error_messages))
    options = checked.validated_parameters
    return [dict(options, src=path) for path in files_under(options["src"], patterns, excludes)]


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            documents=dict(type="list", elements="dict", default=[], options=DOCUMENT_OPTIONS,
                           mutually_exclusive=[("src", "content")], required_one_of=[("src", "content")]),
            paths=dict(type="list", elements="raw", default=[]),
            # Normalised by the action plugin (a comma-separated string becomes a list); applied here.
            patterns=dict(type="list", elements="str"),
            excludes=dict(type="list", elements="str"),
            labels=dict(type="list", elements="str", default=[]),
            purge=dict(type="bool", default=False),
            managed_label=dict(type="str", default="managed-by-ansible"),
            parallel=dict(type="int", default=4),
            max_size=MAX_SIZE_OPTION,
            applicability=APPLICABILITY_OPTION,
            details=dict(type="str", default="changed", choices=["changed", "all"]),
        ),
    )
    module.run(sync)


if __name__ == "__main__":
    main()
