"""Fault injection, latency, the journal and the /_emulator control API."""

from __future__ import annotations

import json
import time

import pytest
import requests

from emulator_testkit import APT18, TR


def login(api) -> str:
    body = {"username": api.srv.username, "password": api.srv.password}
    return api.post("/api/v2/session/login", token=None, json=body).json()["data"]["session"]


def test_status_fault_answers_with_retry_after_and_applies_nothing(api):
    api.srv.add_fault(method="POST", path=r"/intels$", status=503, retry_after=2)
    response = api.upload(APT18)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json()["text"]
    assert api.srv.intels() == []
    assert api.upload(APT18).status_code == 200  # times=1: used up
    assert api.srv.journal[0]["fault"] == "status" and api.srv.journal[1]["fault"] is None


def test_status_fault_with_custom_body_and_forever(api):
    api.srv.add_fault(path="/intels", status=429, times=None, body={"text": "slow down"})
    for _attempt in range(3):
        response = api.get("/intels")
        assert (response.status_code, response.json()) == (429, {"text": "slow down"})
    api.srv.clear_faults()
    assert api.get("/intels").status_code == 200


def test_fault_only_matches_its_method(api):
    api.srv.add_fault(method="POST", path="/intels", status=500)
    assert api.get("/intels").status_code == 200
    assert api.upload(APT18).status_code == 500


def test_faults_match_in_the_order_added(api):
    api.srv.add_fault(path="/intels", status=502)
    api.srv.add_fault(path="/intels", status=504)
    assert [api.get("/intels").status_code for _attempt in range(3)] == [502, 504, 200]


def test_drop_closes_the_connection_without_applying(api):
    api.srv.add_fault(method="POST", path="/intels", action="drop")
    with pytest.raises(requests.ConnectionError):
        api.upload(APT18)
    assert api.srv.intels() == []
    entry = api.srv.journal[-1]
    assert (entry["fault"], entry["status"]) == ("drop", None)


def test_apply_then_drop_applies_but_never_answers(api):
    api.srv.add_fault(method="POST", path="/intels", action="apply_then_drop")
    with pytest.raises(requests.ConnectionError):
        api.upload(APT18)
    assert len(api.srv.intels()) == 1
    assert api.srv.journal[-1]["status"] == 200


def test_delay_fault_slows_one_request(api):
    api.srv.add_fault(path="/intels", action="delay", delay=0.3)
    started = time.monotonic()
    assert api.get("/intels").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_expire_sessions_fault_makes_that_very_request_expired(api):
    session = login(api)
    api.srv.add_fault(path="/intels", action="expire_sessions")
    assert api.get("/intels", token=session).status_code == 401
    assert api.get("/intels", token=session).status_code == 401
    assert api.get("/intels").status_code == 200


def test_bad_fault_definitions_are_refused(api):
    with pytest.raises(ValueError):
        api.srv.add_fault(action="explode")
    with pytest.raises(ValueError):
        api.srv.add_fault(times=0)


def test_latency_is_added_to_api_responses_but_not_to_control(api):
    api.srv.configure(latency=0.25)
    started = time.monotonic()
    api.get("/intels")
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    api.get("/_emulator/state", token=None)
    assert time.monotonic() - started < 0.2


def test_journal_records_each_request_without_secrets(api):
    session = login(api)
    api.upload(APT18, "apt18.ioc", params={"x": ["1", "2"]})
    api.get("/intels", token=session, headers={"User-Agent": "journal-test/1.0"})
    api.get("/nowhere")
    entries = api.srv.journal
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    login_entry, upload, listing, missing = entries
    assert (login_entry["path"], login_entry["auth"]) == ("/api/v2/session/login", "none")
    assert upload == dict(upload, method="POST", path=TR + "/intels", query={"x": ["1", "2"]},
                          status=200, fault=None, auth="api_token", content_type="application/xml",
                          content_disposition="attachment; filename=apt18.ioc",
                          body_size=APT18.stat().st_size)
    assert (listing["auth"], listing["user_agent"]) == ("session", "journal-test/1.0")
    assert missing["status"] == 404
    assert all(isinstance(e["time"], float) for e in entries)
    dumped = json.dumps(entries)
    for secret in (session, api.srv.password, api.srv.api_token):
        assert secret not in dumped


def test_writes_lists_mutations_but_not_reads_or_logins(api):
    login(api)
    doc = api.create(APT18)
    api.get("/intels")
    api.delete(f"/intels/{doc['id']}")
    assert [(e["method"], e["status"]) for e in api.srv.writes()] == [("POST", 200), ("DELETE", 204)]
    api.srv.clear_journal()
    assert api.srv.journal == [] and api.srv.writes() == []


def test_control_api_drives_faults_journal_config_sessions_and_state(api):
    control = api.srv.url + "/_emulator"
    api.create(APT18)
    assert api.post(control + "/faults", token=None,
                    json={"path": "/intels", "status": 503, "retry_after": 1}).status_code == 200
    assert api.get("/intels").status_code == 503
    journal = api.get(control + "/journal", token=None).json()
    assert [e["status"] for e in journal] == [200, 503]
    assert api.delete(control + "/journal", token=None).status_code == 204
    assert api.srv.journal == []
    assert api.post(control + "/faults", token=None, json={"bogus": 1}).status_code == 400
    api.post(control + "/faults", token=None, json={"path": "/intels", "times": None})
    assert api.delete(control + "/faults", token=None).status_code == 204
    assert api.get("/intels").status_code == 200
    config = api.post(control + "/config", token=None, json={"expired_status": 403}).json()
    assert config["expired_status"] == 403
    assert api.post(control + "/config", token=None, json={"port": 1}).status_code == 400
    session = login(api)
    assert api.post(control + "/sessions/expire", token=None).status_code == 204
    assert api.get("/intels", token=session).status_code == 403
    state = api.get(control + "/state", token=None).json()
    assert set(state) == {"intels", "labels", "alerts", "status"} and len(state["intels"]) == 1
    # Control calls are never journaled: only the list, the login and the expired list are.
    assert [e["status"] for e in api.srv.journal] == [200, 200, 403]
    assert not any(e["path"].startswith("/_emulator") for e in api.srv.journal)
