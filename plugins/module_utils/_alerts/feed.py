# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""New alerts since the last look: the polling state behind the `alerts` event source.

Each poll lists alerts raised at or after a cursor (`alertedAtFrom`) and returns the ones not
returned before, as `alert_info` returns them. The cursor trails the newest alert seen by
`lookback` seconds, because an endpoint can report a match minutes after it found it: its alert is
stored with the older `alertedAt`, which a cursor at the newest alert would already have passed.
"""

from __future__ import annotations

import datetime

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import as_list
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.documents import document_ids_named
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
)


class AlertFeed:
    """Remembers which alerts were returned already; `poll()` gives only the new ones, once each."""

    def __init__(self, client, since, states=None, intel_name=None, lookback=600):
        self.client = client
        self.states = list(states or [])
        self.intel_name = intel_name
        self.lookback = datetime.timedelta(seconds=lookback)
        self.cursor = _whole_milliseconds(since)
        # alert id -> its alertedAt: forgotten once the cursor has passed it (it is not listed again).
        self._returned = {}

    def poll(self):
        """Alert records not returned by an earlier poll, oldest first. Reads every page."""
        fresh = {}
        for intel_id in self._intel_ids():
            for alert in self._list(intel_id):
                if alert.get("id") not in self._returned:
                    fresh.setdefault(alert.get("id"), alert)
        for alert_id, alert in fresh.items():
            self._returned[alert_id] = parse_timestamp(alert.get("alertedAt")) or self.cursor
        self._advance_cursor()
        ordered = sorted(fresh.values(), key=lambda alert: (str(alert.get("alertedAt")), alert.get("id") or 0))
        return [to_record(alert) for alert in ordered]

    def _intel_ids(self):
        if self.intel_name is None:
            return [None]
        # Looked up on every poll: a document with that name may be uploaded while the source runs.
        return document_ids_named(self.client, self.intel_name)

    def _list(self, intel_id):
        """Every alert at or after the cursor, page by page until an empty page.

        Never stops on a short page: a server may answer fewer rows than `limit` before the end
        (docs/wire-format.md#alerts).
        """
        params = {"alertedAtFrom": format_timestamp(self.cursor), "limit": wire.PAGE_LIMIT}
        if self.states:
            params["state"] = self.states  # sent as a repeated query parameter
        if intel_id is not None:
            params["intelDocId"] = intel_id
        path = self.client.api_path(wire.ALERTS)
        listed = set()
        offset = 0
        while True:
            page = as_list(self.client.get(path, params=dict(params, offset=offset)))
            ids = {alert.get("id") for alert in page}
            if not ids - listed:
                return  # an empty page, or one that repeats what was listed (a server ignoring offset)
            listed |= ids
            yield from page
            offset += len(page)

    def _advance_cursor(self):
        if not self._returned:
            return
        newest = max(self._returned.values())
        self.cursor = max(self.cursor, _whole_milliseconds(newest - self.lookback))
        self._returned = {alert_id: moment for alert_id, moment in self._returned.items() if moment >= self.cursor}


def _whole_milliseconds(moment):
    """The cursor as the server sees it (timestamps carry milliseconds), so forgetting an alert
    before the cursor never forgets one the next listing still returns."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
