"""The sync of a set against the emulator over HTTPS: plan, purge, concurrent copies, partial failure."""

import pytest
from test_intel_apply import seed, writes
from test_intel_plan import openioc, present, yara

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.entries import read_entries
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.items import IntelItem
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    CREATE,
    DELETE,
    UNCHANGED,
    UPDATE,
    DuplicateIntelError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.sync import (
    SyncError,
    apply_sync,
    plan_sync,
    summarize,
)

MANAGED = "managed-by-ansible"
DOCS = [openioc(f"ioc-{index}", f"DOC {index}") for index in range(4)]


@pytest.fixture
def store(make_client):
    return IntelStore(make_client())


def actions(items):
    return [(item.name, item.change.action) for item in items]


def plan(store, documents, purge=False):
    return plan_sync(store, [IntelItem({}, desired=present(document)) for document in documents], MANAGED, purge,
                     list(store.list_intels()))


def test_plan_creates_updates_keeps_and_purges_only_managed_documents(emulator, store):
    seed(emulator, DOCS[0], labels=[MANAGED])                        # listed, unchanged
    seed(emulator, openioc("ioc-1", "DOC 1", md5="f" * 32), labels=[MANAGED])  # listed, edited
    seed(emulator, DOCS[2], labels=[MANAGED])                        # managed, no longer listed
    seed(emulator, DOCS[3])                                          # not managed: never purged
    wanted = [DOCS[0], DOCS[1], yara("new.yar")]
    items = plan(store, wanted, purge=True)
    assert actions(items) == [("DOC 0", UNCHANGED), ("DOC 1", UPDATE), ("new.yar", CREATE), ("DOC 2", DELETE)]
    assert [item.requested for item in items] == [True, True, True, False]
    assert actions(plan(store, wanted))[-1] == ("new.yar", CREATE)


def test_an_unlabelled_document_gets_the_managed_label_and_keeps_its_own(emulator, store):
    seed(emulator, DOCS[0], labels=["Team"])
    (item,) = plan(store, [DOCS[0]])
    change = item.change
    assert (change.action, change.labels_to_attach, change.labels_to_detach) == (UNCHANGED, (MANAGED,), ())
    assert change.changed


def test_apply_sync_writes_in_parallel_and_a_second_run_changes_nothing(emulator, store):
    items = plan(store, DOCS, purge=True)
    assert apply_sync(store, items, parallel=3, check_mode=False) == []
    assert sorted(item.result["name"] for item in items) == [doc.name for doc in DOCS]
    emulator.clear_journal()
    again = plan(store, DOCS, purge=True)
    assert {item.change.action for item in again} == {UNCHANGED} and not any(item.change.changed for item in again)
    assert emulator.writes() == []


def test_a_concurrent_run_that_created_the_same_document_first_wins(emulator, store):
    items = plan(store, DOCS[:2])
    earlier = seed(emulator, DOCS[0], labels=[MANAGED])  # another run, between this run's plan and apply
    warnings = apply_sync(store, items, parallel=2, check_mode=False)
    assert [doc["name"] for doc in emulator.intels()] == ["DOC 0", "DOC 1"]
    assert emulator.intels()[0]["id"] == earlier["id"] == items[0].result["id"]
    (warning,) = warnings
    assert f"kept document {earlier['id']} and deleted this run's copy" in warning


def test_a_partial_failure_names_what_failed_and_what_was_written(emulator, store):
    items = plan(store, DOCS[:2])
    emulator.add_fault(method="POST", path="/intels$", action="status", status=500, times=1)
    with pytest.raises(SyncError) as caught:
        apply_sync(store, items, parallel=1, check_mode=False)
    assert "1 of 2 documents could not be written: 'DOC 0' (create)" in str(caught.value)
    result = caught.value.result
    assert result["changed"] is True and result["partial"] == [dict(name="DOC 1", action=CREATE)]
    assert [(doc["name"], doc["id"] is not None) for doc in result["created"]] == [("DOC 1", True)]
    assert [(entry["name"], "500" in entry["error"]) for entry in result["failures"]] == [("DOC 0", True)]
    assert [doc["name"] for doc in emulator.intels()] == ["DOC 1"]


def test_check_mode_predicts_without_a_write(emulator, store):
    seed(emulator, DOCS[2], labels=[MANAGED])
    items = plan(store, [DOCS[0]], purge=True)
    emulator.clear_journal()
    apply_sync(store, items, parallel=2, check_mode=True)
    assert [None if item.result is None else item.result["name"] for item in items] == ["DOC 0", None]
    assert writes(emulator) == []


@pytest.mark.parametrize("details, documents", [("changed", ["DOC 1", "DOC 2"]), ("all", ["DOC 0", "DOC 1", "DOC 2"])])
def test_the_result_details_what_changed_and_names_the_unchanged(emulator, store, details, documents):
    seed(emulator, DOCS[0], labels=[MANAGED])
    seed(emulator, DOCS[3], labels=[MANAGED])
    items = plan(store, DOCS[:3], purge=True)
    apply_sync(store, items, parallel=2, check_mode=False)
    summary = summarize(items, details)
    assert summary["unchanged"] == ["DOC 0"]
    assert [entry["name"] for entry in summary["created"]] == ["DOC 1", "DOC 2"]
    assert [entry["name"] for entry in summary["deleted"]] == ["DOC 3"]
    assert summary["counts"] == dict(created=2, updated=0, unchanged=1, deleted=1)
    assert [entry["name"] for entry in summary["documents"]] == documents


@pytest.mark.parametrize("entries, problem", [
    ([{"content": "not intel"}], "1 of 1 documents are invalid, nothing was written: document 1: content:"),
    ([{"content": DOCS[0].content.decode()}, {"content": DOCS[0].content.decode()}],
     "content and content are the same openioc document (identity 'ioc-0'); list it once"),
])
def test_entries_are_all_validated_before_anything_is_sent(entries, problem):
    with pytest.raises(InvalidInput) as caught:
        read_entries(entries, 10485760, [])
    assert problem in str(caught.value)


SECOND_COPIES = [([MANAGED], DOCS[0]), ([], DOCS[0]), ([MANAGED], openioc("ioc-0", "DOC 0", md5="e" * 32))]


@pytest.mark.parametrize("second_labels, second_content", SECOND_COPIES)
def test_copies_this_collection_made_are_resolved_keeping_the_oldest(emulator, store, second_labels, second_content):
    first = seed(emulator, DOCS[0], labels=[MANAGED])
    second = seed(emulator, second_content, labels=second_labels)  # an overlapping or interrupted run's copy
    items = plan(store, [DOCS[0]])
    assert [(item.change.action, item.change.current["id"]) for item in items] == [
        (UNCHANGED, first["id"]), (DELETE, second["id"])]
    apply_sync(store, items, parallel=2, check_mode=False)
    assert [doc["id"] for doc in emulator.intels()] == [first["id"]]
    assert summarize(items)["deleted"] == [dict(name="DOC 0", id=second["id"], type="openioc")]


def test_a_copy_this_collection_did_not_make_is_an_error_that_says_which_to_delete(emulator, store):
    ours = seed(emulator, DOCS[0], labels=[MANAGED])
    theirs = seed(emulator, openioc("ioc-0", "DOC 0", md5="e" * 32), labels=["Team"])
    emulator.clear_journal()
    with pytest.raises(DuplicateIntelError) as caught:
        plan(store, [DOCS[0]])
    message = str(caught.value)
    assert f"id {ours['id']} (labelled {MANAGED}, updated 20" in message
    assert f"id {theirs['id']} (other content, not managed by this task, updated 20" in message
    assert "tanium.threat_response.intel and `id: <id>`, `state: absent`" in message
    assert emulator.writes() == []


def test_purge_takes_an_unlabelled_document_created_through_this_task_s_source_and_nothing_else_unlabelled(
        emulator, store):
    killed = store.create_intel(DOCS[2])  # a run killed between its create and its label: only the source says
    by_hand = seed(emulator, DOCS[3])     # no label, another source: not this task's
    items = plan(store, [DOCS[0]], purge=True)
    assert [(item.change.action, item.change.current["id"]) for item in items if not item.requested] == [
        (DELETE, killed["id"])]
    assert by_hand["id"] not in [item.change.current["id"] for item in items if item.change.current]


def test_a_copy_with_other_content_created_through_this_task_s_source_is_resolved_not_refused(emulator, store):
    first = seed(emulator, DOCS[0], labels=[MANAGED])
    killed = store.create_intel(openioc("ioc-0", "DOC 0", md5="e" * 32))  # unlabelled, other content
    items = plan(store, [DOCS[0]])
    assert [(item.change.action, item.change.current["id"]) for item in items] == [
        (UNCHANGED, first["id"]), (DELETE, killed["id"])]


def test_of_two_copies_the_labelled_one_is_kept_though_it_is_newer(emulator, store):
    older = seed(emulator, DOCS[0])                      # same content, never labelled
    labelled = seed(emulator, DOCS[0], labels=[MANAGED])
    items = plan(store, [DOCS[0]])
    assert [(item.change.action, item.change.current["id"]) for item in items] == [
        (UNCHANGED, labelled["id"]), (DELETE, older["id"])]
