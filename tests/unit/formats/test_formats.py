"""Intel formats: every corpus document is recognised, described and validated from its content alone."""

import hashlib
import pickle
import time
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import documents as formats
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    DEFAULT_MAX_SIZE,
    INTEL_TYPES,
    IntelDocument,
    IntelFormatError,
    comparison,
    matches_server_type,
    parse_document,
    read_document,
    type_label,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CORPUS = FIXTURES / "corpus"
HANDWRITTEN = FIXTURES / "handwritten"

# Hand-checked from the files themselves: (path, type, type_version, name, intrinsic id).
# For YARA the name and intrinsic id are the upload file name, which the tests take from the path.
VALID_DOCUMENTS = [
    ("openioc/APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc", "openioc", "1.0", "DARWIN (BLOGPOST)",
     "2384c8ce-6eca-4d06-8aa4-151b53d9a6bc"),
    ("openioc/APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc", "openioc", "1.0",
     "DEMONSTRATING HUSTLE - APT18 (BLOG)", "0ae061d7-c624-4a84-8adf-00281b97797b"),
    ("openioc/APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc", "openioc", "1.0", "APT28 DOMAINS (REPORT)",
     "0ff58bf9-1c07-42f6-b135-b18c139f631a"),
    ("openioc/APT30_eeffc8e8-caee-4fe1-8ace-7a994b5d893f.ioc", "openioc", "1.0", "APT30 (REPORT)",
     "eeffc8e8-caee-4fe1-8ace-7a994b5d893f"),
    ("openioc/BlogPosts_6037663c-680c-4a28-ad58-40622d206e1d.ioc", "openioc", "1.0",
     "OPERATION POISONED HANDOVER (BLOGPOST)", "6037663c-680c-4a28-ad58-40622d206e1d"),
    ("openioc/BlogPosts_de99badf-b448-49e7-885a-4d8688ddf02d.ioc", "openioc", "1.0", "SFX DROPPERS (DROPPER)",
     "de99badf-b448-49e7-885a-4d8688ddf02d"),
    ("openioc/FIN4_fb0699e2-23a6-40f9-bf96-4514d629eec3.ioc", "openioc", "1.0", "HACKING THE STREET (REPORT)",
     "fb0699e2-23a6-40f9-bf96-4514d629eec3"),
    ("openioc/stuxnet.ioc.xml", "openioc", "1.0", "STUXNET VIRUS (METHODOLOGY)",
     "ea3cab0c-72ad-40cc-abbf-90846fa4afec"),
    ("openioc/pt1.aym Hijack (Methodology).ioc", "openioc", "1.1", "pt1.aym Hijack (Methodology)",
     "12f40758-c40e-4718-9307-9ddb8012ac19"),
    ("openioc/SafetyKatz A (Credential Stealer).ioc", "openioc", "1.1", "SafetyKatz (Credential Stealer)",
     "d98cec54-3be3-40bb-acf7-e583cded1e52"),
    ("openioc/SHARPERSIST (UTILITY).ioc", "openioc", "1.1", "SHARPERSIST (UTILITY)",
     "9e74a7c4-9518-4d95-a953-9df144fc80d5"),
    ("openioc/POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc", "openioc", "1.1",
     "POTENTIAL COBALT STRIKE PROFILE (FAMILY)", "413ef247-8559-472e-9ba5-3299d7cbf980"),
    ("openioc/SUSPICIOUS DLL LOAD (METHODOLOGY).ioc", "openioc", "1.1", "SUSPICIOUS DLL LOAD (METHODOLOGY)",
     "292d174f-4196-4802-832c-88971c349ece"),
    ("stix1/malware-indicator-for-file-hash.xml", "stix", "1.2", "File hash for Poison Ivy variant",
     "example:Package-fdd39a2e-b67c-11e3-bcc9-f01faf20d111"),
    ("stix1/indicator-for-malicious-url.xml", "stix", "1.2", "Malicious site hosting downloader",
     "example:Package-8fab937e-b694-11e3-b71c-0800271e87d2"),
    # No Indicator and no STIX_Header Title: the package id is the name.
    ("stix1/command-and-control-ip-list.xml", "stix", "1.2", "example:STIXPackage-cc0ca596-70e6-4dac-9bef-603166d17db8",
     "example:STIXPackage-cc0ca596-70e6-4dac-9bef-603166d17db8"),
    ("stix1/analyst-exercise-output.xml", "stix", "1.2", "Phishing email",
     "example:Package-e622beb9-3781-4dd7-9787-ac21ba84d898"),
    # STIX wrapping a YARA rule is STIX.
    ("stix1/yara-test-mechanism.xml", "stix", "1.2", "silent_banker",
     "example:Package-ea99d4d4-1ae7-4120-9ebe-67ed4783fb36"),
    # The Indicator has no Title: the STIX_Header Title is the name.
    ("stix1/IP_Watchlist-1.1.1.xml", "stix", "1.1.1", "Example watchlist that contains IP information.",
     "example:STIXPackage-33fe3b22-0201-47cf-85d0-97c02164528d"),
    ("stix1/stuxnet.stix.xml", "stix", "1.2", "CybOX-represented Indicator Created from OpenIOC File",
     "openioc:Package-621875b7-d7a5-469d-ad15-6cf2676a53ce"),
    ("stix1/msbgt.stix.xml", "stix", "1.2", "CybOX-represented Indicator Created from OpenIOC File",
     "openioc:Package-f6506b89-6057-4ff1-902d-9a142386f1fd"),
    ("yara/FIN4_MACROCHECK.yara", "yara", "", None, None),
    ("yara/operation_poisoned_handover.yara", "yara", "", None, None),
    ("yara/Loader_MSIL_DUEDLLIGENCE_2.yar", "yara", "", None, None),
    ("yara/Hunting_GadgetToJScript_1.yar", "yara", "", None, None),
    ("yara/all-yara.yar", "yara", "", None, None),
    ("yara/mal_crime_win_pe_godrat_aug25.yar", "yara", "", None, None),
    ("yara/apt_apt29_nobelium_may21.yar", "yara", "", None, None),
    ("yara/apt_hatman.yar", "yara", "", None, None),
    ("yara/yara_mixed_ext_vars.yar", "yara", "", None, None),
    ("yara/gen_webshells.yar", "yara", "", None, None),
    # Wrong extensions are valid documents: the type comes from the content.
    ("invalid/wrong-extension_stix1-xml-named.yar", "stix", "1.2", "File hash for Poison Ivy variant",
     "example:Package-fdd39a2e-b67c-11e3-bcc9-f01faf20d111"),
    ("invalid/wrong-extension_yara-rule-named.ioc", "yara", "", None, None),
    ("invalid/wrong-extension_openioc-named.json", "openioc", "1.0", "DEMONSTRATING HUSTLE - APT18 (BLOG)",
     "0ae061d7-c624-4a84-8adf-00281b97797b"),
]

# Every damaged corpus file and the distinct problem it must be refused with.
INVALID_DOCUMENTS = [
    ("truncated-xml_openioc1.0_APT18.ioc", "not well-formed XML at line 45, column 7 (unclosed token)"),
    ("truncated-xml_openioc1.1_SafetyKatz.ioc", "not well-formed XML at line 35, column 3 (no element found)"),
    ("truncated-json_stix2_indicators-for-C2-with-COA.json",
     "is not valid JSON at line 58, column 24 (Unterminated string starting)"),
    ("json-trailing-comma_stix2_indicators-for-C2-with-COA.json",
     "is not valid JSON at line 105, column 9 (Expecting property name enclosed in double quotes)"),
    ("yara-syntax-error_missing-closing-brace.yar",
     "rule Loader_MSIL_DUEDLLIGENCE_2 is not closed: missing '}' at the end of the file"),
    ("yara-undefined-module_missing-import-pe.yar",
     "rule MAL_CRIME_RAT_WIN_PE_GodRat_Aug25 (line 45): uses module 'pe' but the file has no import \"pe\""),
    ("yara-duplicate-rule-names_concatenated.yara",
     "duplicate rule name 'callTogether_certificate' (lines 1 and 29), 'qti_certificate' (lines 15 and 43)"),
    ("yara-syntax-error_condition-misspelled.yara",
     "rule MACROCHECK: unknown section 'condtion:' at line 18 (expected meta:, strings: or condition:)"),
    # Zero bytes cannot say which format they meant to be, so both empty files get the same problem.
    ("empty.ioc", "is empty (0 bytes)"),
    ("empty.yar", "is empty (0 bytes)"),
    ("whitespace-only.xml", "contains only whitespace"),
    ("non-utf8-bytes_latin1-in-utf8-declared.ioc", "is not valid UTF-8: byte 0xab at offset 1231"),
    ("non-utf8-bytes_latin1-in-meta.yara", "is not valid UTF-8: byte 0xe9 at offset 255"),
    ("billion-laughs_entity-expansion.ioc", "DTDs and entities are not allowed: entity 'lol' declared at line 3"),
    ("xxe_external-entity-file.xml",
     "DTDs and entities are not allowed: external entity 'xxe' (file:///etc/passwd) declared at line 3"),
    ("namespace-mismatch_openioc1.1-root-with-1.0-namespace.ioc",
     "root element <OpenIOC> in namespace http://schemas.mandiant.com/2010/ioc (the OpenIOC 1.0 namespace) does "
     "not match: <OpenIOC> must be in namespace http://openioc.org/schemas/OpenIOC_1.1"),
]

STIX2_DOCUMENTS = [
    ("apt1.json", "2.1"),
    ("poisonivy.json", "2.1"),
    ("indicators-for-C2-with-COA.json", "2.1"),
    ("malicious-email-indicator-with-attachment.json", "2.1"),
    ("malware-indicator-for-file-hash_stix2.0.json", "2.0"),
]

HANDWRITTEN_DOCUMENTS = [
    # The applicability check's fixtures (tests/unit/formats/test_applicability.py).
    ("applicability_console_import.yar", "yara", "", "applicability_console_import.yar",
     "applicability_console_import.yar.yara"),
    ("applicability_known_items.ioc", "openioc", "1.0", "APPLICABILITY KNOWN ITEMS (TEST)",
     "6f1c3e0a-7b52-4d8e-9a61-2c4b8d0e5f17"),
    ("applicability_signal_mixed.json", "tanium-signal", "1.0",
     "Applicability test: known, probable and unknown signal terms",
     "Applicability test: known, probable and unknown signal terms"),
    ("formats_cybox_md5_observables.xml", "cybox", "2.1", "Dropper installers by MD5",
     "example:Observable-5f1c2f0e-3d4b-4a7e-9c61-0b8f2d7e4a10"),
    # No Observable Title: the first id in document order is both identity and name.
    ("formats_cybox_untitled.xml", "cybox", "2.0.1", "example:Observable-c2-ip-1", "example:Observable-c2-ip-1"),
    # A signal's file id is not sent (docs/wire-format.md#intel-documents): the name is its identity.
    ("formats_signal_with_id.json", "tanium-signal", "1.0", "EICAR test file written", "EICAR test file written"),
    # No "id": the name is the intrinsic id.
    ("formats_signal_without_id.json", "tanium-signal", "1.0", "Encoded PowerShell from an Office application",
     "Encoded PowerShell from an Office application"),
    # The emulator's fixtures (written by its author; the values below are checked by hand from them).
    ("signal_rundll32.json", "tanium-signal", "1.0", "Zipfldr Library Proxy Execution via RouteTheCall",
     "Zipfldr Library Proxy Execution via RouteTheCall"),
    ("cybox_observables.xml", "cybox", "2.1", "Dropper svchelper.exe and its C2 address",
     "example:Observable-5d4c8a31-7b0e-4f52-9a43-2f1e6c0b9d17"),
]


def parse_file(path, **options):
    return parse_document(read_document(str(path)), source=path.name, yara_name=path.name, **options)


@pytest.mark.parametrize("relative, intel_type, version, name, intrinsic_id", VALID_DOCUMENTS,
                         ids=[row[0] for row in VALID_DOCUMENTS])
def test_valid_corpus_document_is_described_from_its_content(relative, intel_type, version, name, intrinsic_id):
    path = CORPUS / relative
    raw = path.read_bytes()
    document = parse_file(path)
    assert (document.type, document.type_version) == (intel_type, version)
    assert document.name == (name or path.name)
    # A YARA document (no intrinsic id given here) is identified by its upload file name.
    assert document.intrinsic_id == (intrinsic_id or document.upload_filename)
    assert document.content == raw
    assert document.content == raw
    assert document.md5 == hashlib.md5(raw).hexdigest()
    assert document.size == len(raw)
    assert document.source == path.name


@pytest.mark.parametrize("file_name, intel_type, version, name, intrinsic_id", HANDWRITTEN_DOCUMENTS,
                         ids=[row[0] for row in HANDWRITTEN_DOCUMENTS])
def test_handwritten_cybox_and_signal_documents_are_described(file_name, intel_type, version, name, intrinsic_id):
    document = parse_file(HANDWRITTEN / file_name)
    assert (document.type, document.type_version, document.name, document.intrinsic_id) == (
        intel_type, version, name, intrinsic_id)
    assert document.md5 == hashlib.md5(document.content).hexdigest()


def test_every_handwritten_document_fixture_is_in_the_table():
    """A new hand-written fixture must pass the same validation the modules apply: add it above."""
    suffixes = (".json", ".xml", ".ioc", ".yar", ".yara")
    documents = {path.name for path in HANDWRITTEN.iterdir() if path.suffix in suffixes}
    assert documents <= {row[0] for row in HANDWRITTEN_DOCUMENTS} | set(HANDWRITTEN_REFUSED)


HANDWRITTEN_REFUSED = {
    "applicability_signal_unparsable.json": "Tanium signal 'contents' does not parse: at character 66",
}


@pytest.mark.parametrize("file_name, problem", sorted(HANDWRITTEN_REFUSED.items()))
def test_handwritten_documents_that_must_be_refused_are(file_name, problem):
    with pytest.raises(IntelFormatError) as caught:
        parse_file(HANDWRITTEN / file_name)
    assert caught.value.problem.startswith(problem)


def test_yara_file_whose_only_rule_is_commented_out_is_refused():
    with pytest.raises(IntelFormatError) as caught:
        parse_file(CORPUS / "yara/apt_flame2_orchestrator.yar")
    assert caught.value.problem == "no YARA rules found (only comments or imports)"
    assert str(caught.value) == "apt_flame2_orchestrator.yar: no YARA rules found (only comments or imports)"


@pytest.mark.parametrize("file_name, problem", INVALID_DOCUMENTS, ids=[row[0] for row in INVALID_DOCUMENTS])
def test_damaged_corpus_document_is_refused_naming_file_and_problem(file_name, problem):
    with pytest.raises(IntelFormatError) as caught:
        parse_file(CORPUS / "invalid" / file_name)
    assert caught.value.source == file_name
    assert caught.value.problem.startswith(problem)
    assert str(caught.value).startswith(f"{file_name}: {problem}")


def test_every_invalid_corpus_file_is_covered_by_a_test():
    covered = {row[0] for row in INVALID_DOCUMENTS} | {
        Path(row[0]).name for row in VALID_DOCUMENTS if row[0].startswith("invalid/")}
    assert covered == {path.name for path in (CORPUS / "invalid").iterdir()}


@pytest.mark.parametrize("file_name", ["billion-laughs_entity-expansion.ioc", "xxe_external-entity-file.xml"])
def test_entity_bomb_and_external_entity_are_refused_quickly_without_expansion(file_name):
    raw = (CORPUS / "invalid" / file_name).read_bytes()
    started = time.perf_counter()
    with pytest.raises(IntelFormatError, match="DTDs and entities are not allowed") as caught:
        parse_document(raw, source=file_name)
    assert time.perf_counter() - started < 0.5
    assert "root:" not in str(caught.value)  # nothing from /etc/passwd leaked into the message


@pytest.mark.parametrize("file_name, version", STIX2_DOCUMENTS, ids=[row[0] for row in STIX2_DOCUMENTS])
def test_stix2_json_is_refused_with_the_to_openioc_hint(file_name, version):
    with pytest.raises(IntelFormatError) as caught:
        parse_file(CORPUS / "stix2" / file_name)
    assert caught.value.problem.startswith(f"is STIX {version} JSON, which Threat Response does not take")
    assert "takes STIX 1.x" in caught.value.problem
    assert "tanium.threat_response.to_openioc filter" in caught.value.problem


def test_a_list_of_stix2_objects_without_a_bundle_is_refused_as_stix2():
    content = b'[{"type": "indicator", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "pattern": "x"}]'
    with pytest.raises(IntelFormatError, match="is STIX 2.x JSON"):
        parse_document(content)


@pytest.mark.parametrize("file_name, problem", [
    ("stix-shifter_Sample_Data_Tanium.json", "is not a Tanium signal: it needs a non-empty string 'contents'"),
    ("xsoar_get_intel_docs_raw_response.json", "is a JSON array: a Tanium signal is one JSON object"),
])
def test_api_responses_are_not_mistaken_for_signal_documents(file_name, problem):
    with pytest.raises(IntelFormatError) as caught:
        parse_file(CORPUS / "signals/api-responses" / file_name)
    assert caught.value.problem.startswith(problem)


def test_type_option_that_disagrees_with_the_content_is_a_clear_error():
    raw = (CORPUS / "stix1/malware-indicator-for-file-hash.xml").read_bytes()
    with pytest.raises(IntelFormatError) as caught:
        parse_document(raw, source="hash.xml", intel_type="openioc")
    assert str(caught.value) == "hash.xml: the content is STIX 1.x, not OpenIOC"
    yara = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    with pytest.raises(IntelFormatError, match="the content is YARA, not Tanium signal"):
        parse_document(yara, intel_type="tanium-signal", yara_name="x.yara")


def test_type_option_that_matches_the_content_is_accepted():
    raw = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    assert parse_document(raw, intel_type="yara", yara_name="macro.yara").type == "yara"


def test_unknown_type_option_is_refused():
    with pytest.raises(IntelFormatError, match="unknown type 'ioc'; expected auto or one of openioc"):
        parse_document(b"<x/>", intel_type="ioc")


def test_yara_without_a_name_is_refused_because_the_name_is_its_identity():
    raw = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    with pytest.raises(IntelFormatError, match="a YARA document needs a name"):
        parse_document(raw, source="FIN4_MACROCHECK.yara")


@pytest.mark.parametrize("name", ['say "hi".yar', "dir/rules.yar", "a;b.yar", "tab\t.yar", "règles.yar", "  "])
def test_yara_name_that_cannot_be_an_upload_file_name_is_refused(name):
    raw = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    with pytest.raises(IntelFormatError, match="YARA name|needs a name"):
        parse_document(raw, yara_name=name)


def test_yara_document_is_named_by_the_given_name_and_identified_by_its_upload_file_name():
    document = parse_file(CORPUS / "yara/apt_hatman.yar")
    assert document.name == "apt_hatman.yar"
    # `<name>.yara`, as OpenCTI's connector names a YARA upload (docs/wire-format.md#upload-headers).
    assert document.intrinsic_id == document.upload_filename == "apt_hatman.yar.yara"
    assert (document.description, document.content_type, document.platforms) == ("", "application/octet-stream", ())


def test_a_yara_name_ending_in_yara_is_its_upload_file_name_unchanged():
    raw = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    assert parse_document(raw, yara_name="FIN4_MACROCHECK.yara").upload_filename == "FIN4_MACROCHECK.yara"
    assert parse_document(raw, yara_name="FIN4 macro check").upload_filename == "FIN4 macro check.yara"


def test_a_yara_update_reuses_the_stored_file_name_and_keeps_the_name():
    document = parse_document((CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes(), yara_name="FIN4")
    # A document a client uploaded as `file.yar` is updated in place only under that file name.
    stored = document.with_intrinsic_id("file.yar")
    assert (stored.name, stored.intrinsic_id, stored.upload_filename) == ("FIN4", "file.yar", "file.yar")
    with pytest.raises(IntelFormatError, match="upload file name"):
        document.with_intrinsic_id("dir/file.yar")


def test_xml_upload_file_name_is_the_name_plus_extension_with_unsafe_characters_replaced():
    assert parse_file(CORPUS / "openioc/stuxnet.ioc.xml").upload_filename == "STUXNET VIRUS (METHODOLOGY).ioc"
    assert parse_file(CORPUS / "stix1/msbgt.stix.xml").upload_filename == (
        "CybOX-represented Indicator Created from OpenIOC File.stix")
    content = (b'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="1"><short_description>a/b "c" \xc3\xa9'
               b'</short_description></ioc>')
    document = parse_document(content)
    assert document.name == 'a/b "c" \u00e9'
    assert document.upload_filename == "a_b _c_ _.ioc"


def test_descriptions_come_from_the_document():
    assert parse_file(CORPUS / "openioc/APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc").description.startswith(
        'This IOC contains indicators detailed in the blog post "Demonstrating Hustle"')
    assert parse_file(CORPUS / "stix1/yara-test-mechanism.xml").description == "This is just an example."
    assert parse_file(CORPUS / "stix1/msbgt.stix.xml").description == (
        "CybOX-represented Indicators Translated from OpenIOC File")
    assert parse_file(CORPUS / "stix1/command-and-control-ip-list.xml").description == ""


def test_utf8_byte_order_mark_is_allowed_and_kept_in_the_upload():
    raw = b"\xef\xbb\xbf" + (CORPUS / "openioc/SHARPERSIST (UTILITY).ioc").read_bytes()
    document = parse_document(raw)
    assert (document.type, document.name) == ("openioc", "SHARPERSIST (UTILITY)")
    assert document.content == raw


def test_detection_ignores_a_misleading_source_name():
    raw = (CORPUS / "yara/FIN4_MACROCHECK.yara").read_bytes()
    assert parse_document(raw, source="looks-like.ioc", yara_name="m.yara").type == "yara"


def test_size_limit_is_checked_before_parsing():
    with pytest.raises(IntelFormatError) as caught:
        parse_document(b"<a/>" + b" " * 100, source="big.ioc", max_size=100)
    assert str(caught.value) == "big.ioc: is 104 bytes, more than the limit of 100 bytes"


def test_read_document_refuses_a_huge_sparse_file_without_reading_it(tmp_path):
    huge = tmp_path / "huge.ioc"
    with open(huge, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(IntelFormatError) as caught:
        read_document(str(huge))
    assert time.perf_counter() - started < 0.1
    assert str(caught.value) == f"{huge}: is 52,428,800 bytes, more than the limit of {DEFAULT_MAX_SIZE:,} bytes"


def test_read_document_reads_at_most_the_limit(tmp_path):
    path = tmp_path / "small.yar"
    path.write_bytes(b"x" * 10)
    assert read_document(str(path), max_size=10) == b"x" * 10
    with pytest.raises(IntelFormatError, match="is 10 bytes, more than the limit of 9 bytes"):
        read_document(str(path), max_size=9)


def test_read_document_reads_all_of_a_file_that_grew_after_its_size_was_taken(tmp_path, monkeypatch):
    path = tmp_path / "growing.yar"
    path.write_bytes(b"x" * 10)

    def grow_then_open(name, mode):  # another process appends between the stat and the read
        with open(name, "ab") as handle:
            handle.write(b"y" * 20)
        return open(name, mode)

    monkeypatch.setattr(formats, "open", grow_then_open, raising=False)
    assert read_document(str(path), max_size=30) == b"x" * 10 + b"y" * 20
    with pytest.raises(IntelFormatError, match="more than the limit of 40 bytes"):
        read_document(str(path), max_size=40)  # 30 bytes at the stat, 50 when read


def test_read_document_names_a_missing_file_and_a_directory(tmp_path):
    with pytest.raises(IntelFormatError) as caught:
        read_document(str(tmp_path / "nope.ioc"))
    assert str(caught.value) == f"{tmp_path / 'nope.ioc'}: file not found"
    with pytest.raises(IntelFormatError, match="is a directory, not an intel document"):
        read_document(str(tmp_path))


def test_read_document_names_an_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.ioc"
    path.write_bytes(b"<a/>")

    def refuse(*args, **kwargs):  # chmod 0 does not stop root, who may run these tests
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(formats, "open", refuse, raising=False)
    with pytest.raises(IntelFormatError) as caught:
        read_document(str(path))
    assert str(caught.value) == f"{path}: cannot be read: permission denied"


def test_read_document_refuses_something_that_is_not_a_regular_file():
    with pytest.raises(IntelFormatError, match="is not a regular file"):
        read_document("/dev/null")


def test_per_type_table():
    assert INTEL_TYPES == ("openioc", "stix", "cybox", "yara", "tanium-signal")
    assert [type_label(t) for t in INTEL_TYPES] == ["OpenIOC", "STIX 1.x", "CybOX", "YARA", "Tanium signal"]
    assert [comparison(t) for t in INTEL_TYPES] == ["md5", "md5", "md5", "md5", "signal_fields"]
    assert matches_server_type("openioc", "openioc") and not matches_server_type("openioc", "stix")
    assert matches_server_type("cybox", "cybox") and matches_server_type("cybox", "stix")
    assert not matches_server_type("yara", "tanium-signal")
    with pytest.raises(ValueError, match="unknown intel type 'reputation'"):
        comparison("reputation")


def test_content_types_follow_the_table():
    assert parse_file(CORPUS / "openioc/stuxnet.ioc.xml").content_type == "application/xml"
    assert parse_file(CORPUS / "stix1/msbgt.stix.xml").content_type == "application/xml"
    assert parse_file(HANDWRITTEN / "formats_cybox_untitled.xml").content_type == "application/xml"
    assert parse_file(HANDWRITTEN / "formats_signal_with_id.json").content_type == "application/json"


def test_intel_format_error_carries_source_and_problem_and_survives_pickling():
    error = IntelFormatError("a.ioc", "broken")
    assert (str(error), error.source, error.problem) == ("a.ioc: broken", "a.ioc", "broken")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.problem, str(copy)) == ("a.ioc", "broken", "a.ioc: broken")


def test_documents_are_immutable_and_do_not_print_their_content():
    document = parse_file(CORPUS / "openioc/stuxnet.ioc.xml")
    with pytest.raises(AttributeError):
        document.name = "other"
    assert "short_description" not in repr(document)
    assert isinstance(document, IntelDocument)
