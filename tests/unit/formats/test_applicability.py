"""Applicability: which terms of a document Threat Response may not evaluate, per the one table of terms."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.tanium.threat_response.plugins.module_utils._formats import applicability_terms as terms
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.applicability import (
    applicability_report,
    applicability_warning,
    summary_line,
    unknown_terms,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import (
    IntelFormatError,
    parse_document,
    read_document,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.signals import (
    SignalExpression,
    SignalSyntaxError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._formats.yara_rules import check_yara

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CORPUS_FOLDERS = ("corpus/openioc", "corpus/stix1", "corpus/yara")

# (known, probable, unknown) indicator items per file; None: the formats layer refuses the file.
# Checked by hand, independently of the code, for the files marked *: OpenIOC by counting each
# distinct `search="..."` with grep and summing per level from the table (e.g. APT12: known =
# 11 Md5sum + 2 FileName + 2 DnsEntryItem/Host + 1 PortItem/remoteIP = 16; probable = 2 FilePath +
# 3 SizeInBytes = 5; unknown = 3 PEInfo/PETimeStamp + 1 Email/From = 4; `grep -c "<IndicatorItem"`
# gives 25 = 16 + 5 + 4), STIX by counting `Properties xsi:type="..."` with grep (msbgt: FileObj 4 +
# NetworkConnection 1 + Process 3 + WinProcess 6 = 14 probable; WinKernelHook 4 + WinService 3 = 7
# unknown), YARA by counting `rule` headers with grep and reading the imports.
SNAPSHOT = {
    "corpus/openioc/APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc": (16, 5, 4),  # *
    "corpus/openioc/APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc": (4, 1, 0),  # *
    "corpus/openioc/APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc": (14, 0, 0),  # *
    "corpus/openioc/APT30_eeffc8e8-caee-4fe1-8ace-7a994b5d893f.ioc": (187, 78, 1),  # *
    "corpus/openioc/BlogPosts_6037663c-680c-4a28-ad58-40622d206e1d.ioc": (50, 13, 3),
    "corpus/openioc/BlogPosts_de99badf-b448-49e7-885a-4d8688ddf02d.ioc": (97, 11, 0),
    "corpus/openioc/FIN4_fb0699e2-23a6-40f9-bf96-4514d629eec3.ioc": (0, 9, 3),  # *
    "corpus/openioc/POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc": (0, 0, 41),  # *
    "corpus/openioc/SHARPERSIST (UTILITY).ioc": (0, 0, 11),
    "corpus/openioc/SUSPICIOUS DLL LOAD (METHODOLOGY).ioc": (0, 0, 164),
    "corpus/openioc/SafetyKatz A (Credential Stealer).ioc": (0, 0, 3),
    "corpus/openioc/pt1.aym Hijack (Methodology).ioc": (0, 0, 1),
    "corpus/openioc/stuxnet.ioc.xml": (6, 4, 7),  # *
    "corpus/stix1/IP_Watchlist-1.1.1.xml": (0, 1, 0),
    "corpus/stix1/analyst-exercise-output.xml": (0, 4, 1),  # *
    "corpus/stix1/command-and-control-ip-list.xml": (0, 3, 0),
    "corpus/stix1/indicator-for-malicious-url.xml": (0, 1, 0),
    "corpus/stix1/malware-indicator-for-file-hash.xml": (0, 1, 0),
    "corpus/stix1/msbgt.stix.xml": (0, 14, 7),  # *
    "corpus/stix1/stuxnet.stix.xml": (0, 10, 6),
    "corpus/stix1/yara-test-mechanism.xml": (0, 0, 1),  # *
    "corpus/yara/FIN4_MACROCHECK.yara": (1, 0, 0),
    "corpus/yara/Hunting_GadgetToJScript_1.yar": (1, 0, 0),
    "corpus/yara/Loader_MSIL_DUEDLLIGENCE_2.yar": (1, 0, 0),
    "corpus/yara/all-yara.yar": (169, 0, 0),  # *
    "corpus/yara/apt_apt29_nobelium_may21.yar": (14, 0, 0),
    "corpus/yara/apt_flame2_orchestrator.yar": None,  # its only rule is commented out
    "corpus/yara/apt_hatman.yar": (11, 0, 0),
    "corpus/yara/gen_webshells.yar": (59, 0, 0),  # *
    "corpus/yara/mal_crime_win_pe_godrat_aug25.yar": (1, 0, 0),
    "corpus/yara/operation_poisoned_handover.yara": (2, 0, 0),
    "corpus/yara/yara_mixed_ext_vars.yar": (0, 0, 24),  # external variables: every rule is in doubt
    "handwritten/applicability_console_import.yar": (0, 0, 2),  # *
    "handwritten/applicability_known_items.ioc": (6, 1, 2),  # *
    "handwritten/applicability_signal_mixed.json": (1, 1, 2),  # *
    "handwritten/applicability_signal_unparsable.json": None,  # the expression does not parse
    "handwritten/cybox_observables.xml": (0, 2, 0),
    "handwritten/formats_cybox_md5_observables.xml": (0, 2, 0),
    "handwritten/formats_cybox_untitled.xml": (0, 1, 0),
    "handwritten/formats_signal_with_id.json": (1, 0, 0),
    "handwritten/formats_signal_without_id.json": (2, 1, 0),
    "handwritten/signal_rundll32.json": (2, 0, 0),
}


def corpus_files():
    return sorted(str(path.relative_to(FIXTURES)) for folder in CORPUS_FOLDERS for path in (FIXTURES / folder).iterdir())


def handwritten_files():
    return sorted(str(path.relative_to(FIXTURES)) for path in (FIXTURES / "handwritten").iterdir())


def load(relative):
    path = FIXTURES / relative
    return parse_document(read_document(str(path)), source=str(path), yara_name=path.name)


def report_of(relative):
    return applicability_report(load(relative))


def findings_by_term(report):
    return {finding["term"]: finding for finding in report["findings"]}


def test_the_snapshot_covers_every_corpus_document():
    assert {name for name in SNAPSHOT if name.startswith("corpus/")} == set(corpus_files())


@pytest.mark.parametrize("relative", sorted(SNAPSHOT))
def test_item_counts_per_level_match_the_snapshot(relative):
    expected = SNAPSHOT[relative]
    if expected is None:
        with pytest.raises(IntelFormatError):
            load(relative)
        return
    report = report_of(relative)
    assert (report["known"], report["probable"], report["unknown"]) == expected


@pytest.mark.parametrize("relative", sorted(set(corpus_files()) | set(handwritten_files())))
def test_findings_are_every_non_known_term_once_in_a_stable_order(relative):
    try:
        document = load(relative)
    except IntelFormatError:
        return  # refused documents have no applicability; the snapshot says which ones
    report = applicability_report(document)
    assert applicability_report(document) == report
    levels = [finding["level"] for finding in report["findings"]]
    assert set(levels) <= {terms.PROBABLE, terms.UNKNOWN}
    order = [(-terms.LEVELS.index(finding["level"]), finding["term"]) for finding in report["findings"]]
    assert order == sorted(set(order))
    assert all(finding["detail"] for finding in report["findings"])
    assert bool(report["unknown"]) == bool(unknown_terms(report))
    if document.type != "tanium-signal":  # a signal item takes the lower level of its property and condition
        assert bool(report["probable"]) == (terms.PROBABLE in levels)


def test_openioc_hash_file_name_host_and_address_items_are_known():
    report = report_of("handwritten/applicability_known_items.ioc")
    assert report["known"] == 6
    assert findings_by_term(report) == {
        "FileItem/Sha512sum": {"term": "FileItem/Sha512sum", "level": "unknown", "detail": (
            "used by 1 indicator item; not in the applicability table: no source shows Threat Response "
            "evaluating it (no source)")},
        "ServiceItem/name": {"term": "ServiceItem/name", "level": "unknown", "detail": (
            "used by 1 indicator item; unlikely: no matching Threat Response telemetry in any source (inferred)")},
        "FileItem/SizeInBytes": {"term": "FileItem/SizeInBytes", "level": "probable", "detail": (
            "used by 1 indicator item; Index records file name, size, times and directory; alerts carry file "
            "paths (T8, C2, inferred)")},
    }
    # APT28 is nothing but DnsEntryItem/Host items.
    assert report_of("corpus/openioc/APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc")["findings"] == []


def test_openioc_1_1_url_monitor_terms_are_reported_as_unknown_with_their_use_count():
    report = report_of("corpus/openioc/POTENTIAL COBALT STRIKE PROFILE (FAMILY).ioc")
    request_url = findings_by_term(report)["urlMonitorEvent/requestUrl"]
    assert request_url["level"] == "unknown"
    assert request_url["detail"].startswith("used by 26 indicator items; OpenIOC 1.1 event term")
    assert unknown_terms(report) == [
        "imageLoadEvent/fileName", "imageLoadEvent/process", "urlMonitorEvent/httpHeader", "urlMonitorEvent/process",
        "urlMonitorEvent/requestUrl", "urlMonitorEvent/urlMethod", "urlMonitorEvent/userAgent"]


def test_yara_import_outside_the_eleven_modules_puts_every_rule_in_doubt():
    report = report_of("handwritten/applicability_console_import.yar")
    assert report["findings"] == [{
        "term": 'import "console"', "level": "unknown",
        "detail": "imported module is not one of the 11 Threat Response's YARA 4.3.1 offers; a YARA compiler without "
                  "it rejects the whole file, so none of its rules may run; the file has 2 rules (T1)"}]
    assert (report["known"], report["unknown"]) == (0, 2)


def test_yara_imports_of_the_eleven_modules_are_not_findings():
    report = report_of("corpus/yara/mal_crime_win_pe_godrat_aug25.yar")  # imports pe and hash
    assert report == {"known": 1, "probable": 0, "unknown": 0, "findings": []}
    assert sorted(terms.YARA_MODULES) == sorted(
        ["pe", "elf", "dotnet", "hash", "cuckoo", "math", "magic", "macho", "dex", "string", "time"])


def test_yara_outline_lists_each_import_once_in_file_order_and_ignores_comments():
    outline = check_yara((FIXTURES / "corpus/yara/yara_mixed_ext_vars.yar").read_text())
    assert (outline.imports, outline.rule_count) == (("pe", "math"), 24)
    outline = check_yara('import "vt"\n// import "lnk"\n/* import "console" */ import "vt"\nrule a { condition: true }')
    assert (outline.imports, outline.rule_count) == (("vt",), 1)


def test_yara_external_variables_are_unknown_findings_naming_each():
    report = report_of("corpus/yara/yara_mixed_ext_vars.yar")
    assert unknown_terms(report) == ["external variable extension", "external variable filename",
                                     "external variable filepath", "external variable filetype",
                                     "external variable owner"]
    assert findings_by_term(report)["external variable owner"]["detail"].startswith("an external variable:")


def test_stix_object_types_are_named_canonically_whatever_prefix_the_document_uses():
    # IP_Watchlist declares the Address object under the prefix "AddressObject:".
    assert [finding["term"] for finding in report_of("corpus/stix1/IP_Watchlist-1.1.1.xml")["findings"]] == [
        "AddressObj:AddressObjectType"]


def test_stix_yara_test_mechanism_is_an_unknown_item():
    report = report_of("corpus/stix1/yara-test-mechanism.xml")
    assert unknown_terms(report) == ["Test_Mechanism/YaraTestMechanismType"]


def test_stix_objects_without_a_table_entry_are_unknown():
    report = report_of("corpus/stix1/stuxnet.stix.xml")
    assert unknown_terms(report) == ["WinDriverObj:WindowsDriverObjectType",
                                     "WinExecutableFileObj:WindowsExecutableFileObjectType"]
    assert findings_by_term(report)["FileObj:FileObjectType"]["detail"].startswith("used by 6 items;")


def test_signal_with_an_unparsable_expression_is_refused_saying_where_parsing_failed():
    with pytest.raises(IntelFormatError) as raised:
        load("handwritten/applicability_signal_unparsable.json")
    assert "'contents' does not parse: at character 66: unknown condition after process.command_line" in str(
        raised.value)
    assert "found \"includes 'zipfldr'\"" in str(raised.value)


def test_signal_terms_take_the_less_certain_level_of_property_and_condition():
    report = report_of("handwritten/applicability_signal_mixed.json")
    assert {finding["term"]: finding["level"] for finding in report["findings"]} == {
        "module.path": "unknown", "starts with": "unknown", "contains not": "probable", "process.name": "probable"}
    assert findings_by_term(report)["starts with"]["detail"].startswith("condition used by 1 expression term;")
    assert (report["known"], report["probable"], report["unknown"]) == (1, 1, 2)


@pytest.mark.parametrize("expression, expected", [
    ("file.path contains 'eicar'", [("file.path", "contains")]),
    ("process.path ends with '\\\\rundll32.exe' and process.command_line CONTAINS 'zipfldr'",
     [("process.path", "ends with"), ("process.command_line", "contains")]),
    ("(process.name = 'a b' OR (file.name ends  with 'x')) AND process.pid >= 4",
     [("process.name", "="), ("file.name", "ends with"), ("process.pid", ">=")]),
    ("process.path contains not 'C:\\Program Files'", [("process.path", "contains not")]),
    ("process.pid > 4", [("process.pid", ">")]),
    ("NOT process.path contains 'x' AND not (file.name equals 'y')",
     [("process.path", "contains"), ("file.name", "equals")]),
    ("process.path contains 'it\\'s'", [("process.path", "contains")]),
])
def test_signal_grammar_accepts_the_documented_forms(expression, expected):
    assert SignalExpression(expression).terms() == expected


@pytest.mark.parametrize("expression, problem", [
    ("process.path includes 'x'", "at character 14: unknown condition after process.path"),
    ("process.path contains nothing", "at character 23: expected a 'quoted' value or a number"),
    ("process.path contains 'x", "at character 23: unterminated quoted value"),
    ("(process.path contains 'x'", "at character 27: expected ')'; found the end"),
    ("process.path contains 'x' AND", "at character 30: expected object.property or '('; found the end"),
    ("process.path contains 'x' 'y'", "at character 27: expected AND, OR or the end of the expression"),
    ("NOT NOT process.path contains 'x'", "at character 5: expected object.property or '('"),
    ("process.path in ('a', 'b')", "at character 14: unknown condition"),
    ("process contains 'x'", "at character 1: expected object.property or '('"),
    ("process.path contains", "at character 22: expected a 'quoted' value or a number after process.path contains"),
])
def test_signal_grammar_says_where_an_expression_stops_parsing(expression, problem):
    with pytest.raises(SignalSyntaxError) as raised:
        SignalExpression(expression).terms()
    assert str(raised.value).startswith(problem)


@given(st.text(alphabet=st.sampled_from(list("process.path file.name contains ends with AND OR ()'\\ x=<>")), max_size=60))
def test_signal_grammar_either_parses_or_raises_a_syntax_error(expression):
    try:
        found = SignalExpression(expression).terms()
    except SignalSyntaxError:
        return
    assert all(condition in terms.SIGNAL_CONDITIONS for _field, condition in found)


@pytest.mark.parametrize("condition", sorted(terms.SIGNAL_CONDITIONS))
def test_every_condition_in_the_table_parses(condition):
    assert SignalExpression(f"process.path {condition} 'x'").terms() == [("process.path", condition)]


def test_every_table_entry_has_a_level_a_source_and_a_reason():
    tables = [terms.OPENIOC_TERMS, terms.STIX_TERMS, terms.YARA_MODULES, terms.SIGNAL_PROPERTIES,
              terms.SIGNAL_CONDITIONS, terms.UNLISTED]
    for table in tables:
        for term, rule in table.items():
            assert rule.level in terms.LEVELS, term
            assert rule.source and rule.reason, term


def test_warning_names_the_unknown_terms_and_is_none_without_any():
    document = load("corpus/openioc/APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc")
    warning = applicability_warning(document, applicability_report(document))
    assert warning == (
        f"{document.source}: Threat Response may not evaluate 2 term(s) of this OpenIOC document (4 of 25 item(s)): "
        "Email/From, FileItem/PEInfo/PETimeStamp. See docs/applicability.md; `applicability: ignore` silences this")
    probable_only = load("handwritten/cybox_observables.xml")
    assert applicability_warning(probable_only, applicability_report(probable_only)) is None


def test_warning_for_inline_content_names_the_document():
    content = json.dumps({"name": "Odd signal", "contents": "process.path is 'x'", "platforms": ["mac"]}).encode()
    document = parse_document(content)
    assert applicability_warning(document, applicability_report(document)).startswith(
        "Odd signal: Threat Response may not evaluate 1 term(s) of this Tanium signal document (1 of 1 item(s)): "
        "is.")


def test_summary_line_gives_counts_and_unknown_terms():
    report = report_of("corpus/openioc/stuxnet.ioc.xml")
    assert summary_line("stuxnet.ioc.xml", report) == (
        "stuxnet.ioc.xml: 6 known, 4 probable, 7 unknown item(s); unknown: DriverItem/DeviceItem/AttachedToDriverName, "
        "FileItem/PEInfo/DigitalSignature/CertificateSubject, FileItem/PEInfo/Sections/Section/Name")
    assert summary_line("APT28.ioc", report_of("corpus/openioc/APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc")) == (
        "APT28.ioc: 14 known, 0 probable, 0 unknown item(s)")
