"""GET /api/v2/system_status as the emulator serves it (docs/wire-format.md#endpoints): the client entries,
the aggregate and cache objects, paging with the tanium-options header, and alerts raised on chosen
endpoints in chosen states (what the inventory plugin reads)."""

from __future__ import annotations

import json

import pytest

from emulator_testkit import APT18, Api
from emulator.fleet import Fleet

FLEET = [
    {"name": "WIN-A", "ip": "10.0.0.1", "platform": "windows", "status": "Leader",
     "last_registration": "2026-03-01T10:00:00Z", "files": [{"path": "C:\\a.exe"}]},
    {"name": "WIN-A", "ip": "10.0.0.2", "platform": "windows", "client_id": 7, "files": [{"path": "C:\\a.exe"}]},
    {"name": "lnx-b", "ip": "10.0.0.3", "platform": "linux", "status": "Slow link"},
    {"name": "mac-c", "ip": "10.0.0.4", "platform": "mac", "status": "Blocked"},
]


def _entries(api, **options):
    headers = {"tanium-options": json.dumps(options)} if options else {}
    response = api.get("/api/v2/system_status", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _clients(entries):
    return [entry for entry in entries if "computer_id" in entry]


def test_every_client_then_the_aggregate_and_the_cache_object(make_server):
    api = Api(make_server(fleet=FLEET))
    entries = _entries(api)
    clients, aggregate, cache = entries[:-2], entries[-2], entries[-1]
    assert [(c["host_name"], c["ipaddress_client"], c["status"]) for c in clients] == [
        ("WIN-A", "10.0.0.1", "Leader"), ("WIN-A", "10.0.0.2", "Normal"), ("lnx-b", "10.0.0.3", "Slow link"),
        ("mac-c", "10.0.0.4", "Blocked")]
    assert clients[0]["last_registration"] == "2026-03-01T10:00:00Z"
    assert clients[1]["computer_id"] == "7" and clients[1]["last_registration"] == "2026-01-01T00:00:00Z"
    assert (aggregate["leader_count"], aggregate["normal_count"], aggregate["slowlink_count"],
            aggregate["blocked_count"]) == (1, 1, 1, 1)
    assert "computer_id" not in aggregate and "computer_id" not in cache
    assert (cache["page_row_count"], cache["filtered_row_count"], cache["cache_row_count"]) == (4, 4, 4)


def test_a_capped_server_answers_a_page_and_the_rest_with_tanium_options(make_server):
    api = Api(make_server(fleet=FLEET, system_status_page_max=3))
    first = _entries(api)
    assert [c["host_name"] for c in _clients(first)] == ["WIN-A", "WIN-A", "lnx-b"]
    assert (first[-1]["page_row_count"], first[-1]["cache_row_count"]) == (3, 4)
    rest = _entries(api, row_start=3, row_count=3, cache_id=first[-1]["cache_id"])
    assert [c["host_name"] for c in _clients(rest)] == ["mac-c"]
    assert _clients(_entries(api, row_start=4, row_count=3)) == []
    assert [c["host_name"] for c in _clients(_entries(api, row_start=1, row_count=1))] == ["WIN-A"]


def test_an_unknown_cache_id_or_a_bad_header_is_refused(srv):
    api = Api(srv)
    refused = api.get("/api/v2/system_status", headers={"tanium-options": json.dumps({"cache_id": "nope"})})
    assert refused.status_code == 400 and "cache nope" in refused.json()["text"]
    assert api.get("/api/v2/system_status", headers={"tanium-options": "[1"}).status_code == 400


@pytest.mark.parametrize("strict, status", [(True, 400), (False, 200)])
def test_query_parameters_no_client_sends_are_refused_in_strict_mode(make_server, strict, status):
    api = Api(make_server(strict=strict))
    response = api.get("/api/v2/system_status", params={"limit": 500, "offset": 0})
    assert response.status_code == status, response.text


def test_an_alert_raised_in_a_state_on_one_of_two_endpoints_sharing_a_name(make_server):
    srv = make_server(fleet=FLEET)
    doc = srv.seed_intel(APT18.read_bytes(), APT18.name)
    alert = srv.raise_alert(doc["id"], "WIN-A", state="inprogress", ip="10.0.0.2")
    assert (alert["state"], alert["computerName"], alert["computerIpAddress"]) == ("inprogress", "WIN-A", "10.0.0.2")
    assert srv.raise_alert(doc["id"], "WIN-A")["computerIpAddress"] == "10.0.0.1"
    with pytest.raises(ValueError):
        srv.raise_alert(doc["id"], "WIN-A", ip="10.9.9.9")


@pytest.mark.parametrize("field, value", [("status", "Asleep"), ("last_registration", "yesterday")])
def test_a_fleet_with_a_bad_status_or_registration_is_refused(field, value):
    with pytest.raises(ValueError, match=field):
        Fleet([dict(FLEET[2], **{field: value})])
