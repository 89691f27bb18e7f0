# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Intel document formats: detect, parse and validate a document before anything is sent.

Covers OpenIOC 1.0/1.1, STIX 1.x, CybOX, YARA and Tanium signals, and holds the one table of
per-type rules (matching server types, how "unchanged" is decided); how each type travels (file name
extension, content type, headers) is the table in _api/wire.py. The type always comes from the
content, never from a file extension.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import stat

from ansible_collections.tanium.threat_response.plugins.module_utils._api import wire
# Re-exported: callers catch IntelFormatError from here or from _errors.
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import IntelFormatError
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.signals import (
    SignalProblem,
    check_signal,
    load_json,
    signal_bytes,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.signals import (
    signal_fields as _signal_fields,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.safe_xml import (
    XmlProblem,
    identify,
    parse_xml,
    replace_intrinsic_id,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.yara_rules import YaraProblem, check_yara

# The largest document accepted by default, in bytes (the modules' `max_size` default says the same).
DEFAULT_MAX_SIZE = 10485760


@dataclasses.dataclass(frozen=True)
class _TypeRule:
    label: str  # how messages name the format (applicability and troubleshooting use it too)
    server_types: tuple  # server `type` strings that count as this type
    comparison: str  # "md5": the server keeps our bytes; "signal_fields": it re-serialises them


# THE per-type rule table (docs/wire-format.md#intel-documents).
_RULES = {
    "openioc": _TypeRule("OpenIOC", ("openioc",), "md5"),
    "stix": _TypeRule("STIX 1.x", ("stix",), "md5"),
    # UNKNOWN: the server's type string for CybOX (it may well store it as "stix").
    "cybox": _TypeRule("CybOX", ("cybox", "stix"), "md5"),
    "yara": _TypeRule("YARA", ("yara",), "md5"),
    "tanium-signal": _TypeRule("Tanium signal", ("tanium-signal",), "signal_fields"),
}
INTEL_TYPES = tuple(_RULES)


def type_label(intel_type: str) -> str:
    """How messages name a type: "OpenIOC", "STIX 1.x", "CybOX", "YARA", "Tanium signal"."""
    return _rule(intel_type).label


def matches_server_type(intel_type: str, server_type: str) -> bool:
    return server_type in _rule(intel_type).server_types


def server_type_filter(intel_type):
    """The server `type` filter value for a listing of this type: None when several server types match."""
    if intel_type is None:
        return None
    server_types = _rule(intel_type).server_types
    return server_types[0] if len(server_types) == 1 else None


def comparison(intel_type: str) -> str:
    """How "unchanged" is decided: "md5" of the uploaded bytes, or "signal_fields" (see signal_fields)."""
    return _rule(intel_type).comparison


def _rule(intel_type: str) -> _TypeRule:
    if intel_type not in _RULES:
        raise ValueError(f"unknown intel type {intel_type!r}; expected one of {', '.join(INTEL_TYPES)}")
    return _RULES[intel_type]


@dataclasses.dataclass(frozen=True)
class IntelDocument:
    """A validated document, ready to upload; `content` is exactly what is sent."""

    type: str
    type_version: str
    name: str
    description: str
    intrinsic_id: str | None
    content: bytes = dataclasses.field(repr=False)
    md5: str
    size: int
    source: str
    upload_filename: str
    content_type: str
    platforms: tuple = ()
    # What the checks parsed, kept so applicability reads it instead of parsing the bytes again:
    # ParsedXml for XML types, a YaraOutline for YARA, the [(field, condition)] terms of a signal.
    parsed: object = dataclasses.field(default=None, compare=False, repr=False)

    def with_intrinsic_id(self, intrinsic_id: str | None) -> IntelDocument:
        """The same document claiming the server's stored intrinsic id, so a PUT updates in place
        instead of creating a new document (docs/wire-format.md#intel-documents). None drops a signal's "id"."""
        if intrinsic_id == self.intrinsic_id:
            return self
        if self.type == "yara":
            # The stored intrinsic id is the file name the document was uploaded as: sent again as the
            # file name, it updates that document (docs/wire-format.md#intel-documents); the name stays.
            file_name = _header_safe_name(intrinsic_id, self.source, "upload file name")
            return dataclasses.replace(self, intrinsic_id=file_name, upload_filename=file_name)
        if self.type == "tanium-signal":
            # A signal PUT updates in place whatever its server-side id; the body carries none.
            return self
        if not isinstance(intrinsic_id, str) or not intrinsic_id.strip():
            raise IntelFormatError(self.source, f"cannot set the intrinsic id to {intrinsic_id!r}")
        try:
            content = replace_intrinsic_id(self.content, intrinsic_id)
        except XmlProblem as error:
            raise IntelFormatError(self.source, str(error)) from None
        return parse_document(content, self.source, self.type, max_size=len(content))


def read_document(path: str, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """Read a document file, refusing a too-big one from its size before reading anything."""
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise IntelFormatError(path, "is a directory, not an intel document")
        if not stat.S_ISREG(status.st_mode):
            raise IntelFormatError(path, "is not a regular file")
        _check_size(status.st_size, max_size, path)
        with open(path, "rb") as handle:
            # The stat's size, +1 to notice a file that grew since (a read of max_size + 1 would allocate
            # that much for every file); then at most up to the limit.
            content = handle.read(status.st_size + 1)
            if len(content) > status.st_size:
                content += handle.read(max(max_size + 1 - len(content), 0))
    except FileNotFoundError:
        raise IntelFormatError(path, "file not found") from None
    except PermissionError:
        raise IntelFormatError(path, "cannot be read: permission denied") from None
    except OSError as error:
        raise IntelFormatError(path, f"cannot be read: {error.strerror or error}") from None
    _check_size(len(content), max_size, path)
    return content


def parse_document(
    content: bytes,
    source: str = "content",
    intel_type: str = "auto",
    yara_name: str | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
) -> IntelDocument:
    """Detect, validate and describe one document; IntelFormatError names `source` and the problem.

    `yara_name` is the name (= upload file name = identity) a YARA document gets, since YARA text
    carries none; it is required when the content is YARA.
    """
    if intel_type != "auto" and intel_type not in _RULES:
        raise IntelFormatError(source, f"unknown type {intel_type!r}; expected auto or one of {', '.join(INTEL_TYPES)}")
    text = _decoded_text(content, source, max_size)
    try:
        detected, parsed = _detect(content, text, source)
        if intel_type not in ("auto", detected):
            raise IntelFormatError(source, f"the content is {_RULES[detected].label}, not {_RULES[intel_type].label}")
        if detected == "yara":
            return _yara_document(content, text, source, yara_name)
        if detected == "tanium-signal":
            return _signal_document(parsed, source)
        identity = identify(parsed)
    except (XmlProblem, YaraProblem, SignalProblem) as error:
        raise IntelFormatError(source, str(error)) from None
    return _document(content, detected, parsed.type_version, identity.name, identity.description,
                     identity.intrinsic_id, source, _upload_filename(detected, identity.name), parsed=parsed)


def held_document(content: bytes, source: str, intel_type: str, name: str, description: str,
                  intrinsic_id: str | None, md5: str) -> IntelDocument:
    """A document whose exact bytes the server already holds, described from the server's listing.

    Not parsed again: the server accepted these bytes and nothing is uploaded for them (see
    _intel.plan.HeldBytes). `parsed` stays None, so applicability has nothing to report. A YARA
    document's identity is its upload file name, made from `name` as parse_document makes it. `md5`: of
    `content`, as the caller matched it.
    """
    upload_filename = _upload_filename(intel_type, name)
    if intel_type == "yara":
        intrinsic_id = upload_filename
    return _document(content, intel_type, "", name, description, intrinsic_id, source, upload_filename, md5=md5)


def server_type_of(server_type: str, wanted: str | None = None) -> str | None:
    """The collection's type for a server `type` string: `wanted` when it matches, else the first rule that does."""
    if wanted is not None:
        return wanted if matches_server_type(wanted, server_type) else None
    return next((intel_type for intel_type, rule in _RULES.items() if server_type in rule.server_types), None)


def signal_fields(signal) -> dict | None:
    """What decides whether a signal changed (see _formats.signals.signal_fields); also takes an IntelDocument."""
    return _signal_fields(signal.content if isinstance(signal, IntelDocument) else signal)


def _check_size(size: int, max_size: int, source: str) -> None:
    if size > max_size:
        raise IntelFormatError(source, f"is {size:,} bytes, more than the limit of {max_size:,} bytes")


def _decoded_text(content: bytes, source: str, max_size: int) -> str:
    _check_size(len(content), max_size, source)
    if not content:
        raise IntelFormatError(source, "is empty (0 bytes)")
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError as error:
        raise IntelFormatError(
            source, f"is not valid UTF-8: byte 0x{content[error.start]:02x} at offset {error.start} (save it as UTF-8)"
        ) from None
    text = text[1:] if text.startswith("\ufeff") else text  # a UTF-8 byte order mark is allowed
    if not text.strip():
        raise IntelFormatError(source, "contains only whitespace")
    return text


def _detect(content: bytes, text: str, source: str) -> tuple:
    """(intel type, what was parsed on the way); JSON first, then XML, and anything else is YARA."""
    first = text.lstrip()[:1]
    if first in ("{", "["):
        data = _load_json(text, source)
        _refuse_stix2(data, source)
        if not isinstance(data, dict):
            raise IntelFormatError(source, "is a JSON array: a Tanium signal is one JSON object")
        return "tanium-signal", data
    if first == "<":
        parsed = parse_xml(content)
        return parsed.intel_type, parsed
    return "yara", None


def _load_json(text: str, source: str):
    try:
        return load_json(text)
    except json.JSONDecodeError as error:
        raise IntelFormatError(
            source, f"is not valid JSON at line {error.lineno}, column {error.colno} ({error.msg.removesuffix(' at')})"
        ) from None
    except RecursionError:
        raise IntelFormatError(source, "is JSON nested too deeply to be a Tanium signal") from None


_STIX2_ID = re.compile(r"^[a-z][a-z0-9-]*--[0-9a-fA-F-]{36}$")


def _refuse_stix2(data, source: str) -> None:
    objects = data if isinstance(data, list) else [data]
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        objects = objects + data["objects"]
    stix2 = [o for o in objects if isinstance(o, dict) and _is_stix2_object(o)]
    if not stix2:
        return
    version = next((str(o["spec_version"]) for o in stix2 if o.get("spec_version")), "2.x")
    raise IntelFormatError(
        source,
        f"is STIX {version} JSON, which Threat Response does not take (it takes STIX 1.x XML); "
        "convert STIX 2 indicators to OpenIOC with the tanium.threat_response.to_openioc filter",
    )


def _is_stix2_object(item: dict) -> bool:
    return (
        item.get("type") == "bundle"
        or str(item.get("spec_version", "")).startswith("2")
        or (isinstance(item.get("id"), str) and _STIX2_ID.match(item["id"]) is not None and "type" in item)
    )


def _signal_document(data: dict, source: str) -> IntelDocument:
    found_terms = check_signal(data)
    # Exactly the body public clients send (docs/wire-format.md#intel-documents): a file's `id`,
    # `syntax_version` or `mitreAttack` is not uploaded, so the name is the signal's identity.
    body = {
        "name": data["name"],
        "description": data.get("description") or "",
        "platforms": list(data["platforms"]),
        "contents": data["contents"],
    }
    content = signal_bytes(body)
    return _document(content, "tanium-signal", "1.0", body["name"], body["description"],
                     body["name"], source, "", tuple(body["platforms"]), parsed=found_terms)


def _yara_document(content: bytes, text: str, source: str, yara_name: str | None) -> IntelDocument:
    outline = check_yara(text)
    if not isinstance(yara_name, str) or not yara_name.strip():
        raise IntelFormatError(
            source, "a YARA document needs a name: YARA text carries none, and its upload file name "
            "(<name>.yara) is its identity on the server"
        )
    name = _header_safe_name(yara_name, source, "name")
    file_name = _upload_filename("yara", name)
    return _document(content, "yara", "", name, "", file_name, source, file_name, parsed=outline)


def _upload_filename(intel_type: str, name: str) -> str:
    extension = wire.UPLOAD_HEADERS[intel_type].extension
    if intel_type == "yara":
        # Its intrinsic id is its upload file name (docs/wire-format.md#intel-documents), so the name stays
        # as it is; a name that is a file's own (the default) keeps its one ".yara".
        return name if name.endswith(extension) else name + extension
    # Other types carry their identity in the content.
    return _safe_file_name(name) + extension


_UNSAFE_FILE_NAME_CHARACTERS = re.compile(r'[^ -~]|["\\/;]')


def _header_safe_name(name, source: str, what: str) -> str:
    """A YARA name or file name as it is, when HTTP headers can carry it unchanged."""
    if not isinstance(name, str) or not name.strip() or _UNSAFE_FILE_NAME_CHARACTERS.search(name):
        raise IntelFormatError(
            source, f"YARA {what} {name!r} cannot travel in an upload header: use printable ASCII without \" \\ / ;"
        )
    return name


def _safe_file_name(name: str) -> str:
    # For XML types the server reads name and identity from the content, so the upload file name is
    # only a label; keep it to characters any Content-Disposition header can carry.
    return _UNSAFE_FILE_NAME_CHARACTERS.sub("_", name)


def _document(content, intel_type, type_version, name, description, intrinsic_id, source, upload_filename,
              platforms=(), parsed=None, md5=None) -> IntelDocument:
    return IntelDocument(
        type=intel_type,
        type_version=type_version,
        name=name,
        description=description,
        intrinsic_id=intrinsic_id,
        content=bytes(content),
        # usedforsecurity=False: md5 is the server's change marker, and FIPS builds allow it this way.
        md5=md5 or hashlib.md5(content, usedforsecurity=False).hexdigest(),
        size=len(content),
        source=source,
        upload_filename=upload_filename,
        content_type=wire.UPLOAD_HEADERS[intel_type].content_type,
        platforms=tuple(platforms),
        parsed=parsed,
    )
