# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server objects as modules return them: snake_case keys, JSON-in-a-string fields decoded."""

from __future__ import annotations

import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

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
