# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet (as module_utils/_platform/fleet.py reads it) as Ansible hosts of the endpoints inventory:
which endpoints to keep, a safe and unique name for each, their variables, and which are alerted.

No I/O and no clock of its own: the fleet, the options and `now` come in, hosts go out, so a cached
fleet gives the same hosts a fresh one would at the same moment.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import re

from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import parse_timestamp

ALERTED_GROUP = "tanium_alerted"
# Host patterns give these characters a meaning (`,` `:` `!` `&` `*` `?` `[` `]` `~`), spaces split
# command lines, and `{{` would be a template: a host name keeps letters, digits, `_`, `.` and `-`.
_UNSAFE = re.compile(r"[^\w.-]")
# Names Ansible gives a meaning of its own: an endpoint called localhost would take the place of the
# implicit localhost that the collection's modules run on.
RESERVED_NAMES = ("localhost", "127.0.0.1", "all", "ungrouped")


@dataclasses.dataclass
class Host:
    name: str
    variables: dict
    alerted: bool


@dataclasses.dataclass
class Hosts:
    hosts: list
    renamed: list  # (server host name, inventory name) of endpoints whose name another endpoint holds, or reserved
    unmatched_alerts: int  # alerts naming no endpoint of the inventory


def endpoint_hosts(fleet, now, alerted_within, host_names=(), exclude_host_names=(), registered_within=None):
    """Hosts for the endpoints that pass the filters, the most recently registered first.

    `fleet`: {"endpoints", "alerts", "platforms"}; `alerted_within` seconds (0: any age);
    `host_names` / `exclude_host_names`: globs, ignoring case; `registered_within` seconds or None.
    """
    endpoints = [endpoint for endpoint in fleet["endpoints"]
                 if _wanted(endpoint, now, host_names, exclude_host_names, registered_within)]
    endpoints.sort(key=_newest_first)
    names, renamed = _inventory_names(endpoints)
    alerts, unmatched = _alerts_by_endpoint(endpoints, fleet["alerts"])
    platforms = fleet.get("platforms") or {}
    hosts = []
    for endpoint in endpoints:
        times = alerts.get(endpoint["client_id"], [])
        variables = _variables(endpoint, len(times), platforms.get(endpoint["client_id"]))
        hosts.append(Host(names[endpoint["client_id"]], variables, any(_within(t, now, alerted_within) for t in times)))
    return Hosts(hosts, renamed, unmatched)


def alerted_client_ids(endpoints, alerts):
    """Client ids of the endpoints that at least one of `alerts` counts for (of any age, no filter)."""
    return set(_alerts_by_endpoint(sorted(endpoints, key=_newest_first), alerts)[0])


def _wanted(endpoint, now, host_names, exclude_host_names, registered_within):
    name = endpoint["host_name"].casefold()
    if host_names and not any(fnmatch.fnmatchcase(name, pattern.casefold()) for pattern in host_names):
        return False
    if any(fnmatch.fnmatchcase(name, pattern.casefold()) for pattern in exclude_host_names):
        return False
    if registered_within is not None:
        # An endpoint whose registration time cannot be read cannot show it registered recently.
        registered = parse_timestamp(endpoint["last_registration"])
        return registered is not None and (now - registered).total_seconds() <= registered_within
    return True


def _newest_first(endpoint):
    registered = parse_timestamp(endpoint["last_registration"])
    return (registered is None, -(registered.timestamp() if registered else 0), endpoint["client_id"])


def _inventory_names(endpoints):
    """{client id: inventory name}, and the endpoints renamed. Names are made safe; where several
    endpoints share one (ignoring case), the first, most recently registered, keeps it and the others
    are named <name>_<client id>; so are endpoints with a reserved name."""
    names, taken, renamed = {}, set(), []
    for endpoint in endpoints:
        wanted = _UNSAFE.sub("_", endpoint["host_name"].strip()) or f"tanium-{endpoint['client_id']}"
        name = wanted
        if name.casefold() in taken or name.casefold() in RESERVED_NAMES:
            name = f"{wanted}_{_UNSAFE.sub('_', endpoint['client_id'])}"
            while name.casefold() in taken:  # a server name that already reads <name>_<client id>
                name += "_"
            renamed.append((endpoint["host_name"], name))
        taken.add(name.casefold())
        names[endpoint["client_id"]] = name
    return names, renamed


def _alerts_by_endpoint(endpoints, alerts):
    """({client id: [alerted at, ...]}, how many alerts named no endpoint). An alert names its endpoint
    by host name (ignoring case); among endpoints sharing the name, the one with the alert's address,
    else the most recently registered."""
    by_name = {}
    for endpoint in endpoints:  # newest first, so the first of a name is the most recent
        by_name.setdefault(endpoint["host_name"].casefold(), []).append(endpoint)
    found, unmatched = {}, 0
    for host_name, ip, alerted_at in alerts:
        candidates = by_name.get(str(host_name or "").casefold())
        if not candidates:
            unmatched += 1
            continue
        endpoint = next((e for e in candidates if ip and e["ip"] == ip), candidates[0])
        found.setdefault(endpoint["client_id"], []).append(alerted_at)
    return found, unmatched


def _within(alerted_at, now, seconds):
    if seconds == 0:
        return True
    moment = parse_timestamp(alerted_at)
    return moment is not None and (now - moment) <= datetime.timedelta(seconds=seconds)


def _variables(endpoint, alert_count, platform):
    variables = {"tanium_client_id": endpoint["client_id"], "tanium_host_name": endpoint["host_name"],
                 "tanium_ip": endpoint["ip"], "tanium_status": endpoint["status"],
                 "tanium_last_registration": endpoint["last_registration"], "tanium_alerts": alert_count}
    if endpoint["ip"]:
        variables["ansible_host"] = endpoint["ip"]
    if platform:
        variables["tanium_platform"] = platform
    return variables
