"""The fleet reader (module_utils/_platform/fleet.py) against the emulator over HTTPS: system_status read
whole, or page by page with tanium-options when the server says there is more; the alerts of chosen
states, each once; platforms looked up per endpoint, or left out by a server without dec/v1."""

import json

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError
from ansible_collections.tanium.threat_response.plugins.module_utils._platform.fleet import (
    read_alert_marks,
    read_endpoints,
    read_platforms,
)

STATUS = "/api/v2/system_status"
FILES = [{"path": "C:\\dropper.exe"}]
FLEET = [{"name": f"host-{number:02d}", "ip": f"10.0.0.{number}", "platform": ("windows", "linux")[number % 2],
          "files": FILES} for number in range(1, 8)]


def status_reads(emulator):
    return [json.loads(entry["tanium_options"]) if entry["tanium_options"] else None
            for entry in emulator.journal if entry["path"] == STATUS]


@pytest.mark.emulator(fleet=FLEET, strict=True)
def test_a_server_that_answers_everything_at_once_is_asked_once_with_no_options(emulator, make_client):
    endpoints = read_endpoints(make_client())

    assert [e["host_name"] for e in endpoints] == [e["name"] for e in FLEET]
    assert endpoints[0] == {"client_id": endpoints[0]["client_id"], "host_name": "host-01", "ip": "10.0.0.1",
                            "status": "Normal", "last_registration": "2026-01-01T00:00:00Z"}
    assert status_reads(emulator) == [None]
    assert [entry["query"] for entry in emulator.journal] == [{}]


@pytest.mark.emulator(fleet=FLEET, strict=True, system_status_page_max=3)
def test_a_paging_server_is_read_to_the_end_in_its_own_page_size_on_one_snapshot(emulator, make_client):
    endpoints = read_endpoints(make_client())

    assert [e["host_name"] for e in endpoints] == [e["name"] for e in FLEET]
    first, *rest = status_reads(emulator)
    assert first is None
    assert rest == [{"row_start": 3, "row_count": 3, "cache_id": "1f0c2a7e"},
                    {"row_start": 6, "row_count": 3, "cache_id": "1f0c2a7e"}]


@pytest.mark.emulator(fleet=FLEET, strict=True, system_status_page_max=3, row_start_ignored=True)
def test_a_server_that_ignores_row_start_is_asked_twice_not_until_the_total(emulator, make_client):
    with pytest.raises(ApiError, match="answered the same clients again for row_start 3: it does not page"):
        read_endpoints(make_client())
    assert status_reads(emulator) == [None, {"row_start": 3, "row_count": 3, "cache_id": "1f0c2a7e"}]


class ShortServer:
    """A client whose system_status says it holds more rows than it ever gives."""

    def __init__(self, pages):
        self.pages = list(pages)
        self.calls = 0

    def get(self, path):
        return self.request("GET", path)

    def request(self, method, path, headers=None):
        self.calls += 1
        return self.pages.pop(0) if self.pages else []


def test_a_page_without_clients_ends_the_read_even_when_the_total_says_more():
    cache = {"cache_id": "c", "cache_row_count": 10}
    server = ShortServer([[{"computer_id": 1, "host_name": "a"}, cache],
                          [{"computer_id": 1, "host_name": "a"}, {"computer_id": 2, "host_name": "b"}, cache],
                          [cache]])
    endpoints = read_endpoints(server)

    # The row seen on two pages counts once.
    assert [(e["client_id"], e["host_name"]) for e in endpoints] == [("1", "a"), ("2", "b")]
    assert server.calls == 3


def test_filtered_row_count_is_the_total_when_both_are_given():
    page = [{"computer_id": 1, "host_name": "a"}, {"cache_id": "c", "filtered_row_count": 1, "cache_row_count": 5}]
    server = ShortServer([page, [{"computer_id": 2, "host_name": "b"}]])

    assert [e["host_name"] for e in read_endpoints(server)] == ["a"]
    assert server.calls == 1


@pytest.mark.emulator(fleet=FLEET, list_page_max=2)
def test_alert_marks_of_the_chosen_states_each_once_over_every_page(emulator, make_client):
    doc = emulator.seed_intel(b'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="x"><short_description>x'
                              b'</short_description><definition/></ioc>', "x.ioc")
    for name, state in [("host-01", None), ("host-02", "inprogress"), ("host-03", "resolved"), ("host-04", None),
                        ("host-05", None)]:
        emulator.raise_alert(doc["id"], name, state=state)
    emulator.clear_journal()

    marks = read_alert_marks(make_client(), ["unresolved", "inprogress"])

    assert sorted((name, ip) for name, ip, _at in marks) == [
        ("host-01", "10.0.0.1"), ("host-02", "10.0.0.2"), ("host-04", "10.0.0.4"), ("host-05", "10.0.0.5")]
    assert all(at.endswith("Z") for _name, _ip, at in marks)
    queries = [entry["query"] for entry in emulator.journal]
    assert {tuple(query["state"]) for query in queries} == {("unresolved", "inprogress")}
    assert sorted(int(query["offset"][0]) for query in queries) == [0, 2]


@pytest.mark.emulator(fleet=FLEET, strict=True)
def test_platforms_are_looked_up_one_endpoint_a_request(emulator, make_client):
    client = make_client()
    ids = [e["client_id"] for e in read_endpoints(client)][:4]
    emulator.clear_journal()

    platforms = read_platforms(client, ids)

    assert platforms == dict(zip(ids, ["linux", "windows", "linux", "windows"]))
    assert sorted(entry["query"]["clientId"][0] for entry in emulator.journal) == sorted(ids)


@pytest.mark.emulator(fleet=FLEET)
def test_a_server_without_dec_endpoints_leaves_every_platform_unknown_with_one_warning(emulator, make_client):
    emulator.add_fault(method="GET", path=r"/dec/v1/endpoints", status=404, times=100)
    warnings = []

    assert read_platforms(make_client(), ["1", "2", "3"], warn=warnings.append) == {}
    assert warnings == ["the server has no dec/v1/endpoints API, so the platform of each endpoint is unknown"]


class ShiftingAlerts:
    """A client whose alert pages shifted while they were read: one alert comes on two pages."""

    def api_path(self, template):
        return template

    def paginate(self, path, params, parallel):
        first = {"id": 1, "computerName": "a", "computerIpAddress": "10.0.0.1", "alertedAt": "2026-01-01T00:00:00Z"}
        second = dict(first, id=2, computerName="b")
        return iter([first, second, first])


def test_an_alert_seen_on_two_pages_counts_once():
    assert read_alert_marks(ShiftingAlerts(), ["unresolved"]) == [
        ["a", "10.0.0.1", "2026-01-01T00:00:00Z"], ["b", "10.0.0.1", "2026-01-01T00:00:00Z"]]
