#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: intel_check
short_description: Check local intel files without a server, including what Threat Response can evaluate
version_added: 0.1.0
description:
  - Reads OpenIOC, STIX 1.x, CybOX, YARA and Tanium Signal files on the controller and reports, for each,
    its type, name and identity, whether it is valid, and its applicability.
  - "Applicability: every indicator item of a document gets a level: V(known) (the sources show Threat
    Response evaluating it), V(probable) (it matches telemetry Tanium documents recording) or
    V(unknown). Most of these levels are inferred, because Tanium publishes no list of the terms it
    evaluates; see C(docs/applicability.md) in the collection for every source."
  - It needs no server and no credentials, and sends nothing anywhere.
  - An invalid document does not stop the analysis of the others.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  src:
    description:
      - A file, or a directory whose files are checked, recursively, in sorted order (those whose names
        match O(patterns) and no O(excludes)). Hidden files and directories (names starting with C(.)) are
        skipped; symlinked directories are followed, and a directory reached twice (a link loop) is read once.
      - A relative path is looked up like the C(template) module's, in the role's C(files/) directory
        and then beside the playbook.
      - The type of each file is detected from its content, never from its extension.
      - At least one of O(src) and O(paths) is required; with both, all their files are checked.
    type: path
  paths:
    description:
      - More files to check, looked up like O(src); a directory in the list stands for its files.
    type: list
    elements: path
  max_size:
    description:
      - Largest document accepted, in bytes. A larger file is reported invalid without being read.
    type: int
    default: 10485760
  fail_on:
    description:
      - When the task fails. The result still holds the analysis of the documents O(details) selects, and C(msg) is then one
        string, saying how many documents fail, followed by the line of each of them, separated by C(; ).
      - V(invalid) fails when a document is invalid (Threat Response would refuse it).
      - V(unknown) fails also when a valid document has a term of level V(unknown).
      - V(never) only reports.
    type: str
    choices: [invalid, unknown, never]
    default: invalid
  details:
    description:
      - Which documents RV(documents) and RV(msg) list. V(findings) (the default) lists the documents that
        are invalid or have applicability findings (terms of level V(probable) or V(unknown)), so a check of
        a large, clean library stays small and says what needs a look; RV(summary) counts every document.
      - V(all) lists every document checked, in the order checked.
    type: str
    choices: [findings, all]
    default: findings
extends_documentation_fragment:
  - tanium.threat_response.file_selection
attributes:
  check_mode:
    support: full
    description: The module only reads local files; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
notes:
  - "This module is not in the action group C(tanium.threat_response.all): it takes no connection
    options, so C(module_defaults) for C(group/tanium.threat_response.all) do not apply to it."
  - "Runs on the controller, where the files are; use C(connection: local) or C(delegate_to: localhost).
    Its action plugin does the check in the controller's own process, without starting a module, so
    C(ansible_python_interpreter) does not matter to it."
  - "The levels come from one table in the collection (C(plugins/module_utils/_formats/applicability_terms.py));
    docs/applicability.md explains each level and source, and how to propose a change."
  - "A YARA file that imports a module outside the 11 Threat Response lists (pe, elf, dotnet, hash, cuckoo,
    math, magic, macho, dex, string, time), or uses an external variable (C(filename), C(filepath),
    C(extension), C(filetype), C(owner)), counts all its rules as V(unknown), with a finding naming each:
    a YARA compiler without that module or variable rejects the whole file."
  - "The YARA verdict is the collection's own checker's, the same whether yara-python is installed or not.
    A signal whose expression does not parse, or that lacks C(platforms), is invalid."
seealso:
  - module: tanium.threat_response.intel
  - module: tanium.threat_response.intel_sync
"""

EXAMPLES = r"""
- name: Check every intel file kept in the repository before a rollout
  tanium.threat_response.intel_check:
    src: intel/
  register: checked

- name: Show one line per document that is invalid or has terms that are not known
  ansible.builtin.debug:
    var: checked.msg

- name: List every document checked, clean ones too
  tanium.threat_response.intel_check:
    src: intel/
    details: all
  register: inventory

- name: Fail the pipeline when any document uses a term Threat Response may not evaluate
  tanium.threat_response.intel_check:
    paths:
      - intel/apt18.ioc
      - intel/yara/FIN4_MACROCHECK.yara
    fail_on: unknown

- name: Only report, even on invalid files
  tanium.threat_response.intel_check:
    src: incoming/
    fail_on: never
  register: report
"""

RETURN = r"""
documents:
  description:
    - One entry per file, in the order checked, for the files O(details) selects (by default the invalid
      ones and those with applicability findings).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Absolute path of the file on the controller.
      type: str
      sample: /home/ci/intel/APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc
    type:
      description: Detected intel type; null for an invalid file.
      type: str
      sample: openioc
    type_version:
      description: Version of the type's format (C(1.0), C(1.1), C(1.2) ...); null for an invalid file.
      type: str
      sample: "1.0"
    name:
      description: The name the server would give the document (a YARA file's is its file name).
      type: str
      sample: APT18 DEMONSTRATING HUSTLE (BLOG)
    intrinsic_id:
      description: The identity the document claims (OpenIOC or STIX id, YARA upload file name C(<name>.yara), signal id).
      type: str
      sample: 0ae061d7-c624-4a84-8adf-00281b97797b
    valid:
      description: Whether the document passed the checks made before any upload.
      type: bool
      sample: true
    error:
      description: Why the document is invalid; null when it is valid.
      type: str
      sample: "not well-formed XML at line 45, column 7 (unclosed token)"
    applicability:
      description:
        - Indicator items per level and a finding for every term that is not V(known),
          unknown ones first. Null for an invalid file.
      type: dict
      sample:
        known: 16
        probable: 5
        unknown: 4
        findings:
          - term: FileItem/PEInfo/PETimeStamp
            level: unknown
            detail: "used by 3 indicator items; not among the file attributes Index records; ..."
summary:
  description: Counts over all documents; C(known), C(probable) and C(unknown) add up indicator items.
  returned: always
  type: dict
  sample: {documents: 3, valid: 2, invalid: 1, with_unknown_terms: 1, known: 20, probable: 6, unknown: 4}
msg:
  description:
    - One line per document of RV(documents), for a playbook to show.
    - When the task fails, C(msg) is instead one string, described under O(fail_on).
  returned: success
  type: list
  elements: str
  sample:
    - "/home/ci/intel/APT12.ioc: 16 known, 5 probable, 4 unknown item(s); unknown: Email/From, FileItem/PEInfo/PETimeStamp"
    - "/home/ci/intel/empty.yar: invalid: is empty (0 bytes)"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.check import (
    ARGUMENT_SPEC,
    REQUIRED_ONE_OF,
    check_files,
)


def main():
    # The action plugin runs the same check on the controller without starting this module (see
    # module_utils/_intel/check.py); this entry point serves a direct run of the module.
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_one_of=REQUIRED_ONE_OF, supports_check_mode=True)
    result = check_files(module.params, module.warn)
    if result.pop("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
