# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server objects as modules return them (snake_case keys, JSON-in-a-string fields decoded), and what
an intel record says about its deployment."""

from __future__ import annotations

import datetime
import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import parse_timestamp

# On 3.x these arrive as JSON strings, on 4.x as objects (docs/wire-format.md#base-url-api-families-and-envelope); alert `details` is always a string.
JSON_STRING_FIELDS = ("compiled", "mitreAttack", "details")


def to_record(server_object):
    """A copy of a server object with snake_case keys and JSON-string fields decoded where they parse."""
    decoded = dict(server_object)
    for field in JSON_STRING_FIELDS:
        value = decoded.get(field)
        if isinstance(value, str):
            try:
                decoded[field] = json.loads(value)
            except ValueError:
                pass  # not JSON after all: keep the server's text
    return camel_dict_to_snake_dict(decoded)


# INFERRED (docs/wire-format.md#deployment-finished): deploying touches a document's updatedAt just after
# stamping lastDeploymentTimestamp (23 ms later in the one public sample), so a document edited within
# this margin after its last deployment is taken for deployed.
DEPLOYMENT_TOUCHES_UPDATED_AT = datetime.timedelta(seconds=2)


def document_deployed(intel):
    """Whether one intel document is in the deployed package: True, False, or None when unknown.

    Only the 4.x family returns lastDeploymentTimestamp; without it the answer is unknown.
    """
    if "lastDeploymentTimestamp" not in intel:
        return None
    deployed_at = parse_timestamp(intel.get("lastDeploymentTimestamp"))
    if deployed_at is None:
        return False
    updated_at = parse_timestamp(intel.get("updatedAt"))
    return updated_at is None or updated_at <= deployed_at + DEPLOYMENT_TOUCHES_UPDATED_AT
