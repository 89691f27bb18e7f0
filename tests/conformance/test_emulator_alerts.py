"""Alerts raised by deployed hash IOCs on the simulated fleet, and the alert API (docs/wire-format.md#alerts)."""

from __future__ import annotations

import json

import pytest

from emulator_testkit import (APT18, KWORKER_SHA1, PREFIXES, SVCHELPER_MD5, UPDATE_PS1_SHA256, Api,
                              hash_ioc, wait_until)


def deploy(api, revision: int) -> None:
    api.post(PREFIXES["4"] + "/intel/deploy", json={})
    wait_until(lambda: api.srv.deploy_status()["currentRevision"] == revision
               and api.srv.deploy_status()["pendingRevision"] is None)


@pytest.fixture
def hunted(api):
    """Two hashes held by the same two endpoints, deployed once."""
    doc = api.create(hash_ioc("hunt-1", {"md5": SVCHELPER_MD5, "sha256": UPDATE_PS1_SHA256}))
    deploy(api, 1)
    return doc


def test_hash_ioc_raises_one_alert_per_endpoint_holding_the_files(api, hunted):
    alerts = api.data(api.get("/alerts", params={"sort": "id"}))
    assert sorted(a["computerName"] for a in alerts) == ["WIN-DEV-02", "WIN-FIN-01"]
    alert = alerts[0]
    assert (alert["state"], alert["type"], alert["matchType"]) == ("unresolved", "detect.match", "file")
    assert alert["intelDocId"] == hunted["id"] and alert["intelDocRevisionId"] == 1
    assert alert["computerIpAddress"].startswith("10.20.1.") and alert["guid"]
    details = json.loads(alert["details"])  # a JSON string on the wire
    assert details["match"]["type"] == "file"
    assert details["match"]["properties"]["fullpath"] == alert["path"]
    assert details["match"]["properties"]["file"]["md5"] == SVCHELPER_MD5
    assert details["intel_id"] == hunted["id"] and "finding" in details
    doc = api.data(api.get(f"/intels/{hunted['id']}"))
    assert (doc["alertCount"], doc["unresolvedAlertCount"]) == (2, 2)


def test_a_later_deploy_never_repeats_an_alert(api, hunted):
    deploy(api, 2)
    assert len(api.srv.alerts()) == 2


def test_sha1_and_openioc_11_hash_items_match_too(api):
    ioc11 = (b'<OpenIOC xmlns="http://openioc.org/schemas/OpenIOC_1.1" id="miner">'
             b'<metadata><short_description>MINER</short_description></metadata><criteria>'
             b'<Indicator operator="OR" id="i"><IndicatorItem id="x" condition="is">'
             b'<Context document="fileWriteEvent" search="fileWriteEvent/sha1" type="event"/>'
             b'<Content type="sha1">' + KWORKER_SHA1.upper().encode() + b'</Content>'
             b'</IndicatorItem></Indicator></criteria><parameters/></OpenIOC>')
    api.create(ioc11, "miner.ioc")
    deploy(api, 1)
    assert [a["computerName"] for a in api.srv.alerts()] == ["lnx-web-01"]


def test_intel_without_fleet_hashes_raises_nothing(api):
    api.create(APT18)
    deploy(api, 1)
    assert api.srv.alerts() == []


def test_undeployed_intel_raises_nothing(api):
    api.create(hash_ioc("hunt-2", {"md5": SVCHELPER_MD5}))
    assert api.srv.alerts() == []


def test_custom_fleet_from_a_list(make_server):
    fleet = [{"name": "only-box", "ip": "192.0.2.7", "platform": "linux",
              "files": [{"path": "/bin/evil", "md5": "0123456789abcdef0123456789abcdef"}]}]
    api = Api(make_server(fleet=fleet))
    api.create(hash_ioc("custom", {"md5": "0123456789ABCDEF0123456789ABCDEF"}))
    deploy(api, 1)
    assert [(a["computerName"], a["path"]) for a in api.srv.alerts()] == [("only-box", "/bin/evil")]


def test_alert_filters(api, hunted):
    def names(**params):
        return sorted(a["computerName"] for a in api.data(api.get("/alerts/", params=params)))

    assert names(intelDocId=hunted["id"]) == ["WIN-DEV-02", "WIN-FIN-01"]
    assert names(intelDocId=hunted["id"] + 100) == []
    assert names(computerName="WIN-FIN-01") == ["WIN-FIN-01"]
    assert names(computerIpAddress="10.20.1.12") == ["WIN-DEV-02"]
    assert names(state=["resolved", "unresolved"]) == ["WIN-DEV-02", "WIN-FIN-01"]
    assert names(state="resolved") == []
    assert names(alertedAtFrom="2000-01-01T00:00:00.000Z", alertedAtUntil="2999-01-01T00:00:00Z") == [
        "WIN-DEV-02", "WIN-FIN-01"]
    assert names(alertedAtFrom="2999-01-01T00:00:00.000Z") == []
    assert names(type="detect.match", priority="high", severity="info") == ["WIN-DEV-02", "WIN-FIN-01"]
    assert names(severity="critical") == []


def test_alert_list_sort_limit_and_errors(api, hunted):
    ids = [a["id"] for a in api.data(api.get("/alerts", params={"sort": "id"}))]
    assert [a["id"] for a in api.data(api.get("/alerts", params={"sort": "-id"}))] == ids[::-1]
    assert [a["id"] for a in api.data(api.get("/alerts", params={"sort": "id", "limit": 1, "offset": 1}))] == ids[1:]
    assert api.get("/alerts", params={"limit": 501}).status_code == 400
    assert api.get("/alerts", params={"state": "bogus"}).status_code == 400
    assert api.get("/alerts", params={"alertedAtFrom": "yesterday"}).status_code == 400
    assert api.get("/alerts", params={"sort": "colour"}).status_code == 400


def test_get_one_alert_with_expanded_intel(api, hunted):
    alert_id = api.srv.alerts()[0]["id"]
    alert = api.data(api.get(f"/alerts/{alert_id}", params={"expand": "intelDoc"}))
    assert alert["id"] == alert_id and alert["intelDoc"]["id"] == hunted["id"]
    assert api.get("/alerts/999").status_code == 404


def test_update_one_alert_state_on_4x_updates_counts(api, hunted):
    alert_id = api.srv.alerts()[0]["id"]
    updated = api.data(api.put(f"/alerts/{alert_id}", json={"state": "resolved"}))
    assert updated["state"] == "resolved"
    assert api.data(api.get(f"/intels/{hunted['id']}"))["unresolvedAlertCount"] == 1


def test_bulk_update_by_query_on_4x(api, hunted):
    ids = [a["id"] for a in api.srv.alerts()]
    updated = api.data(api.put("/alerts/", params={"id": ids}, json={"state": "inprogress"}))
    assert sorted(a["id"] for a in updated) == sorted(ids)
    assert {a["state"] for a in api.srv.alerts()} == {"inprogress"}


def test_bulk_update_with_ids_in_body_on_3x(make_server):
    srv = make_server(api_version="both")
    api4, api3 = Api(srv, "4"), Api(srv, "3")
    api4.create(hash_ioc("hunt-3", {"md5": SVCHELPER_MD5}))
    deploy(api4, 1)
    ids = [a["id"] for a in srv.alerts()]
    updated = api3.data(api3.put("/alerts/", json={"state": "suppressed", "id": ids}))
    assert [a["state"] for a in updated] == ["suppressed", "suppressed"]
    assert "matchType" not in updated[0]  # 3.x alerts lack the 4.x fields
    assert api3.put("/alerts/", json={"state": "resolved"}).status_code == 400
    # 3.x also takes the per-id form (docs/wire-format.md#alert-state).
    assert api3.data(api3.put(f"/alerts/{ids[0]}", json={"state": "resolved"}))["state"] == "resolved"
    assert next(a for a in srv.alerts() if a["id"] == ids[0])["state"] == "resolved"


@pytest.mark.parametrize("mode", ["bulk_only", "ignored"])
def test_3x_alert_update_modes(make_server, mode):
    srv = make_server(api_version="both", alert_updates_3x=mode)
    api4, api3 = Api(srv, "4"), Api(srv, "3")
    api4.create(hash_ioc("hunt-3", {"md5": SVCHELPER_MD5}))
    deploy(api4, 1)
    alert_id = srv.alerts()[0]["id"]
    per_id = api3.put(f"/alerts/{alert_id}", json={"state": "resolved"})
    bulk = api3.put("/alerts/", json={"state": "resolved", "id": [alert_id]})
    if mode == "bulk_only":
        assert per_id.status_code == 404 and bulk.status_code == 200
        assert srv.alerts()[0]["state"] == "resolved"
    else:
        # Both answer as done, with the new state, yet nothing changes.
        assert api3.data(per_id)["state"] == "resolved" and api3.data(bulk)[0]["state"] == "resolved"
        assert srv.alerts()[0]["state"] == "unresolved"
    # 4.x is unaffected.
    assert api4.data(api4.put(f"/alerts/{alert_id}", json={"state": "inprogress"}))["state"] == "inprogress"
    assert srv.alerts()[0]["state"] == "inprogress"


def test_invalid_state_and_unknown_ids_are_refused(api, hunted):
    alert_id = api.srv.alerts()[0]["id"]
    assert api.put(f"/alerts/{alert_id}", json={"state": "closed"}).status_code == 400
    assert api.put("/alerts/", params={"id": [alert_id, 999]}, json={"state": "resolved"}).status_code == 404
    assert {a["state"] for a in api.srv.alerts()} == {"unresolved"}


def test_delete_alert(api, hunted):
    alert_id = api.srv.alerts()[0]["id"]
    assert api.delete(f"/alerts/{alert_id}").status_code == 204
    assert len(api.srv.alerts()) == 1
    assert api.data(api.get(f"/intels/{hunted['id']}"))["alertCount"] == 1
