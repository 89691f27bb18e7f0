"""XML intel documents: safe parsing, root/namespace rules, identity, and the byte-level intrinsic id rewrite."""

import hashlib
import inspect
import re
import sys
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import safe_xml
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    IntelFormatError,
    parse_document,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.safe_xml import XmlProblem, parse_xml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
XML_DOCUMENTS = sorted(
    [path for folder in ("openioc", "stix1") for path in (FIXTURES / "corpus" / folder).iterdir()]
    + sorted((FIXTURES / "handwritten").glob("*cybox*.xml")),
    key=lambda path: path.name,
)
IOC_10 = 'xmlns="http://schemas.mandiant.com/2010/ioc"'


def refused(content, **options):
    with pytest.raises(IntelFormatError) as caught:
        parse_document(content, source="doc.xml", **options)
    assert caught.value.source == "doc.xml"
    return caught.value.problem


def rewritten_by_hand(content, old_id, new_id):
    """The original bytes with only the first `id="<old_id>"` attribute value replaced."""
    attribute = re.compile(rb"(\sid\s*=\s*)([\"'])" + re.escape(old_id.encode()) + rb"\2")
    return attribute.sub(lambda m: m.group(1) + m.group(2) + new_id + m.group(2), content, count=1)


@pytest.mark.parametrize("path", XML_DOCUMENTS, ids=lambda path: path.name)
def test_with_intrinsic_id_rewrites_only_the_id_value_and_round_trips(path):
    document = parse_document(path.read_bytes(), source=path.name)
    kept = document.with_intrinsic_id("server-kept-id-1234")

    assert kept.content == rewritten_by_hand(document.content, document.intrinsic_id, b"server-kept-id-1234")
    assert kept.content != document.content
    assert kept.intrinsic_id == "server-kept-id-1234"
    assert (kept.type, kept.type_version) == (document.type, document.type_version)
    assert (kept.md5, kept.size) == (hashlib.md5(kept.content).hexdigest(), len(kept.content))
    reparsed = parse_document(kept.content, source=path.name)
    assert reparsed == kept
    if document.name != document.intrinsic_id:  # a CybOX document without a Title is named by its id
        assert kept.name == document.name


def test_with_intrinsic_id_escapes_markup_and_non_ascii_and_keeps_the_quote_style():
    content = (FIXTURES / "handwritten" / "formats_cybox_untitled.xml").read_bytes()
    document = parse_document(content)
    tricky = "a&b<c>\"d\" 'e' \u00e9"
    kept = document.with_intrinsic_id(tricky)
    assert kept.intrinsic_id == tricky
    assert b"id='a&amp;b&lt;c>\"d\" &apos;e&apos; &#xe9;'" in kept.content
    assert parse_document(kept.content).intrinsic_id == tricky


def test_with_intrinsic_id_returns_the_same_document_when_the_id_is_already_right():
    document = parse_document((FIXTURES / "corpus" / "openioc" / "stuxnet.ioc.xml").read_bytes())
    assert document.with_intrinsic_id("ea3cab0c-72ad-40cc-abbf-90846fa4afec") is document


@pytest.mark.parametrize("bad_id", ["", "   ", None])
def test_with_intrinsic_id_refuses_an_empty_id_for_xml(bad_id):
    document = parse_document((FIXTURES / "corpus" / "openioc" / "stuxnet.ioc.xml").read_bytes(), source="s.ioc")
    with pytest.raises(IntelFormatError, match="cannot set the intrinsic id"):
        document.with_intrinsic_id(bad_id)


@pytest.mark.parametrize("bad_id", ["bell\x07", "nul\x00", "lone \ud800"])
def test_with_intrinsic_id_refuses_characters_xml_cannot_hold(bad_id):
    document = parse_document((FIXTURES / "corpus" / "openioc" / "stuxnet.ioc.xml").read_bytes(), source="s.ioc")
    with pytest.raises(IntelFormatError, match="has characters that XML cannot hold"):
        document.with_intrinsic_id(bad_id)


def test_with_intrinsic_id_finds_the_id_after_a_byte_order_mark():
    raw = b"\xef\xbb\xbf" + (FIXTURES / "corpus" / "stix1" / "indicator-for-malicious-url.xml").read_bytes()
    kept = parse_document(raw).with_intrinsic_id("example:Package-kept")
    assert kept.content == rewritten_by_hand(raw, "example:Package-8fab937e-b694-11e3-b71c-0800271e87d2",
                                             b"example:Package-kept")
    assert kept.content.startswith(b"\xef\xbb\xbf")


def test_with_intrinsic_id_keeps_crlf_line_endings():
    raw = (FIXTURES / "corpus" / "openioc" / "stuxnet.ioc.xml").read_bytes()
    kept = parse_document(raw).with_intrinsic_id("x")
    assert kept.content.count(b"\r\n") == raw.count(b"\r\n") > 0


@pytest.mark.parametrize("doctype, problem", [
    ('<!DOCTYPE ioc SYSTEM "http://127.0.0.1:9/ioc.dtd">', "DTDs and entities are not allowed: DOCTYPE ioc at line 1"),
    ("<!DOCTYPE ioc>", "DTDs and entities are not allowed: DOCTYPE ioc at line 1"),
    ('<!DOCTYPE ioc [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>',
     "DTDs and entities are not allowed: external entity 'remote' (http://127.0.0.1:9/x.dtd) declared at line 1"),
    ('<!DOCTYPE ioc [<!ATTLIST ioc id CDATA "injected-by-dtd">]>',
     "DTDs and entities are not allowed: DOCTYPE ioc at line 1"),
    ('<!DOCTYPE ioc [<!ENTITY logo SYSTEM "logo.gif" NDATA gif>]>',
     "DTDs and entities are not allowed: external entity 'logo' (logo.gif) declared at line 1"),
])
def test_every_kind_of_dtd_is_refused(doctype, problem):
    content = f'{doctype}<ioc {IOC_10} id="1"><short_description>a</short_description></ioc>'.encode()
    assert refused(content) == problem


def nested(depth):
    return (f'<ioc {IOC_10} id="1"><short_description>deep</short_description>'.encode()
            + b"<a>" * depth + b"</a>" * depth + b"</ioc>")


def python_calls_while_parsing(content):
    """How many Python functions run during the parse: a measure of work that load cannot skew."""
    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        document = parse_document(content)
    finally:
        sys.setprofile(None)
    return document, calls


def test_deeply_nested_xml_is_parsed_without_recursion_and_quickly():
    # Without recursion: a stack only 50 frames deeper than this one suffices for 100,000 levels.
    depth_here = len(inspect.stack(0))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth_here + 50)
    try:
        assert parse_document(nested(100000)).name == "deep"
    finally:
        sys.setrecursionlimit(limit)
    # Quickly: the work grows linearly with the depth (twice the depth, at most about twice the calls).
    _document, calls_small = python_calls_while_parsing(nested(5000))
    document, calls_large = python_calls_while_parsing(nested(10000))
    assert document.name == "deep"
    assert calls_large <= 2.1 * calls_small
    assert calls_large <= 4 * 10000


@pytest.mark.parametrize("encoding", ["windows-1252", "UTF-16", "utf-7", "rot13", "no-such-codec"])
def test_xml_declaring_an_encoding_other_than_utf8_is_refused(encoding):
    content = f'<?xml version="1.0" encoding="{encoding}"?><ioc {IOC_10} id="1"><short_description>a' \
              f"</short_description></ioc>".encode()
    assert refused(content) == f"declares encoding '{encoding}': intel documents must be UTF-8 (declare \"UTF-8\")"


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-8", "us-ascii", "ASCII", "utf8"])
def test_xml_declaring_utf8_or_ascii_is_accepted(encoding):
    content = f'<?xml version="1.0" encoding="{encoding}"?><ioc {IOC_10} id="1"><short_description>a' \
              f"</short_description></ioc>".encode()
    assert parse_document(content).name == "a"


@pytest.mark.parametrize("content, problem", [
    (b"<html><body/></html>", "unknown XML root element <html> (no namespace): expected OpenIOC <ioc> or <OpenIOC>, "
                              "STIX 1.x <STIX_Package> or CybOX <Observables>"),
    (b'<ioc id="1"><short_description>a</short_description></ioc>',
     "root element <ioc> (no namespace) does not match: <ioc> must be in namespace "
     "http://schemas.mandiant.com/2010/ioc"),
    (b'<ioc xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="1"/>',
     "root element <ioc> in namespace http://openioc.org/schemas/OpenIOC_1.1 (the OpenIOC 1.1 namespace) does not "
     "match: <ioc> must be in namespace http://schemas.mandiant.com/2010/ioc"),
    (b'<STIX_Package xmlns="http://stix.mitre.org/stix-2" id="p"/>',
     "root element <STIX_Package> in namespace http://stix.mitre.org/stix-2 does not match: <STIX_Package> must be "
     "in namespace http://stix.mitre.org/stix-1 or http://docs.oasis-open.org/cti/ns/stix/core-1"),
    (b'<STIX_Package xmlns="http://stix.mitre.org/stix-1" id="p" version="27.4"/>',
     "states STIX 1.x version '27.4', which does not exist in namespace http://stix.mitre.org/stix-1 "
     "(versions: 1.0, 1.0.1, 1.1, 1.1.1, 1.2)"),
    # STIX 1.2.1 exists only in the OASIS namespaces, where the package says so as "stix-1.2.1".
    (b'<STIX_Package xmlns="http://stix.mitre.org/stix-1" id="p" version="stix-1.2.1"/>',
     "states STIX 1.x version 'stix-1.2.1', which does not exist in namespace http://stix.mitre.org/stix-1 "
     "(versions: 1.0, 1.0.1, 1.1, 1.1.1, 1.2)"),
    (b'<STIX_Package xmlns="http://docs.oasis-open.org/cti/ns/stix/core-1" id="p" version="1.2.1"/>',
     "states STIX 1.2.1 version '1.2.1', which does not exist in namespace "
     "http://docs.oasis-open.org/cti/ns/stix/core-1 (versions: stix-1.2.1)"),
    (b'<Observables xmlns="http://cybox.mitre.org/cybox-2" cybox_major_version="3" cybox_minor_version="0"/>',
     "states CybOX 2.x version '3.0', which does not exist in namespace http://cybox.mitre.org/cybox-2 "
     "(versions: 2.0, 2.0.1, 2.1)"),
    (b'<stix:STIX_Package id="p" version="1.2"><stix:Indicators/></stix:STIX_Package>',
     "not well-formed XML at line 1, column 1 (unbound prefix)"),
])
def test_unknown_or_mismatched_roots_are_refused_naming_root_and_namespace(content, problem):
    assert refused(content) == problem


@pytest.mark.parametrize("content, problem", [
    (f"<ioc {IOC_10}><short_description>a</short_description></ioc>".encode(),
     "OpenIOC root element has no id attribute (the server's identity for the document)"),
    (f'<ioc {IOC_10} id="  "><short_description>a</short_description></ioc>'.encode(),
     "OpenIOC root element has no id attribute (the server's identity for the document)"),
    (f'<ioc {IOC_10} id="1"><description>only a description</description></ioc>'.encode(),
     "OpenIOC 1.0 document has no <ioc><short_description> (the server's name for it)"),
    (f'<ioc {IOC_10} id="1"><short_description>  </short_description></ioc>'.encode(),
     "OpenIOC 1.0 document has no <ioc><short_description> (the server's name for it)"),
    (b'<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="1"><short_description>not in metadata'
     b"</short_description></OpenIOC>",
     "OpenIOC 1.1 document has no <OpenIOC><metadata><short_description> (the server's name for it)"),
    (b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" version="1.2"/>',
     "STIX_Package has no id attribute and no title (STIX_Header/Title or an indicator's Title): the server "
     "needs one of them to name and identify the document"),
    (b'<cybox:Observables xmlns:cybox="http://cybox.mitre.org/cybox-2"><cybox:Observable/></cybox:Observables>',
     "CybOX document has no element with an id attribute (the server's identity for it)"),
])
def test_documents_without_identity_or_name_are_refused(content, problem):
    assert refused(content) == problem


def test_openioc_names_are_stripped_but_intrinsic_ids_are_kept_exactly():
    content = f'<ioc {IOC_10} id=" spaced id "><short_description>\n  Name  \n</short_description></ioc>'.encode()
    document = parse_document(content)
    assert (document.name, document.intrinsic_id) == ("Name", " spaced id ")


def test_stix_without_version_attribute_has_an_empty_type_version():
    document = parse_document(b'<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="p-1"/>')
    assert (document.type, document.type_version, document.name) == ("stix", "", "p-1")


def test_xml_error_positions_are_one_based_lines_and_columns():
    # expat points at the name inside the wrong end tag: "a" is the 8th character of line 2.
    assert refused(b"<a>\n  <b></a>") == "not well-formed XML at line 2, column 8 (mismatched tag)"


OASIS_STIX = (b'<stix:STIX_Package xmlns:stix="http://docs.oasis-open.org/cti/ns/stix/core-1" '
              b'xmlns:indicator="http://docs.oasis-open.org/cti/ns/stix/indicator-1" version="stix-1.2.1"%s>'
              b'%s<stix:Indicators><stix:Indicator><indicator:Title>First indicator</indicator:Title>'
              b'</stix:Indicator></stix:Indicators></stix:STIX_Package>')
HEADER = b'<stix:STIX_Header><stix:Title>Package title</stix:Title></stix:STIX_Header>'


def test_stix_1_2_1_in_the_oasis_namespace_is_stix():
    # As OASIS publishes it: version="stix-1.2.1" (STIXProject/schemas core.xsd, STIXPackageVersionEnum).
    document = parse_document(OASIS_STIX % (b' id="example:Package-1"', HEADER))
    assert (document.type, document.type_version, document.intrinsic_id) == ("stix", "1.2.1", "example:Package-1")


def test_stix_name_is_the_header_title_first_then_the_first_indicator_title():
    assert parse_document(OASIS_STIX % (b' id="p"', HEADER)).name == "Package title"
    assert parse_document(OASIS_STIX % (b' id="p"', b"")).name == "First indicator"


def test_stix_id_is_kept_as_written():
    assert parse_document(OASIS_STIX % (b' id="p-1 "', HEADER)).intrinsic_id == "p-1 "
    assert parse_document(OASIS_STIX % (b' id="  "', HEADER)).intrinsic_id == "Package title"


def test_stix_without_an_id_is_identified_by_its_title_and_can_claim_an_id():
    document = parse_document(OASIS_STIX % (b"", HEADER))
    assert (document.name, document.intrinsic_id) == ("Package title", "Package title")
    claimed = document.with_intrinsic_id("server:Package-9")
    assert (claimed.name, claimed.intrinsic_id) == ("Package title", "server:Package-9")


OASIS_SAMPLES = sorted((FIXTURES / "corpus" / "stix1_oasis").rglob("*.xml"))


@pytest.mark.parametrize("path", OASIS_SAMPLES, ids=[path.name for path in OASIS_SAMPLES])
def test_every_published_oasis_sample_is_stix_1_2_1_or_cybox(path):
    document = parse_document(path.read_bytes(), source=path.name)
    assert (document.type, document.type_version) in {("stix", "1.2.1"), ("cybox", "2.1.1"), ("cybox", "2.1")}
    assert document.intrinsic_id and document.name


def test_cybox_2_1_1_in_the_oasis_namespace_is_cybox():
    document = parse_document(
        b'<cybox:Observables xmlns:cybox="http://docs.oasis-open.org/cti/ns/cybox/core-2" cybox_major_version="2" '
        b'cybox_minor_version="1" cybox_update_version="1"><cybox:Observable id="example:Observable-1">'
        b'<cybox:Title>Bad file</cybox:Title></cybox:Observable></cybox:Observables>')
    assert (document.type, document.type_version, document.name) == ("cybox", "2.1.1", "Bad file")


EVERY_XML_FILE = sorted(path for pattern in ("*.xml", "*.ioc") for path in FIXTURES.rglob(pattern))


def tree(element):
    return (element.tag, element.attrib, element.text, element.tail, [tree(child) for child in element])


@pytest.mark.parametrize("path", EVERY_XML_FILE, ids=lambda path: str(path.relative_to(FIXTURES)))
def test_the_c_parser_and_the_checking_parser_build_the_same_tree(path):
    content = path.read_bytes()
    fast = safe_xml._c_parse(content) if safe_xml._without_declarations(content) else None
    try:
        checked = safe_xml._safe_parse(content)[0]
    except XmlProblem:
        assert fast is None, "the C parser read what the checking parser refuses"
        return
    if fast is not None:
        assert tree(fast) == tree(checked)


def test_only_documents_that_could_declare_something_take_the_checking_parser(monkeypatch):
    plain = (FIXTURES / "corpus" / "openioc").glob("*.ioc").__next__().read_bytes()

    def checking_parser(content):
        raise AssertionError("the checking parser ran")

    monkeypatch.setattr(safe_xml, "_safe_parse", checking_parser)
    assert parse_xml(plain).intel_type == "openioc"
    assert parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>' + plain.split(b"?>", 1)[-1]).intel_type == "openioc"
    for content in (b"<!DOCTYPE ioc>" + plain, b'<?xml version="1.0" encoding="latin-1"?><ioc/>'):
        with pytest.raises(AssertionError, match="the checking parser ran"):
            parse_xml(content)
    with pytest.raises(AssertionError, match="the checking parser ran"):
        parse_xml(plain, offsets=True)  # rewriting needs the byte offsets only the checking parser finds
