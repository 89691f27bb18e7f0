"""Two intel_rollout runs of the same set at the same moment end with one server document per identity."""

import json
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
SAMPLE = [CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
          CORPUS / "stix1" / "indicator-for-malicious-url.xml",
          CORPUS / "yara" / "FIN4_MACROCHECK.yara"]
INTELS = "/plugin/products/threat-response/api/v1/intels"
LABELS = "/plugin/products/threat-response/api/v1/labels"
# Each create waits this long on the server before it is stored, so the second run lists the server
# before the first run's documents exist, and both create every document: the race under test.
CREATE_DELAY = 2.0
KEPT_AND_DELETED = r"kept document (\d+) and deleted this run's copy (\d+)"


def identity(intel):
    return intel["type"], intel["intrinsicId"] or intel["name"]


@pytest.mark.emulator(deploy_delay=0.2, latency=0.02)
def test_two_rollouts_started_together_keep_the_older_copy_of_each_document(emulator, run_playbook, tmp_path):
    intel_dir = tmp_path / "intel"
    intel_dir.mkdir()
    for path in SAMPLE:
        shutil.copy(path, intel_dir / path.name)
    emulator.add_fault(method="POST", path="/intels$", action="delay", delay=CREATE_DELAY, times=None)
    args = ["-e", json.dumps({"intel_rollout_path": str(intel_dir), "intel_rollout_wait_sleep": 1})]
    start = threading.Barrier(2)
    runs = [None, None]

    def rollout(number):
        start.wait()
        runs[number] = run_playbook("tanium.threat_response.rollout", args=args)

    threads = [threading.Thread(target=rollout, args=(number,)) for number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for run in runs:
        assert run.rc == 0, run.output
    intels = emulator.intels()
    assert len({identity(intel) for intel in intels}) == len(intels) == len(SAMPLE)
    # Both runs did create every document (the race happened), and each newer copy was deleted again.
    creates = [entry for entry in emulator.journal if entry["method"] == "POST" and entry["path"].endswith("/intels")]
    assert [entry["status"] for entry in creates] == [200] * 2 * len(SAMPLE)
    warnings = [warning for run in runs
                for warning in run.task("Make the server hold exactly the intel documents").get("warnings", [])]
    kept_and_deleted = [tuple(int(found) for found in re.search(KEPT_AND_DELETED, warning).groups())
                        for warning in warnings]
    assert len(kept_and_deleted) == len(SAMPLE)
    assert sorted(kept for kept, deleted in kept_and_deleted) == sorted(intel["id"] for intel in intels)
    assert all(kept < deleted for kept, deleted in kept_and_deleted)
    deletes = [entry for entry in emulator.journal if (entry["method"], entry["path"]) == ("DELETE", INTELS + "/")]
    assert sorted(int(entry["query"]["id"][0]) for entry in deletes) == sorted(
        deleted for kept, deleted in kept_and_deleted)
    # Both runs created the managed label too: the second got a 409 and used the first one's label.
    label_creates = [entry["status"] for entry in emulator.journal if (entry["method"], entry["path"]) == ("POST", LABELS)]
    assert sorted(label_creates) == [200, 409]
    (managed,) = [label for label in emulator.labels() if label["name"] == "managed-by-ansible"]
    assert all(intel["labelIds"] == [managed["id"]] for intel in intels)


def test_a_sync_that_fails_on_one_document_still_removes_its_copies_of_what_a_concurrent_run_created(
        emulator, run_playbook, tmp_path):
    created_twice, failing = SAMPLE[:2], CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc"
    emulator.seed_intel(failing.read_bytes(), failing.name)
    edited = tmp_path / failing.name
    edited.write_bytes(failing.read_bytes().replace(b"<description>", b"<description>Edited. ", 1))
    emulator.add_fault(method="PUT", path=r"/intels/\d+$", status=500, times=None)
    emulator.add_fault(method="POST", path="/intels$", action="delay", delay=1.0, times=None)

    def concurrent_run():
        # Once the sync has listed the server, "another run" stores the same two documents first.
        while not any(entry["path"] == INTELS for entry in emulator.journal):
            time.sleep(0.01)
        for path in created_twice:
            emulator.seed_intel(path.read_bytes(), path.name)

    other = threading.Thread(target=concurrent_run, daemon=True)
    other.start()
    task = {"name": "sync", "tanium.threat_response.intel_sync": {
        "documents": [{"src": str(path)} for path in [*created_twice, edited]]}}
    run = run_playbook([task])
    other.join(timeout=30)

    assert run.rc != 0
    message = run.task("sync")["msg"]
    assert message.startswith("1 of 3 documents could not be written") and "HTTP 500" in message
    assert message.count("another run created it at the same time") == 2
    intels = emulator.intels()
    assert len({identity(intel) for intel in intels}) == len(intels) == 3
    deletes = [entry for entry in emulator.journal if (entry["method"], entry["path"]) == ("DELETE", INTELS + "/")]
    assert len(deletes) == 2
