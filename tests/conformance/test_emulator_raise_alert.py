"""POST /_emulator/alerts: one alert on demand, as a deployment's match would raise it, for event tests."""

from __future__ import annotations

from emulator_testkit import APT18


def test_control_call_raises_one_listed_alert_with_an_optional_late_alerted_at(api):
    doc = api.create(APT18)
    raised = api.post("/_emulator/alerts", token=None, json={
        "intel_doc_id": doc["id"], "computer_name": "WIN-FIN-01", "alerted_at": "2026-05-01T10:00:00Z"}).json()
    assert raised["alertedAt"] == "2026-05-01T10:00:00.000Z" and raised["createdAt"] > raised["alertedAt"]
    listed = api.data(api.get("/alerts"))
    assert [(alert["id"], alert["computerName"], alert["intelDocId"]) for alert in listed] == [
        (raised["id"], "WIN-FIN-01", doc["id"])]
    assert not any(entry["path"].startswith("/_emulator") for entry in api.srv.journal)


def test_control_call_refuses_an_unknown_document_or_endpoint(api):
    doc = api.create(APT18)
    for body in ({"intel_doc_id": 999, "computer_name": "WIN-FIN-01"},
                 {"intel_doc_id": doc["id"], "computer_name": "NO-SUCH-HOST"}):
        response = api.post("/_emulator/alerts", token=None, json=body)
        assert response.status_code == 400 and response.json()["text"]
    assert api.srv.alerts() == []


def test_priority_and_severity_are_per_alert_and_a_repeated_filter_matches_any_value(api):
    doc = api.create(APT18)
    low = api.srv.raise_alert(doc["id"], "WIN-FIN-01", priority="low", severity="critical")
    usual = api.srv.raise_alert(doc["id"], "WIN-DEV-02")
    assert (low["priority"], low["severity"], usual["priority"], usual["severity"]) == ("low", "critical", "high", "info")

    def ids(**params):
        return sorted(alert["id"] for alert in api.data(api.get("/alerts", params=params)))

    assert ids(priority="low") == [low["id"]]
    assert ids(priority=["low", "high"]) == sorted([low["id"], usual["id"]])
    assert ids(severity="info") == [usual["id"]]
    assert ids(priority="low", severity="info") == []
