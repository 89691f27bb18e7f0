# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""New alerts since the last look: the polling state behind the `alerts` event source.

Each poll lists the alerts raised at or after a cursor (`alertedAtFrom`) and returns the ones not
seen before, as `alert_info` returns them. The caller emits them, telling the feed of each
(`emitted`), then calls `settle`, which moves the cursor on: it never moves while alerts of a poll
are still to be emitted, so a place saved between two events never passes one of them.

The cursor trails the newest alert by `lookback` seconds, because an endpoint can report a match
minutes after it found it (its alert keeps the older `alertedAt`); and it trails the server's clock
too (the newest time the server says it received an alert, docs/wire-format.md#server-clock),
because an endpoint whose clock runs ahead dates its alerts in the future, and a cursor taken from
them would pass every alert raised after.
"""

from __future__ import annotations

import dataclasses
import datetime

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.documents import document_ids_named
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import alert_filters, with_intel
from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
)

# An alert dated this far after the server received it comes from an endpoint whose clock runs ahead.
SKEW_WARNING = datetime.timedelta(seconds=60)


@dataclasses.dataclass
class Place:
    """Where the feed is: its cursor, and the alerts at or after it already seen (id -> when it was raised).

    The next listing starts at the cursor; every alert it returns that is not in `seen` is new.
    """

    cursor: datetime.datetime
    seen: dict


class AlertFeed:
    """Remembers which alerts were seen already; `poll()` gives only the new ones, once each.

    Without a `place` (a first start), the first poll reaches `lookback` before `since`: the alerts
    the server holds then and dates before `since` are taken as seen, and every alert that reaches
    the server later is new, even dated a little before `since` (a late report, or a server clock
    behind this host's).
    """

    def __init__(self, client, since, filters=None, intel_name=None, lookback=600, place=None, warn=None):
        """`filters`: option name -> value(s), as listing.alert_filters takes them."""
        self.client = client
        self.query = alert_filters(**(filters or {}))
        self.intel_name = intel_name
        self.lookback = datetime.timedelta(seconds=lookback)
        self.warn = warn or (lambda message: None)
        if place is None:
            place = Place(_whole_milliseconds(since - self.lookback), {})
            self._started_at = _whole_milliseconds(since)
        else:
            self._started_at = None  # resumed: every alert at or after the cursor that is not seen is new
        self.place = place
        self._listed = []  # every alert of the last poll
        self._fresh = {}  # the new ones, not yet emitted: id -> moment

    def poll(self):
        """Alert records not seen by an earlier poll, oldest first. Reads every page."""
        listed = {}
        for intel_id in self._intel_ids():
            for alert in self.client.paginate(self.client.api_path(wire.ALERTS), self._query(intel_id)):
                # An alert raised while paging can shift the pages; keep each alert once.
                listed.setdefault(alert.get("id"), alert)
        self._listed = list(listed.values())
        self._fresh = {alert_id: self._moment(alert) for alert_id, alert in listed.items()
                       if alert_id not in self.place.seen}
        if self._started_at is not None:
            self._see_what_was_there_before_the_start()
        # Oldest first; ids (integers on the wire) break ties in number order.
        fresh = [listed[alert_id] for alert_id in sorted(
            self._fresh, key=lambda alert_id: (self._fresh[alert_id], str(alert_id).zfill(20)))]
        for alert in fresh:
            self._warn_if_dated_ahead(alert)
        return [to_record(alert) for alert in fresh]

    def emitted(self, record):
        """The alert `record` (from the last `poll`) was emitted: it is seen from now on."""
        self.place.seen[record["id"]] = self._fresh.pop(record["id"])

    def settle(self):
        """Once every alert of the last poll was emitted: move the cursor on, forget the alerts it passed."""
        alerted = [moment for moment in map(_alerted_at, self._listed) if moment]
        received = [moment for moment in map(_received_at, self._listed) if moment]
        if alerted and received:
            reach = min(max(alerted), max(received)) - self.lookback
            self.place.cursor = max(self.place.cursor, _whole_milliseconds(reach))
        # What is before the cursor is not listed again, so it need not be remembered.
        self.place.seen = {alert_id: moment for alert_id, moment in self.place.seen.items()
                           if moment >= self.place.cursor}
        self._listed = []

    def _intel_ids(self):
        if self.intel_name is None:
            return [None]
        # Looked up on every poll: a document with that name may be uploaded while the source runs.
        return document_ids_named(self.client, self.intel_name)

    def _query(self, intel_id):
        return with_intel(dict(self.query, alertedAtFrom=format_timestamp(self.place.cursor)), intel_id)

    def _see_what_was_there_before_the_start(self):
        """The first poll of a first start: alerts already there and dated before `since` are seen, not new."""
        for alert_id, moment in list(self._fresh.items()):
            if moment < self._started_at:
                self.place.seen[alert_id] = self._fresh.pop(alert_id)
        self._started_at = None

    def _warn_if_dated_ahead(self, alert):
        alerted, received = _alerted_at(alert), _received_at(alert)
        if alerted and received and alerted - received > SKEW_WARNING:
            self.warn(f"alert {alert.get('id')} from {alert.get('computerName')} is dated {format_timestamp(alerted)},"
                      f" {(alerted - received).total_seconds():.0f} s after the server received it: that endpoint's"
                      " clock runs ahead; the alert is emitted, and the listing keeps to the server's clock")

    def _moment(self, alert):
        """When an alert counts as raised, for forgetting it: its alertedAt, else its receive time, else the cursor."""
        return _alerted_at(alert) or _received_at(alert) or self.place.cursor


def _alerted_at(alert):
    return parse_timestamp(alert.get("alertedAt"))


def _received_at(alert):
    """When the server received the alert: the first of wire.ALERT_RECEIVED_AT the alert carries."""
    for field in wire.ALERT_RECEIVED_AT:
        moment = parse_timestamp(alert.get(field))
        if moment:
            return moment
    return None


def _whole_milliseconds(moment):
    """The cursor as the server sees it (timestamps carry milliseconds), so forgetting an alert
    before the cursor never forgets one the next listing still returns."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
