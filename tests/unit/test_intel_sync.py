"""The sync of a set against the emulator over HTTPS: plan, purge, concurrent copies, partial failure."""

import pytest
from test_intel_apply import seed, writes
from test_intel_plan import openioc, present, yara

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._intel_sync import (
    SyncError,
    apply_sync,
    plan_sync,
    read_entries,
)

MANAGED = "managed-by-ansible"
DOCS = [openioc(f"ioc-{index}", f"DOC {index}") for index in range(4)]


@pytest.fixture
def store(make_client):
    return IntelStore(make_client())


def actions(changes):
    return [(change.name, change.action) for change in changes]


def test_plan_creates_updates_keeps_and_purges_only_managed_documents(emulator, store):
    seed(emulator, DOCS[0], labels=[MANAGED])                        # listed, unchanged
    seed(emulator, openioc("ioc-1", "DOC 1", md5="f" * 32), labels=[MANAGED])  # listed, edited
    seed(emulator, DOCS[2], labels=[MANAGED])                        # managed, no longer listed
    seed(emulator, DOCS[3])                                          # not managed: never purged
    wanted = [present(DOCS[0]), present(DOCS[1]), present(yara("new.yar"))]
    changes = plan_sync(store, wanted, MANAGED, purge=True)
    assert actions(changes) == [("DOC 0", UNCHANGED), ("DOC 1", UPDATE), ("new.yar", CREATE), ("DOC 2", DELETE)]
    assert actions(plan_sync(store, wanted, MANAGED, purge=False))[-1] == ("new.yar", CREATE)


def test_an_unlabelled_document_gets_the_managed_label_and_keeps_its_own(emulator, store):
    seed(emulator, DOCS[0], labels=["Team"])
    (change,) = plan_sync(store, [present(DOCS[0])], MANAGED, purge=False)
    assert (change.action, change.labels_to_attach, change.labels_to_detach) == (UNCHANGED, (MANAGED,), ())
    assert change.changed


def test_apply_sync_writes_in_parallel_and_a_second_run_changes_nothing(emulator, store):
    wanted = [present(document) for document in DOCS]
    results, warnings = apply_sync(store, plan_sync(store, wanted, MANAGED, True), parallel=3, check_mode=False)
    assert warnings == [] and sorted(doc["name"] for doc in results) == [doc.name for doc in DOCS]
    emulator.clear_journal()
    again = plan_sync(store, wanted, MANAGED, True)
    assert {change.action for change in again} == {UNCHANGED} and not any(change.changed for change in again)
    assert emulator.writes() == []


def test_a_concurrent_run_that_created_the_same_document_first_wins(emulator, store):
    changes = plan_sync(store, [present(DOCS[0]), present(DOCS[1])], MANAGED, purge=False)
    earlier = seed(emulator, DOCS[0], labels=[MANAGED])  # another run, between this run's plan and apply
    results, warnings = apply_sync(store, changes, parallel=2, check_mode=False)
    assert [doc["name"] for doc in emulator.intels()] == ["DOC 0", "DOC 1"]
    assert emulator.intels()[0]["id"] == earlier["id"] == results[0]["id"]
    (warning,) = warnings
    assert f"kept document {earlier['id']} and deleted this run's copy" in warning


def test_a_partial_failure_names_what_failed_and_what_was_written(emulator, store):
    changes = plan_sync(store, [present(DOCS[0]), present(DOCS[1])], MANAGED, purge=False)
    emulator.add_fault(method="POST", path="/intels$", action="status", status=500, times=1)
    with pytest.raises(SyncError) as caught:
        apply_sync(store, changes, parallel=1, check_mode=False)
    assert "1 of 2 documents could not be written: 'DOC 0' (create)" in str(caught.value)
    assert caught.value.partial == [dict(name="DOC 1", action=CREATE)]
    assert [doc["name"] for doc in emulator.intels()] == ["DOC 1"]


def test_check_mode_predicts_without_a_write(emulator, store):
    seed(emulator, DOCS[2], labels=[MANAGED])
    changes = plan_sync(store, [present(DOCS[0])], MANAGED, purge=True)
    emulator.clear_journal()
    results, _warnings = apply_sync(store, changes, parallel=2, check_mode=True)
    assert [None if doc is None else doc["name"] for doc in results] == ["DOC 0", None]
    assert writes(emulator) == []


@pytest.mark.parametrize("entries, problem", [
    ([{"content": "not intel"}], "1 of 1 documents are invalid, nothing was written: document 1: content:"),
    ([{"content": DOCS[0].content.decode()}, {"content": DOCS[0].content.decode()}],
     "content and content are the same openioc document ('ioc-0'); list it once"),
])
def test_entries_are_all_validated_before_anything_is_sent(entries, problem):
    with pytest.raises(InvalidInput) as caught:
        read_entries(entries, 10485760, [])
    assert problem in str(caught.value)
