"""Label endpoints (reference §6)."""

from __future__ import annotations

from . import guesses, strict
from .wire import (HttpError, Request, bad_request, data_response, empty_response, int_values, list_response,
                   not_found, page_window)


def list_labels(core, request: Request):
    if core.config.strict:
        strict.check_label_listing(request)
    limit, offset = page_window(request, core.config.list_page_max)
    with core.store.lock:
        labels = sorted(core.store.labels.values(), key=lambda label: label.id)
        page = [core.store.render_label(label) for label in labels[offset:offset + limit]]
        return list_response(request, page, len(labels))


def get_label(core, request: Request):
    with core.store.lock:
        return data_response(request, core.store.render_label(_label(core, request)))


def create_label(core, request: Request):
    name, description = _fields(request, name_required=True)
    with core.store.lock:
        _refuse_duplicate(core, name)
        label = core.store.add_label(name, description or "")
        return data_response(request, core.store.render_label(label))


def update_label(core, request: Request):
    """`PUT labels/{id}`; strict mode answers as a server without it (no public client sends it)."""
    if core.config.strict:
        strict.refuse_label_path_update(request)
    return _update(core, request, request.int_param("id"))


def update_label_by_query(core, request: Request):
    """`PUT labels?id=<id>`, the form one public client (Splunk's Detect connector) sends."""
    ids = int_values(request, "id")
    if len(ids) != 1:
        raise bad_request("exactly one id is required, e.g. ?id=12")
    return _update(core, request, ids[0])


def _update(core, request: Request, label_id: int):
    name, description = _fields(request, name_required=False)
    with core.store.lock:
        label = _label_by_id(core, label_id)
        if name is not None:
            _refuse_duplicate(core, name, other_than=label.id)
        core.store.update_label(label, name, description)
        return data_response(request, core.store.render_label(label))


def delete_label(core, request: Request):
    with core.store.lock:
        core.store.delete_label(_label(core, request).id)
    return empty_response(guesses.DELETE_STATUS)


def _fields(request: Request, name_required: bool) -> tuple[str | None, str | None]:
    body = request.json()
    if not isinstance(body, dict):
        raise bad_request('the body must be a JSON object like {"name": ..., "description": ...}')
    name, description = body.get("name"), body.get("description")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise bad_request("label 'name' must be a non-empty string")
    if name_required and name is None:
        raise bad_request("label 'name' is required")
    if description is not None and not isinstance(description, str):
        raise bad_request("label 'description' must be a string")
    return name, description


def _refuse_duplicate(core, name: str, other_than: int | None = None) -> None:
    existing = core.store.label_named(name, other_than)
    if existing is not None:
        raise HttpError(guesses.LABEL_NAME_CONFLICT_STATUS,
                        {"text": f"a label named {existing.name!r} already exists (id {existing.id})"})


def _label(core, request: Request):
    return _label_by_id(core, request.int_param("id"))


def _label_by_id(core, label_id: int):
    label = core.store.labels.get(label_id)
    if label is None:
        raise not_found(f"Label {label_id}")
    return label
