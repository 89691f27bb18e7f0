"""The planner: which server document a desired one is, and which change makes it so (no server needed)."""

import json

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._formats.documents import parse_document
from ansible_collections.tanium.threat_response.plugins.module_utils._intel import plan

IOC_NS = 'xmlns="http://schemas.mandiant.com/2010/ioc"'


def openioc(ioc_id="ioc-1", name="APT ONE", md5="0" * 32):
    return parse_document(
        f'<ioc {IOC_NS} id="{ioc_id}"><short_description>{name}</short_description><description>d</description>'
        f'<definition><Indicator operator="OR" id="i1"><IndicatorItem id="ii1" condition="is">'
        f'<Context document="FileItem" search="FileItem/Md5sum" type="mir"/><Content type="md5">{md5}</Content>'
        f"</IndicatorItem></Indicator></definition></ioc>".encode(), source=f"{name}.ioc")


def yara(name="rule.yar", text="rule a { condition: true }"):
    return parse_document(text.encode(), source=name, yara_name=name)


def signal(name="Eicar", contents="file.path contains 'eicar'", **extra):
    fields = dict(name=name, contents=contents, platforms=["windows"], **extra)
    return parse_document(json.dumps(fields).encode(), source=f"{name}.json")


def server_copy(document, intel_id=10, label_ids=(), **overrides):
    """The server's record of `document`, as a listing answers it."""
    record = dict(id=intel_id, name=document.name, type=document.type, md5=document.md5, size=document.size,
                  intrinsicId=document.intrinsic_id, description=document.description, revisionId=1,
                  labelIds=list(label_ids))
    if document.type == "tanium-signal":
        record["contents"] = document.content.decode()
    record.update(overrides)
    return record


def present(document, labels=None, description=None, intel_id=None):
    return plan.DesiredIntel(document=document, labels=labels, description=description, intel_id=intel_id)


# -- identity ------------------------------------------------------------------------------------

IOC = openioc()
IDENTITY_CASES = [
    # (what the case shows, desired, server documents, ids that are the desired one)
    ("same intrinsic id, renamed on the server", present(IOC), [server_copy(IOC, 10, name="OLD NAME")], [10]),
    ("intrinsic id wins over a same-named other document", present(IOC),
     [server_copy(IOC, 10, intrinsicId="other", md5="1" * 32), server_copy(IOC, 11)], [11]),
    ("no intrinsic id match: the name decides", present(IOC), [server_copy(IOC, 12, intrinsicId="other")], [12]),
    ("same name but another type is not it", present(IOC), [server_copy(IOC, 13, type="stix", intrinsicId="x")], []),
    ("the pinned id decides alone", present(IOC, intel_id=14),
     [server_copy(IOC, 10), server_copy(IOC, 14, name="else", intrinsicId="else")], [14]),
    ("both copies are it", present(IOC), [server_copy(IOC, 20), server_copy(IOC, 21)], [20, 21]),
    ("yara: the file name is the identity", present(yara("a.yar")),
     [server_copy(yara("a.yar"), 30), server_copy(yara("b.yar"), 31)], [30]),
    ("absent by name", plan.DesiredIntel(state="absent", name="APT ONE", intel_type="openioc"),
     [server_copy(IOC, 40), server_copy(yara("APT ONE"), 41)], [40]),
]


@pytest.mark.parametrize("desired, server_docs, expected", [case[1:] for case in IDENTITY_CASES],
                         ids=[case[0] for case in IDENTITY_CASES])
def test_identity_matches(desired, server_docs, expected):
    assert [doc["id"] for doc in plan.identity_matches(desired, server_docs)] == expected


def test_two_matching_documents_are_an_error_that_names_both_ids_and_what_to_do():
    with pytest.raises(plan.DuplicateIntelError) as caught:
        plan.single_match(present(IOC), [server_copy(IOC, 21), server_copy(IOC, 20)])
    assert "2 documents on the server match 'APT ONE' (openioc): ids 20, 21" in str(caught.value)


def test_one_or_no_match_is_the_document_or_none():
    assert plan.single_match(present(IOC), [server_copy(IOC, 5)])["id"] == 5
    assert plan.single_match(present(IOC), []) is None


# -- the change ------------------------------------------------------------------------------------

EDITED = openioc(md5="f" * 32)
SIGNAL = signal()
PLAN_CASES = [
    # (case, desired, current, its label names, action, names to attach, names to detach)
    ("not on the server", present(IOC, labels=("Team",)), None, (), plan.CREATE, ("Team",), ()),
    ("same bytes, same labels", present(IOC, labels=("Team",)), server_copy(IOC), ("Team",),
     plan.UNCHANGED, (), ()),
    ("labels left alone when not given", present(IOC), server_copy(IOC), ("Team", "old"),
     plan.UNCHANGED, (), ()),
    ("other bytes", present(EDITED), server_copy(IOC), (), plan.UPDATE, (), ()),
    ("labels differ only in case", present(IOC, labels=("TEAM",)), server_copy(IOC), ("Team",),
     plan.UNCHANGED, (), ()),
    ("a label to add and one to drop", present(IOC, labels=("Team", "new")), server_copy(IOC), ("Team", "old"),
     plan.UNCHANGED, ("new",), ("old",)),
    ("yara description differs", present(yara(), description="new words"),
     server_copy(yara(), description="old words"), (), plan.UPDATE, (), ()),
    ("yara description same", present(yara(), description="same"), server_copy(yara(), description="same"), (),
     plan.UNCHANGED, (), ()),
    ("signal re-serialised by the server is unchanged", present(SIGNAL),
     server_copy(SIGNAL, contents=json.dumps(json.loads(SIGNAL.content), indent=4), md5="9" * 32), (),
     plan.UNCHANGED, (), ()),
    ("signal with other contents", present(SIGNAL), server_copy(signal(contents="process.name is 'x'")), (),
     plan.UPDATE, (), ()),
    ("absent and present on the server", plan.DesiredIntel(state="absent", name="APT ONE"), server_copy(IOC),
     ("Team",), plan.DELETE, (), ()),
    ("absent and absent", plan.DesiredIntel(state="absent", name="APT ONE"), None, (), plan.ABSENT, (), ()),
]


@pytest.mark.parametrize("desired, current, labels, action, attach, detach", [case[1:] for case in PLAN_CASES],
                         ids=[case[0] for case in PLAN_CASES])
def test_plan_change(desired, current, labels, action, attach, detach):
    change = plan.plan_change(desired, current, labels)
    assert (change.action, change.labels_to_attach, change.labels_to_detach) == (action, attach, detach)
    assert change.changed == (action in (plan.CREATE, plan.UPDATE, plan.DELETE) or bool(attach or detach))


def test_an_update_keeps_the_stored_intrinsic_id_so_the_put_updates_in_place():
    current = server_copy(IOC, intrinsicId="stored-id", md5="1" * 32)
    change = plan.plan_change(present(EDITED), current)
    assert change.action == plan.UPDATE
    assert change.upload.intrinsic_id == "stored-id"
    assert b'id="stored-id"' in change.upload.content


def test_predicted_document_is_what_check_mode_reports():
    change = plan.plan_change(present(EDITED, labels=("Team",)), server_copy(IOC, intel_id=7, label_ids=[3]), ("old",))
    predicted = change.predicted()
    assert (predicted["id"], predicted["md5"], predicted["revisionId"]) == (7, change.upload.md5, 2)
    assert change.before()["labels"] == ["old"] and change.after()["labels"] == ["Team"]
    assert plan.plan_change(present(IOC), None).predicted()["id"] is None
    absent = plan.plan_change(plan.DesiredIntel(state="absent", name="x"), server_copy(IOC))
    assert absent.after() == {"state": "absent"}


def test_duplicates_of_an_untyped_lookup_are_named_without_a_type():
    with pytest.raises(plan.DuplicateIntelError, match=r"match 'APT ONE': ids 1, 2\. "):
        plan.single_match(plan.DesiredIntel(state="absent", name="APT ONE"), [server_copy(IOC, 1), server_copy(IOC, 2)])
