"""A file whose exact bytes the server holds is described from the listing, not parsed (the warm path)."""

import pytest
from test_intel_plan import openioc, present, server_copy, signal, yara

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import (
    assess,
    read_entries,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    UNCHANGED,
    UPDATE,
    HeldBytes,
    plan_change,
)

IOC = openioc()
RULE = yara("rule.yar")
EICAR = signal()


def held(document, listing, intel_type=None, yara_name=None):
    return HeldBytes(lambda: listing).held_document(document.content, document.source, intel_type, yara_name)


@pytest.mark.parametrize("document, intel_type, yara_name, listing, is_held", [
    (IOC, None, None, [server_copy(IOC)], True),
    (IOC, "openioc", None, [server_copy(IOC)], True),
    (IOC, "stix", None, [server_copy(IOC)], False),                     # the entry says otherwise
    (IOC, None, None, [server_copy(IOC, md5="f" * 32)], False),         # the server holds other bytes
    (IOC, None, None, [server_copy(IOC), server_copy(IOC, intel_id=11)], False),  # copies: full path
    (RULE, None, "rule.yar", [server_copy(RULE)], True),
    (RULE, None, "other.yar", [server_copy(RULE)], False),              # YARA identity is the file name
    (EICAR, None, None, [server_copy(EICAR, md5=EICAR.md5)], False),    # signals are re-serialised
])
def test_held_only_when_one_server_document_holds_the_bytes_as_this_entry(
        document, intel_type, yara_name, listing, is_held):
    assert (held(document, listing, intel_type, yara_name) is not None) is is_held


def test_a_yara_file_is_held_under_its_name_option_else_its_file_name(tmp_path):
    (tmp_path / "x.yar").write_bytes(RULE.content)
    listing = [server_copy(RULE)]
    as_named, as_file = (item.desired for item in read_entries(
        [{"src": str(tmp_path / "x.yar"), "name": "rule.yar"}, {"src": str(tmp_path / "x.yar")}], 10485760, [],
        held=HeldBytes(lambda: listing)))
    assert (as_named.document.name, as_named.document.parsed) == ("rule.yar", None)
    assert (as_file.document.name, as_file.document.parsed is None) == ("x.yar", False)
    # Held or parsed, one YARA name is one identity, so two such files in one set are still refused.
    assert as_named.document.intrinsic_id == yara("rule.yar").intrinsic_id == "rule.yar.yara"


def test_a_held_document_has_the_servers_identity_and_plans_unchanged_without_a_parse():
    current = server_copy(IOC, intrinsicId="server-side-id", label_ids=[1])
    document = held(IOC, [current])
    assert (document.type, document.name, document.intrinsic_id, document.md5) == \
        ("openioc", IOC.name, "server-side-id", IOC.md5)
    assert document.parsed is None
    change = plan_change(present(document, labels=("managed-by-ansible",)), current, ("managed-by-ansible",))
    assert (change.action, change.changed) == (UNCHANGED, False)
    # A YARA description is not in the bytes: asking for another one still updates.
    rule = held(RULE, [server_copy(RULE)], yara_name="rule.yar")
    assert plan_change(present(rule, description="new"), server_copy(RULE)).action == UPDATE


def test_read_entries_skips_the_parse_and_the_analysis_only_for_held_files(tmp_path):
    unknown_term = openioc("odd", "ODD").content.replace(b"FileItem/Md5sum", b"NoSuchItem/Thing")
    (tmp_path / "held.ioc").write_bytes(unknown_term)
    (tmp_path / "new.ioc").write_bytes(unknown_term.replace(b"ODD", b"NEW").replace(b'"odd"', b'"new"'))
    entries = [{"src": str(tmp_path / "held.ioc")}, {"src": str(tmp_path / "new.ioc")}]
    listing = [server_copy(read_entries(entries[:1], 10485760, [])[0].desired.document)]
    items = read_entries(entries, 10485760, [], held=HeldBytes(lambda: listing))
    assert [item.desired.document.name for item in items] == ["ODD", "NEW"]
    assess(items, "warn")
    assert items[0].report is None and items[1].report["unknown"] == 1


def test_held_files_still_refuse_two_entries_of_one_identity(tmp_path):
    (tmp_path / "one.ioc").write_bytes(IOC.content)
    (tmp_path / "two.ioc").write_bytes(IOC.content)
    entries = [{"src": str(tmp_path / "one.ioc")}, {"src": str(tmp_path / "two.ioc")}]
    with pytest.raises(InvalidInput, match="are the same openioc document"):
        read_entries(entries, 10485760, [], held=HeldBytes(lambda: [server_copy(IOC)]))


def test_a_held_file_whose_name_option_differs_from_the_server_is_refused(tmp_path):
    (tmp_path / "one.ioc").write_bytes(IOC.content)
    with pytest.raises(InvalidInput, match="the name option"):
        read_entries([{"src": str(tmp_path / "one.ioc"), "name": "OTHER"}], 10485760, [],
                     held=HeldBytes(lambda: [server_copy(IOC)]))


def test_a_file_that_cannot_be_read_fails_before_the_listing_with_every_other_problem(tmp_path):
    (tmp_path / "broken.ioc").write_bytes(IOC.content[:-20])
    entries = [{"src": str(tmp_path / "missing.ioc")}, {"src": str(tmp_path / "broken.ioc")}]
    never = HeldBytes(lambda: pytest.fail("the listing was read although a file could not be"))
    with pytest.raises(InvalidInput, match=r"2 of 2 documents are invalid.*missing.ioc: file not found.*broken.ioc"):
        read_entries(entries, 10485760, [], held=never)
