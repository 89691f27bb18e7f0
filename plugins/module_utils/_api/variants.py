# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requests the evidence gives two wire forms of: which one this server serves, found out once per run.

A server that does not serve a form answers 404 or 405 (`wire.MISSING_FORM_STATUSES`); the form that
worked is remembered, so the rest of the run sends only that one (docs/wire-format.md#labels,
docs/wire-format.md#alert-state).
"""

from __future__ import annotations

import threading

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError


class WireVariants:
    """The wire form this run has found the server to serve, per kind of request; shared by threads."""

    def __init__(self):
        self._served = {}  # kind -> index of the form the server serves
        self._lock = threading.Lock()

    def send(self, kind, first, fallback):
        """first(), or fallback() when the server does not serve the first form; the answer of the one sent.

        `kind` names the request ("label update"); `first` and `fallback` are the two forms, each a
        function that sends it. Once one form worked (or the first answered 404/405), only that one is sent.
        """
        with self._lock:
            served = self._served.get(kind)
        if served == 1:
            return fallback()
        try:
            answer = first()
        except ApiError as error:
            if served is not None or error.status not in wire.MISSING_FORM_STATUSES:
                raise
            self._remember(kind, 1)
            return fallback()
        self._remember(kind, 0)
        return answer

    def _remember(self, kind, served):
        with self._lock:
            self._served[kind] = served
