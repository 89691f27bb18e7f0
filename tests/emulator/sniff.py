"""Decide an intel document's type from its CONTENT and extract its name and intrinsic id.

The extension of the upload filename is never used for the type (docs/wire-format.md#intel-documents); the filename only
names YARA documents.
"""

from __future__ import annotations

import dataclasses
import json

from . import guesses
from .safe_xml import XMLRejected, children, first_child_text, parse_xml, split_tag
from .tanium_signal import SignalRejected, build_signal, compile_query, stored_contents
from .yara_check import YaraRejected, check_yara

OPENIOC_10_NS = "http://schemas.mandiant.com/2010/ioc"
OPENIOC_11_NS = "http://openioc.org/schemas/OpenIOC_1.1"
# STIX 1.x and CybOX 2.x, in MITRE's namespaces and OASIS's (STIX 1.2.1, CybOX 2.1.1).
STIX_NAMESPACES = ("http://stix.mitre.org/stix-1", "http://docs.oasis-open.org/cti/ns/stix/core-1")
CYBOX_NAMESPACES = ("http://cybox.mitre.org/cybox-2", "http://docs.oasis-open.org/cti/ns/cybox/core-2")
_OPENIOC_ROOTS = {"ioc": ("1.0", OPENIOC_10_NS), "OpenIOC": ("1.1", OPENIOC_11_NS)}


class DocumentRejected(ValueError):
    """The body is not an intel document TR would accept; the message says why."""


@dataclasses.dataclass
class Sniffed:
    type: str
    type_version: str
    name: str
    description: str
    intrinsic_id: str | None
    contents: bytes  # what is stored (and what md5/size describe)
    hashes: dict  # {"md5"|"sha1"|"sha256": sorted list of lower-case hex}; matched by the fleet
    signal: dict | None = None  # the stored signal document, for tanium-signal


def looks_like_json(body: bytes) -> bool:
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def sniff_json(body: bytes) -> Sniffed:
    """A JSON body: a Tanium Signal when it has `contents`, otherwise refused."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DocumentRejected("the document is not valid UTF-8") from None
    except ValueError as error:
        raise DocumentRejected(f"the document is not valid JSON: {error}") from None
    if isinstance(document, dict) and "contents" in document:
        return sniff_signal(document)
    if isinstance(document, dict) and (document.get("type") == "bundle" or "spec_version" in document):
        raise DocumentRejected("STIX 2.x JSON is not supported; upload STIX 1.x XML")
    raise DocumentRejected("unsupported JSON document: a Tanium Signal needs 'contents'")


def sniff_signal(document: dict) -> Sniffed:
    try:
        stored = build_signal(document)
    except SignalRejected as error:
        raise DocumentRejected(str(error)) from None
    return Sniffed(
        type="tanium-signal", type_version=guesses.SIGNAL_TYPE_VERSION, name=stored["name"],
        description=stored["description"], intrinsic_id=stored["id"] or stored["name"],
        contents=stored_contents(stored).encode("utf-8"), hashes={}, signal=stored)


def signal_compiled(signal: dict) -> dict:
    return compile_query(signal["contents"], signal["syntax_version"])


def sniff_upload(body: bytes, filename: str | None, name_header: str | None = None,
                 description_header: str | None = None) -> Sniffed:
    """A raw upload (OpenIOC, STIX 1.x, CybOX or YARA), typed by its content; `filename` is the
    Content-Disposition's, if any, which only YARA needs."""
    stripped = body.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not stripped:
        raise DocumentRejected("the document is empty")
    if stripped.startswith(b"<") or body.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOMs
        return _sniff_xml(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentRejected(f"the document is not valid UTF-8 (byte {error.start})") from None
    try:
        rules = check_yara(text)
    except YaraRejected as error:
        if "rule" not in text:
            raise DocumentRejected("unrecognised document: not OpenIOC, STIX 1.x, CybOX, YARA "
                                   "or a Tanium Signal") from None
        raise DocumentRejected(f"invalid YARA: {error}") from None
    if not rules and guesses.REJECT_RULELESS_YARA:
        raise DocumentRejected("invalid YARA: the document contains no rule")
    if not filename:
        raise DocumentRejected("a YARA upload needs a Content-Disposition header with a filename "
                               "(its name and identity)")
    return Sniffed(
        type="yara", type_version=guesses.YARA_TYPE_VERSION, name=name_header or filename,
        description=description_header or "", intrinsic_id=filename, contents=body, hashes={})


def _sniff_xml(body: bytes) -> Sniffed:
    try:
        root = parse_xml(body)
    except XMLRejected as error:
        raise DocumentRejected(str(error)) from None
    namespace, local = split_tag(root.tag)
    if local in _OPENIOC_ROOTS:
        return _openioc(root, body, namespace, local)
    if local == "STIX_Package" and namespace in STIX_NAMESPACES:
        return _stix(root, body)
    if local == "Observables" and namespace in CYBOX_NAMESPACES:
        return _cybox(root, body)
    raise DocumentRejected(f"unsupported XML document: root element {local!r} in namespace "
                           f"{namespace or '(none)'!r}")


def _openioc(root, body: bytes, namespace: str, local: str) -> Sniffed:
    version, expected = _OPENIOC_ROOTS[local]
    if namespace != expected:
        raise DocumentRejected(f"OpenIOC {version} root <{local}> must be in namespace {expected!r}, "
                               f"not {namespace or '(none)'!r}")
    intrinsic_id = root.get("id")
    if not intrinsic_id:
        raise DocumentRejected(f"OpenIOC root <{local}> has no id attribute")
    meta = root if version == "1.0" else next(iter(children(root, "metadata")), None)
    name = first_child_text(meta, "short_description") or intrinsic_id
    description = first_child_text(meta, "description") or ""
    return Sniffed(type="openioc", type_version=version, name=name, description=description,
                   intrinsic_id=intrinsic_id, contents=body, hashes=_openioc_hashes(root))


def _openioc_hashes(root) -> dict:
    found: dict[str, set] = {}
    for item in root.iter():
        if split_tag(item.tag)[1] != "IndicatorItem" or item.get("negate", "false").lower() == "true":
            continue
        context = next(iter(children(item, "Context")), None)
        content = first_child_text(item, "Content")
        if context is None or not content:
            continue
        kind = guesses.OPENIOC_HASH_SEARCHES.get(context.get("search", "").rsplit("/", 1)[-1].lower())
        if kind:
            found.setdefault(kind, set()).add(content.lower())
    return {kind: sorted(values) for kind, values in found.items()}


def _stix(root, body: bytes) -> Sniffed:
    package_id = root.get("id")
    header = next(iter(children(root, "STIX_Header")), None)
    indicator = None
    for indicators in children(root, "Indicators"):
        indicator = next(iter(children(indicators, "Indicator")), None)
        if indicator is not None:
            break
    name = (first_child_text(header, "Title") or first_child_text(indicator, "Title")
            or package_id)
    if not name:
        raise DocumentRejected("STIX package has no id and no title to name it by")
    description = (first_child_text(header, "Description")
                   or first_child_text(indicator, "Description") or "")
    return Sniffed(type="stix", type_version=root.get("version") or "1.2", name=name,
                   description=description, intrinsic_id=package_id or name, contents=body, hashes={})


def _cybox(root, body: bytes) -> Sniffed:
    first_id = next((element.get("id") for element in root.iter() if element.get("id")), None)
    title = None
    for observable in children(root, "Observable"):
        title = first_child_text(observable, "Title")
        if title:
            break
    name = title or first_id
    if not name:
        raise DocumentRejected("CybOX Observables have no id and no title to name them by")
    major, minor = root.get("cybox_major_version", "2"), root.get("cybox_minor_version", "1")
    return Sniffed(type=guesses.CYBOX_TYPE, type_version=f"{major}.{minor}", name=name,
                   description="", intrinsic_id=first_id, contents=body, hashes={})
