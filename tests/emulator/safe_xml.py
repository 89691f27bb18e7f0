"""Parse untrusted XML into an ElementTree without DTDs, entities or network access.

Any DOCTYPE is refused outright, so entity bombs (billion laughs) and external entities (XXE)
are rejected before anything is expanded or fetched.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

_NS_SEPARATOR = "\x01"


class XMLRejected(ValueError):
    """The document is not well-formed, or declares a DTD/entity."""


def parse_xml(data: bytes) -> ET.Element:
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=_NS_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse_doctype(name, *_args):
        raise XMLRejected(f"DOCTYPE declarations are not allowed (found <!DOCTYPE {name}>)")

    def refuse_entity(name, *_args):
        raise XMLRejected(f"entity declarations are not allowed (found {name!r})")

    def start(tag, attrs):
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end(_clark(tag))
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise XMLRejected(f"XML is not well-formed: {expat.errors.messages[error.code]} "
                          f"at line {error.lineno}, column {error.offset}") from None
    return builder.close()


def split_tag(tag: str) -> tuple[str, str]:
    """'{ns}local' -> ('ns', 'local'); 'local' -> ('', 'local')."""
    if tag.startswith("{"):
        namespace, _brace, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def children(element: ET.Element, local: str) -> list[ET.Element]:
    return [child for child in element if split_tag(child.tag)[1] == local]


def first_child_text(element: ET.Element | None, local: str) -> str | None:
    if element is None:
        return None
    for child in children(element, local):
        return (child.text or "").strip()
    return None


def _clark(name: str) -> str:
    if _NS_SEPARATOR in name:
        namespace, local = name.split(_NS_SEPARATOR, 1)
        return "{" + namespace + "}" + local
    return name
