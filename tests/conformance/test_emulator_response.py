"""Response actions, snapshots and the task list (docs/wire-format.md#response): the forms public clients
send are served, the others refused; tasks end as the config says."""

from __future__ import annotations

import datetime
import time

import pytest

from emulator_testkit import Api, wait_until

HOST = "WIN-HR-03"
NINE_NULLS = [{"key": f"${n}", "value": None} for n in range(1, 10)]


def quarantine(package="Apply Windows IPsec Quarantine", host=HOST, **extra):
    return dict({"type": "quarantine", "computerName": host,
                 "options": {"packageName": package, "packageParameters": NINE_NULLS}}, **extra)


def start(api, body, status=200):
    return api.data(api.post("/response-actions", json=body), status)


def task_of(api, action):
    tasks = api.data(api.get("/tasks"))
    return next(t for t in tasks if t["metadata"] == {"type": action["type"], "id": action["id"]})


def task_once(api, task_id, done):
    """Task `task_id` once done(status) holds."""
    def read():
        task = api.data(api.get(f"/tasks/{task_id}"))
        return task if done(task["status"]) else None
    return wait_until(read)


def ended(api, action):
    """The action's task once it has left STARTED."""
    return task_once(api, task_of(api, action)["id"], lambda status: status != "STARTED")


@pytest.fixture
def api(make_server):
    return Api(make_server(action_delay=0.1, collect_delay=0.1, strict=True))


def test_gather_snapshot_is_queued_then_completes_with_a_listed_snapshot(api):
    action = start(api, {"type": "gatherSnapshot", "computerName": HOST.lower(), "options": {}})
    assert action["status"] == "QUEUED" and action["computerName"] == HOST and action["results"] == {}
    assert ended(api, action)["status"] == "COMPLETED"
    query = {"limit": 50, "offset": 0, "sortOrder": "desc", "queryPartialComputerName": "hr-0"}
    listed = api.data(api.get("/response-actions", params=query))
    assert [a["id"] for a in listed] == [action["id"]] and listed[0]["status"] == "COMPLETED"
    snapshots = api.get("/snapshot").json()
    assert snapshots["totalCount"] == 1 and snapshots["snapshots"][0]["name"] == listed[0]["results"]["snapshotName"]
    assert listed[0]["results"]["taskIds"] == [task_of(api, action)["id"]]


def test_quarantine_completes_only_with_the_package_of_the_endpoints_platform(api):
    good = start(api, quarantine())
    wrong = start(api, quarantine("Apply Linux IPTables Quarantine", host="WIN-FIN-01"))
    missing = start(api, quarantine("No Such Package", host="WIN-DEV-02"))
    assert ended(api, good)["status"] == "COMPLETED"
    assert ended(api, wrong)["status"] == "ERROR" and "does not apply to windows" in ended(api, wrong)["error"]
    assert ended(api, missing)["status"] == "ERROR"
    assert api.srv.core.response.quarantined(api.srv.core) == {HOST: "Apply Windows IPsec Quarantine"}


def test_an_action_whose_expiration_time_passes_first_expires(api):
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=0.05)
    action = start(api, quarantine(expirationTime=soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ")))
    assert ended(api, action)["status"] == "EXPIRED"
    listed = api.data(api.get("/response-actions"))
    assert listed[0]["status"] == "EXPIRED" and api.srv.core.response.quarantined(api.srv.core) == {}


def test_response_outcomes_decide_a_hosts_task(make_server):
    api = Api(make_server(action_delay=0.05, response_outcomes={HOST: "INCOMPLETE", "WIN-FIN-01": "STARTED"}))
    assert ended(api, start(api, quarantine()))["status"] == "INCOMPLETE"
    stuck = start(api, quarantine(host="WIN-FIN-01"))
    time.sleep(0.3)
    assert api.data(api.get(f"/tasks/{task_of(api, stuck)['id']}"))["status"] == "STARTED"


@pytest.mark.parametrize("body, text", [
    ({"type": "killProcess", "computerName": HOST, "options": {}}, "type must be one of"),
    ({"type": "gatherSnapshot", "computerName": HOST, "options": {"x": 1}}, "empty options"),
    ({"type": "gatherSnapshot", "computerName": "NOPE-01", "options": {}}, "no endpoint named"),
    ({"type": "gatherSnapshot", "computerName": HOST, "options": {}, "clientId": "1"}, "holds only"),
    (quarantine(expirationTime="tomorrow"), "ISO-8601"),
    (dict(quarantine(), options={"packageName": "Apply Windows IPsec Quarantine"}), "packageParameters"),
])
def test_forms_no_client_sends_are_refused(api, body, text):
    response = api.post("/response-actions", json=body)
    assert response.status_code == 400 and text in response.text
    assert api.data(api.get("/tasks")) == []


def test_snapshot_over_a_live_connection_then_listed_and_deleted(api):
    client_id = next(e["computer_id"] for e in api.get("/api/v2/system_status").json()["data"]
                     if e.get("host_name") == HOST)
    cid = api.post("/conns/connect", json={"target": {"hostname": HOST, "clientId": client_id, "ip": "10.20.1.13",
                                                      "platform": "windows"}}).json()
    assert api.post(f"/conns/{cid}/snapshot").status_code == 400  # not connected yet
    wait_until(lambda: api.get("/conns").json()[0]["status"] == "connected")
    assert api.post(f"/conns/{cid}/snapshot", data=b"{}", headers={"Content-Type": "application/json"}).status_code == 400
    answer = api.post(f"/conns/{cid}/snapshot").json()
    assert answer["status"] == "ACCEPTED" and answer["taskInfo"]["metadata"] == {"connection": cid}
    assert api.get("/snapshot").json() == {"snapshots": [], "totalCount": 0}  # not before its task completed
    task = task_once(api, answer["taskInfo"]["id"], lambda status: status == "COMPLETED")
    assert task["type"] == "snapshot"
    record = api.get("/snapshot", params={"limit": 10, "offset": 0, "sort": "-created"}).json()["snapshots"][0]
    assert record["hostname"] == HOST and record["connectionId"] == cid and record["created"].isdigit()
    assert api.get("/snapshot", params={"sort": "colour"}).status_code == 400
    assert api.delete("/snapshot", data=f"ids={record['uuid']}",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400
    assert api.delete("/snapshot", json={"ids": []}).status_code == 400
    assert api.delete("/snapshot", json={"ids": [record["uuid"]]}).status_code == 204
    assert api.get("/snapshot").json()["totalCount"] == 0


def test_a_snapshot_on_an_unknown_connection_is_404(api):
    assert api.post("/conns/remote:NOPE:9:/snapshot").status_code == 404
