# Internal to the tanium.threat_response collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Safe XML parsing for OpenIOC, STIX 1.x and CybOX intel documents.

Only the standard library's expat is used, with every DTD refused: no entity is ever declared,
expanded or resolved, so entity bombs and external entities (XXE) fail at their declaration.
A document without a DOCTYPE cannot declare an entity, so it is read by ElementTree's C parser
(the same expat, without a Python call per element); anything else, and every error, takes the
path that checks each declaration and names the problem.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.parsers import expat

OPENIOC_10_NS = "http://schemas.mandiant.com/2010/ioc"
OPENIOC_11_NS = "http://openioc.org/schemas/OpenIOC_1.1"
STIX_NS = "http://stix.mitre.org/stix-1"
CYBOX_NS = "http://cybox.mitre.org/cybox-2"
# STIX 1.2.1 and CybOX 2.1.1, published by OASIS, are the same languages in new namespaces
# (STIX 1.2 plus errata); they are STIX 1.x and CybOX for identity, name and applicability.
# (docs/wire-format.md#intel-documents: the server's support of them is UNKNOWN.)
STIX_OASIS_NS = "http://docs.oasis-open.org/cti/ns/stix/core-1"
CYBOX_OASIS_NS = "http://docs.oasis-open.org/cti/ns/cybox/core-2"
STIX_NAMESPACES = (STIX_NS, STIX_OASIS_NS)
CYBOX_NAMESPACES = (CYBOX_NS, CYBOX_OASIS_NS)
# An indicator's namespace: "http://stix.mitre.org/Indicator-2", or OASIS ".../stix/indicator-1".
_STIX_INDICATOR_NS_PREFIXES = ("{http://stix.mitre.org/Indicator-", "{http://docs.oasis-open.org/cti/ns/stix/indicator-")

# Root element local name -> (intel type, the namespaces it may be in, type_version or None when
# the document states it). Tanium documents OpenIOC 1.0/1.1, STIX 1.x and CybOX 2.0 (docs/wire-format.md#intel-documents).
_ROOTS = {
    "ioc": ("openioc", (OPENIOC_10_NS,), "1.0"),
    "OpenIOC": ("openioc", (OPENIOC_11_NS,), "1.1"),
    "STIX_Package": ("stix", STIX_NAMESPACES, None),
    "Observables": ("cybox", CYBOX_NAMESPACES, None),
}
# The versions each language has had in each namespace, as documents state them: the OASIS STIX schema
# allows one package version, "stix-1.2.1" (stix-validator reads it so too); OASIS's own CybOX samples
# state 2.1.1 or 2.1. A document stating another one is refused, not guessed at.
_VERSIONS = {
    STIX_NS: ("1.0", "1.0.1", "1.1", "1.1.1", "1.2"),
    STIX_OASIS_NS: ("stix-1.2.1",),
    CYBOX_NS: ("2.0", "2.0.1", "2.1"),
    CYBOX_OASIS_NS: ("2.1", "2.1.1"),
}
_STATED_VERSION_PREFIX = "stix-"  # "stix-1.2.1" is STIX version 1.2.1
_UTF8_COMPATIBLE = ("utf-8", "utf8", "us-ascii", "ascii")
_NS_NAMES = {OPENIOC_10_NS: "OpenIOC 1.0", OPENIOC_11_NS: "OpenIOC 1.1", STIX_NS: "STIX 1.x", CYBOX_NS: "CybOX 2.x",
             STIX_OASIS_NS: "STIX 1.2.1", CYBOX_OASIS_NS: "CybOX 2.1.1"}


class XmlProblem(ValueError):
    """What is wrong with an XML intel document, in one line, without the file name."""


@dataclass(frozen=True)
class ParsedXml:
    intel_type: str
    type_version: str
    root: ET.Element
    # Byte offset of the start tag of the first element that has an `id` attribute (XSOAR's rule
    # for the intrinsic id, docs/wire-format.md#intel-documents); None when no element has one.
    id_offset: int | None
    root_offset: int = 0  # byte offset of the root's start tag


@dataclass(frozen=True)
class XmlIdentity:
    name: str
    description: str
    intrinsic_id: str


def parse_xml(content: bytes, offsets: bool = False) -> ParsedXml:
    """Parse safely and recognise the intel type from the root element and its namespace.

    `offsets`: also find `id_offset` and `root_offset` (None otherwise), which only rewriting needs.
    """
    root = None if offsets or not _without_declarations(content) else _c_parse(content)
    id_offset = root_offset = None
    if root is None:
        root, id_offset, root_offset = _safe_parse(content)
    namespace, local = root.tag[1:].rsplit("}", 1) if root.tag.startswith("{") else ("", root.tag)
    if local not in _ROOTS:
        raise XmlProblem(
            f"unknown XML root element <{local}>{_in_namespace(namespace)}: expected OpenIOC <ioc> or "
            "<OpenIOC>, STIX 1.x <STIX_Package> or CybOX <Observables>"
        )
    intel_type, expected, type_version = _ROOTS[local]
    if namespace not in expected:
        known = f" (the {_NS_NAMES[namespace]} namespace)" if namespace in _NS_NAMES else ""
        raise XmlProblem(
            f"root element <{local}>{_in_namespace(namespace)}{known} does not match: "
            f"<{local}> must be in namespace {' or '.join(expected)}"
        )
    if type_version is None:
        stated = _stated_version(root, intel_type)
        if stated and stated not in _VERSIONS[namespace]:
            raise XmlProblem(f"states {_NS_NAMES[namespace]} version {_shorten(stated)!r}, which does not exist in "
                             f"namespace {namespace} (versions: {', '.join(_VERSIONS[namespace])})")
        type_version = stated.removeprefix(_STATED_VERSION_PREFIX)
    return ParsedXml(intel_type, type_version, root, id_offset, root_offset)


def identify(parsed: ParsedXml) -> XmlIdentity:
    """Name, description and intrinsic id as the server derives them (docs/wire-format.md#intel-documents)."""
    root = parsed.root
    if parsed.intel_type == "openioc":
        return _openioc_identity(root, parsed.type_version)
    if parsed.intel_type == "stix":
        return _stix_identity(root)
    return _cybox_identity(root)


_TAG_NAME = re.compile(rb"<[^\s/>]+")
_ATTRIBUTE = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def replace_intrinsic_id(content: bytes, new_id: str) -> bytes:
    """Rewrite only the value of the intrinsic `id` attribute; every other byte stays as it was."""
    parsed = parse_xml(content, offsets=True)
    if parsed.intel_type == "stix" and "id" not in parsed.root.attrib:
        # A package without an id is identified by its title; claiming an id means giving it one.
        position = _TAG_NAME.match(content, parsed.root_offset).end()
        return content[:position] + b' id="' + _attribute_value(new_id, '"') + b'"' + content[position:]
    if parsed.id_offset is None:
        raise XmlProblem("no element has an id attribute to rewrite")
    position = _TAG_NAME.match(content, parsed.id_offset).end()
    while True:
        attribute = _ATTRIBUTE.match(content, position)
        if attribute is None:  # expat saw an id attribute here, so the tag must contain one
            raise XmlProblem("could not locate the id attribute in the start tag")
        if attribute.group(1) == b"id":
            value_start, value_end = attribute.start(2) + 1, attribute.end(2) - 1
            quote = attribute.group(2)[:1].decode()
            return content[:value_start] + _attribute_value(new_id, quote) + content[value_end:]
        position = attribute.end()


def _attribute_value(value: str, quote: str) -> bytes:
    if _NOT_XML_CHARACTER.search(value):
        raise XmlProblem(f"the intrinsic id {value!r} has characters that XML cannot hold")
    # Character references for anything outside printable ASCII keep the bytes valid in whatever
    # encoding the XML declaration names (the corpus has us-ascii documents).
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(quote, "&quot;" if quote == '"' else "&apos;")
    return "".join(c if " " <= c <= "~" else f"&#x{ord(c):x};" for c in escaped).encode("ascii")


_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml(?P<body>[^>]*)\?>")
_DECLARED_ENCODING = re.compile(rb"\bencoding\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _without_declarations(content: bytes) -> bool:
    """No DOCTYPE (so no entity can be declared) and no encoding but UTF-8 declared: the C parser is as safe."""
    if b"<!DOCTYPE" in content:
        return False
    declaration = _XML_DECLARATION.match(content)
    if declaration is None or b"encoding" not in declaration.group("body"):
        return True
    encoding = _DECLARED_ENCODING.search(declaration.group("body"))
    return encoding is not None and _utf8_compatible((encoding.group(1) or encoding.group(2) or b"").decode("latin-1"))


def _utf8_compatible(encoding: str) -> bool:
    """A declared encoding that reads as UTF-8 (the only encoding intel documents may declare)."""
    return encoding.lower() in _UTF8_COMPATIBLE


def _c_parse(content: bytes) -> ET.Element | None:
    """The tree from ElementTree's C parser; None when it fails, so the checking parser names the problem."""
    parser = ET.XMLParser(encoding="utf-8")
    try:
        parser.feed(content)
        return parser.close()
    except ET.ParseError:
        return None


def _safe_parse(content: bytes) -> tuple[ET.Element, int | None, int]:
    # The caller has checked the bytes are UTF-8; forcing it keeps expat away from Python codecs
    # that a declaration could name (rot13, utf-7 ...), which fail in odd ways.
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    builder = ET.TreeBuilder()
    id_offset = root_offset = None
    doctype = []

    def start(name, attributes):
        nonlocal id_offset, root_offset
        if root_offset is None:
            root_offset = parser.CurrentByteIndex
        if id_offset is None and "id" in attributes:
            id_offset = parser.CurrentByteIndex
        if any("}" in key for key in attributes):  # keyed as ElementTree keys them: "{uri}local"
            attributes = {"{" + key if "}" in key else key: value for key, value in attributes.items()}
        builder.start("{" + name if "}" in name else name, attributes)

    def declaration(version, encoding, standalone):
        if encoding and not _utf8_compatible(encoding):
            raise XmlProblem(
                f"declares encoding {_shorten(encoding)!r}: intel documents must be UTF-8 (declare \"UTF-8\")"
            )

    def start_doctype(name, system_id, public_id, has_internal_subset):
        doctype.append((name, parser.CurrentLineNumber))

    def end_doctype():
        name, line = doctype[0]
        raise XmlProblem(f"DTDs and entities are not allowed: DOCTYPE {name} at line {line}")

    def entity(name, is_parameter, value, base, system_id, public_id, notation=None):
        kind = "external entity" if system_id else "entity"
        target = f" ({_shorten(system_id)})" if system_id else ""
        raise XmlProblem(
            f"DTDs and entities are not allowed: {kind} '{name}'{target} declared at line {parser.CurrentLineNumber}"
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end("{" + name if "}" in name else name)
    parser.CharacterDataHandler = builder.data
    parser.XmlDeclHandler = declaration
    parser.StartDoctypeDeclHandler = start_doctype
    parser.EndDoctypeDeclHandler = end_doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = lambda name, base, system_id, public_id, notation: entity(
        name, False, None, base, system_id, public_id
    )
    try:
        parser.Parse(content, True)
    except expat.ExpatError as error:
        raise XmlProblem(
            f"not well-formed XML at line {error.lineno}, column {error.offset + 1} ({expat.ErrorString(error.code)})"
        ) from None
    finally:
        # The handlers refer to the parser: emptying its cell ends that cycle, so the parser and the
        # builder are freed now, not at the next full garbage collection (10,000 documents pile up).
        del parser
    return builder.close(), id_offset, root_offset


def _stated_version(root: ET.Element, intel_type: str) -> str:
    if intel_type == "stix":
        return root.get("version", "")
    major, minor, update = (root.get(f"cybox_{part}_version", "") for part in ("major", "minor", "update"))
    if not major:
        return ""
    # "2.1" for cybox_update_version="0", "2.0.1" for the one CybOX update release.
    return ".".join([major, minor or "0"] + ([update] if update not in ("", "0") else []))


def _openioc_identity(root: ET.Element, version: str) -> XmlIdentity:
    ns = OPENIOC_10_NS if version == "1.0" else OPENIOC_11_NS
    metadata = root if version == "1.0" else root.find(f"{{{ns}}}metadata")
    where = "<ioc>" if version == "1.0" else "<OpenIOC><metadata>"
    name = _text(metadata.find(f"{{{ns}}}short_description")) if metadata is not None else ""
    if not name:
        raise XmlProblem(f"OpenIOC {version} document has no {where}<short_description> (the server's name for it)")
    description = _text(metadata.find(f"{{{ns}}}description"))
    return XmlIdentity(name, description, _root_id(root, "OpenIOC"))


def _stix_identity(root: ET.Element) -> XmlIdentity:
    namespace = root.tag[1:].split("}", 1)[0]
    header = root.find(f"{{{namespace}}}STIX_Header")
    header_title = _text(header.find(f"{{{namespace}}}Title")) if header is not None else ""
    header_description = _text(header.find(f"{{{namespace}}}Description")) if header is not None else ""
    # The package's own title names it; a package without one is named after its first indicator
    # (as openioc-to-stix output is on a real server, docs/wire-format.md#intel-documents).
    name = header_title or _first_indicator_text(root, "Title")
    description = header_description or _first_indicator_text(root, "Description")
    # `id` is optional in STIX 1.x: without it the name is the identity, as for other formats.
    root_id = root.get("id") or ""
    intrinsic_id = root_id if root_id.strip() else name
    if not intrinsic_id:
        raise XmlProblem("STIX_Package has no id attribute and no title (STIX_Header/Title or an indicator's "
                         "Title): the server needs one of them to name and identify the document")
    return XmlIdentity(name or intrinsic_id, description, intrinsic_id)


def _cybox_identity(root: ET.Element) -> XmlIdentity:
    intrinsic_id = next((element.get("id") for element in root.iter() if "id" in element.attrib), "")
    if not intrinsic_id.strip():
        raise XmlProblem("CybOX document has no element with an id attribute (the server's identity for it)")
    namespace = root.tag[1:].split("}", 1)[0]
    name = description = ""
    for observable in root.iter(f"{{{namespace}}}Observable"):
        name = name or _text(observable.find(f"{{{namespace}}}Title"))
        description = description or _text(observable.find(f"{{{namespace}}}Description"))
    return XmlIdentity(name or intrinsic_id, description, intrinsic_id)


def is_stix_indicator_element(tag: str, local: str) -> bool:
    """Whether `tag` is the element `local` in a STIX indicator namespace (MITRE or OASIS, any version)."""
    return tag.endswith("}" + local) and tag.startswith(_STIX_INDICATOR_NS_PREFIXES)


def _first_indicator_text(root: ET.Element, local: str) -> str:
    for element in root.iter():
        if is_stix_indicator_element(element.tag, local):
            text = _text(element)
            if text:
                return text
    return ""


def _root_id(root: ET.Element, what: str) -> str:
    intrinsic_id = root.get("id") or ""
    if not intrinsic_id.strip():
        raise XmlProblem(f"{what} root element has no id attribute (the server's identity for the document)")
    return intrinsic_id


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _in_namespace(namespace: str) -> str:
    return f" in namespace {namespace}" if namespace else " (no namespace)"


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
