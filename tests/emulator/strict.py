"""Strict mode: refuse the request forms no public client of the real API sends.

None of these is known to fail on a real server; none is known to work
(docs/wire-format.md#what-the-collection-does-not-send). With `strict` on, the emulator answers them as a
server without that form would, so a client that drifts from the evidence fails the tests instead of
passing by luck.
"""

from __future__ import annotations

import json

from . import guesses
from .wire import Request, bad_request, no_route

# The fields public clients send in a signal body, on create and on update.
SIGNAL_FIELDS = frozenset({"name", "description", "platforms", "contents"})

# Routes of an intel write: a create through a source (OpenCTI's connector), a create through
# `POST intels` (Tanium's how-to, XSOAR, Splunk SOAR), an update (`PUT intels/{id}`).
SOURCE_ROUTE, SEED_ROUTE, UPDATE = "source", "seed", "update"
XML_TYPES = ("openioc", "stix", "cybox")
# The `type` header OpenCTI's connector sends, per document type (docs/wire-format.md#upload-headers):
# on a source-route create, and on an update (an older revision of the connector sent `openioc` there).
CREATE_TYPE_HEADERS = {"openioc": ("openioc",), "stix": ("stix",), "yara": ("yara",),
                       "cybox": (guesses.CYBOX_TYPE_HEADER,)}
UPDATE_TYPE_HEADERS = {"openioc": ("ioc", "openioc"), "stix": ("stix",), "yara": ("yara",),
                       "cybox": (guesses.CYBOX_TYPE_HEADER,)}
# Its content types: XML documents as application/xml, YARA as application/octet-stream. On the seed's
# route XSOAR sends application/xml and Splunk SOAR application/octet-stream, for every type.
OPENCTI_CONTENT_TYPES = {"openioc": "application/xml", "stix": "application/xml", "cybox": "application/xml",
                         "yara": "application/octet-stream"}
SEED_CONTENT_TYPES = ("application/xml", "application/octet-stream")


def check_intel_write(request: Request, document_type: str, route: str) -> None:
    """A create (POST) or update (PUT) of an intel document of `document_type` (as sniffed), by `route`."""
    if document_type == "tanium-signal":
        if route == SEED_ROUTE:
            raise bad_request("strict: signals are created through POST sources/{id}/intels, "
                              "not by posting JSON to intels")
        extra = sorted(set(_json_keys(request.body)) - SIGNAL_FIELDS)
        if extra:
            raise bad_request(f"strict: a signal body holds only {sorted(SIGNAL_FIELDS)}, not {extra}")
        return
    headers = request.headers
    disposition = headers.get("content-disposition") or ""
    if 'filename="' in disposition.replace(" ", ""):
        raise bad_request("strict: no client quotes the upload file name")
    if "description" in headers and document_type != "yara":
        raise bad_request("strict: a description header is sent with YARA uploads only")
    if route == SEED_ROUTE or (route == UPDATE and "type" not in headers):
        _check_seed_form(request, route)
    else:
        _check_opencti_form(request, document_type, route)


def _check_seed_form(request: Request, route: str) -> None:
    """Tanium's how-to, XSOAR and Splunk SOAR: a file name and a content type, nothing else."""
    headers = request.headers
    where = "POST intels" if route == SEED_ROUTE else "an update without a type header"
    for name in ("type", "name", "description"):
        if name in headers:
            raise bad_request(f"strict: no client sends a {name} header with {where}")
    if not headers.get("content-disposition"):
        raise bad_request(f"strict: every client names the file (Content-Disposition) with {where}")
    if _media_type(headers) not in SEED_CONTENT_TYPES:
        raise bad_request(f"strict: {where} carries Content-Type {' or '.join(SEED_CONTENT_TYPES)}")


def _check_opencti_form(request: Request, document_type: str, route: str) -> None:
    """OpenCTI's tanium-intel connector: a `type` header for every upload through a source or update."""
    headers = request.headers
    allowed = (CREATE_TYPE_HEADERS if route == SOURCE_ROUTE else UPDATE_TYPE_HEADERS)[document_type]
    if headers.get("type") not in allowed:
        raise bad_request(f"strict: a {document_type} upload {'through a source' if route == SOURCE_ROUTE else 'update'}"
                          f" carries the header type: {allowed[0]} (got {headers.get('type')!r})")
    if _media_type(headers) != OPENCTI_CONTENT_TYPES[document_type]:
        raise bad_request(f"strict: a {document_type} upload with a type header carries Content-Type "
                          f"{OPENCTI_CONTENT_TYPES[document_type]}")
    if document_type in XML_TYPES:
        for name in ("content-disposition", "name"):
            if name in headers:
                raise bad_request(f"strict: no client sends {name} with an XML upload that has a type header")
        return
    disposition = headers.get("content-disposition") or ""
    if not disposition.lower().startswith("attachment;"):
        raise bad_request("strict: a YARA upload with a type header names its file: "
                          "Content-Disposition: attachment; filename=<name>.yara")
    if route == SOURCE_ROUTE and not disposition.rstrip().endswith(".yara"):
        raise bad_request("strict: a YARA upload through a source is named <name>.yara")
    if not (headers.get("name") or "").strip():
        raise bad_request("strict: a YARA upload with a type header carries a name header")


def _media_type(headers: dict) -> str:
    return (headers.get("content-type") or "").split(";", 1)[0].strip().lower()


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
