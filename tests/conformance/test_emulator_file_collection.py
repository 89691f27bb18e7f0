"""File collection (docs/wire-format.md#file-collection): connections, fileDownload tasks, evidence and
its ZipCrypto zip; strict about bodies and ids; faults, journal and the state file cover it."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

from emulator_testkit import Api

HOST = "WIN-HR-03"
PATH = "C:\\Users\\mlee\\Downloads\\invoice_0423.pdf.exe"
SHA256 = "dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233"


def _client_id(api, host=HOST):
    entries = api.get("/api/v2/system_status").json()["data"]
    return next(e["computer_id"] for e in entries if e.get("host_name") == host)


def _connect(api, host=HOST):
    response = api.post("/conns/connect", json={"target": {"hostname": host, "clientId": _client_id(api, host),
                                                           "ip": "10.20.1.13", "platform": "windows"}})
    assert response.status_code == 200, response.text
    return response.json()


def _connected(api, cid):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        conns = api.get("/conns").json()
        if next(c for c in conns if c["id"] == cid)["status"] == "connected":
            return
        time.sleep(0.05)
    raise AssertionError("never connected")


def _task(api, task_id):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        task = api.data(api.get(f"/tasks/{task_id}"))
        if task["status"] != "STARTED":
            return task
        time.sleep(0.05)
    raise AssertionError("task never finished")


def _collect(api, path=PATH):
    cid = _connect(api)
    _connected(api, cid)
    answer = api.post(f"/conns/{cid}/file", json={"path": path}).json()
    assert answer["status"] == "ACCEPTED" and answer["taskInfo"]["status"] == "STARTED"
    return cid, _task(api, answer["taskInfo"]["id"])


def test_connect_collect_download_and_clean_up(make_server):
    api = Api(make_server(collect_delay=0.1))
    cid, task = _collect(api)
    assert cid == f"remote:{HOST}:1:" and task["type"] == "fileDownload" and task["status"] == "COMPLETED"
    listing = api.get("/filedownload").json()
    assert listing["totalCount"] == 1 and listing["fileEvidence"][0]["hash"] == SHA256
    uuid = listing["fileEvidence"][0]["uuid"]
    assert api.get(f"/filedownload/{uuid}").json()["evidence"]["path"] == PATH
    data = api.get(f"/filedownload/data/{uuid}")
    assert data.headers["Content-Disposition"] == "attachment; filename=invoice_0423.pdf.exe.zip"
    with zipfile.ZipFile(io.BytesIO(data.content)) as archive:
        assert hashlib.sha256(archive.read("invoice_0423.pdf.exe", pwd=b"infected")).hexdigest() == SHA256
    assert api.delete(f"/conns/close/{cid}").status_code == 204
    assert api.get("/conns").json()[0]["status"] == "disconnected"
    assert api.delete(f"/conns/delete/{cid}").status_code == 204 and api.get("/conns").json() == []
    assert api.delete(f"/conns/delete/{cid}").status_code == 404
    assert api.delete(f"/filedownload/{uuid}").status_code == 204 and api.get("/filedownload").json()["totalCount"] == 0


def test_a_file_not_on_the_endpoint_fails_its_task(make_server):
    api = Api(make_server(collect_delay=0.1))
    _cid, task = _collect(api, "C:\\nope.exe")
    assert task["status"] == "ERROR" and task["results"]["failed"] == ["C:\\nope.exe"]
    assert api.get("/filedownload").json() == {"fileEvidence": [], "totalCount": 0}


def test_strict_about_targets_bodies_and_waiting_connections(make_server):
    api = Api(make_server(collect_delay=30))
    assert api.post("/conns/connect", json={"hostname": HOST}).status_code == 400
    wrong = {"target": {"hostname": "WIN-SALES-04", "clientId": _client_id(api), "ip": "", "platform": ""}}
    assert api.post("/conns/connect", json=wrong).status_code == 400
    cid = _connect(api)
    assert api.post(f"/conns/{cid}/file", json={"path": PATH}).status_code == 400  # still waiting
    assert api.post("/conns/remote:NOPE:9:/file", json={"path": PATH}).status_code == 404
    assert api.get("/conns", token=None).status_code == 401


def test_faults_journal_and_state_file_cover_collection(make_server, tmp_path):
    state_file = str(tmp_path / "state.json")
    srv = make_server(collect_delay=0.1, state_file=state_file)
    api = Api(srv)
    srv.add_fault(method="POST", path="/conns/connect$", status=503, times=1)
    assert api.post("/conns/connect", json={}).status_code == 503
    _collect(api)
    assert [(e["method"], e["fault"]) for e in srv.journal if e["path"].endswith("/conns/connect")] == [
        ("POST", "status"), ("POST", None)]
    srv.stop()
    again = Api(make_server(state_file=state_file))
    assert again.get("/filedownload").json()["totalCount"] == 1  # evidence survives a restart
