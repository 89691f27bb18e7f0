# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole fleet in a few requests: every endpoint of system_status, the alerts raised on them, the
platform of chosen endpoints (docs/wire-format.md#inventory). What the inventory plugin reads."""

from __future__ import annotations

import concurrent.futures
import json

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list, same_page_again
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError, NotFoundError

# Alert pages read ahead at once once the first page tells the total; platform lookups at once.
ALERT_PAGES_AHEAD = 4
PLATFORM_LOOKUPS = 8


def read_endpoints(client):
    """Every client of system_status, in the server's order, as
    {client_id, host_name, ip, status, last_registration}.

    One GET with no options, as public clients read it; only when the cache object at the end counts
    more rows than the answers so far carried are the rest asked for, a page at a time, with the
    tanium-options header (INFERRED: wire.SYSTEM_STATUS_TOTAL_KEYS).
    """
    clients, cache = _clients_and_cache(client.get(wire.SYSTEM_STATUS))
    endpoints = {}  # client id -> endpoint: a row seen twice (pages that overlap) counts once
    rows_read, page_rows = 0, len(clients)
    while True:
        for entry in clients:
            endpoint = _endpoint(entry)
            endpoints.setdefault(endpoint["client_id"], endpoint)
        rows_read += len(clients)
        total = _total(cache)
        if not clients or total is None or rows_read >= total:
            return list(endpoints.values())
        options = {"row_start": rows_read, "row_count": page_rows}
        if cache.get("cache_id") is not None:
            options["cache_id"] = cache["cache_id"]  # the same snapshot as the first page
        answer = client.request("GET", wire.SYSTEM_STATUS, headers={wire.RESULT_PAGING_HEADER: json.dumps(options)})
        previous, (clients, cache) = clients, _clients_and_cache(answer)
        if same_page_again(previous, clients):
            raise ApiError("GET", wire.SYSTEM_STATUS, 200, f"the server answered the same clients again for row_start "
                           f"{rows_read}: it does not page system_status")


def read_alert_marks(client, states):
    """[host name, ip, alerted at] of every alert in one of `states`, each alert once."""
    marks = {}
    for alert in client.paginate(client.api_path(wire.ALERTS), {"state": list(states)}, parallel=ALERT_PAGES_AHEAD):
        # An alert raised while paging can shift the pages; keep each alert once.
        marks.setdefault(alert.get("id"), [alert.get(wire.ALERT_HOST_NAME), alert.get(wire.ALERT_HOST_IP),
                                           alert.get("alertedAt")])
    return list(marks.values())


def read_platforms(client, client_ids, warn=None):
    """{client id: platform} from dec/v1/endpoints, one request per endpoint, several at once.

    A server without that API (404) leaves every platform unknown, with one warning.
    """
    def lookup(client_id):
        matches = as_list(client.get(wire.DEC_ENDPOINTS, params={"clientId": client_id}))
        return next((m.get("platform") for m in matches if str(m.get("clientId")) == client_id), None)

    platforms = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=PLATFORM_LOOKUPS)
    try:
        futures = [(client_id, pool.submit(lookup, client_id)) for client_id in client_ids]
        for client_id, future in futures:
            platform = future.result()
            if platform:
                platforms[client_id] = platform
    except NotFoundError:
        if warn:
            warn("the server has no dec/v1/endpoints API, so the platform of each endpoint is unknown")
        return {}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return platforms


def _clients_and_cache(answer):
    """(client entries, the cache object or {}): only clients carry computer_id; the cache object ends the list."""
    entries = [entry for entry in as_list(answer) if isinstance(entry, dict)]
    clients = [entry for entry in entries if "computer_id" in entry]
    cache = next((entry for entry in reversed(entries) if "cache_id" in entry), {})
    return clients, cache


def _total(cache):
    for key in wire.SYSTEM_STATUS_TOTAL_KEYS:
        value = cache.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _endpoint(entry):
    host_name = entry.get("host_name")
    return {"client_id": str(entry["computer_id"]), "host_name": host_name if isinstance(host_name, str) else "",
            "ip": entry.get("ipaddress_client"), "status": entry.get("status"),
            "last_registration": entry.get("last_registration")}
