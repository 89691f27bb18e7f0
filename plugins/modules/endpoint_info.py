#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: endpoint_info
short_description: List the endpoints a Tanium server knows, by host name, IP address or client id
version_added: 0.1.0
description:
  - Reads the endpoints (Tanium clients) registered with the server from the platform API
    (C(GET /api/v2/system_status)), on the same server and with the same credentials as Threat Response.
  - Keeps the endpoints that match every filter given; with no filter, returns all of them.
  - Reads each found endpoint's operating system platform from C(GET /plugin/products/dec/v1/endpoints),
    since the platform API does not report it.
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
options:
  hostname:
    description:
      - Host name of the endpoint, matched exactly but ignoring case.
    type: str
  ip:
    description:
      - IP address the endpoint registered from, matched exactly.
    type: str
  client_id:
    description:
      - The platform's id of the endpoint (C(computer_id)).
    type: str
extends_documentation_fragment:
  - tanium.threat_response.connection
  - tanium.threat_response.attributes.INFO_MODULE
notes:
  - One request lists all endpoints; one more per endpoint found reads its platform. Filter when the
    fleet is large.
  - When the server has no C(dec/v1/endpoints) API, RV(endpoints[].platform) is null and the task warns.
seealso:
  - module: tanium.threat_response.question_info
"""

EXAMPLES = r"""
- name: Find one endpoint by host name
  tanium.threat_response.endpoint_info:
    hostname: win-hr-03
  register: found

- name: Its client id and platform
  ansible.builtin.debug:
    msg: "{{ found.endpoints[0].client_id }} runs {{ found.endpoints[0].platform }}"

- name: The endpoint behind an address from an alert
  tanium.threat_response.endpoint_info:
    ip: 10.20.1.13
"""

RETURN = r"""
endpoints:
  description: The endpoints that match, in the server's order.
  returned: always
  type: list
  elements: dict
  contains:
    client_id:
      description: The platform's id of the endpoint.
      type: str
      sample: "812298220"
    hostname:
      description: Host name the endpoint registered with.
      type: str
      sample: WIN-HR-03
    ip:
      description: Address the endpoint registered from.
      type: str
      sample: 10.20.1.13
    platform:
      description: Operating system platform, from C(dec/v1/endpoints); null when unknown.
      type: str
      sample: windows
    last_registration:
      description: When the endpoint last registered with the server (ISO 8601, UTC).
      type: str
      sample: "2026-01-01T00:00:00.000Z"
"""

from ansible_collections.tanium.threat_response.plugins.module_utils._module import ThreatResponseModule
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.endpoints import find_endpoints


def main():
    module = ThreatResponseModule(
        argument_spec=dict(hostname=dict(type="str"), ip=dict(type="str"), client_id=dict(type="str")),
    )
    params = module.params
    module.run(lambda m: dict(changed=False, endpoints=find_endpoints(
        m.client, hostname=params["hostname"], ip=params["ip"], client_id=params["client_id"], warn=m.warn)))


if __name__ == "__main__":
    main()
