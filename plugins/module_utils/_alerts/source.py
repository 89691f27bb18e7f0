# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `alerts` event source's arguments, checked as the modules check theirs, turned into an AlertFeed.

The source (extensions/eda/plugins/event_source/alerts.py) runs in ansible-rulebook, not as a module,
so the argument spec is applied with ansible-core's ArgumentSpecValidator: the same names, types,
choices and TANIUM_* fallbacks as every module.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import AlertFeed
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import ALERT_STATES
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, Scrubber
from ansible_collections.tanium.threat_response.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import RetryPolicy
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
    utc_now,
)

__all__ = ["InvalidInput", "alert_feed_from", "backoff", "format_timestamp"]

# `retries` is left out: the source itself polls again after any failure, with backoff and a log line.
SOURCE_ARGUMENT_SPEC = dict(
    {name: spec for name, spec in CONNECTION_ARGUMENT_SPEC.items() if name != "retries"},
    interval=dict(type="int", default=30),
    state=dict(type="list", elements="str", choices=list(ALERT_STATES)),
    intel_name=dict(type="str"),
    since=dict(type="str"),
    lookback=dict(type="int", default=600),
)

_POLICY = RetryPolicy(0)


def alert_feed_from(args, warn=None):
    """(AlertFeed, interval) for the source's arguments; InvalidInput names what is wrong."""
    validator = ArgumentSpecValidator(SOURCE_ARGUMENT_SPEC, required_one_of=[("api_token", "username")],
                                      required_together=[("username", "password")])
    result = validator.validate(dict(args))
    params = result.validated_parameters
    scrub = Scrubber()
    for secret in (params.get("api_token"), params.get("password")):
        scrub.add(secret)
    if result.error_messages:
        raise InvalidInput(scrub("; ".join(result.error_messages)))
    if params["interval"] < 1:
        raise InvalidInput("interval must be at least 1 second")
    if params["lookback"] < 0:
        raise InvalidInput("lookback must not be negative")
    since = utc_now()
    if params["since"] is not None:
        since = parse_timestamp(params["since"])
        if since is None:
            raise InvalidInput(f"since must be an ISO 8601 timestamp such as 2024-05-01T12:00:00Z, "
                               f"not {params['since']!r}")
    client = ThreatResponseClient(
        # An empty variable in the environment (AWX injects unset fields as "") means "not set".
        url=params["url"], api_token=params["api_token"] or None, username=params["username"] or None,
        password=params["password"] or None, validate_certs=params["validate_certs"],
        ca_path=params["ca_path"] or None, timeout=params["timeout"], retries=0,
        api_version=params["api_version"], warn=warn, scrubber=scrub)
    feed = AlertFeed(client, since, states=params["state"], intel_name=params["intel_name"],
                     lookback=params["lookback"])
    return feed, params["interval"]


def backoff(failures):
    """Seconds to wait after `failures` failed polls in a row: the client's backoff with jitter."""
    return _POLICY.delay(failures)
