"""Which handler serves which method and path, per API family (docs/wire-format.md, every section from #base-url-api-families-and-envelope to #alerts)."""

from __future__ import annotations

import dataclasses
import re
from typing import Callable

from . import api_alerts as alerts
from . import api_deploy as deploy
from . import api_intels as intels
from . import api_labels as labels
from . import api_session as session
from . import file_collection
from . import platform_actions
from . import platform_api
from . import response_actions
from . import scans
from . import snapshots
from . import tasks
from .config import EmulatorConfig
from .wire import HttpError, no_route

PREFIXES = {"3": "/plugin/products/detect3/api/v1", "4": "/plugin/products/threat-response/api/v1"}

# Served under the prefix of every family the config enables. "/?" = with or without a slash.
FAMILY_ROUTES = (
    ("GET", "/intels/?", intels.list_intels),
    ("POST", "/intels/?", intels.create_intel),
    ("DELETE", "/intels/?", intels.delete_intels_by_query),
    ("GET", "/intels/{id}", intels.get_intel),
    ("PUT", "/intels/{id}", intels.update_intel),
    ("DELETE", "/intels/{id}", intels.delete_intel),
    ("GET", "/intels/{id}/labels", intels.intel_labels),
    ("PUT", "/intels/{id}/labels", intels.attach_label),
    ("DELETE", "/intels/{id}/labels/{label}", intels.detach_label),
    ("GET", "/sources/?", intels.list_sources),
    ("POST", "/sources/?", intels.create_source),
    ("POST", "/sources/{source}/intels/?", intels.create_intel),
    ("GET", "/labels/?", labels.list_labels),
    ("POST", "/labels/?", labels.create_label),
    ("GET", "/labels/{id}", labels.get_label),
    ("PUT", "/labels/{id}", labels.update_label),
    ("PUT", "/labels/?", labels.update_label_by_query),
    ("DELETE", "/labels/{id}", labels.delete_label),
    ("GET", "/alerts/?", alerts.list_alerts),
    ("GET", "/alerts/{id}", alerts.get_alert),
    ("DELETE", "/alerts/{id}", alerts.delete_alert),
)
# Alert state updates have a different shape per family.
FAMILY_ONLY_ROUTES = {
    "4": (("PUT", "/alerts/{id}", alerts.update_alert),
          ("PUT", "/alerts/?", alerts.update_alerts_by_query)),
    "3": (("PUT", "/alerts/{id}", alerts.update_alert),
          ("PUT", "/alerts/?", alerts.update_alerts_3x)),
}
# Always under threat-response, whatever the api_version (docs/wire-format.md#base-url-api-families-and-envelope).
THREAT_RESPONSE_ROUTES = (
    ("POST", "/intel/deploy", deploy.deploy),
    ("GET", "/intel/status", deploy.deploy_status),
    ("GET", "/tasks/{id}", tasks.get_task),
)
# Platform paths: (method, path, handler, needs a session header).
PLATFORM_ROUTES = (
    ("POST", "/api/v2/session/login", session.login, False),
    ("GET", "/api/v2/session/login", session.login, False),  # legacy clients (docs/wire-format.md#authentication)
    ("GET", "/api/v2/session/current", session.current, True),
    ("POST", "/api/v2/session/validate", session.validate, False),
)

# Quick (on-demand) scans: a different path per family (docs/wire-format.md#quick-scans).
SCAN_ROUTES = {"4": ("POST", "/on-demand-scans/?", scans.start_scan),
               "3": ("POST", "/quick-scans/?", scans.start_scan)}


@dataclasses.dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable
    family: str  # "3", "4" or "" (platform)
    needs_auth: bool


class Router:
    def __init__(self, config: EmulatorConfig):
        self.routes: list[Route] = []
        for family, prefix in PREFIXES.items():
            if config.serves_family(family):
                for method, template, handler in FAMILY_ROUTES + FAMILY_ONLY_ROUTES[family]:
                    self._add(method, prefix + template, handler, family, True)
        for method, template, handler in THREAT_RESPONSE_ROUTES:
            self._add(method, PREFIXES["4"] + template, handler, "4", True)
        for method, template, handler, needs_auth in PLATFORM_ROUTES:
            self._add(method, template, handler, "", needs_auth)
        for method, regex, handler in platform_api.ROUTES:
            self.routes.append(Route(method, re.compile(regex), handler, "", True))
        for method, regex, handler in platform_actions.ROUTES:
            self.routes.append(Route(method, re.compile(regex), handler, "", True))
        for module in (file_collection, response_actions, snapshots):
            for method, regex, handler in module.ROUTES:
                self.routes.append(Route(method, re.compile(PREFIXES["4"] + regex), handler, "4", True))
        for family, (method, template, handler) in SCAN_ROUTES.items():
            if config.serves_family(family):
                self._add(method, PREFIXES[family] + template, handler, family, True)

    def resolve(self, method: str, path: str) -> tuple[Route, dict]:
        """The route and its path parameters; a 404 for an unknown path, 405 for a wrong method."""
        path_known = False
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match:
                if route.method == method:
                    return route, match.groupdict()
                path_known = True
        if path_known:
            raise HttpError(405, {"text": f"method {method} is not allowed on {path}"})
        raise no_route(path)

    def _add(self, method: str, template: str, handler: Callable, family: str, needs_auth: bool):
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template)
        self.routes.append(Route(method, re.compile(regex), handler, family, needs_auth))
