"""Intel document endpoints, the labels of one document and sources (docs/wire-format.md#intel-documents, #labels, #sources)."""

from __future__ import annotations

import dataclasses

from . import guesses, strict
from .documents import IntelDoc
from .sniff import Sniffed
from .uploads import sniff_request, yara_metadata
from .wire import (HttpError, Request, bad_request, data_response, empty_response, int_values,
                   json_response, list_response, no_route, not_found, page_window)


def list_intels(core, request: Request):
    limit, offset = page_window(request, core.config.list_page_max)
    name_matches = _name_matcher(core.config.name_filter, request.first("name"))
    description = (request.first("description") or "").lower()
    doc_type = request.first("type")
    technique = request.first("mitreTechniqueId")
    label_ids = set(int_values(request, "labelId"))
    page, matched = [], 0
    with core.store.lock:
        for doc in reversed(core.store.intels.values()):  # id descending
            if not name_matches(doc.name) or description not in doc.description.lower():
                continue
            if (doc_type and doc.type != doc_type) or (label_ids and not label_ids & set(doc.label_ids)):
                continue
            if technique and technique not in _techniques(doc):
                continue
            matched += 1
            if offset < matched <= offset + limit:
                page.append(_render(core, request, doc))
    return list_response(request, page, matched)


def get_intel(core, request: Request):
    with core.store.lock:
        try:
            doc = _intel(core, request)
        except HttpError as error:
            # Some servers answer a missing document with 400 "... not found" instead of 404.
            error.status = core.config.missing_intel_status
            raise
        return data_response(request, _render(core, request, doc))


def create_intel(core, request: Request):
    """`POST sources/{id}/intels` (the source route) or `POST intels` (the seed's route)."""
    through_source = "source" in request.params
    source_id = guesses.UPLOAD_SOURCE_ID
    if through_source:
        _serve_sources(core, request)
        source_id = request.int_param("source")
        if source_id not in core.store.sources:
            raise not_found(f"Source {source_id}")
    sniffed = _sniff(core, request)
    if core.config.strict:
        strict.check_intel_write(request, sniffed.type, strict.SOURCE_ROUTE if through_source else strict.SEED_ROUTE)
    if sniffed.type == "tanium-signal" and not through_source:
        source_id = guesses.SIGNAL_SOURCE_ID
    doc = core.store.add_intel(sniffed, source_id)
    with core.store.lock:
        return data_response(request, _render(core, request, doc))


def update_intel(core, request: Request):
    with core.store.lock:
        stored = _intel(core, request)
    sniffed = _sniff(core, request)
    if core.config.strict:
        strict.check_intel_write(request, sniffed.type, strict.UPDATE)
    with core.store.lock:
        if core.store.intels.get(stored.id) is not stored:
            raise not_found(f"Intel doc {stored.id}")
        if _same_identity(stored, sniffed):
            if sniffed.type == "yara":
                # YARA carries no metadata of its own: keep the stored name/description unless
                # the request sends new ones in headers.
                name, description = yara_metadata(request)
                sniffed = dataclasses.replace(sniffed, name=name or stored.name,
                                              description=stored.description if description is None else description)
            core.store.update_intel(stored, sniffed)
            return data_response(request, _render(core, request, stored))
    # docs/wire-format.md#intel-documents: a different intrinsic id makes a NEW document instead of an update.
    doc = core.store.add_intel(sniffed, stored.source_id)
    with core.store.lock:
        return data_response(request, _render(core, request, doc))


def delete_intels_by_query(core, request: Request):
    ids = int_values(request, "id")
    if not ids:
        raise bad_request("id is required, e.g. ?id=12")
    if not core.store.delete_intels(ids):
        raise not_found(f"Intel doc {', '.join(map(str, ids))}")
    return json_response(guesses.DELETE_BY_QUERY_ANSWER)


def delete_intel(core, request: Request):
    doc_id = request.int_param("id")
    if not core.store.delete_intels([doc_id]):
        raise not_found(f"Intel doc {doc_id}")
    return empty_response(guesses.DELETE_STATUS)


def intel_labels(core, request: Request):
    with core.store.lock:
        return data_response(request, _rendered_labels(core, _intel(core, request)))


def attach_label(core, request: Request):
    body = request.json()
    label_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(label_id, int) or isinstance(label_id, bool):
        raise bad_request('the body must be {"id": <label id>}')
    with core.store.lock:
        doc = _intel(core, request)
        if label_id not in core.store.labels:
            # docs/wire-format.md#labels: an unknown label id is an internal server error, not a 404.
            raise HttpError(guesses.UNKNOWN_LABEL_ATTACH_STATUS, {"text": "Internal Server Error"})
        core.store.attach_label(doc, label_id)
        return data_response(request, _rendered_labels(core, doc))


def detach_label(core, request: Request):
    with core.store.lock:
        doc = _intel(core, request)
        core.store.detach_label(doc, request.int_param("label"))
        return data_response(request, _rendered_labels(core, doc))


def list_sources(core, request: Request):
    _serve_sources(core, request)
    with core.store.lock:
        return data_response(request, [dict(s) for s in core.store.sources.values()])


def create_source(core, request: Request):
    _serve_sources(core, request)
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
        raise bad_request("a source needs a non-empty 'name'")
    with core.store.lock:
        if any(s["name"].lower() == body["name"].lower() for s in core.store.sources.values()):
            raise HttpError(guesses.LABEL_NAME_CONFLICT_STATUS,
                            {"text": f"a source named {body['name']!r} already exists"})
        source = {"id": core.store.new_id("source"), "type": str(body.get("type", "api-client")),
                  "name": body["name"], "description": str(body.get("description", ""))}
        source["createdAt"] = source["updatedAt"] = core.store.deploy_status["createdAt"]
        core.store.sources[source["id"]] = source
    core.store.changed()
    return data_response(request, dict(source))


def _serve_sources(core, request: Request) -> None:
    """A server configured without sources answers every source path as an unknown one."""
    if not core.config.sources:
        raise no_route(request.path)


def _sniff(core, request: Request) -> Sniffed:
    # Quirk Q2 is a 4.x behaviour: detect3 (3.x) also takes a bare `filename=...`.
    strict = core.config.require_attachment_disposition and request.family == "4"
    return sniff_request(request, require_attachment=strict)


def _same_identity(stored: IntelDoc, sniffed: Sniffed) -> bool:
    if stored.is_signal and sniffed.type == "tanium-signal":
        return True  # a JSON signal PUT always updates in place
    if guesses.IN_PLACE_UPDATE_NEEDS_SAME_TYPE and stored.type != sniffed.type:
        return False
    return sniffed.intrinsic_id is not None and sniffed.intrinsic_id == stored.intrinsic_id


def _intel(core, request: Request) -> IntelDoc:
    doc_id = request.int_param("id")
    doc = core.store.intels.get(doc_id)
    if doc is None:
        raise not_found(f"Intel doc {doc_id}")
    return doc


def _render(core, request: Request, doc: IntelDoc) -> dict:
    wire = doc.render(request.family)
    if core.config.label_ids_absent and request.family == "4":
        del wire["labelIds"]
    return wire


def _rendered_labels(core, doc: IntelDoc) -> list[dict]:
    return [core.store.render_label(core.store.labels[i]) for i in doc.label_ids]


def _name_matcher(mode: str, wanted: str | None):
    if not wanted:
        return lambda name: True
    if mode == "exact":
        return lambda name: name == wanted
    lowered = wanted.lower()
    return lambda name: lowered in name.lower()


def _techniques(doc: IntelDoc) -> set[str]:
    mitre = (doc.signal or {}).get("mitreAttack") or {}
    return {t.get("id") for t in mitre.get("techniques", []) if isinstance(t, dict)}
