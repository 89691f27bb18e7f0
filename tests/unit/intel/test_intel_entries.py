"""Reading entries and the applicability policy: warn about what this run writes, one line for the rest."""

import pytest
from test_intel_plan import openioc, present

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import (
    applicability_warnings,
    assess,
    read_entry,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.items import IntelItem
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import CREATE, UNCHANGED, IntelChange

UNKNOWN = {"known": 0, "probable": 0, "unknown": 1, "findings": [{"term": "x/y", "level": "unknown"}]}
CLEAN = {"known": 1, "probable": 0, "unknown": 0, "findings": []}
IOC = openioc()


def planned(report, uploads, requested=True):
    desired = present(IOC)
    return IntelItem({} if requested else None, desired=desired, report=report,
                     change=IntelChange(CREATE if uploads else UNCHANGED, desired))


@pytest.mark.parametrize("items, expected", [
    ([planned(UNKNOWN, True)], ["APT ONE.ioc: Threat Response may not evaluate 1 term(s)"]),
    ([planned(UNKNOWN, False), planned(UNKNOWN, False)],
     ["2 unchanged document(s) use terms Threat Response may not evaluate"]),
    ([planned(UNKNOWN, True), planned(UNKNOWN, False)],
     ["APT ONE.ioc: Threat Response may not evaluate", "1 unchanged document(s)"]),
    ([planned(CLEAN, True), planned(None, False)], []),
    ([planned(UNKNOWN, True, requested=False)], []),
])
def test_warnings_name_written_documents_and_count_the_others(items, expected):
    warnings = applicability_warnings(items)
    assert len(warnings) == len(expected)
    assert all(warning.startswith(start) for warning, start in zip(warnings, expected))


def test_error_mode_refuses_before_any_write_and_ignore_reads_nothing():
    unknown_term = openioc(name="ODD").content.decode().replace("FileItem/Md5sum", "NoSuchItem/Thing")
    items = [read_entry({"content": unknown_term}, 10485760)]
    with pytest.raises(InvalidInput, match="applicability is error"):
        assess(items, "error")
    items = [read_entry({"content": unknown_term}, 10485760)]
    assess(items, "ignore")
    assert items[0].report is None
    clean = IntelItem({}, desired=present(IOC))
    assess([clean], "error")
    assert clean.report["unknown"] == 0


def test_a_declared_name_that_differs_is_refused():
    with pytest.raises(InvalidInput, match="the name option .'other'. differs"):
        read_entry({"content": IOC.content.decode(), "name": "other"}, 10485760)


@pytest.mark.parametrize("options, problem", [
    ({"name": "r.yar", "description": "€ rule"}, "its description holds characters other than printable ASCII"),
    ({"name": "r.yar", "description": "検知ルール"}, "its description holds characters other than printable ASCII"),
    ({"name": "n" * 247 + ".yar"}, "its upload name is 256 characters long"),  # with ".yara"
])
def test_header_values_that_cannot_travel_are_refused(options, problem):
    entry = dict(options, content="rule r { condition: true }", type="yara")
    with pytest.raises(InvalidInput, match=problem):
        read_entry(entry, 10485760)


def test_an_ascii_description_with_newlines_and_a_255_character_upload_name_are_taken():
    entry = {"content": "rule r { condition: true }", "type": "yara", "name": "n" * 246 + ".yar",
             "description": "first line\nsecond line"}
    # On one line, as the header carries it and the server keeps it: a re-run then compares equal.
    assert read_entry(entry, 10485760).desired.description == "first line second line"
