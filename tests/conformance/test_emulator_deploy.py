"""Deploy tasks and deploy status (docs/wire-format.md#deploy-and-deployment-status)."""

from __future__ import annotations

from emulator_testkit import APT18, YARA_FIN4, wait_until


def status(api):
    return api.data(api.get("/intel/status"))


def test_deploy_with_json_content_type_and_empty_body_is_400(api):
    response = api.post("/intel/deploy", data=b"", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["text"]
    assert status(api)["pendingRevision"] is None


def test_deploy_with_empty_body_and_no_content_type_is_accepted(api):
    response = api.post("/intel/deploy")
    assert api.data(response)["taskId"] == 1


def test_deploy_goes_pending_then_current_after_the_delay(api):
    api.create(APT18)
    api.create(YARA_FIN4, "fin4.yara")
    total = APT18.stat().st_size + YARA_FIN4.stat().st_size
    task_id = api.data(api.post("/intel/deploy", json={}))["taskId"]
    pending = status(api)
    assert (pending["currentRevision"], pending["pendingRevision"], pending["pendingSize"]) == (0, 1, total)
    assert api.data(api.get(f"/tasks/{task_id}"))["status"] == "STARTED"
    done = wait_until(lambda: (s := status(api))["pendingRevision"] is None and s)
    assert (done["currentRevision"], done["currentSize"], done["pendingSize"]) == (1, total, None)
    assert done["modifiedAt"] > pending["modifiedAt"]
    task = api.data(api.get(f"/tasks/{task_id}"))
    assert (task["id"], task["type"], task["status"]) == (task_id, "intelDeploy", "COMPLETED")
    assert task["endTime"] >= task["startTime"]


def test_deployment_stamps_every_intel_and_keeps_the_first_timestamp(api):
    doc = api.create(APT18)
    api.post("/intel/deploy", json={})
    wait_until(lambda: status(api)["currentRevision"] == 1)
    first = api.data(api.get(f"/intels/{doc['id']}"))
    assert first["lastDeploymentTimestamp"] is not None
    assert first["firstDeploymentTimestamp"] == first["lastDeploymentTimestamp"]
    api.post("/intel/deploy", json={})
    wait_until(lambda: status(api)["currentRevision"] == 2)
    second = api.data(api.get(f"/intels/{doc['id']}"))
    assert second["firstDeploymentTimestamp"] == first["firstDeploymentTimestamp"]
    assert second["lastDeploymentTimestamp"] > first["lastDeploymentTimestamp"]


def test_deploys_requested_while_one_is_pending_queue_behind_it(api):
    first = api.data(api.post("/intel/deploy", json={}))["taskId"]
    second = api.data(api.post("/intel/deploy", json={}))["taskId"]
    assert status(api)["pendingRevision"] == 1
    wait_until(lambda: status(api)["currentRevision"] == 1)
    assert api.data(api.get(f"/tasks/{first}"))["status"] == "COMPLETED"
    wait_until(lambda: status(api)["currentRevision"] == 2 and status(api)["pendingRevision"] is None)
    assert api.data(api.get(f"/tasks/{second}"))["status"] == "COMPLETED"


def test_deploy_delay_can_be_changed_live(api):
    api.srv.configure(deploy_delay=0.0)
    api.post("/intel/deploy", json={})
    wait_until(lambda: status(api)["currentRevision"] == 1, timeout=1.0)


def test_unknown_task_is_404(api):
    assert api.get("/tasks/99").status_code == 404
