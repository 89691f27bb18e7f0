"""Alert endpoints (docs/wire-format.md#alerts): list/get/delete on both families; state updates in the
4.x shapes (single and `?id=` bulk) on threat-response and the 3.x shapes (single and bulk body)
on detect3, where `alert_updates_3x` can hide the single form or ignore updates."""

from __future__ import annotations

from . import guesses
from .alerts import checked_state, select_alerts
from .wire import (Request, bad_request, data_response, empty_response, int_values, list_response, no_route,
                   not_found, page_window)


def list_alerts(core, request: Request):
    limit, offset = page_window(request, core.config.list_page_max)
    with core.store.lock:
        label_doc_ids = _docs_with_label(core, request.first("labelName"))
        selected = select_alerts(core.store.alerts.values(), request, label_doc_ids)
        page = [_render(core, request, alert) for alert in selected[offset:offset + limit]]
    return list_response(request, page, len(selected))


def get_alert(core, request: Request):
    with core.store.lock:
        return data_response(request, _render(core, request, _alert(core, request.int_param("id"))))


def update_alert(core, request: Request):
    if request.family == "3" and core.config.alert_updates_3x == "bulk_only":
        raise no_route(request.path)
    state = _state_from_body(request)
    with core.store.lock:
        alert = _alert(core, request.int_param("id"))
        if _ignores_updates(core, request):
            return data_response(request, dict(_render(core, request, alert), state=state))
        core.store.set_alert_state(alert, state)
        return data_response(request, _render(core, request, alert))


def update_alerts_by_query(core, request: Request):
    """4.x bulk: PUT .../alerts/?id=1&id=2 {"state": ...}."""
    return _update_many(core, request, int_values(request, "id"), _state_from_body(request))


def update_alerts_3x(core, request: Request):
    """3.x bulk: PUT .../detect3/api/v1/alerts/ {"state": ..., "id": [...]}."""
    state = _state_from_body(request)
    ids = request.json().get("id")
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise bad_request('the body must be {"state": <state>, "id": [<alert id>, ...]}')
    return _update_many(core, request, ids, state)


def delete_alert(core, request: Request):
    with core.store.lock:
        core.store.delete_alert(_alert(core, request.int_param("id")).id)
    return empty_response(guesses.DELETE_STATUS)


def _update_many(core, request: Request, ids: list[int], state: str):
    if not ids:
        raise bad_request("at least one alert id is required")
    with core.store.lock:
        missing = [i for i in ids if i not in core.store.alerts]
        if missing:
            raise not_found(f"Alert {', '.join(map(str, missing))}")
        alerts = [core.store.alerts[i] for i in dict.fromkeys(ids)]
        if _ignores_updates(core, request):
            return data_response(request, [dict(_render(core, request, alert), state=state) for alert in alerts])
        for alert in alerts:
            core.store.set_alert_state(alert, state)
        return data_response(request, [_render(core, request, alert) for alert in alerts])


def _ignores_updates(core, request: Request) -> bool:
    """A 3.x server that answers an update as done but keeps the old state (config "ignored")."""
    return request.family == "3" and core.config.alert_updates_3x == "ignored"


def _state_from_body(request: Request) -> str:
    body = request.json()
    if not isinstance(body, dict) or "state" not in body:
        raise bad_request('the body must be a JSON object with "state"')
    return checked_state(body["state"])


def _alert(core, alert_id: int):
    alert = core.store.alerts.get(alert_id)
    if alert is None:
        raise not_found(f"Alert {alert_id}")
    return alert


def _render(core, request: Request, alert) -> dict:
    wire = alert.render(request.family)
    if "intelDoc" in request.query.get("expand", []):
        doc = core.store.intels.get(alert.intel_doc_id)
        wire["intelDoc"] = doc.render(request.family) if doc else None
    return wire


def _docs_with_label(core, label_name: str | None) -> set[int] | None:
    if label_name is None:
        return None
    label = core.store.label_named(label_name)
    return set(core.store.label_members.get(label.id, ())) if label else set()
