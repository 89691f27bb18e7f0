# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alerts raised by deployed intel: listing them with filters, and setting one alert's state."""

from __future__ import annotations

import itertools

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.documents import document_ids_named
from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import (
    InvalidInput,
    ThreatResponseError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._api.records import to_record
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
)

# The list filter takes the first four (docs/wire-format.md#alerts); an update takes all six.
ALERT_STATES = ("unresolved", "inprogress", "resolved", "suppressed", "dismissed", "ignored")


def find_alerts(client, intel_id=None, intel_name=None, filters=None, since=None, limit=None):
    """Alert records matching every given filter, reading all pages (up to `limit` alerts).

    `filters`: option name -> value(s) as `alert_filters` takes them. `intel_name` matches documents
    by exact name; alerts of several such documents come document by document, each in the server's order.
    """
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1")
    params = alert_filters(**(filters or {}))
    if since is not None:
        params["alertedAtFrom"] = format_timestamp(checked_since(since))
    intel_ids = document_ids_named(client, intel_name) if intel_name is not None else [intel_id]
    page_size = min(limit or wire.PAGE_LIMIT, wire.PAGE_LIMIT)
    # Lazy: pages are read only until `limit` alerts are found.
    listings = (client.paginate(client.api_path(wire.ALERTS), with_intel(params, doc_id), page_size=page_size)
                for doc_id in intel_ids)
    alerts = {}
    for alert in itertools.chain.from_iterable(listings):
        # An alert raised while paging can shift the pages; keep each alert once.
        alerts.setdefault(alert.get("id"), alert)
        if limit is not None and len(alerts) >= limit:
            break  # before the generator asks for a page that is not needed
    return [to_record(alert) for alert in alerts.values()]


def alert_filters(state=None, priority=None, severity=None, label=None):
    """The server-side list filters as query parameters (docs/wire-format.md#alerts); several values of
    one filter go as the parameter repeated, which the server takes as OR."""
    wanted = dict(state=state, priority=priority, severity=severity, label=[label] if label else None)
    return {wire.ALERT_FILTERS[name]: list(values) for name, values in wanted.items() if values}


def checked_since(text):
    """The moment `since` names; InvalidInput naming the option (not its value) when it names none."""
    moment = parse_timestamp(text)
    if moment is None:
        raise InvalidInput("since must be an ISO 8601 timestamp such as 2024-05-01T12:00:00Z")
    return moment


def with_intel(params, intel_id):
    return dict(params) if intel_id is None else dict(params, intelDocId=intel_id)


def ensure_alert_state(client, alert_id, state, check_mode, diff):
    """Give alert `alert_id` the state `state` unless it has it already; returns the module result."""
    path = client.api_path(wire.ALERT, alert_id=alert_id)
    current = client.get_or_none(path)
    if current is None:
        raise InvalidInput(f"there is no alert with id {alert_id}")
    changed = current.get("state") != state
    after = dict(current, state=state)
    if changed and not check_mode:
        if client.api_version == "3":
            after = _put_state_3x(client, alert_id, state, path)
        else:
            answer = client.put(path, json_body={"state": state})
            after = _alert_in(answer, alert_id) or client.get(path)
    result = dict(changed=changed, alert=to_record(after if changed else current))
    if diff:
        header = f"alert {alert_id}"
        result["diff"] = dict(before={"state": current.get("state")}, after={"state": state},
                              before_header=header, after_header=header)
    return result


def _put_state_3x(client, alert_id, state, path):
    """3.x: the per-id PUT, or the bulk form where that is not served; then the alert read again.

    docs/wire-format.md#alert-state: 3.x clients disagree on the form, and one sends no body at
    all, so a server answering 200 is not taken at its word.
    """
    client.variants.send("alert state (3.x)", lambda: client.put(path, json_body={"state": state}),
                         lambda: client.put(client.api_path(wire.ALERTS_BULK), json_body={"state": state, "id": [alert_id]}))
    after = client.get(path)
    if not isinstance(after, dict) or after.get("state") != state:
        seen = after.get("state") if isinstance(after, dict) else None
        raise ThreatResponseError(f"the server accepted the new state {state!r} of alert {alert_id} but the alert"
                                  f" still has state {seen!r} when read again; its state is unchanged")
    return after


def _alert_in(answer, alert_id):
    """The updated alert from a PUT answer (one object or a list of them), or None if it holds none."""
    candidates = answer if isinstance(answer, list) else [answer]
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("id") == alert_id and "state" in candidate:
            return candidate
    return None
