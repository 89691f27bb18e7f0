"""The applier against the emulator over HTTPS: each planned change becomes the right requests, or none."""

import pytest
from test_intel_plan import openioc, present, yara

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import WriteOutcomeUnknown
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.apply import (
    IntelApplier,
    ServerCreatedCopyError,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.plan import (
    UPDATE,
    DesiredIntel,
    IntelChange,
    plan_change,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._intel.store import IntelStore

IOC = openioc()
EDITED = openioc(md5="f" * 32)


@pytest.fixture
def store(make_client):
    return IntelStore(make_client())


def seed(emulator, document, labels=()):
    return emulator.seed_intel(document.content, filename=document.upload_filename, labels=labels)


def planned(store, desired):
    current = next(iter(store.list_intels(name=desired.display_name)), None)
    return plan_change(desired, current, store.label_names(current))


def writes(emulator):
    return [(entry["method"], entry["path"].rsplit("/api/v1/", 1)[-1]) for entry in emulator.writes()]


@pytest.mark.parametrize("check_mode", [False, True])
def test_create_posts_once_then_attaches_the_labels(emulator, store, check_mode):
    change = planned(store, present(IOC, labels=("Team",)))
    emulator.clear_journal()
    document = IntelApplier(store, check_mode).apply(change)
    if check_mode:
        assert emulator.writes() == [] and emulator.intels() == []
        assert document["id"] is None and document["md5"] == IOC.md5
        return
    (stored,) = emulator.intels()
    assert document["id"] == stored["id"] and document["labelIds"] == stored["labelIds"]
    # The first create finds no source of the collection, creates it, and creates through it.
    (source,) = [source for source in emulator.sources() if source["name"] == "tanium.threat_response"]
    assert [path for _method, path in writes(emulator)][:2] == ["sources", f"sources/{source['id']}/intels"]
    assert source["type"] == "api-client" and stored["sourceId"] == source["id"]
    team = {label["name"]: label["id"] for label in emulator.labels()}["Team"]
    assert stored["labelIds"] == [team]


def test_unchanged_sends_nothing(emulator, store):
    seed(emulator, IOC)
    change = planned(store, present(IOC))
    emulator.clear_journal()
    assert IntelApplier(store, False).apply(change)["id"] == change.current["id"]
    assert emulator.writes() == []


def test_update_puts_in_place_and_keeps_the_id(emulator, store):
    original = seed(emulator, IOC)
    change = planned(store, present(EDITED))
    emulator.clear_journal()
    updated = IntelApplier(store, False).apply(change)
    assert updated["id"] == original["id"]
    assert writes(emulator) == [("PUT", f"intels/{original['id']}")]
    assert [doc["md5"] for doc in emulator.intels()] == [EDITED.md5]


def test_delete_removes_the_document(emulator, store):
    seed(emulator, IOC)
    change = planned(store, DesiredIntel(state="absent", name=IOC.name, intel_type="openioc"))
    assert IntelApplier(store, False).apply(change) is None
    assert emulator.intels() == []


def test_a_put_that_created_a_copy_is_undone_and_reported(emulator, store):
    original = seed(emulator, IOC)
    current = next(iter(store.list_intels()))
    # An upload whose intrinsic id differs from the stored one: the server answers with a new document.
    change = IntelChange(UPDATE, present(EDITED), current, upload=openioc(ioc_id="other-id", md5="f" * 32))
    with pytest.raises(ServerCreatedCopyError, match=f"updating intel {original['id']} .* that copy was deleted"):
        IntelApplier(store, False).apply(change)
    assert [(doc["id"], doc["md5"]) for doc in emulator.intels()] == [(original["id"], IOC.md5)]


@pytest.mark.parametrize("fault", [dict(action="apply_then_drop"), dict(action="status", status=502)])
def test_a_create_without_an_answer_looks_before_sending_again(emulator, store, fault):
    change = planned(store, present(yara("rule.yar")))
    emulator.add_fault(method="POST", path="/intels$", times=1, **fault)
    document = IntelApplier(store, False, retries=1).apply(change)
    assert [doc["id"] for doc in emulator.intels()] == [document["id"]]  # exactly one copy either way


@pytest.mark.parametrize("retries, faults, succeeds", [(3, 3, True), (2, 3, False), (0, 1, False)])
def test_every_retry_of_a_create_looks_first_up_to_retries(emulator, store, retries, faults, succeeds):
    change = planned(store, present(yara("rule.yar")))
    emulator.add_fault(method="POST", path="/intels$", action="status", status=504, times=faults)
    emulator.clear_journal()
    applier = IntelApplier(store, False, retries=retries)
    if succeeds:
        assert applier.apply(change)["name"] == "rule.yar"
    else:
        with pytest.raises(WriteOutcomeUnknown):
            applier.apply(change)
    sent = [entry["method"] for entry in emulator.journal if entry["path"].endswith("/intels")]
    attempts = min(retries, faults) + 1 if succeeds else retries + 1
    assert sent == ["POST"] + ["GET", "POST"] * (attempts - 1)
    assert len(emulator.intels()) == (1 if succeeds else 0)
