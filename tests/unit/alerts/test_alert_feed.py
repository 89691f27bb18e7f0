"""The alert feed behind the event source, against the emulator: new alerts once, every page, late alerts,
alerts dated in the future, what it remembers, and where the first start begins."""

import datetime
import re
import threading
from pathlib import Path

import pytest

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.feed import AlertFeed
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import ensure_alert_state, find_alerts
from ansible_collections.tanium.threat_response.plugins.module_utils._api.timestamps import (
    format_timestamp,
    parse_timestamp,
    utc_now,
)
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import ApiError

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
APT12 = CORPUS / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
HOSTS = ("WIN-FIN-01", "WIN-DEV-02")
DAY = 86400


def seeded(emulator, path=APT12):
    return emulator.seed_intel(path.read_bytes(), filename=path.name)


def ago(seconds):
    return format_timestamp(utc_now() - datetime.timedelta(seconds=seconds))


def since(seconds_ago):
    return utc_now() - datetime.timedelta(seconds=seconds_ago)


def alert_listings(emulator):
    return [entry for entry in emulator.journal if entry["path"].endswith("/alerts")]


def drain(feed):
    """One round as the event source runs it: poll, emit every new alert, settle. The new alerts' ids."""
    alerts = feed.poll()
    for alert in alerts:
        feed.emitted(alert)
    feed.settle()
    return [alert["id"] for alert in alerts]


def test_only_alerts_raised_after_since_come_and_each_comes_once(emulator, make_client):
    doc = seeded(emulator)
    emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(60))
    feed = AlertFeed(make_client(), since=since(5))
    assert drain(feed) == []
    raised = emulator.raise_alert(doc["id"], HOSTS[1])
    assert drain(feed) == [raised["id"]]
    assert drain(feed) == []
    later = emulator.raise_alert(doc["id"], HOSTS[0])
    assert drain(feed) == [later["id"]]


def test_an_alert_the_server_dates_before_the_start_but_receives_after_it_still_comes(emulator, make_client):
    doc = seeded(emulator)
    feed = AlertFeed(make_client(), since=utc_now(), lookback=600)
    assert drain(feed) == []
    # Reported two minutes late, or stamped by a server whose clock is two minutes behind this host's.
    late = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(120))
    assert drain(feed) == [late["id"]]
    assert alert_listings(emulator)[0]["query"]["alertedAtFrom"] <= [late["alertedAt"]]


def test_alerts_come_exactly_as_alert_info_returns_them(emulator, make_client):
    doc = seeded(emulator)
    emulator.raise_alert(doc["id"], HOSTS[0])
    client = make_client()
    (event,) = AlertFeed(client, since=since(60)).poll()
    assert [event] == find_alerts(client)
    assert event["computer_name"] == HOSTS[0]
    assert isinstance(event["details"], dict) and "intel_doc_id" in event


def test_a_late_alert_older_than_the_newest_seen_still_comes_once(emulator, make_client):
    doc = seeded(emulator)
    feed = AlertFeed(make_client(), since=since(600))
    emulator.raise_alert(doc["id"], HOSTS[0])
    assert len(drain(feed)) == 1
    late = emulator.raise_alert(doc["id"], HOSTS[1], alerted_at=ago(120))  # reported two minutes late
    assert drain(feed) == [late["id"]]
    assert drain(feed) == []
    assert alert_listings(emulator)[-1]["query"]["alertedAtFrom"] <= [late["alertedAt"]]


@pytest.mark.emulator(api_version="both")
@pytest.mark.parametrize("api_version", ["4", "3"])  # 4.x says receivedAt; 3.x only createdAt
def test_an_alert_dated_a_day_ahead_comes_and_so_do_the_alerts_after_it(emulator, make_client, api_version):
    doc = seeded(emulator)
    warnings = []
    feed = AlertFeed(make_client(api_version=api_version), since=since(60), warn=warnings.append)
    ahead = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(-DAY))
    assert drain(feed) == [ahead["id"]]
    # The cursor keeps to the server's clock (the newest receive time), not to the alert's date.
    assert feed.place.cursor <= utc_now() - feed.lookback
    now = emulator.raise_alert(doc["id"], HOSTS[1])
    assert drain(feed) == [now["id"]]
    assert drain(feed) == []
    assert alert_listings(emulator)[-1]["query"]["alertedAtFrom"] <= [now["alertedAt"]]
    (warning,) = warnings
    assert f"alert {ahead['id']} from {HOSTS[0]} is dated {ahead['alertedAt']}" in warning
    assert re.search(r" 86(399|400) s after the server received it: that endpoint's clock runs ahead", warning)


def test_a_few_seconds_of_endpoint_skew_is_no_warning(emulator, make_client):
    doc = seeded(emulator)
    warnings = []
    feed = AlertFeed(make_client(), since=since(60), warn=warnings.append)
    emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(-20))  # an endpoint 20 s fast: ordinary drift
    assert len(drain(feed)) == 1 and warnings == []


def test_it_remembers_only_the_alerts_inside_the_window(emulator, make_client):
    doc = seeded(emulator)
    old = [emulator.raise_alert(doc["id"], HOSTS[index % 2], alerted_at=ago(days * DAY)) for index, days in
           enumerate((3, 2, 1))]
    recent = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(60))
    feed = AlertFeed(make_client(), since=since(4 * DAY), lookback=600)
    assert drain(feed) == [alert["id"] for alert in old] + [recent["id"]]
    # Days of alerts were emitted; only the one the next listing still returns is remembered.
    assert list(feed.place.seen) == [recent["id"]]
    assert feed.place.cursor == parse_timestamp(recent["alertedAt"]) - feed.lookback
    assert drain(feed) == []
    assert alert_listings(emulator)[-1]["query"]["alertedAtFrom"] == [format_timestamp(feed.place.cursor)]


def test_the_cursor_never_moves_back_when_the_newest_alert_leaves_the_listing(emulator, make_client):
    doc = seeded(emulator)
    client = make_client()
    feed = AlertFeed(client, since=since(3600), filters=dict(state=["unresolved"]), lookback=600)
    old = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(900))
    newest = emulator.raise_alert(doc["id"], HOSTS[1])
    assert drain(feed) == [old["id"], newest["id"]]
    cursor = feed.place.cursor
    assert old["id"] not in feed.place.seen  # before the cursor: forgotten
    # The newest alert leaves the unresolved listing; the next poll's newest is a late report, older.
    ensure_alert_state(client, newest["id"], "inprogress", check_mode=False, diff=False)
    late = emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(500))
    assert drain(feed) == [late["id"]]
    # Moved back, the cursor would list the forgotten alert again, and emit it twice.
    assert feed.place.cursor == cursor
    assert drain(feed) == []


def test_the_cursor_waits_until_every_alert_of_a_poll_was_emitted(emulator, make_client):
    doc = seeded(emulator)
    raised = [emulator.raise_alert(doc["id"], HOSTS[0], alerted_at=ago(seconds)) for seconds in (1800, 1200, 0)]
    feed = AlertFeed(make_client(), since=since(3600), lookback=600)
    start = feed.place.cursor
    first, *rest = feed.poll()
    feed.emitted(first)
    # A place saved now (after one event of three) must still list the other two.
    assert feed.place.cursor == start and list(feed.place.seen) == [raised[0]["id"]]
    for alert in rest:
        feed.emitted(alert)
    feed.settle()
    assert feed.place.cursor > start


def test_a_short_page_does_not_end_the_listing(emulator, make_client):
    doc = seeded(emulator)
    raised = [emulator.raise_alert(doc["id"], HOSTS[index % 2]) for index in range(5)]
    client = make_client()
    first_rows = client.get(client.api_path("alerts"))[:2]  # in the server's own order
    emulator.clear_journal()
    # The server answers two rows although 500 were asked for: the listing must go on.
    emulator.add_fault(method="GET", path="/alerts$", action="status", status=200, times=1,
                       body={"data": first_rows})
    feed = AlertFeed(client, since=since(60))
    assert sorted(alert["id"] for alert in feed.poll()) == [alert["id"] for alert in raised]
    # The second page says meta.totalCount = 5: five rows read, the listing ends without an empty page.
    assert [entry["query"]["offset"] for entry in alert_listings(emulator)] == [["0"], ["2"]]


def test_a_server_that_ignores_offset_fails_the_poll_instead_of_looping(emulator, make_client):
    doc = seeded(emulator)
    raised = [emulator.raise_alert(doc["id"], host) for host in HOSTS]
    emulator.add_fault(method="GET", path="/alerts$", action="status", status=200, times=None,
                       body={"data": raised})
    feed = AlertFeed(make_client(), since=since(60))
    result = []

    def poll():
        try:
            feed.poll()
        except ApiError as error:
            result.append(error)

    worker = threading.Thread(target=poll, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the listing kept asking for pages that repeat the first"
    assert "the same page again at offset 2" in str(result[0]) and len(alert_listings(emulator)) == 2
    assert feed.place.seen == {}


def test_filters_go_to_the_server_and_intel_name_is_looked_up_on_every_poll(emulator, make_client):
    other = seeded(emulator, APT12)
    emulator.raise_alert(other["id"], HOSTS[0])
    filters = dict(state=["unresolved", "inprogress"], priority=["high", "critical"], severity=["info"],
                   label="Ransomware")
    feed = AlertFeed(make_client(), since=since(60), filters=filters, intel_name="DEMONSTRATING HUSTLE - APT18 (BLOG)")
    assert drain(feed) == []  # no such document yet: no alert listing at all
    assert alert_listings(emulator) == []
    doc = emulator.seed_intel(APT18.read_bytes(), filename=APT18.name, labels=["Ransomware"])
    emulator.raise_alert(doc["id"], HOSTS[1], priority="low")
    wanted = emulator.raise_alert(doc["id"], HOSTS[0])
    assert drain(feed) == [wanted["id"]]
    (listing, *_rest) = alert_listings(emulator)
    assert {name: listing["query"][name] for name in ("state", "priority", "severity", "labelName", "intelDocId")} == {
        "state": ["unresolved", "inprogress"], "priority": ["high", "critical"], "severity": ["info"],
        "labelName": ["Ransomware"], "intelDocId": [str(doc["id"])]}
