"""The task registry behind GET {T}/tasks/{id} (docs/wire-format.md#deployment-finished)."""

from __future__ import annotations

from emulator_testkit import Api, wait_until


def task(api, task_id):
    return api.data(api.get(f"/tasks/{task_id}"))


def test_a_registered_task_is_served_and_its_scheduled_status_arrives(srv, api):
    task_id = srv.core.tasks.register("fileDownload", metadata={"path": "C:/x"})
    first = task(api, task_id)
    assert (first["id"], first["type"], first["status"], first["endTime"]) == (
        task_id, "fileDownload", "STARTED", None)
    assert first["metadata"] == {"path": "C:/x"}
    srv.core.tasks.schedule(task_id, 0.1, status="COMPLETED", results={"fileId": 7})
    done = wait_until(lambda: (t := task(api, task_id))["status"] == "COMPLETED" and t)
    assert done["results"] == {"fileId": 7} and done["endTime"] >= done["startTime"]


def test_task_ids_are_shared_between_deploys_and_other_tasks(srv, api):
    other = srv.core.tasks.register("fileDownload")
    deploy = api.data(api.post("/intel/deploy", json={}))["taskId"]
    assert deploy == other + 1 and task(api, deploy)["type"] == "intelDeploy"


def test_unknown_task_is_404(api):
    assert api.get("/tasks/999").status_code == 404


def test_tasks_readable_false_answers_404_for_every_task(make_server):
    srv = make_server(tasks_readable=False)
    api = Api(srv)
    task_id = api.data(api.post("/intel/deploy", json={}))["taskId"]
    assert api.get(f"/tasks/{task_id}").status_code == 404
