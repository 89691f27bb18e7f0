"""The roles and the playbooks, run by FQCN as users run them, against one or two emulators."""

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
SAMPLE = [CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
          CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc",
          CORPUS / "stix1" / "indicator-for-malicious-url.xml",
          CORPUS / "yara" / "FIN4_MACROCHECK.yara",
          CORPUS / "yara" / "apt_hatman.yar"]
# Two files that two fleet endpoints (WIN-FIN-01, WIN-DEV-02) both hold: tests/emulator/fleet.json.
SHARED_HASHES = ["b8cf3640443c280fbfb12c279309ca09", "fa7a74457a2babb7013adedb48aae2bb"]
FAST_WAIT = {"intel_rollout_wait_sleep": 1, "hash_hunt_wait_sleep": 1}


@pytest.fixture
def intel_dir(tmp_path):
    directory = tmp_path / "intel"
    directory.mkdir()
    for path in SAMPLE:
        shutil.copy(path, directory / path.name)
    return directory


def extra_vars(**values):
    return ["-e", json.dumps(dict(FAST_WAIT, **values))]


def writes(server):
    return [(entry["method"], entry["path"]) for entry in server.writes()]


@pytest.mark.emulator(deploy_delay=0.5)
def test_rollout_creates_deploys_and_a_rerun_changes_and_deploys_nothing(emulator, run_playbook, intel_dir):
    first = run_playbook("tanium.threat_response.rollout", args=extra_vars(intel_rollout_path=str(intel_dir)))
    assert first.rc == 0, first.output
    assert len(first.task("Make the server hold exactly the intel documents")["created"]) == 5
    assert first.task("Deploy the changed intel to the endpoints")["status"]["deployed"] is True
    assert "created: DEMONSTRATING HUSTLE - APT18 (BLOG)" in first.stdout
    assert ("POST", "/plugin/products/threat-response/api/v1/intel/deploy") in writes(emulator)

    emulator.clear_journal()
    second = run_playbook("tanium.threat_response.rollout", args=extra_vars(intel_rollout_path=str(intel_dir)))
    assert second.rc == 0, second.output
    assert writes(emulator) == []
    assert second.status("Deploy the changed intel to the endpoints") == "skipped"
    assert "5 unchanged, 0 created, 0 updated, 0 deleted; deployment not needed" in second.stdout


def test_rollout_against_two_servers_changes_both(emulator, run_playbook, intel_dir, tmp_path):
    from emulator import EmulatorConfig, EmulatorServer

    with EmulatorServer(EmulatorConfig(deploy_delay=0.5)).start() as second_server:
        hosts = {name: {"tanium_url": server.url, "tanium_api_token": server.api_token,
                        "tanium_ca_path": server.ca_file}
                 for name, server in (("tanium_prod", emulator), ("tanium_staging", second_server))}
        inventory = tmp_path / "inventory.json"
        inventory.write_text(json.dumps({"tanium_servers": {"hosts": hosts}}))
        run = run_playbook("tanium.threat_response.rollout",
                           args=["-i", str(inventory), *extra_vars(intel_rollout_path=str(intel_dir))],
                           env={"TANIUM_URL": "https://127.0.0.1:9", "TANIUM_API_TOKEN": "not-used"})
        assert run.rc == 0, run.output
        for server in (emulator, second_server):
            assert len(server.intels()) == 5
            assert ("POST", "/plugin/products/threat-response/api/v1/intel/deploy") in writes(server)


@pytest.mark.emulator(deploy_delay=0.5)
def test_hash_hunt_returns_exactly_the_endpoints_holding_the_hashes(emulator, run_playbook):
    hunt = extra_vars(hash_hunt_name="INCIDENT 4711 SVCHELPER", hash_hunt_hashes=SHARED_HASHES,
                      hash_hunt_alert_wait=5)
    run = run_playbook("tanium.threat_response.hash_hunt", args=hunt)
    assert run.rc == 0, run.output
    alerts = run.task("Keep the alerts")["ansible_facts"]["hash_hunt_alerts"]
    assert sorted((alert["computer_name"], alert["computer_ip_address"]) for alert in alerts) == [
        ("WIN-DEV-02", "10.20.1.12"), ("WIN-FIN-01", "10.20.1.11")]
    assert "WIN-FIN-01 (10.20.1.11)" in run.stdout and "svchelper.exe" in run.stdout

    emulator.clear_journal()
    again = run_playbook("tanium.threat_response.hash_hunt", args=hunt)
    assert again.rc == 0, again.output
    assert [method for method, path in writes(emulator) if "/intels" in path] == []
    assert len(emulator.intels()) == 1


def test_check_mode_of_both_roles_sends_no_write(emulator, run_playbook, intel_dir):
    rollout = run_playbook("tanium.threat_response.rollout", check=True, diff=True,
                           args=extra_vars(intel_rollout_path=str(intel_dir), intel_rollout_purge=True))
    assert rollout.rc == 0, rollout.output
    assert len(rollout.task("Make the server hold exactly the intel documents")["created"]) == 5
    hunt = run_playbook("tanium.threat_response.hash_hunt", check=True,
                        args=extra_vars(hash_hunt_name="CHECK ONLY", hash_hunt_hashes=SHARED_HASHES))
    assert hunt.rc == 0, hunt.output
    assert writes(emulator) == [] and emulator.intels() == []


def test_role_argument_specs_reject_a_wrong_type(emulator, run_playbook, intel_dir):
    run = run_playbook("tanium.threat_response.rollout",
                       args=extra_vars(intel_rollout_path=str(intel_dir), intel_rollout_purge="sometimes"))
    assert run.rc != 0
    assert "intel_rollout_purge" in run.output and "bool" in run.output
    hunt = run_playbook("tanium.threat_response.hash_hunt", args=extra_vars(hash_hunt_hashes=SHARED_HASHES))
    assert hunt.rc != 0 and "hash_hunt_name" in hunt.output
    assert writes(emulator) == []


def test_rollout_picks_intel_files_by_pattern_and_follows_a_symlinked_directory(emulator, run_playbook, intel_dir,
                                                                                tmp_path):
    (intel_dir / "README.md").write_text("# Our rules\nNot an intel document.\n")
    (intel_dir / "hashes.csv").write_text("md5\nb8cf3640443c280fbfb12c279309ca09\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(CORPUS / "yara" / "operation_poisoned_handover.yara", shared / "handover.yara")
    (intel_dir / "shared").symlink_to(shared, target_is_directory=True)
    run = run_playbook("tanium.threat_response.rollout", args=extra_vars(
        intel_rollout_path=str(intel_dir), intel_rollout_excludes=["apt_*"], intel_rollout_deploy=False))
    assert run.rc == 0, run.output
    created = sorted(item["name"] for item in run.task("Make the server hold exactly the intel documents")["created"])
    assert len(created) == 5  # the five SAMPLE files, minus apt_hatman.yar, plus the linked handover.yara
    assert "handover.yara" in created and "apt_hatman.yar" not in created
