"""Turn a create/update request into a Sniffed document: JSON signals, or raw uploads whose
Content-Disposition names the file (docs/wire-format.md#intel-documents)."""

from __future__ import annotations

import re

from .sniff import DocumentRejected, Sniffed, looks_like_json, sniff_json, sniff_upload
from .wire import Request, bad_request

_FILENAME = re.compile(r'(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', re.IGNORECASE)


def sniff_request(request: Request, require_attachment: bool) -> Sniffed:
    try:
        if looks_like_json(request.body):
            return sniff_json(request.body)
        filename = upload_filename(request.headers.get("content-disposition"), require_attachment)
        return sniff_upload(request.body, filename, *yara_metadata(request))
    except DocumentRejected as error:
        raise bad_request(str(error)) from None


def upload_filename(header: str | None, require_attachment: bool) -> str:
    """The filename of `attachment; filename=x`, `filename=x` or `filename="x"`."""
    if not header:
        raise bad_request("a raw intel upload needs a Content-Disposition header with a filename")
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
    """The `name` and `description` headers that name a YARA upload (docs/wire-format.md#intel-documents)."""
    return _one_line(request.headers.get("name")), _one_line(request.headers.get("description"))


def _one_line(value: str | None) -> str | None:
    # Header values cannot carry newlines (docs/wire-format.md#intel-documents); a blank header counts as absent.
    if value is None:
        return None
    return value.strip() or None
