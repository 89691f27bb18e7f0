"""to_openioc: hashes, indicator dicts and STIX 2 bundles become stable, valid OpenIOC 1.0."""

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tanium.threat_response.plugins.filter.to_openioc import FilterModule
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import parse_document
from ansible_collections.tanium.threat_response.plugins.plugin_utils._openioc_builder import build_openioc

REPO = Path(__file__).resolve().parents[2]
STIX2 = REPO / "tests" / "fixtures" / "corpus" / "stix2"
NS = "{http://schemas.mandiant.com/2010/ioc}"
# Pinned here on purpose: if the builder's namespace changed, every document a user uploaded before
# would get a new id, and the next run would create duplicates instead of reporting "unchanged".
ID_NAMESPACE = uuid.UUID("93deea87-67bd-41ec-bc54-1c1fdc023760")

MD5 = "44d88612fea8a8f36de82e1278abb02f"
SHA1 = "3395856ce81f2b7382dee72602f798b642f14140"
SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
EVERY_KEY = {
    "md5": [MD5, "d41d8cd98f00b204e9800998ecf8427e"],
    "sha1": SHA1,
    "sha256": [SHA256],
    "file_names": ["invoice.pdf.exe", "a&b <c>.dll"],
    "domains": ["update.example.net"],
    "ips": ["192.0.2.10", "2001:DB8:0:0::10"],
    "urls": ["http://update.example.net/payload?a=1&b=2"],
}


def items(text):
    """(search, content type, value) of every IndicatorItem, in document order."""
    root = ET.fromstring(text.encode("utf-8"))
    found = []
    for item in root.iter(f"{NS}IndicatorItem"):
        assert item.get("condition") == "is"
        context, content = item.find(f"{NS}Context"), item.find(f"{NS}Content")
        assert context.get("document") == context.get("search").split("/")[0]
        found.append((context.get("search"), content.get("type"), content.text))
    return found


def test_output_has_the_openioc_10_shape_byte_for_byte():
    expected = f"""<?xml version="1.0" encoding="utf-8"?>
<ioc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
id="{uuid.uuid5(ID_NAMESPACE, 'Incident 4711 hashes')}" last-modified="2000-01-01T00:00:00" \
xmlns="http://schemas.mandiant.com/2010/ioc">
  <short_description>Incident 4711 hashes</short_description>
  <description>From the ticket</description>
  <keywords />
  <authored_by>tanium.threat_response</authored_by>
  <authored_date>2000-01-01T00:00:00</authored_date>
  <links />
  <definition>
    <Indicator operator="OR" id="680fea43-678b-59ab-b4f8-15f44d1ec3b2">
      <IndicatorItem id="75a1809f-8255-53d6-b48a-eb763203be6d" condition="is">
        <Context document="FileItem" search="FileItem/Md5sum" type="mir" />
        <Content type="md5">44d88612fea8a8f36de82e1278abb02f</Content>
      </IndicatorItem>
    </Indicator>
  </definition>
</ioc>
"""
    assert build_openioc(MD5, "Incident 4711 hashes", "From the ticket") == expected


def test_formats_validator_accepts_it_with_the_name_and_uuid5_identity():
    text = build_openioc(EVERY_KEY, "Campaign X & friends", "Line one\nline <two>")
    document = parse_document(text.encode("utf-8"), source="to_openioc")
    assert (document.type, document.type_version) == ("openioc", "1.0")
    assert document.name == "Campaign X & friends"
    assert document.description == "Line one\nline <two>"
    assert document.intrinsic_id == str(uuid.uuid5(ID_NAMESPACE, "Campaign X & friends"))


def test_same_input_gives_the_same_bytes_whatever_the_order_duplicates_or_case():
    first = build_openioc([SHA256, MD5, SHA1], "Hashes")
    again = build_openioc([SHA1.upper(), MD5, f"  {SHA256} ", MD5.upper(), SHA256], "Hashes")
    assert first == again == build_openioc((MD5, SHA1, SHA256), "Hashes")


CROSS_PROCESS = """
import sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.tanium.threat_response.plugins.plugin_utils._openioc_builder import build_openioc
import json
sys.stdout.write(build_openioc(json.loads(sys.argv[2]), "Across processes"))
"""


def test_same_input_gives_the_same_bytes_in_separate_processes_with_other_hash_seeds():
    pythonpath = str(REPO / ".build" / "pythonpath")
    outputs = []
    for seed in ("1", "2", "random"):
        completed = subprocess.run(
            [sys.executable, "-c", CROSS_PROCESS, pythonpath, json.dumps(EVERY_KEY)],
            env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True, check=True)
        outputs.append(completed.stdout)
    assert outputs[0] == outputs[1] == outputs[2] == build_openioc(EVERY_KEY, "Across processes").encode("utf-8")


def test_hash_kinds_are_told_apart_by_length_and_written_in_groups_md5_sha1_sha256():
    text = build_openioc([SHA256, SHA1, MD5, "0" * 32], "Hashes")
    assert items(text) == [
        ("FileItem/Md5sum", "md5", "0" * 32),
        ("FileItem/Md5sum", "md5", MD5),
        ("FileItem/Sha1sum", "sha1", SHA1),
        ("FileItem/Sha256sum", "sha256", SHA256),
    ]


def test_a_single_hash_string_is_one_item():
    assert items(build_openioc(SHA1.upper(), "One")) == [("FileItem/Sha1sum", "sha1", SHA1)]


def test_generators_count_as_lists_as_jinja_map_results_arrive():
    assert build_openioc((value for value in [MD5]), "Gen") == build_openioc([MD5], "Gen")
    assert build_openioc({"md5": (value for value in [MD5])}, "Gen") == build_openioc([MD5], "Gen")


def test_dict_input_maps_every_key_to_its_openioc_term():
    assert items(build_openioc(EVERY_KEY, "Every key")) == [
        ("FileItem/Md5sum", "md5", MD5),
        ("FileItem/Md5sum", "md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("FileItem/Sha1sum", "sha1", SHA1),
        ("FileItem/Sha256sum", "sha256", SHA256),
        ("FileItem/FileName", "string", "a&b <c>.dll"),
        ("FileItem/FileName", "string", "invoice.pdf.exe"),
        ("DnsEntryItem/Host", "string", "update.example.net"),
        ("PortItem/remoteIP", "IP", "192.0.2.10"),
        ("PortItem/remoteIP", "IP", "2001:db8::10"),  # IPv6 in its standard form
        ("Network/URI", "string", "http://update.example.net/payload?a=1&b=2"),
    ]
    assert '<Context document="Network" search="Network/URI" type="network" />' in build_openioc(EVERY_KEY, "N")


def test_ips_sort_by_address_ipv4_first_and_duplicates_in_other_spellings_merge():
    text = build_openioc({"ips": ["10.0.0.2", "::1", "9.0.0.1", "0:0::1", "10.0.0.2"]}, "IPs")
    assert [value for _search, _type, value in items(text)] == ["9.0.0.1", "10.0.0.2", "::1"]


def test_empty_and_missing_dict_keys_are_allowed_when_another_key_has_values():
    assert items(build_openioc({"md5": [], "domains": None, "ips": "192.0.2.1"}, "Sparse")) == [
        ("PortItem/remoteIP", "IP", "192.0.2.1")]


def test_ids_are_uuid5s_stable_per_name_and_unique_per_item():
    text = build_openioc(EVERY_KEY, "Ids")
    root = ET.fromstring(text.encode("utf-8"))
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids)) == 1 + 1 + 10
    assert all(uuid.UUID(value).version == 5 for value in ids)
    renamed = ET.fromstring(build_openioc(EVERY_KEY, "Other name").encode("utf-8"))
    assert root.get("id") != renamed.get("id")
    fewer = ET.fromstring(build_openioc(MD5, "Ids").encode("utf-8"))
    assert fewer.get("id") == root.get("id")  # same name, other items: the same server document


# Every valid STIX 2 file of the corpus, with its outcome worked out by hand from its patterns:
#
# | file                                           | outcome                                                 |
# |------------------------------------------------|---------------------------------------------------------|
# | apt1.json                                      | error: 4 ipv4-addr CIDR ranges (/15) and 2              |
# |                                                | x509-certificate patterns, 6 indicators listed          |
# | indicators-for-C2-with-COA.json                | 2 items: SHA-256 ef537f25..., IP 10.0.0.0                |
# | malicious-email-indicator-with-attachment.json | error: 2 email-message MATCHES patterns listed          |
# | malware-indicator-for-file-hash_stix2.0.json   | 1 item: SHA-256 ef537f25... (STIX 2.0, no pattern_type) |
# | poisonivy.json                                 | 45 items: 25 domains, 18 distinct IPs (repeats across   |
# |                                                | indicators merge), 2 file names                         |
CONVERTED = {
    "indicators-for-C2-with-COA.json": {"FileItem/Sha256sum": 1, "PortItem/remoteIP": 1},
    "malware-indicator-for-file-hash_stix2.0.json": {"FileItem/Sha256sum": 1},
    "poisonivy.json": {"DnsEntryItem/Host": 25, "PortItem/remoteIP": 18, "FileItem/FileName": 2},
}
REFUSED = {
    "apt1.json": [
        "6 indicator pattern(s)",
        "indicator--031778a4-057f-48e6-9db9-c8d72b81ccd5 [ipv4-addr:value = '223.166.0.0/15'] (address range",
        "indicator--da1d061b-2bc9-467a-b16f-8d14f468e1f0", "indicator--2173d108-5714-42fd-8213-4f3790259fda",
        "indicator--8ce03314-dfea-4498-ac9b-136e41ab00e4",
        "indicator--b3b6b540-d838-41e2-853b-005056c00008 [x509-certificate:issuer = 'CN=WEBMAIL' AND",
        "(object path x509-certificate:issuer is not supported)",
        "indicator--b3b7035e-d838-41e2-8d38-005056c00008",
    ],
    "malicious-email-indicator-with-attachment.json": [
        "2 indicator pattern(s)",
        "indicator--8cf9236f-1b96-493d-98be-0c1c1e8b62d7 [email-message:subject MATCHES",
        "indicator--2e17f6fe-3a4d-438a-911a-e509ba1b9933 [email-message:body_multipart[*].body_raw_ref.name MATCHES",
        "(object path email-message:subject is not supported)",
        "(object path email-message:body_multipart[*].body_raw_ref.name is not supported)",
    ],
}


def test_every_corpus_stix2_file_has_an_expected_outcome():
    assert sorted({*CONVERTED, *REFUSED}) == sorted(path.name for path in STIX2.glob("*.json"))


@pytest.mark.parametrize("file_name", sorted(CONVERTED))
def test_corpus_stix2_bundles_with_supported_patterns_convert(file_name):
    bundle_text = (STIX2 / file_name).read_text(encoding="utf-8")
    text = build_openioc(json.loads(bundle_text), file_name)
    counts = {}
    for search, _type, _value in items(text):
        counts[search] = counts.get(search, 0) + 1
    assert counts == CONVERTED[file_name]
    assert build_openioc(bundle_text, file_name) == text  # the JSON text gives the same document
    assert parse_document(text.encode("utf-8")).type == "openioc"


def test_stix2_values_are_the_pattern_values():
    text = build_openioc((STIX2 / "indicators-for-C2-with-COA.json").read_text(encoding="utf-8"), "C2")
    assert items(text) == [
        ("FileItem/Sha256sum", "sha256", "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"),
        ("PortItem/remoteIP", "IP", "10.0.0.0"),
    ]


@pytest.mark.parametrize("file_name", sorted(REFUSED))
def test_corpus_stix2_bundles_with_unsupported_patterns_list_them_all(file_name):
    with pytest.raises(InvalidInput) as raised:
        build_openioc((STIX2 / file_name).read_text(encoding="utf-8"), file_name)
    for fragment in REFUSED[file_name]:
        assert fragment in str(raised.value)


def bundle(*patterns, **indicator_fields):
    objects = [{"type": "indicator", "id": f"indicator--{number}", "pattern": pattern, **indicator_fields}
               for number, pattern in enumerate(patterns)]
    return {"type": "bundle", "id": "bundle--1", "objects": objects + [{"type": "malware", "id": "malware--1"}]}


def test_stix2_pattern_forms_that_convert():
    text = build_openioc(bundle(
        f"[file:hashes.MD5 = '{MD5.upper()}']",
        f"[file:hashes.'SHA-1' = '{SHA1}' AND file:hashes.'SHA-256' = '{SHA256}']",
        "([domain-name:value = 'a.example'] OR [url:value = 'http://a.example/x']) AND [ipv6-addr:value = '2001:db8::1']",
        "[(file:name = 'it\\'s.exe' OR file:name = 'back\\\\slash.exe') AND ipv4-addr:value = '192.0.2.1']",
    ), "Forms")
    assert items(text) == [
        ("FileItem/Md5sum", "md5", MD5),
        ("FileItem/Sha1sum", "sha1", SHA1),
        ("FileItem/Sha256sum", "sha256", SHA256),
        ("FileItem/FileName", "string", "back\\slash.exe"),
        ("FileItem/FileName", "string", "it's.exe"),
        ("DnsEntryItem/Host", "string", "a.example"),
        ("PortItem/remoteIP", "IP", "192.0.2.1"),
        ("PortItem/remoteIP", "IP", "2001:db8::1"),
        ("Network/URI", "string", "http://a.example/x"),
    ]


@pytest.mark.parametrize("pattern, reason", [
    ("[file:name != 'a.exe']", "operator '!=' is not supported, only ="),
    ("[file:name LIKE 'a%']", "operator 'LIKE' is not supported, only ="),
    ("[file:name MATCHES '^a']", "operator 'MATCHES' is not supported, only ="),
    ("[file:name = 'a.exe'] FOLLOWEDBY [file:name = 'b.exe']", "'FOLLOWEDBY' is not supported"),
    ("[file:name = 'a.exe'] WITHIN 300 SECONDS", "'WITHIN' is not supported"),
    ("[file:size = 1024]", "object path file:size is not supported"),
    ("[file:name = b'YS5leGU=']", "value \"b'YS5leGU='\" is not a plain string literal"),
    ("[process:name = 'cmd.exe']", "object path process:name is not supported"),
    ("[file:name = 'a.exe'", "expected ']', found 'end of pattern'"),
    ("[ipv6-addr:value = '2001:db8::/32']", "address range 2001:db8::/32"),
])
def test_unsupported_stix2_patterns_are_one_error_naming_indicator_and_reason(pattern, reason):
    with pytest.raises(InvalidInput) as raised:
        build_openioc(bundle("[domain-name:value = 'fine.example']", pattern), "Refused")
    message = str(raised.value)
    assert "1 indicator pattern(s)" in message and f"indicator--1 {pattern} (" in message and reason in message
    assert "indicator--0" not in message


def test_indicators_with_another_pattern_type_are_refused():
    with pytest.raises(InvalidInput, match=r"indicator--0 rule x \{\} \(pattern_type 'yara', not 'stix'\)"):
        build_openioc(bundle("rule x {}", pattern_type="yara"), "Yara")


@pytest.mark.parametrize("indicators, message", [
    (["xyz", MD5, "abc", MD5[:-1] + "g", 12345], "bad hash(es), not an MD5, SHA-1 or SHA-256 "
     f"(32, 40 or 64 hex characters): 'xyz', 'abc', '{MD5[:-1]}g'; values must be strings; these are not: 12345"),
    ({"md5": [SHA1], "sha256": MD5}, f"bad md5 value(s), not 32 hex characters: '{SHA1}'; "
     f"bad sha256 value(s), not 64 hex characters: '{MD5}'"),
    ({"ips": ["192.0.2.300", "10.0.0.0/8", "192.0.2.1"]},
     "invalid IP address(es) (one IPv4 or IPv6 address each, no ranges): '192.0.2.300', '10.0.0.0/8'"),
    ({"md5": MD5, "hashes": [], "Domains": []}, "unknown key(s) Domains, hashes; the keys are md5, sha1, sha256"),
    ({"domains": ["ok.example", " "], "file_names": "a\nb"},
     "file_names value(s) with control characters: 'a\\nb'; empty domains value(s): ' '"),
    ({"urls": {"a": 1}}, "urls must be a string or a list of strings, not dict"),
    ([], "no indicators to convert: the input is empty"),
    ({}, "no indicators to convert: the input is empty"),
    ({"md5": []}, "no indicators to convert: the input is empty"),
    (42, "takes a hash, hashes separated by newlines or commas, a list of hashes, a dict of indicator lists, "
         "a STIX 2 bundle or a MISP event, not int"),
    ('{"type": "bundle", "objects": [', "the input looks like JSON (a STIX 2 bundle or a MISP event) but is not "
                                        "valid JSON"),
    ({"type": "indicator", "pattern": "[file:name = 'a']"}, "a dict with 'type' 'indicator' is not a STIX 2 bundle"),
    ({"type": "bundle", "objects": [{"type": "malware"}]}, "the STIX 2 bundle has no indicator objects"),
    (bundle(f"[file:hashes.MD5 = '{SHA1}']"), f"bad md5 value(s), not 32 hex characters: '{SHA1}'"),
])
def test_bad_input_is_an_error_that_names_every_bad_value(indicators, message):
    with pytest.raises(InvalidInput) as raised:
        build_openioc(indicators, "Bad")
    assert message in str(raised.value)


@pytest.mark.parametrize("name, message", [
    (None, "name is required: to_openioc(name='...')"),
    ("  ", "name must be a non-empty string, not '  '"),
    (7, "name must be a non-empty string, not 7"),
    ("two\nlines", "has control characters; it must be one line of text"),
])
def test_name_is_required_and_one_line(name, message):
    with pytest.raises(InvalidInput) as raised:
        build_openioc(MD5, name)
    assert message in str(raised.value)


def test_name_is_stripped_like_the_server_strips_short_description():
    assert build_openioc(MD5, "  Padded ") == build_openioc(MD5, "Padded")


def test_description_keeps_a_carriage_return_through_the_xml():
    document = parse_document(build_openioc(MD5, "CR", "one\r\ntwo").encode("utf-8"))
    assert document.description == "one\r\ntwo"


def test_filter_returns_the_builder_text_and_turns_errors_into_filter_errors():
    to_openioc = FilterModule().filters()["to_openioc"]
    assert to_openioc([MD5], name="Filter", description="d") == build_openioc([MD5], "Filter", "d")
    assert to_openioc([MD5], "Positional") == build_openioc([MD5], "Positional")
    with pytest.raises(AnsibleFilterError, match=r"^to_openioc: name is required"):
        to_openioc([MD5])
    with pytest.raises(AnsibleFilterError, match=r"^to_openioc: bad hash\(es\).*: 'nope'$"):
        to_openioc(["nope"], name="Filter")


def test_hash_text_separated_by_newlines_or_commas_is_a_list_of_hashes():
    assert build_openioc(f"{MD5}\n{SHA1}, {SHA256}\n", "Text") == build_openioc([MD5, SHA1, SHA256], "Text")


def test_a_json_array_is_named_with_a_short_excerpt_not_echoed():
    text = json.dumps([{"type": "indicator", "pattern": "[file:name = 'x']" * 50}] * 200)
    with pytest.raises(InvalidInput) as raised:
        build_openioc(text, "Array")
    message = str(raised.value)
    assert message.startswith("the input is a JSON array of 200 item(s), not a hash, hashes separated by newlines")
    assert message.endswith("it starts " + repr(text[:60] + "..."))
    assert len(message) < 400


def test_a_json_object_that_is_no_bundle_or_misp_event_names_its_keys():
    with pytest.raises(InvalidInput) as raised:
        build_openioc(json.dumps({"results": [MD5] * 2000, "count": 2000}), "Object")
    assert str(raised.value).startswith(
        'the input is a JSON object with keys count, results, not a STIX 2 bundle ("type": "bundle") or a MISP '
        'event ("Event"); it starts')
    assert len(str(raised.value)) < 400


def test_a_long_bad_value_is_shortened_in_the_error():
    with pytest.raises(InvalidInput) as raised:
        build_openioc("x" * 27000, "Long")
    assert "27,000 characters" in str(raised.value) and len(str(raised.value)) < 300


MISP_EVENT = {"Event": {"info": "Campaign", "Attribute": [
    {"type": "md5", "value": MD5}, {"type": "domain", "value": "bad.example"},
    {"type": "ip-dst", "value": "192.0.2.7"}, {"type": "url", "value": "http://bad.example/x"},
    {"type": "filename|sha256", "value": f"dropper.exe|{SHA256}"}, {"type": "comment", "value": "seen in May"},
], "Object": [{"name": "file", "Attribute": [{"type": "sha1", "value": SHA1}, {"type": "x509-fingerprint-sha1",
                                                                               "value": SHA1}]}]}}


def test_a_misp_event_converts_its_hashes_domains_ips_urls_and_file_names():
    text = build_openioc(MISP_EVENT, "MISP", unsupported="skip")
    assert sorted(items(text)) == sorted([
        ("FileItem/Md5sum", "md5", MD5), ("FileItem/Sha1sum", "sha1", SHA1), ("FileItem/Sha256sum", "sha256", SHA256),
        ("FileItem/FileName", "string", "dropper.exe"), ("DnsEntryItem/Host", "string", "bad.example"),
        ("PortItem/remoteIP", "IP", "192.0.2.7"), ("Network/URI", "string", "http://bad.example/x")])
    assert build_openioc(json.dumps({"response": [MISP_EVENT]}), "MISP", unsupported="skip") == text


def test_unsupported_fail_refuses_and_skip_warns_naming_what_was_left_out():
    with pytest.raises(InvalidInput) as raised:
        build_openioc(MISP_EVENT, "MISP")
    assert str(raised.value).endswith(
        "comment (1), x509-fingerprint-sha1 (1); set unsupported='skip' to convert the rest")
    warnings = []
    mixed = bundle(f"[file:hashes.MD5 = '{MD5}']", "[ipv4-addr:value = '10.0.0.0/8']")
    text = build_openioc(mixed, "Mixed", unsupported="skip", warn=warnings.append)
    assert items(text) == [("FileItem/Md5sum", "md5", MD5)]
    assert warnings == ["to_openioc left out the STIX 2 bundle has 1 indicator pattern(s) that cannot become "
                        "OpenIOC items (supported: " + warnings[0].split("(supported: ", 1)[1]]
    assert "indicator--1 [ipv4-addr:value = '10.0.0.0/8'] (address range 10.0.0.0/8" in warnings[0]
    with pytest.raises(InvalidInput, match="no indicators to convert: every indicator was left out"):
        build_openioc(bundle("[ipv4-addr:value = '10.0.0.0/8']"), "None left", unsupported="skip")
    with pytest.raises(InvalidInput, match="unsupported must be one of fail, skip, not 'ignore'"):
        build_openioc(MD5, "Bad option", unsupported="ignore")


def test_filter_skip_shows_an_ansible_warning(capsys):
    to_openioc = FilterModule().filters()["to_openioc"]
    text = to_openioc(MISP_EVENT, "MISP", unsupported="skip")
    assert "FileItem/Md5sum" in text
    assert "to_openioc left out the MISP event has attributes" in " ".join(capsys.readouterr().err.split())
    with pytest.raises(AnsibleFilterError, match="set unsupported='skip' to convert the rest"):
        to_openioc(MISP_EVENT, "MISP")
