"""Labels travel as names; the store alone turns them into ids on the wire and back (against the emulator over HTTPS)."""

import pytest
from test_intel_apply import planned, seed, writes
from test_intel_plan import openioc, present

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import IntelApplier
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore

IOC = openioc()


@pytest.fixture
def store(make_client):
    return IntelStore(make_client())


def label_ids(emulator):
    return {label["name"]: label["id"] for label in emulator.labels()}


def test_a_document_s_labels_are_named_as_the_server_spells_them(emulator, store):
    seed(emulator, IOC, labels=["Team", "old"])
    (document,) = store.list_intels()
    assert sorted(store.label_names(document)) == ["Team", "old"]
    assert store.label_names({"id": 1}) == () and store.label_names(None) == ()


def test_attach_and_detach_take_names_and_send_the_ids(emulator, store):
    original = seed(emulator, IOC, labels=["Team", "old"])
    change = planned(store, present(IOC, labels=("team", "new")))  # "team": the server's "Team", in another case
    assert (change.labels_to_attach, change.labels_to_detach) == (("new",), ("old",))
    emulator.clear_journal()
    document = IntelApplier(store, False).apply(change)
    ids = label_ids(emulator)
    assert writes(emulator) == [("POST", "labels"), ("PUT", f"intels/{original['id']}/labels"),
                                ("DELETE", f"intels/{original['id']}/labels/{ids['old']}")]
    assert document["labelIds"] == sorted([ids["Team"], ids["new"]]) == emulator.intels()[0]["labelIds"]
    assert sorted(store.label_names(document), key=str.casefold) == ["new", "Team"]


def test_a_label_id_the_listing_lacks_is_named_by_number_and_detached_by_that_id(emulator, store):
    original = seed(emulator, IOC)
    document = dict(next(iter(store.list_intels())), labelIds=[99])  # a label deleted while listed
    assert store.label_names(document) == ("#99",)
    emulator.clear_journal()
    assert store.detach_label(document, "#99")["labelIds"] == []
    assert [entry["path"].rsplit("/api/v1/", 1)[-1] for entry in emulator.writes()] == [
        f"intels/{original['id']}/labels/99"]


def test_a_failed_attach_names_the_label_as_the_task_does(emulator, store):
    seed(emulator, IOC)
    seed(emulator, openioc("ioc-2", "OTHER"), labels=["APT"])  # the server spells it "APT"
    change = planned(store, present(IOC, labels=("apt",)))
    emulator.add_fault(method="PUT", path=r"/intels/\d+/labels$", status=500, times=None)
    with pytest.raises(ApiError) as caught:
        IntelApplier(store, False).apply(change)
    assert "the server does not know label 'apt' (it answers 500 for an unknown label)" in str(caught.value)
    assert "label id" not in str(caught.value)
