# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `alerts` event source's arguments, checked as the modules check theirs, turned into an AlertSource.

The source (extensions/eda/plugins/event_source/alerts.py) runs in ansible-rulebook, not as a module,
so the argument spec is applied with ansible-core's ArgumentSpecValidator: the same names, types,
choices and TANIUM_* fallbacks as every module. Everything that can be checked without asking the
server is checked here, at start: the arguments, the client's settings, the checkpoint file.
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.checkpoint import (
    check_writable,
    read_place,
    write_place,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import AlertFeed
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import (
    ALERT_STATES,
    checked_since,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient
from ansible_collections.tanium.threat_response.plugins.module_utils._api.retry import RetryPolicy
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import format_timestamp, utc_now
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput, Scrubber
from ansible_collections.tanium.threat_response.plugins.module_utils._api.settings import CONNECTION_ARGUMENT_SPEC

__all__ = ["AlertSource", "InvalidInput", "alert_source_from", "backoff"]

# `retries` is left out: the source itself polls again after any failure, with backoff and a log line.
SOURCE_ARGUMENT_SPEC = dict(
    {name: spec for name, spec in CONNECTION_ARGUMENT_SPEC.items() if name != "retries"},
    interval=dict(type="int", default=30),
    state=dict(type="list", elements="str", choices=list(ALERT_STATES)),
    priority=dict(type="list", elements="str"),
    severity=dict(type="list", elements="str"),
    label=dict(type="str"),
    intel_name=dict(type="str"),
    since=dict(type="str"),
    lookback=dict(type="int", default=600),
    checkpoint=dict(type="path"),
)

_POLICY = RetryPolicy(0)


class AlertSource:
    """The feed, and the checkpoint file that keeps its place when one is set.

    The event source polls, emits each alert and tells `emitted`, then `settle`s; the place is written
    after each emitted alert and whenever settling changes it.
    """

    def __init__(self, feed, interval, since, checkpoint=None, resumed=False):
        self.feed = feed
        self.interval = interval
        self.since = since
        self.checkpoint = checkpoint
        self.resumed = resumed
        self._written = None

    @property
    def client(self):
        return self.feed.client

    def poll(self):
        return self.feed.poll()

    def emitted(self, alert):
        self.feed.emitted(alert)
        self._keep_place()

    def settle(self):
        self.feed.settle()
        self._keep_place()

    def describe(self):
        """What the source does, for its start line."""
        if self.resumed:
            place = self.feed.place
            where = (f"where checkpoint {self.checkpoint} left off (raised from {format_timestamp(place.cursor)} on,"
                     f" {len(place.seen)} of them seen)")
        else:
            where = f"since {format_timestamp(self.since)}"
            if self.checkpoint:
                where += f", keeping its place in checkpoint {self.checkpoint}"
        return f"polling {self.client.base_url} every {self.interval} s for alerts {where}"

    def _keep_place(self):
        if self.checkpoint is None:
            return
        place = self.feed.place
        state = (place.cursor, dict(place.seen))
        if state != self._written:  # an idle poll changes nothing: no write
            write_place(self.checkpoint, place, self.client.base_url)
            self._written = state


def alert_source_from(args, warn=None):
    """The AlertSource for the source's arguments; InvalidInput names what is wrong, never a secret."""
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
    since = utc_now() if params["since"] is None else checked_since(params["since"])
    client = ThreatResponseClient(
        # An empty variable in the environment (AWX injects unset fields as "") means "not set".
        url=params["url"], api_token=params["api_token"] or None, username=params["username"] or None,
        password=params["password"] or None, validate_certs=params["validate_certs"],
        ca_path=params["ca_path"] or None, timeout=params["timeout"], retries=0,
        api_version=params["api_version"], allow_http=params["allow_http"], warn=warn, scrubber=scrub)
    checkpoint = params["checkpoint"]
    place = None
    if checkpoint:
        place = read_place(checkpoint, client.base_url)
        check_writable(checkpoint)
    filters = {name: params[name] for name in ("state", "priority", "severity", "label")}
    feed = AlertFeed(client, since, filters=filters, intel_name=params["intel_name"], lookback=params["lookback"],
                     place=place, warn=warn)
    return AlertSource(feed, params["interval"], since, checkpoint=checkpoint, resumed=place is not None)


def backoff(failures):
    """Seconds to wait after `failures` failed polls in a row: the client's backoff with jitter."""
    return _POLICY.delay(failures)
