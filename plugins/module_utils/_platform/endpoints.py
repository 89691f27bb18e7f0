# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's view of endpoints and computer groups (core API, same server and session)."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, NotFoundError


def find_endpoints(client, hostname=None, ip=None, client_id=None, warn=None):
    """Endpoints the platform knows, as records, filtered by every given value.

    `hostname` matches exactly, ignoring case. The platform field is read from dec/v1/endpoints,
    one call per endpoint found; a server without it leaves `platform` null.
    """
    entries = as_list(client.get(wire.SYSTEM_STATUS))
    # The list ends with a stats object and a cache object: only clients carry computer_id.
    clients = [entry for entry in entries if isinstance(entry, dict) and "computer_id" in entry]
    found = [_record(entry) for entry in clients
             if (hostname is None or str(entry.get("host_name", "")).lower() == hostname.lower())
             and (ip is None or entry.get("ipaddress_client") == ip)
             and (client_id is None or str(entry.get("computer_id")) == str(client_id))]
    for record in found:
        try:
            matches = as_list(client.get(wire.DEC_ENDPOINTS, params={"clientId": record["client_id"]}))
        except NotFoundError:
            if warn:
                warn("the server has no dec/v1/endpoints API, so the platform of each endpoint is unknown (null)")
            break
        platforms = [m.get("platform") for m in matches if str(m.get("clientId")) == record["client_id"]]
        record["platform"] = platforms[0] if platforms else None
    return found


def _record(entry):
    return {"client_id": str(entry.get("computer_id")), "hostname": entry.get("host_name"),
            "ip": entry.get("ipaddress_client"), "platform": None,
            "last_registration": entry.get("last_registration")}


def computer_group_id(client, name):
    """The id of the computer group with that name; InvalidInput when there is none."""
    try:
        group = client.get(wire.GROUP_BY_NAME.format(name=quote(name, safe="")))
    except NotFoundError:
        raise InvalidInput(f"computer_group: the server has no computer group named {name!r}") from None
    group = as_list(group)[0] if group else {}
    if not isinstance(group.get("id"), int):
        raise InvalidInput(f"computer_group: the server's answer for {name!r} holds no group id")
    return group["id"]
