#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_collect
short_description: Bring one file from one endpoint to the controller as Threat Response evidence
version_added: 0.1.0
description:
  - Opens a Threat Response live connection to the endpoint, asks it for the file, waits until the
    C(fileDownload) task has finished, finds the new file evidence by host and path, and downloads it into
    O(dest) as the password-protected zip Threat Response makes (password C(infected)).
  - The hashes returned are those of the file itself, read inside the zip, and must equal the hash Threat
    Response recorded for the evidence; otherwise nothing is written and the task fails.
  - The connection is closed and deleted afterwards, also when a step failed (unless O(cleanup=false)).
  - Idempotent. When Threat Response already holds evidence for that host and path and O(dest) already holds a
    zip whose file has that evidence's hash, the task changes nothing and opens no connection. O(force=true)
    collects the file again. A zip in O(dest) that cannot be read (damaged, or not a zip) is collected again.
  - The collected file is treated as malware. The zip is written readable by its owner only (mode 0600),
    nothing is ever executed, and nothing is extracted unless O(extract=true).
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  path:
    description:
      - Full path of the file on the endpoint, for example V(C:\\Users\\mlee\\Downloads\\invoice.pdf.exe).
    type: str
    required: true
  hostname:
    description:
      - Host name of the endpoint, as the platform knows it (exact, case-insensitive).
      - Exactly one of O(hostname) and O(client_id) is required.
    type: str
  client_id:
    description:
      - Platform client id of the endpoint.
    type: str
  dest:
    description:
      - Where the zip goes on the host the module runs on (normally the controller).
      - An existing directory, or a path ending in C(/), receives C(<file name on the endpoint>.zip) (with C(%) and
        control characters percent-encoded); any other value is the zip's own path, and its directory must exist.
        Names from the server or the archive never choose where a file is written.
    type: path
    required: true
  endpoint_directory:
    description:
      - Put the zip into a directory of its own below O(dest), named after the endpoint's host name as the
        platform spells it, and made (mode 0700) when missing. O(dest) must then be an existing directory.
      - The host name comes from the server, so it only ever names one directory inside O(dest). A name that
        is not a plain directory name (V(..), V(../victim), V(/etc), one with a path separator, C(%) or a
        control character) is percent-encoded into one (V(%2E%2E), V(..%2Fvictim), V(%2Fetc)), with a
        warning; an empty name, or one longer than 255 bytes, fails the task naming the endpoint.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds the whole task may take, from its first request to its end (the lookups, connecting,
        the download task, the download), retries and C(Retry-After) pauses included. When they pass first,
        the task fails naming O(wait_timeout) and the step it was in.
      - No pause is slept past it and each request gets at most the time left (at least one second). The
        connection is still closed when the time is up; each clean-up request then gets one second, without retries.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between two reads of the connection or task status.
    type: int
    default: 2
  force:
    description:
      - Collect the file again even when the evidence and the zip are already there.
    type: bool
    default: false
  extract:
    description:
      - Also unpack the file beside the zip (mode 0600, never executable).
      - Entries with an absolute name, a control character, a name climbing out of the directory, or the name of
        the zip itself are refused (before the zip is written), and so is an archive unpacking to more than
        512 MiB.
    type: bool
    default: false
  cleanup:
    description:
      - Close and delete the live connection when done (C(DELETE .../conns/close/<id>), then
        C(DELETE .../conns/delete/<id>)), whether the collection succeeded or not.
    type: bool
    default: true
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.JOB
attributes:
  check_mode:
    details: The lookups are of the endpoint and of the evidence already held; no connection is opened and no file
      written.
  diff_mode:
    details: A collected file has no text to compare.
notes:
  - The paths are those of the threat-response API family, on 3.x and 4.x servers alike.
  - "Inferred about the server (no public source states it): which digest the evidence's C(hash) field is; the
    module tells it by its length (MD5, SHA-1 or SHA-256)."
  - The endpoint's client id, IP address and platform for the connection come from the platform
    (C(GET /api/v2/system_status) and C(GET /plugin/products/dec/v1/endpoints)).
  - The role C(tanium.threat_response.file_triage) runs the whole incident workflow with this module as its
    collection step.
seealso:
  - module: tanium.threat_response.endpoint_info
  - module: tanium.threat_response.question_info
"""

EXAMPLES = r"""
- name: Collect the suspicious download from the endpoint that reported it
  tanium.threat_response.file_collect:
    hostname: WIN-HR-03
    path: 'C:\Users\mlee\Downloads\invoice_0423.pdf.exe'
    dest: /srv/evidence/WIN-HR-03/
  register: sample

- name: Collect it into a directory named after the endpoint, as the file_triage role does
  tanium.threat_response.file_collect:
    hostname: "{{ item.hostname }}"
    path: "{{ item.path }}"
    dest: /srv/evidence/incident-4711
    endpoint_directory: true
    wait_timeout: 300
  loop: "{{ suspicious_files }}"

- name: Show its hashes
  ansible.builtin.debug:
    msg: "{{ sample.sha256 }} ({{ sample.size }} bytes) in {{ sample.dest }}"
"""

RETURN = r"""
dest:
  description:
    - Path of the zip (password C(infected)) on the host the module ran on; with O(endpoint_directory), inside the
      endpoint's directory.
  returned: always
  type: str
  sample: /srv/evidence/WIN-HR-03/invoice_0423.pdf.exe.zip
evidence_uuid:
  description: Id of the Threat Response file evidence; null in check mode when the file would be collected.
  returned: always
  type: str
  sample: ffa1a183-4ce2-4c75-89a0-13e2c86b92f3
md5:
  description: MD5 of the file itself (inside the zip); null in check mode when the file would be collected.
  returned: always
  type: str
  sample: 3a4f23404f3caee307802ea4cf0a2363
sha1:
  description: SHA-1 of the file itself; null in check mode when the file would be collected.
  returned: always
  type: str
  sample: 6f1b1f1d1a7e6f0c24b2c3bbdc5d1bd6bbaa8c33
sha256:
  description: SHA-256 of the file itself; null in check mode when the file would be collected.
  returned: always
  type: str
  sample: dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233
size:
  description: Size of the file itself in bytes; null in check mode when the file would be collected.
  returned: always
  type: int
  sample: 94
hostname:
  description: Host name of the endpoint, as the platform spells it.
  returned: always
  type: str
  sample: WIN-HR-03
path:
  description: Path of the file on the endpoint, as given.
  returned: always
  type: str
  sample: 'C:\Users\mlee\Downloads\invoice_0423.pdf.exe'
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._platform.file_collection import collect
from ansible_collections.tanium.threat_response.plugins.module_utils._module import (
    ThreatResponseModule,
    wait_argument_spec,
)


def main():
    module = ThreatResponseModule(
        argument_spec=dict(
            path=dict(type="str", required=True),
            hostname=dict(type="str"),
            client_id=dict(type="str"),
            dest=dict(type="path", required=True),
            endpoint_directory=dict(type="bool", default=False),
            **wait_argument_spec(timeout=600, sleep=2),
            force=dict(type="bool", default=False),
            extract=dict(type="bool", default=False),
            cleanup=dict(type="bool", default=True),
        ),
        exactly_one_of=[("hostname", "client_id")],
    )
    module.run(collect)


if __name__ == "__main__":
    main()
