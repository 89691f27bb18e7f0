"""Check mode is read-only: every mutating module, each with a change to make, sends no POST, PUT or DELETE.

Both roles in check mode: tests/integration/test_roles.py::test_check_mode_of_both_roles_sends_no_write.
"""

import time
from pathlib import Path

from ansible_collections.tanium.threat_response.plugins.filter.to_openioc import to_openioc

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
APT28 = CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc"
FIN4 = CORPUS / "yara" / "FIN4_MACROCHECK.yara"
# Held by two endpoints of the emulator's fleet (tests/emulator/fleet.json): deploying a hunt for it raises alerts.
SHARED_HASH = "b8cf3640443c280fbfb12c279309ca09"


def seed_server(emulator):
    """A managed APT18, an "Old" label, and alerts from a deployed hunt: something for every module to change."""
    emulator.seed_intel(APT18.read_bytes(), APT18.name, labels=["managed-by-ansible", "Old"])
    emulator.seed_intel(to_openioc(SHARED_HASH, name="CHECK MODE HUNT").encode(), "hunt.ioc")
    emulator.core.deployer.request()
    deadline = time.monotonic() + 30
    while not emulator.alerts() and time.monotonic() < deadline:
        time.sleep(0.05)
    return emulator.alerts()[0]


def server_state(emulator):
    return emulator.core.snapshot_wire()


def test_every_mutating_module_in_check_mode_reports_its_change_and_writes_nothing(emulator, run_playbook, tmp_path):
    alert = seed_server(emulator)
    edited = tmp_path / APT18.name
    edited.write_bytes(APT18.read_bytes().replace(b"<description>", b"<description>Edited. ", 1))
    before = server_state(emulator)
    emulator.clear_journal()
    tasks = [
        ("intel update", "intel", {"src": str(edited)}),
        ("intel create", "intel", {"src": str(FIN4), "labels": ["APT"]}),
        ("intel delete", "intel", {"name": "CHECK MODE HUNT", "type": "openioc", "state": "absent"}),
        ("intel_sync create and purge", "intel_sync", {"documents": [{"src": str(APT28)}], "purge": True}),
        ("label create", "label", {"name": "New-Label"}),
        ("label delete", "label", {"name": "Old", "state": "absent"}),
        ("intel_deploy", "intel_deploy", {"wait": True, "wait_sleep": 1}),
        ("alert", "alert", {"id": alert["id"], "state": "resolved"}),
    ]
    run = run_playbook([{"name": name, f"tanium.threat_response.{module}": options} for name, module, options in tasks],
                       check=True, diff=True)
    assert run.rc == 0, run.output
    assert all(run.task(name)["changed"] for name, _module, _options in tasks)
    assert [run.task(name)["action"] for name in ("intel update", "intel create", "intel delete")] == [
        "update", "create", "delete"]
    sync = run.task("intel_sync create and purge")
    assert (len(sync["created"]), len(sync["deleted"])) == (1, 1)
    assert run.task("alert")["alert"]["state"] == "resolved"
    # Only reads reached the server, and it holds exactly what it held before.
    assert {entry["method"] for entry in emulator.journal} == {"GET"}
    assert server_state(emulator) == before
