"""The contain role, through its playbook as users run it: two alerted endpoints are snapshotted (and quarantined
only when asked), a report per host, check mode sends no write.

The inventory is the collection's own (`*.tanium.yml`, the endpoints inventory plugin), as a user would give it:
its group `tanium_alerted` holds the endpoints the emulator's alerts name (WIN-HR-03, a Windows endpoint, and
lnx-web-01, a Linux one).
"""

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APT18 = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
ALERTED = ["WIN-HR-03", "lnx-web-01"]
PLAYBOOK = "tanium.threat_response.contain"
FAST = {"contain_wait_sleep": 1}

pytestmark = pytest.mark.emulator(action_delay=0.5)


@pytest.fixture
def alerted_inventory(emulator, tmp_path):
    """The endpoints inventory of the emulator (connection from the TANIUM_* environment), after alerts on ALERTED."""
    intel = emulator.seed_intel(APT18.read_bytes(), APT18.name)
    for host in ALERTED:
        emulator.raise_alert(intel["id"], host)
    inventory = tmp_path / "alerted.tanium.yml"
    inventory.write_text(json.dumps({"plugin": "tanium.threat_response.endpoints"}))
    return inventory


def extra_vars(**values):
    return ["-e", json.dumps(dict(FAST, **values))]


def actions_sent(emulator):
    return sorted((a["type"], a["computerName"]) for a in emulator.core.response.actions.values())


def report(run):
    """The fact contain_report, as the last round of the loop that writes it set it."""
    return run.task("Write the report of each endpoint")["results"][-1]["ansible_facts"]["contain_report"]


def test_two_alerted_endpoints_are_snapshotted_then_quarantined(emulator, run_playbook, alerted_inventory):
    run = run_playbook(PLAYBOOK, args=["-i", str(alerted_inventory), *extra_vars(contain_quarantine=True)])
    assert run.rc == 0, run.output
    assert actions_sent(emulator) == [("gatherSnapshot", "WIN-HR-03"), ("gatherSnapshot", "lnx-web-01"),
                                      ("quarantine", "WIN-HR-03"), ("quarantine", "lnx-web-01")]
    assert emulator.core.response.quarantined(emulator.core) == {
        "WIN-HR-03": "Apply Windows IPsec Quarantine", "lnx-web-01": "Apply Linux IPTables Quarantine"}
    entries = {entry["hostname"]: entry for entry in report(run)}
    assert sorted(entries) == sorted(ALERTED)
    for host, entry in entries.items():
        assert entry["snapshot"] == "COMPLETED" and entry["quarantine"] == "COMPLETED" and entry["errors"] == []
        assert entry["snapshot_name"].startswith(host)
    assert len(emulator.core.snapshots.visible(emulator.core)) == 2
    assert "WIN-HR-03: snapshot COMPLETED (WIN-HR-03-" in run.stdout
    assert "quarantine COMPLETED (Apply Linux IPTables Quarantine)" in run.stdout


def test_an_inventory_name_that_differs_from_the_endpoints_is_contained_by_the_endpoints_name(emulator, run_playbook,
                                                                                              tmp_path):
    # The inventory plugin renames an endpoint whose name another shares or Ansible cannot take, and keeps the
    # server's name in tanium_host_name: the role acts on that name (a host of a group made by hand, without it, on
    # the host's own name).
    inventory = tmp_path / "renamed.json"
    inventory.write_text(json.dumps({"tanium_alerted": {"hosts": {"WIN_HR_03_17": {"tanium_host_name": "WIN-HR-03"},
                                                                  "lnx-web-01": {}}}}))
    run = run_playbook(PLAYBOOK, args=["-i", str(inventory), *extra_vars()])
    assert run.rc == 0, run.output
    assert actions_sent(emulator) == [("gatherSnapshot", "WIN-HR-03"), ("gatherSnapshot", "lnx-web-01")]
    assert sorted(entry["hostname"] for entry in report(run)) == ["WIN-HR-03", "lnx-web-01"]


def test_without_contain_quarantine_only_snapshots_are_gathered(emulator, run_playbook, alerted_inventory):
    run = run_playbook(PLAYBOOK, args=["-i", str(alerted_inventory), *extra_vars()])
    assert run.rc == 0, run.output
    assert actions_sent(emulator) == [("gatherSnapshot", "WIN-HR-03"), ("gatherSnapshot", "lnx-web-01")]
    assert {entry["quarantine"] for entry in report(run)} == {"not requested"}
    assert emulator.core.response.quarantined(emulator.core) == {}


def test_check_mode_sends_no_write(emulator, run_playbook, alerted_inventory):
    run = run_playbook(PLAYBOOK, check=True, args=["-i", str(alerted_inventory), *extra_vars(contain_quarantine=True)])
    assert run.rc == 0, run.output
    assert emulator.writes() == []
    assert [(e["snapshot"], e["quarantine"]) for e in report(run)] == [("would be gathered", "would be applied")] * 2


def test_a_failure_on_one_endpoint_is_reported_and_the_other_is_still_contained(emulator, run_playbook):
    emulator.configure(response_outcomes={"lnx-web-01": "ERROR"})
    run = run_playbook(PLAYBOOK, args=extra_vars(contain_hosts=ALERTED, contain_quarantine=True))
    assert run.rc != 0
    assert emulator.core.response.quarantined(emulator.core) == {"WIN-HR-03": "Apply Windows IPsec Quarantine"}
    entries = {entry["hostname"]: entry for entry in report(run)}
    assert (entries["lnx-web-01"]["snapshot"], entries["lnx-web-01"]["quarantine"]) == ("failed", "failed")
    assert entries["WIN-HR-03"]["errors"] == []
    assert "contain: lnx-web-01: the gatherSnapshot response action" in run.output
    assert run.status("Fail when a step failed on an endpoint") == "failed"


def test_no_endpoint_and_a_wrong_type_are_refused_before_any_request(emulator, run_playbook):
    empty = run_playbook(PLAYBOOK, args=extra_vars())
    assert empty.rc != 0 and "set contain_hosts, or use an inventory whose group tanium_alerted" in empty.output
    wrong = run_playbook(PLAYBOOK, args=extra_vars(contain_hosts=ALERTED, contain_quarantine="sometimes"))
    assert wrong.rc != 0 and "contain_quarantine" in wrong.output
    assert emulator.journal == []
