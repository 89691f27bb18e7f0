"""Turn a create/update request into a Sniffed document: JSON signals, or raw uploads, which
Content-Disposition may name (a YARA upload must: the file name is its identity;
docs/wire-format.md#upload-headers)."""

from __future__ import annotations

import re

from .sniff import DocumentRejected, Sniffed, looks_like_json, sniff_json, sniff_upload
from .wire import Request, bad_request

_FILENAME = re.compile(r'(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', re.IGNORECASE)


def sniff_request(request: Request, require_attachment: bool) -> Sniffed:
    try:
        if looks_like_json(request.body):
            return sniff_json(request.body)
        disposition = request.headers.get("content-disposition")
        filename = upload_filename(disposition, require_attachment) if disposition else None
        return sniff_upload(request.body, filename, *yara_metadata(request))
    except DocumentRejected as error:
        raise bad_request(str(error)) from None


def upload_filename(header: str, require_attachment: bool) -> str:
    """The filename of `attachment; filename=x`, `filename=x` or `filename="x"`."""
    disposition = header.split(";", 1)[0].strip().lower()
    if require_attachment and disposition != "attachment":
        raise bad_request("Content-Disposition must be of the form 'attachment; filename=<name>'")
    match = _FILENAME.search(header)
    value = (match.group(1) or "").strip() if match else ""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    if not value:
        raise bad_request("the Content-Disposition header has no filename")
    return value


def yara_metadata(request: Request) -> tuple[str | None, str | None]:
    """The `name` and `description` headers that describe a YARA upload (docs/wire-format.md#upload-headers).

    A blank name counts as absent; a description header sets the description, blank or not.
    """
    name, description = request.headers.get("name"), request.headers.get("description")
    return (name or "").strip() or None, None if description is None else description.strip()
