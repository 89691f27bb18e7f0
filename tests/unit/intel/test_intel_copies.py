"""A document two runs created at the same moment: one rule (IntelApplier.keep_older_copy) for `intel` and
`intel_sync`, against the emulator over HTTPS."""

import pytest
from test_intel_apply import planned, seed
from test_intel_plan import openioc, present

from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import IntelApplier, apply_items
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.items import IntelItem
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import IdentityIndex
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore

IOC = openioc()
OTHER = openioc("ioc-2", "OTHER")
INTELS = "/plugin/products/threat-response/api/v1/intels"


@pytest.fixture
def store(make_client):
    return IntelStore(make_client())


def planned_items(store, *desired):
    return [IntelItem({}, desired=wanted, change=planned(store, wanted)) for wanted in desired]


def label_names(emulator, document):
    names = {label["id"]: label["name"] for label in emulator.labels()}
    return sorted(names[label_id] for label_id in document["labelIds"])


@pytest.mark.parametrize("alone", [True, False], ids=["one document (intel)", "a set (intel_sync)"])
def test_the_older_identical_copy_is_kept_with_this_run_s_labels_and_this_run_s_copy_deleted(emulator, store, alone):
    items = planned_items(store, present(IOC, labels=("Team",)), *([] if alone else [present(OTHER)]))
    earlier = seed(emulator, IOC)  # another run's copy, made between this run's plan and its create
    warnings = apply_items(store, items, parallel=2, check_mode=False)
    (kept,) = [document for document in emulator.intels() if document["name"] == IOC.name]
    assert kept["id"] == earlier["id"] == items[0].result["id"]
    assert label_names(emulator, kept) == ["Team"] and items[0].result["labelIds"] == kept["labelIds"]
    (warning,) = warnings
    assert warning.startswith(f"'{IOC.name}': another run created it at the same time; kept document {earlier['id']} "
                              "and deleted this run's copy ")


def test_one_created_document_is_looked_for_by_name_and_a_set_in_two_whole_listings(emulator, store):
    apply_items(store, planned_items(store, present(IOC)), parallel=1, check_mode=False)
    listings = [entry["query"] for entry in emulator.journal if (entry["method"], entry["path"]) == ("GET", INTELS)]
    assert [query.get("name") for query in listings] == [[IOC.name], [IOC.name]]  # the plan's lookup, the check's
    emulator.clear_journal()
    apply_items(store, planned_items(store, present(openioc("a", "A")), present(openioc("b", "B"))), 2, False)
    listings = [entry["query"] for entry in emulator.journal if (entry["method"], entry["path"]) == ("GET", INTELS)]
    assert [query.get("name") for query in listings][-2:] == [None, None]


def test_an_older_copy_with_other_content_is_not_taken_for_this_run_s(emulator, store):
    items = planned_items(store, present(IOC))
    other_content = seed(emulator, openioc(md5="e" * 32))  # same identity, other indicators
    assert apply_items(store, items, parallel=1, check_mode=False) == []
    assert sorted(document["id"] for document in emulator.intels()) == [other_content["id"], items[0].result["id"]]


def test_a_newer_copy_is_the_other_run_s_to_delete(emulator, store):
    change = planned(store, present(IOC))
    applier = IntelApplier(store, False)
    created = applier.apply(change)
    newer = seed(emulator, IOC)
    kept, warning = applier.keep_older_copy(change, created, IdentityIndex(list(store.list_intels())))
    assert (kept["id"], warning) == (created["id"], None)
    assert sorted(document["id"] for document in emulator.intels()) == [created["id"], newer["id"]]


def test_an_older_copy_deleted_since_the_listing_is_not_kept_in_place_of_this_run_s(emulator, store):
    change = planned(store, present(IOC))
    applier = IntelApplier(store, False)
    earlier = seed(emulator, IOC)
    created = applier.apply(change)
    listing = IdentityIndex(list(store.list_intels()))
    store.delete_intel(earlier["id"])  # its run deleted it after this run listed the server
    kept, warning = applier.keep_older_copy(change, created, listing)
    assert (kept["id"], warning) == (created["id"], None)
    assert [document["id"] for document in emulator.intels()] == [created["id"]]
