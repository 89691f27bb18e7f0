"""Listing alerts (alert_info's engine) against the emulator: the exact document name, the server-side filters."""

import uuid

from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.documents import document_ids_named
from ansible_collections.tanium.threat_response.plugins.module_utils._alerts.listing import find_alerts


def named_ioc(name):
    """A one-item OpenIOC document whose name is `name`."""
    ioc_id = uuid.uuid5(uuid.NAMESPACE_URL, name)
    return (f'<?xml version="1.0" encoding="utf-8"?>'
            f'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="{ioc_id}" last-modified="2024-01-01T00:00:00">'
            f'<short_description>{name}</short_description><description>test</description>'
            f'<definition><Indicator operator="OR" id="{ioc_id}-root"><IndicatorItem id="{ioc_id}-0" condition="is">'
            f'<Context document="FileItem" search="FileItem/Md5sum" type="mir"/>'
            f'<Content type="md5">{ioc_id.hex}</Content></IndicatorItem></Indicator></definition></ioc>').encode()


def seed_named(emulator, name):
    return emulator.seed_intel(named_ioc(name), filename=f"{name}.ioc")


def requests_to(emulator, suffix):
    return [entry for entry in emulator.journal if entry["method"] == "GET" and entry["path"].endswith(suffix)]


def test_intel_name_takes_the_documents_of_exactly_that_name_not_those_that_contain_it(emulator, make_client):
    apt1, apt18, _lower = (seed_named(emulator, name) for name in ("APT1", "APT18", "apt1"))
    for doc, host in ((apt1, "WIN-FIN-01"), (apt18, "WIN-DEV-02")):
        emulator.raise_alert(doc["id"], host)
    client = make_client()
    assert document_ids_named(client, "APT1") == [apt1["id"]]
    emulator.clear_journal()
    alerts = find_alerts(client, intel_name="APT1")
    assert [(alert["intel_doc_id"], alert["computer_name"]) for alert in alerts] == [(apt1["id"], "WIN-FIN-01")]
    # The server's name filter matched all three (substring, any case); only APT1's alerts were asked for.
    (intel_listing,) = requests_to(emulator, "/intels")
    assert intel_listing["query"]["name"] == ["APT1"]
    assert [entry["query"]["intelDocId"] for entry in requests_to(emulator, "/alerts")] == [[str(apt1["id"])]]


def test_intel_name_that_no_document_has_lists_no_alerts(emulator, make_client):
    seed_named(emulator, "APT18")
    assert find_alerts(make_client(), intel_name="APT1") == []
    assert requests_to(emulator, "/alerts") == []
