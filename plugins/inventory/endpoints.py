# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: endpoints
short_description: Tanium endpoints as Ansible hosts, those with recent alerts in a group
version_added: 0.1.0
description:
  - One host per endpoint (Tanium client) the server lists in C(GET /api/v2/system_status), named by its host name,
    with C(ansible_host) set to the address the endpoint registered from.
  - Each host has the variables C(tanium_client_id) (the platform's C(computer_id)), C(tanium_host_name) (the
    server's name, which the inventory name may differ from; see the notes), C(tanium_ip), C(tanium_status)
    (C(Leader), C(Normal), C(Blocked) or C(Slow link)), C(tanium_last_registration) (as the server writes it, for
    example C(2026-05-01T07:54:50Z)), C(tanium_alerts) (how many of its alerts are in O(alert_states), of any age)
    and, where the server says it, C(tanium_platform) (see O(platform_lookup)).
  - Endpoints with alerts in O(alert_states) raised within O(alerted_within) seconds make up the group
    C(tanium_alerted), which other collections' remediation, or the collection's C(contain) role, can target.
  - A fleet of any size takes few requests; one for the endpoints, one per 500 alerts in O(alert_states), and one
    per endpoint whose platform is looked up (O(platform_lookup)).
  - Reads only; it never changes anything on the server.
  - The inventory file's name must end in C(.tanium.yml) or C(.tanium.yaml).
author:
  - Tanium Threat Response collection maintainers (@tanium-threat-response)
extends_documentation_fragment:
  - tanium.threat_response.inventory_connection
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks the file as this plugin's; must be V(tanium.threat_response.endpoints).
    type: str
    required: true
    choices: [tanium.threat_response.endpoints]
  alert_states:
    description:
      - Alerts in these states count in C(tanium_alerts) and put an endpoint in C(tanium_alerted).
    type: list
    elements: str
    choices: [unresolved, inprogress, resolved, suppressed]
    default: [unresolved]
  alerted_within:
    description:
      - An endpoint is in C(tanium_alerted) when one of its alerts in O(alert_states) was raised at most this many
        seconds ago, by the controller's clock.
      - V(0) puts every endpoint with such an alert in the group, whatever its age.
    type: int
    default: 86400
  filters:
    description:
      - Which endpoints become hosts. An endpoint is kept when it passes every filter given.
      - Filtered out endpoints are not in the inventory at all, also not in C(tanium_alerted).
    type: dict
    default: {}
    suboptions:
      host_names:
        description:
          - Keep only endpoints whose host name, as the server gives it, matches one of these glob patterns
            (C(*), C(?), C([...])), ignoring case.
        type: list
        elements: str
      exclude_host_names:
        description:
          - Leave out endpoints whose host name matches one of these glob patterns, ignoring case.
        type: list
        elements: str
      registered_within:
        description:
          - Keep only endpoints that last registered with the server at most this many seconds ago, by the
            controller's clock. Endpoints without a readable registration time are left out.
        type: int
  platform_lookup:
    description:
      - Which endpoints get C(tanium_platform), read from C(/plugin/products/dec/v1/endpoints), one request per
        endpoint, eight at a time, since system_status does not say it.
      - V(alerted) looks up the endpoints with at least one alert in O(alert_states) (of any age), which are the
        ones a response (quarantine packages differ by platform) needs; V(all) every endpoint; V(none) none.
    type: str
    choices: [alerted, all, none]
    default: alerted
notes:
  - Host names are made safe to use in host patterns and on command lines. Characters other than letters, digits,
    C(_), C(.) and C(-) become C(_) (C(Jane's MacBook) is C(Jane_s_MacBook)); an empty name becomes
    C(tanium-<client id>). The server's name is always in C(tanium_host_name).
  - Several endpoints can share a host name, ignoring case (a machine re-imaged or cloned gets a new client id).
    The one that registered last keeps the name; each other one is named C(<name>_<client id>), with a warning. So is an endpoint
    named C(localhost), C(127.0.0.1), C(all) or C(ungrouped), so that it cannot take the place of the implicit
    localhost the collection's modules run on.
  - An alert names its endpoint by host name; among endpoints sharing that name it counts for the one with the
    alert's IP address, else for the one that registered last. Alerts naming no endpoint of the inventory are
    ignored.
  - Values from the server are never templated (they are marked unsafe), so a host name holding C({{ }}) stays text.
  - Computer group membership is not read. No public client lists a group's members; the only way the evidence
    shows, a question scoped to the group, would make each inventory run ask every endpoint of the group a live
    question (a write on the server) and wait, and would leave out every endpoint that was offline at that moment.
    Use O(keyed_groups) or O(groups) on these host variables, or the C(question_info) module in a play.
  - When the server cannot be reached, C(ansible-inventory) and C(ansible-playbook) by default only warn and go on
    without these hosts; set C(any_unparsed_is_failed) (E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED)) to stop
    instead. With O(cache), a fresh cache entry is used and the server is not asked at all.
  - The cache holds the fleet as the server listed it, never a credential; filters, names, O(alerted_within) and
    the constructed options are applied at each run, so the cache needs no refresh when they change.
seealso:
  - module: tanium.threat_response.endpoint_info
  - module: tanium.threat_response.alert_info
"""

EXAMPLES = r"""
# fleet.tanium.yml: every endpoint; the ones with unresolved alerts from the last day in tanium_alerted.
# The connection comes from TANIUM_URL, TANIUM_API_TOKEN (or TANIUM_USERNAME and TANIUM_PASSWORD)
# and TANIUM_CA_PATH, as for every module of the collection (AWX: the collection's credential type).
plugin: tanium.threat_response.endpoints
---
# servers.tanium.yml: Windows servers that registered in the last hour, grouped by platform and status,
# with alerts in progress from the last 4 hours in tanium_alerted; kept in a JSON cache for 10 minutes.
plugin: tanium.threat_response.endpoints
url: https://tanium.example.com
ca_path: /etc/pki/tanium-ca.pem
alert_states: [unresolved, inprogress]
alerted_within: 14400
filters:
  host_names: ["WIN-SRV-*", "*.servers.example.com"]
  exclude_host_names: ["*-DC-*"]
  registered_within: 3600
keyed_groups:
  - key: tanium_platform | default('unknown')
    prefix: platform
  - key: tanium_status | lower | replace(' ', '_')
    prefix: status
groups:
  busy: tanium_alerts > 5
compose:
  ansible_user: "'ansible'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/tanium-inventory
cache_timeout: 600
"""

import hashlib
import json
import os

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import utc_now
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, ThreatResponseError
from ansible_collections.tanium.threat_response.plugins.module_utils._api.settings import CONNECTION_ARGUMENT_SPEC
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.fleet import (
    read_alert_marks,
    read_endpoints,
    read_platforms,
)
from ansible_collections.tanium.threat_response.plugins.plugin_utils._inventory_hosts import (
    ALERTED_GROUP,
    alerted_client_ids,
    endpoint_hosts,
)

# The environment variable of each connection option, as the modules read them.
_ENVIRONMENT = {name: spec["fallback"][1][0] for name, spec in CONNECTION_ARGUMENT_SPEC.items() if "fallback" in spec}
_FILTERS_SPEC = dict(host_names=dict(type="list", elements="str", default=[]),
                     exclude_host_names=dict(type="list", elements="str", default=[]),
                     registered_within=dict(type="int"))
_SHOWN_RENAMES = 5


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "tanium.threat_response.endpoints"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith((".tanium.yml", ".tanium.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        config = self._read_config_data(path)
        connection = self._connection_settings(config)
        self._check_alert_options()
        filters = self._filters()
        try:
            fleet = self._fleet(path, connection, cache)
        except (ThreatResponseError, InvalidInput) as error:
            # The client's messages never hold a secret; the chain would only repeat them.
            raise AnsibleParserError(str(error)) from None
        self._populate(fleet, filters)

    # -- options --------------------------------------------------------------------------------

    def _connection_settings(self, config):
        """The connection options, where an empty TANIUM_* variable counts as not set (AWX injects the
        fields of a credential left blank as ""; Ansible would read "" as false or as the current directory)."""
        settings = {}
        for name, spec in CONNECTION_ARGUMENT_SPEC.items():
            blank_in_environment = name in _ENVIRONMENT and os.environ.get(_ENVIRONMENT[name]) == ""
            settings[name] = spec.get("default") if blank_in_environment and name not in config else self.get_option(name)
        if not settings["url"]:
            raise AnsibleParserError("url is not set: give url in the inventory file or set TANIUM_URL")
        return settings

    def _check_alert_options(self):
        if not self.get_option("alert_states"):
            raise AnsibleParserError("alert_states must name at least one state")
        if self.get_option("alerted_within") < 0:
            raise AnsibleParserError("alerted_within must not be negative (0: alerts of any age)")

    def _filters(self):
        given = dict(self.get_option("filters") or {})
        unknown = sorted(set(given) - set(_FILTERS_SPEC))
        if unknown:
            raise AnsibleParserError(f"filters: {', '.join(unknown)} is not a filter; the filters are"
                                     f" {', '.join(_FILTERS_SPEC)}")
        result = ArgumentSpecValidator(_FILTERS_SPEC).validate(given)
        if result.error_messages:
            raise AnsibleParserError("filters: " + "; ".join(result.error_messages))
        filters = result.validated_parameters
        if (filters["registered_within"] or 0) < 0:
            raise AnsibleParserError("filters: registered_within must not be negative")
        return filters

    # -- the fleet, from the cache or the server ---------------------------------------------------

    def _fleet(self, path, connection, cache):
        use_cache = self.get_option("cache")
        key = self._cache_key(path, connection)
        fleet = self._cache.get(key) if use_cache and cache else None
        if fleet is None:
            fleet = self._read_fleet(connection)
            if use_cache:
                self._cache[key] = fleet
        return fleet

    def _cache_key(self, path, connection):
        """One entry per inventory file and per server and listing: another TANIUM_URL must not get this
        server's fleet. No credential goes into the key."""
        listing = [connection["url"], connection["api_version"], sorted(self.get_option("alert_states")),
                   self.get_option("platform_lookup")]
        digest = hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:12]
        return f"{self.get_cache_key(path)}_{digest}"

    def _read_fleet(self, connection):
        client = ThreatResponseClient(
            url=connection["url"], api_token=connection["api_token"] or None, username=connection["username"] or None,
            password=connection["password"] or None, validate_certs=connection["validate_certs"],
            ca_path=connection["ca_path"] or None, timeout=connection["timeout"], retries=connection["retries"],
            api_version=connection["api_version"], allow_http=connection["allow_http"],
            warn=self.display.warning)
        endpoints = read_endpoints(client)
        alerts = read_alert_marks(client, self.get_option("alert_states"))
        lookup = self.get_option("platform_lookup")
        wanted = ([e["client_id"] for e in endpoints] if lookup == "all"
                  else sorted(alerted_client_ids(endpoints, alerts)) if lookup == "alerted" else [])
        platforms = read_platforms(client, wanted, warn=self.display.warning) if wanted else {}
        return {"endpoints": endpoints, "alerts": alerts, "platforms": platforms}

    # -- hosts and groups -----------------------------------------------------------------------

    def _populate(self, fleet, filters):
        found = endpoint_hosts(fleet, utc_now(), self.get_option("alerted_within"), **filters)
        self.inventory.add_group(ALERTED_GROUP)
        strict = self.get_option("strict")
        for host in found.hosts:
            self.inventory.add_host(host.name)
            for name, value in host.variables.items():
                self.inventory.set_variable(host.name, name, _as_data(value))
            if host.alerted:
                self.inventory.add_child(ALERTED_GROUP, host.name)
            self._set_composite_vars(self.get_option("compose"), host.variables, host.name, strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host.variables, host.name, strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host.variables, host.name, strict)
        if found.renamed:
            shown = ", ".join(f"{server!r} as {name}" for server, name in found.renamed[:_SHOWN_RENAMES])
            more = f" and {len(found.renamed) - _SHOWN_RENAMES} more" if len(found.renamed) > _SHOWN_RENAMES else ""
            self.display.warning(f"{len(found.renamed)} endpoints share a host name with one that registered later, or"
                                 f" have a name Ansible reserves; they are named <name>_<client id>: {shown}{more}")
        self.display.v(f"{self.NAME}: {len(found.hosts)} hosts, {sum(h.alerted for h in found.hosts)} in"
                       f" {ALERTED_GROUP}; {found.unmatched_alerts} alerts named no endpoint of the inventory")


def _as_data(value):
    """Server text that could read as a template is marked unsafe, so it stays text on ansible-core before
    2.19, which templates host variables (later versions take every plugin value as data). Only such text:
    there a marked value shows as {"__ansible_unsafe": ...} in ansible-inventory's output, and so in what
    AWX imports."""
    return wrap_var(value) if isinstance(value, str) and ("{" in value or "}" in value) else value
