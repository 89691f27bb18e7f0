"""Creating intel: typing by content, names and intrinsic ids, refusals (docs/wire-format.md#intel-documents)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from emulator_testkit import APT18, CORPUS, CYBOX, SAFETYKATZ, SIGNAL, STIX_HASH, YARA_FIN4, Api

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
INVALID = sorted(p for p in (CORPUS / "invalid").iterdir() if not p.name.startswith("wrong-extension_"))
WRONG_EXTENSION = {
    "wrong-extension_openioc-named.json": "openioc",
    "wrong-extension_stix1-xml-named.yar": "stix",
    "wrong-extension_yara-rule-named.ioc": "yara",
}
VALID = sorted([*(p for folder in ("openioc", "stix1", "yara") for p in (CORPUS / folder).iterdir()
                  if p.name != "apt_flame2_orchestrator.yar"), *(CORPUS / "stix1_oasis").rglob("*.xml")])


def test_openioc_10_is_named_from_short_description_and_identified_by_root_id(api):
    doc = api.create(APT18, "apt18.ioc")
    body = APT18.read_bytes()
    assert doc["type"] == "openioc" and doc["typeVersion"] == "1.0"
    assert doc["name"] == "DEMONSTRATING HUSTLE - APT18 (BLOG)"
    assert doc["description"].startswith("This IOC contains indicators detailed in the blog post")
    assert doc["intrinsicId"] == "0ae061d7-c624-4a84-8adf-00281b97797b"
    assert doc["md5"] == hashlib.md5(body).hexdigest() and doc["size"] == len(body)
    assert doc["revisionId"] == 1 and doc["sourceId"] == 1 and doc["labelIds"] == []
    assert doc["compiled"] is None and doc["mitreAttack"] is None and doc["isSchemaValid"] is True
    assert doc["alertCount"] == 0 and doc["unresolvedAlertCount"] == 0
    assert ISO_MS.fullmatch(doc["createdAt"]) and doc["createdAt"] == doc["updatedAt"]
    assert doc["firstDeploymentTimestamp"] is None and doc["lastDeploymentTimestamp"] is None
    assert doc["disabled"] is False and doc["blobId"]


def test_openioc_11_reads_metadata_block(api):
    doc = api.create(SAFETYKATZ, "SafetyKatz A (Credential Stealer).ioc")
    assert (doc["type"], doc["typeVersion"]) == ("openioc", "1.1")
    assert doc["name"] == "SafetyKatz (Credential Stealer)"
    assert doc["intrinsicId"] == "d98cec54-3be3-40bb-acf7-e583cded1e52"


def test_stix_is_named_from_first_indicator_title_and_identified_by_package_id(api):
    doc = api.create(STIX_HASH, "hash.stix")
    assert (doc["type"], doc["typeVersion"]) == ("stix", "1.2")
    assert doc["name"] == "File hash for Poison Ivy variant"
    assert doc["intrinsicId"] == "example:Package-fdd39a2e-b67c-11e3-bcc9-f01faf20d111"


OASIS_STIX = (b'<stix:STIX_Package xmlns:stix="http://docs.oasis-open.org/cti/ns/stix/core-1" '
              b'xmlns:indicator="http://docs.oasis-open.org/cti/ns/stix/indicator-1" version="1.2.1"%s>'
              b'<stix:STIX_Header><stix:Title>Package title</stix:Title></stix:STIX_Header><stix:Indicators>'
              b'<stix:Indicator><indicator:Title>First indicator</indicator:Title></stix:Indicator>'
              b'</stix:Indicators></stix:STIX_Package>')


def test_stix_1_2_1_is_named_from_its_header_title_and_may_lack_an_id(api, tmp_path):
    with_id, without_id = tmp_path / "a.xml", tmp_path / "b.xml"
    with_id.write_bytes(OASIS_STIX % b' id="example:Package-1"')
    without_id.write_bytes(OASIS_STIX % b"")
    doc = api.create(with_id, "a.stix")
    assert (doc["type"], doc["typeVersion"], doc["name"], doc["intrinsicId"]) == (
        "stix", "1.2.1", "Package title", "example:Package-1")
    assert api.create(without_id, "b.stix")["intrinsicId"] == "Package title"


def test_signal_negations_parse(api):
    signal = {"name": "Negations", "description": "", "platforms": ["linux"],
              "contents": "NOT process.path contains 'x' AND file.path ends with not '.so' AND not (file.name is 'y')"}
    terms = api.data(api.post("/intels", json=signal))["compiled"]["terms"]
    assert [(term["condition"], term["negate"]) for term in terms] == [
        ("contains", True), ("ends with", True), ("is", True)]


def test_stix_without_indicators_falls_back_to_package_id(api):
    doc = api.create(CORPUS / "stix1" / "command-and-control-ip-list.xml", "c2.xml")
    assert doc["name"] == doc["intrinsicId"] == "example:STIXPackage-cc0ca596-70e6-4dac-9bef-603166d17db8"


def test_yara_is_named_and_identified_by_the_upload_filename(api):
    doc = api.create(YARA_FIN4, "fin4.yara", headers={"Content-Type": "application/octet-stream"})
    assert (doc["type"], doc["typeVersion"]) == ("yara", "3")
    assert doc["name"] == doc["intrinsicId"] == "fin4.yara"
    assert doc["description"] == ""


def test_yara_name_and_description_headers_set_metadata_but_not_identity(api):
    doc = api.create(YARA_FIN4, "fin4.yara", headers={"name": "FIN4 macro check", "description": "one line"})
    assert doc["name"] == "FIN4 macro check" and doc["description"] == "one line"
    assert doc["intrinsicId"] == "fin4.yara"
    # A blank name header names nothing; a blank description header is a blank description.
    blank = api.create(YARA_FIN4, "blank.yara", headers={"name": "", "description": ""})
    assert (blank["name"], blank["description"]) == ("blank.yara", "")


def test_type_comes_from_content_not_extension(api):
    assert api.create(YARA_FIN4, "file.stix")["type"] == "yara"
    assert api.create(APT18, "file.yara")["type"] == "openioc"


def test_cybox_observables_are_typed_cybox(api):
    doc = api.create(CYBOX, "observables.xml")
    assert (doc["type"], doc["typeVersion"]) == ("cybox", "2.1")
    assert doc["intrinsicId"] == "example:Observable-5d4c8a31-7b0e-4f52-9a43-2f1e6c0b9d17"
    assert doc["name"] == "Dropper svchelper.exe and its C2 address"


def test_signal_json_is_stored_as_server_built_contents(api):
    signal = json.loads(SIGNAL.read_text())
    doc = api.data(api.post("/intels", json=signal))
    assert (doc["type"], doc["typeVersion"], doc["sourceId"]) == ("tanium-signal", "1.0", 2)
    assert doc["name"] == doc["intrinsicId"] == signal["id"]
    stored = json.loads(doc["contents"])
    assert list(stored) == ["id", "name", "description", "contents", "syntax_version", "mitreAttack",
                            "platforms"]
    assert stored["contents"] == signal["contents"]
    assert doc["md5"] == hashlib.md5(doc["contents"].encode()).hexdigest()
    assert doc["size"] == len(doc["contents"].encode())
    assert doc["compiled"]["text"] == signal["contents"] and doc["compiled"]["operator"] == "and"
    assert {"object": "process", "property": "path", "condition": "ends with", "negate": False,
            "value": "\\rundll32.exe"} in doc["compiled"]["terms"]
    assert doc["mitreAttack"] == signal["mitreAttack"] and doc["platforms"] == ["windows"]


def test_signal_without_id_is_identified_by_name(api):
    signal = {"name": "Suspicious rundll32", "description": "d", "platforms": ["windows"],
              "contents": "process.path ends with '\\\\rundll32.exe'"}
    assert api.data(api.post("/intels", json=signal))["intrinsicId"] == "Suspicious rundll32"


@pytest.mark.parametrize("change", [
    {"contents": "process.path sort of like 'x'"},
    {"contents": ""},
    {"platforms": ["plan9"]},
    {"name": None},
])
def test_invalid_signal_is_400(api, change):
    signal = dict(json.loads(SIGNAL.read_text()), **change)
    if change.get("name", "") is None:
        del signal["name"]
    response = api.post("/intels", json=signal)
    assert response.status_code == 400 and response.json()["text"]


def test_signal_can_be_created_under_a_source(api):
    doc = api.data(api.post("/sources/1/intels", json=json.loads(SIGNAL.read_text())))
    assert doc["sourceId"] == 1
    assert api.post("/sources/99/intels", json=json.loads(SIGNAL.read_text())).status_code == 404


def test_same_document_posted_twice_creates_two_documents(api):
    first, second = api.create(APT18, "a.ioc"), api.create(APT18, "a.ioc")
    assert first["id"] != second["id"] and first["intrinsicId"] == second["intrinsicId"]
    assert len(api.srv.intels()) == 2


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_corpus_document_is_accepted(api, path):
    assert api.upload(path, path.name).status_code == 200


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_damaged_corpus_document_is_refused_with_a_message(api, path):
    response = api.upload(path, path.name)
    assert response.status_code == 400, response.text
    assert response.json()["text"]
    assert api.srv.intels() == []


@pytest.mark.parametrize("name,expected_type", sorted(WRONG_EXTENSION.items()))
def test_wrong_extension_documents_are_accepted_by_content(api, name, expected_type):
    assert api.create(CORPUS / "invalid" / name, name)["type"] == expected_type


@pytest.mark.parametrize("name", ["billion-laughs_entity-expansion.ioc", "xxe_external-entity-file.xml"])
def test_entity_bomb_and_xxe_are_refused_fast(api, name):
    started = time.monotonic()
    response = api.upload(CORPUS / "invalid" / name, name)
    assert time.monotonic() - started < 0.5
    assert response.status_code == 400 and "DOCTYPE" in response.json()["text"]


@pytest.mark.parametrize("path", sorted((CORPUS / "stix2").iterdir()), ids=lambda p: p.name)
def test_stix2_json_is_refused(api, path):
    response = api.call("POST", "/intels", data=path.read_bytes(),
                        headers={"Content-Type": "application/json",
                                 "Content-Disposition": f"attachment; filename={path.name}"})
    assert response.status_code == 400 and "STIX 2" in response.json()["text"]


@pytest.mark.parametrize("rules, message", [
    (b'rule a { strings: $x = "x" condition: $x and #y > 1 }', 'undefined string "$y"'),
    (b'rule a { strings: $x = "x" $y = "y" condition: $x }', 'unreferenced string "$y"'),
    (b"rule a { condition: b }\nrule b { condition: true }", 'undefined identifier "b"'),
    (b'include "other.yar"\nrule a { condition: true }', "can not open include file"),
])
def test_yara_names_that_do_not_resolve_are_refused(api, rules, message):
    response = api.upload(rules, "names.yar")
    assert response.status_code == 400 and message in response.json()["text"]


def test_yara_loop_variables_externals_and_regex_arguments_resolve(api):
    rules = (b'import "pe"\nrule a { strings: $a = "x" $_b = "y" condition: for any i in (1..#a) : '
             b'( @a[i] > 0 ) and filename == "x.exe" and pe.exports(/Run/) }')
    assert api.upload(rules, "ok.yar").status_code == 200


def test_ruleless_yara_is_refused(api):
    response = api.upload(CORPUS / "yara" / "apt_flame2_orchestrator.yar", "flame2.yar")
    assert response.status_code == 400 and "no rule" in response.json()["text"]


def test_plain_text_is_refused_as_unrecognised(api):
    response = api.upload(b"just some notes about malware\n", "notes.txt")
    assert response.status_code == 400 and "unrecognised" in response.json()["text"]


def test_parallel_clients_all_get_distinct_documents(srv):
    def upload(index):
        return Api(srv).create(YARA_FIN4, f"rule-{index}.yara")["id"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(upload, range(40)))
    assert sorted(ids) == list(range(1, 41))
    assert sorted(doc["name"] for doc in srv.intels()) == sorted(f"rule-{i}.yara" for i in range(40))
