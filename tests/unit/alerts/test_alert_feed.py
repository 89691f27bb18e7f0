"""The alert feed behind the event source, against the emulator: new alerts once, every page, late alerts."""

import datetime
import threading
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import AlertFeed
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.source import alert_feed_from
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import find_alerts
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import InvalidInput
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import format_timestamp, utc_now

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
APT12 = CORPUS / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
HOSTS = ("WIN-FIN-01", "WIN-DEV-02")


def seeded(emulator, path=APT12):
    return emulator.seed_intel(path.read_bytes(), filename=path.name)


def ago(seconds):
    return format_timestamp(utc_now() - datetime.timedelta(seconds=seconds))


def alert_listings(emulator):
    return [entry for entry in emulator.journal if entry["path"].endswith("/alerts")]


def test_only_alerts_raised_after_since_come_and_each_comes_once(emulator, make_client):
    doc = seeded(emulator)
    emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(60))
    feed = AlertFeed(make_client(), since=utc_now() - datetime.timedelta(seconds=5))
    assert feed.poll() == []
    raised = emulator.raise_alert(doc["id"], HOSTS[1])
    assert [alert["id"] for alert in feed.poll()] == [raised["id"]]
    assert feed.poll() == []
    later = emulator.raise_alert(doc["id"], HOSTS[0])
    assert [alert["id"] for alert in feed.poll()] == [later["id"]]


def test_alerts_come_exactly_as_alert_info_returns_them(emulator, make_client):
    doc = seeded(emulator)
    emulator.raise_alert(doc["id"], HOSTS[0])
    client = make_client()
    (event,) = AlertFeed(client, since=utc_now() - datetime.timedelta(seconds=60)).poll()
    assert [event] == find_alerts(client)
    assert event["computer_name"] == HOSTS[0]
    assert isinstance(event["details"], dict) and "intel_doc_id" in event


def test_a_late_alert_older_than_the_newest_seen_still_comes_once(emulator, make_client):
    doc = seeded(emulator)
    feed = AlertFeed(make_client(), since=utc_now() - datetime.timedelta(seconds=600))
    emulator.raise_alert(doc["id"], HOSTS[0])
    assert len(feed.poll()) == 1
    late = emulator.raise_alert(doc["id"], HOSTS[1], alerted_at=ago(120))  # reported two minutes late
    assert [alert["id"] for alert in feed.poll()] == [late["id"]]
    assert feed.poll() == []
    assert alert_listings(emulator)[-1]["query"]["alertedAtFrom"] <= [late["alertedAt"]]


def test_a_short_page_does_not_end_the_listing_an_empty_page_does(emulator, make_client):
    doc = seeded(emulator)
    raised = [emulator.raise_alert(doc["id"], HOSTS[index % 2]) for index in range(5)]
    client = make_client()
    first_rows = client.get(client.api_path("alerts"))[:2]  # in the server's own order
    emulator.clear_journal()
    # The server answers two rows although 500 were asked for: the listing must go on.
    emulator.add_fault(method="GET", path="/alerts$", action="status", status=200, times=1,
                       body={"data": first_rows})
    feed = AlertFeed(client, since=utc_now() - datetime.timedelta(seconds=60))
    assert sorted(alert["id"] for alert in feed.poll()) == [alert["id"] for alert in raised]
    assert [entry["query"]["offset"] for entry in alert_listings(emulator)] == [["0"], ["2"], ["5"]]


def test_a_server_that_ignores_offset_ends_the_listing_instead_of_looping(emulator, make_client):
    doc = seeded(emulator)
    raised = [emulator.raise_alert(doc["id"], host) for host in HOSTS]
    emulator.add_fault(method="GET", path="/alerts$", action="status", status=200, times=None,
                       body={"data": raised})
    feed = AlertFeed(make_client(), since=utc_now() - datetime.timedelta(seconds=60))
    result = []
    worker = threading.Thread(target=lambda: result.append(feed.poll()), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the listing kept asking for pages that repeat the first"
    assert len(result[0]) == 2 and len(alert_listings(emulator)) == 2


def test_states_are_repeated_filters_and_intel_name_is_looked_up_on_every_poll(emulator, make_client):
    other = seeded(emulator, APT12)
    emulator.raise_alert(other["id"], HOSTS[0])
    feed = AlertFeed(make_client(), since=utc_now() - datetime.timedelta(seconds=60),
                     states=["unresolved", "inprogress"], intel_name="DEMONSTRATING HUSTLE - APT18 (BLOG)")
    assert feed.poll() == []  # no such document yet: no alert listing at all
    assert alert_listings(emulator) == []
    doc = seeded(emulator, APT18)
    emulator.raise_alert(doc["id"], HOSTS[0])
    (event,) = feed.poll()
    assert event["intel_doc_id"] == doc["id"]
    (listing, *_rest) = alert_listings(emulator)
    assert listing["query"]["state"] == ["unresolved", "inprogress"]
    assert listing["query"]["intelDocId"] == [str(doc["id"])]


def source_args(emulator, **extra):
    return dict(url=emulator.url, api_token=emulator.api_token, ca_path=emulator.ca_file, **extra)


def test_source_arguments_fall_back_to_tanium_environment_variables(emulator, monkeypatch):
    for name, value in (("TANIUM_URL", emulator.url), ("TANIUM_API_TOKEN", emulator.api_token),
                        ("TANIUM_CA_PATH", emulator.ca_file)):
        monkeypatch.setenv(name, value)
    feed, interval = alert_feed_from({"state": ["unresolved"]})
    assert interval == 30 and feed.poll() == []
    assert alert_listings(emulator)[0]["auth"] == "api_token"


@pytest.mark.parametrize("args, message", [
    ({"api_token": "tok-secret-1234"}, "missing required arguments: url"),
    ({"url": "https://tanium.example.com"}, "one of the following is required: api_token, username"),
    ({"url": "https://tanium.example.com", "api_token": "tok-secret-1234", "interval": 0}, "interval"),
    ({"url": "https://tanium.example.com", "api_token": "tok-secret-1234", "since": "yesterday"}, "since"),
    ({"url": "https://tanium.example.com", "api_token": "tok-secret-1234", "state": ["open"]}, "state"),
    ({"url": "https://tanium.example.com", "api_token": "tok-secret-1234", "polling": 5}, "polling"),
])
def test_bad_source_arguments_are_refused_naming_the_argument_and_no_secret(args, message, monkeypatch):
    for name in ("TANIUM_URL", "TANIUM_API_TOKEN", "TANIUM_USERNAME", "TANIUM_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InvalidInput, match=message) as raised:
        alert_feed_from(args)
    assert "tok-secret-1234" not in str(raised.value)
