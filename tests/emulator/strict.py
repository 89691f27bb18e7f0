"""Strict mode: refuse the request forms no public client of the real API sends.

None of these is known to fail on a real server; none is known to work
(docs/wire-format.md#what-the-collection-does-not-send). With `strict` on, the emulator answers them as a
server without that form would, so a client that drifts from the evidence fails the tests instead of
passing by luck.
"""

from __future__ import annotations

import json

from .wire import Request, bad_request, no_route

# The fields public clients send in a signal body, on create and on update.
SIGNAL_FIELDS = frozenset({"name", "description", "platforms", "contents"})


def check_intel_write(request: Request, document_type: str, source_scoped: bool) -> None:
    """A create (POST) or update (PUT) of an intel document of `document_type` (as sniffed)."""
    if document_type == "tanium-signal":
        if request.method == "POST" and not source_scoped:
            raise bad_request("strict: signals are created through POST sources/{id}/intels, "
                              "not by posting JSON to intels")
        extra = sorted(set(_json_keys(request.body)) - SIGNAL_FIELDS)
        if extra:
            raise bad_request(f"strict: a signal body holds only {sorted(SIGNAL_FIELDS)}, not {extra}")
        return
    disposition = request.headers.get("content-disposition") or ""
    if 'filename="' in disposition.replace(" ", ""):
        raise bad_request("strict: no client quotes the upload file name")
    if "description" in request.headers and document_type != "yara":
        raise bad_request("strict: a description header is sent with YARA uploads only")


def check_label_listing(request: Request) -> None:
    """Label lists: clients send no offset until a full first page came back."""
    if request.first("offset") in ("0", None) and "offset" in request.query:
        raise bad_request("strict: no client sends offset on the first label page")


def refuse_label_path_update(request: Request) -> None:
    """`PUT labels/{id}` is seen in no client (one sends `PUT labels?id=`): answer as a server without it."""
    raise no_route(request.path)


def _json_keys(body: bytes) -> list:
    try:
        value = json.loads(body.decode("utf-8-sig"))
    except ValueError:
        return []
    return list(value) if isinstance(value, dict) else []
