"""Convergence (issue: whatever interrupts a run, the next run puts the server right), through ansible-playbook.

Each test interrupts a run with the emulator's fault plan, then checks that the failed run says what it
wrote and that one more run leaves the server right.
"""

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
SAMPLE = [CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
          CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc",
          CORPUS / "yara" / "FIN4_MACROCHECK.yara"]
DEPLOY = "/plugin/products/threat-response/api/v1/intel/deploy"
SYNC, DEPLOY_TASK = "Make the server hold exactly the intel documents", "Deploy the changed intel to the endpoints"


@pytest.fixture
def intel_dir(tmp_path):
    directory = tmp_path / "intel"
    directory.mkdir()
    for path in SAMPLE:
        shutil.copy(path, directory / path.name)
    return directory


def rollout(run_playbook, intel_dir):
    return run_playbook("tanium.threat_response.rollout",
                        args=["-e", json.dumps({"intel_rollout_path": str(intel_dir), "intel_rollout_wait_sleep": 1})])


def deploy_posts(emulator):
    return [entry["status"] for entry in emulator.journal if entry["method"] == "POST" and entry["path"] == DEPLOY]


@pytest.mark.emulator(deploy_delay=0.3)
def test_a_deployment_that_failed_is_made_by_the_next_run_though_nothing_changed(emulator, run_playbook, intel_dir):
    emulator.add_fault(method="POST", path="/intel/deploy$", status=500, times=1)
    failed = rollout(run_playbook, intel_dir)
    assert failed.rc != 0 and deploy_posts(emulator) == [500]
    assert failed.task(SYNC)["counts"]["created"] == 3

    again = rollout(run_playbook, intel_dir)
    assert again.rc == 0, again.output
    assert again.task(SYNC)["changed"] is False and again.task(SYNC)["undeployed"] == 3
    assert deploy_posts(emulator) == [500, 200]
    assert all(document["lastDeploymentTimestamp"] for document in emulator.intels())

    third = rollout(run_playbook, intel_dir)
    assert third.status(DEPLOY_TASK) == "skipped" and third.task(SYNC)["undeployed"] == 0
    assert "deployment not needed" in third.stdout


def test_a_sync_that_wrote_then_failed_says_changed_and_what_it_wrote(emulator, run_playbook):
    emulator.add_fault(method="POST", path="/intels$", status=500, times=1)
    task = {"name": "sync", "tanium.threat_response.intel_sync": {
        "documents": [{"src": str(path)} for path in SAMPLE], "parallel": 1}}
    run = run_playbook([task])
    result = run.task("sync")
    assert run.rc != 0 and result["changed"] is True
    assert [entry["name"] for entry in result["created"]] == [doc["name"] for doc in emulator.intels()]
    assert result["counts"]["created"] == 2 and len(result["failures"]) == 1
    assert run_playbook([task]).task("sync")["counts"] == dict(created=1, updated=0, unchanged=2, deleted=0)


@pytest.mark.emulator(deploy_delay=30)
def test_a_deploy_whose_wait_fails_reports_changed_and_the_task_id(emulator, run_playbook):
    # Faults match in the order added: the status read before the deploy request passes, every later one fails.
    emulator.add_fault(method="GET", path="/intel/status$", action="delay", delay=0, times=1)
    emulator.add_fault(method="GET", path="/intel/status$", status=500, times=None)
    run = run_playbook([{"name": "deploy", "tanium.threat_response.intel_deploy": {"wait": True, "wait_sleep": 1}}])
    result = run.task("deploy")
    assert run.rc != 0 and result["changed"] is True and isinstance(result["task_id"], int)
    assert f"the deployment started (task {result['task_id']}), then:" in result["msg"]
