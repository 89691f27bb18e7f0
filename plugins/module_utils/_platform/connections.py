# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Threat Response live connections to one endpoint (wire facts: docs/wire-format.md#file-collection):
connect, tell when the connection is usable, close and delete it. Used by file collection and snapshots.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.endpoints import find_endpoints


class ConnectionFailed(ThreatResponseError):
    """The live connection could not be made, or ended before it was used."""


def one_endpoint(client, hostname=None, client_id=None, warn=None):
    """The one endpoint the platform knows by that host name (no case) or client id, as a record of
    endpoints.find_endpoints; InvalidInput, naming the option, when it knows none or several."""
    found = find_endpoints(client, hostname=hostname, client_id=client_id, warn=warn)
    if len(found) != 1:
        option, value = ("hostname", hostname) if hostname is not None else ("client_id", client_id)
        raise InvalidInput(f"{option}: the platform knows {len(found)} endpoints matching {value!r}; exactly one is needed")
    return found[0]


def connect(client, endpoint):
    """Ask for a live connection to `endpoint` (a record of endpoints.find_endpoints); returns its id."""
    cid = client.post(client.deploy_path(wire.CONN_CONNECT), json_body={"target": {
        "hostname": endpoint["hostname"], "clientId": endpoint["client_id"], "ip": endpoint["ip"],
        "platform": endpoint["platform"]}})
    if not isinstance(cid, str) or not cid:
        raise ConnectionFailed(f"POST {wire.CONN_CONNECT}: the answer is not a connection id: {cid!r}")
    return cid


def connection_ready(client, cid):
    for conn in client.get(client.deploy_path(wire.CONNS)) or []:
        if isinstance(conn, dict) and conn.get("id") == cid:
            if conn.get("status") in wire.CONN_FAILED:
                raise ConnectionFailed(f"connection {cid} is {conn['status']}: {conn.get('message') or 'no message'}")
            return conn.get("status") == wire.CONN_CONNECTED
    raise ConnectionFailed(f"connection {cid} is not in GET {wire.CONNS}")


def close_connection(client, cid, warn):
    for template in (wire.CONN_CLOSE, wire.CONN_DELETE):
        try:
            client.delete(client.deploy_path(template, cid=quoted_cid(cid)))
        except ThreatResponseError as error:
            warn(f"could not {template.split('/')[1]} connection {cid}: {error}")


def quoted_cid(cid):
    # Connection ids look like "remote:HOST:123:"; colons are valid in a path segment.
    return quote(cid, safe=":")
