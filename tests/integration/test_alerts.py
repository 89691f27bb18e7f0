"""alert_info and alert through ansible-playbook against the emulator: hash IOCs deployed on its fleet."""

import json
import uuid
from collections import defaultdict

import pytest

from conftest import REPO

FLEET = json.loads((REPO / "tests" / "emulator" / "fleet.json").read_text())["endpoints"]
ALERTS_4 = "/plugin/products/threat-response/api/v1/alerts"
ALERTS_3 = "/plugin/products/detect3/api/v1/alerts"
HUNT_NAME = "INCIDENT 4711 SHARED HASHES"


def holders_by_hash(endpoints):
    """(kind, hash) -> names of the endpoints holding a file with that hash."""
    holders = defaultdict(set)
    for endpoint in endpoints:
        for file in endpoint["files"]:
            for kind in ("md5", "sha1", "sha256"):
                if file.get(kind):
                    holders[(kind, file[kind])].add(endpoint["name"])
    return holders


HOLDERS = holders_by_hash(FLEET)
# Two hashes of different files, each held by the same two endpoints.
SHARED = sorted(key for key, names in HOLDERS.items() if len(names) == 2 and key[0] in ("md5", "sha256"))
SHARED_PAIR = [next(key for key in SHARED if key[0] == "md5"), next(key for key in SHARED if key[0] == "sha256")]
SHARED_HOLDERS = sorted(HOLDERS[SHARED_PAIR[0]])
LONE = next(key for key, names in sorted(HOLDERS.items()) if len(names) == 1 and not names & set(SHARED_HOLDERS))


def hash_ioc(name, hashes):
    """An OpenIOC 1.0 document with one FileItem item per (kind, hash)."""
    searches = {"md5": "Md5sum", "sha1": "Sha1sum", "sha256": "Sha256sum"}
    ioc_id = uuid.uuid5(uuid.NAMESPACE_URL, name)
    items = "".join(
        f'<IndicatorItem id="{ioc_id}-{index}" condition="is">'
        f'<Context document="FileItem" search="FileItem/{searches[kind]}" type="mir"/>'
        f'<Content type="{kind}">{value}</Content></IndicatorItem>'
        for index, (kind, value) in enumerate(hashes))
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="{ioc_id}" last-modified="2024-05-01T00:00:00">'
            f'<short_description>{name}</short_description><description>Hashes from the incident</description>'
            f'<definition><Indicator operator="OR" id="{ioc_id}-root">{items}</Indicator></definition></ioc>\n')


def deploy_and_wait():
    return {"name": "deploy", "tanium.threat_response.intel_deploy": {"wait": True, "wait_sleep": 1}}


def seed_and_deploy(emulator, run_playbook, *iocs):
    """Store the documents, deploy them through the module, and return the stored documents."""
    docs = [emulator.seed_intel(ioc.encode(), f"doc-{index}.ioc") for index, ioc in enumerate(iocs)]
    run = run_playbook([deploy_and_wait()])
    assert run.rc == 0, run.output
    return docs


def alert_writes(emulator):
    return [(entry["method"], entry["path"]) for entry in emulator.writes() if "/alerts" in entry["path"]]


def alert_listings(emulator, prefix=ALERTS_4):
    return [entry["query"] for entry in emulator.journal if (entry["method"], entry["path"]) == ("GET", prefix)]


def test_hunt_finds_the_two_endpoints_then_resolves_one_alert_once(emulator, run_playbook):
    tasks = [
        {"name": "upload", "tanium.threat_response.intel": {"content": hash_ioc(HUNT_NAME, SHARED_PAIR)}},
        {"name": "unrelated", "tanium.threat_response.intel": {"content": hash_ioc("UNRELATED", [LONE])}},
        deploy_and_wait(),
        {"name": "hunt", "tanium.threat_response.alert_info": {"intel_name": HUNT_NAME}, "register": "hunt"},
        {"name": "resolve", "tanium.threat_response.alert": {"id": "{{ hunt.alerts[0].id }}", "state": "resolved"}},
        {"name": "resolve again", "tanium.threat_response.alert": {"id": "{{ hunt.alerts[0].id }}", "state": "resolved"}},
    ]
    run = run_playbook(tasks, diff=True)
    assert run.rc == 0, run.output
    hunt_doc = run.task("upload")["intel"]
    alerts = run.task("hunt")["alerts"]
    assert sorted(alert["computer_name"] for alert in alerts) == SHARED_HOLDERS
    assert len(emulator.alerts()) == 3  # the unrelated document's alert is not among them
    for alert in alerts:
        assert alert["intel_doc_id"] == hunt_doc["id"] and alert["state"] == "unresolved"
        details = alert["details"]  # decoded from the server's JSON string
        assert details["match"]["type"] == "file" and details["intel_id"] == hunt_doc["id"]
        assert details["match"]["properties"]["fullpath"] == alert["path"]

    first = run.task("resolve")
    assert first["changed"] is True and first["alert"]["state"] == "resolved"
    assert first["diff"]["before"] == {"state": "unresolved"} and first["diff"]["after"] == {"state": "resolved"}
    assert run.task("resolve again")["changed"] is False
    resolved_id = alerts[0]["id"]
    assert alert_writes(emulator) == [("PUT", f"{ALERTS_4}/{resolved_id}")]
    states = {alert["id"]: alert["state"] for alert in emulator.alerts()}
    assert states[resolved_id] == "resolved" and sorted(states.values()).count("resolved") == 1


def test_filters_by_intel_id_state_since_and_limit(emulator, run_playbook):
    (hunt,) = seed_and_deploy(emulator, run_playbook, hash_ioc(HUNT_NAME, SHARED_PAIR))
    (lone,) = seed_and_deploy(emulator, run_playbook, hash_ioc("LATER", [LONE]))
    by_doc = defaultdict(list)
    for alert in sorted(emulator.alerts(), key=lambda alert: alert["id"]):
        by_doc[alert["intelDocId"]].append(alert)
    (lone_alert,) = by_doc[lone["id"]]
    assert lone_alert["alertedAt"] > max(alert["alertedAt"] for alert in by_doc[hunt["id"]])
    resolved_id = by_doc[hunt["id"]][0]["id"]

    def info(task_name, **options):
        return {"name": task_name, "tanium.threat_response.alert_info": options}

    emulator.clear_journal()
    run = run_playbook([
        {"name": "resolve", "tanium.threat_response.alert": {"id": resolved_id, "state": "resolved"}},
        info("by id", intel_id=hunt["id"]),
        info("open", state=["unresolved"]),
        info("closed", state=["resolved", "inprogress"]),
        info("since", since=lone_alert["alertedAt"]),
        info("since with offset", since=lone_alert["alertedAt"].replace("Z", "+00:00")),
        info("open of one doc", intel_id=hunt["id"], state=["unresolved"]),
        info("limit", limit=2),
        info("unknown name", intel_name="NO SUCH DOCUMENT"),
        dict(info("bad since", since="last tuesday"), ignore_errors=True),
    ])

    def ids(task_name):
        return sorted(alert["id"] for alert in run.task(task_name)["alerts"])

    all_ids = sorted(alert["id"] for alert in emulator.alerts())
    assert ids("by id") == sorted(alert["id"] for alert in by_doc[hunt["id"]])
    assert ids("open") == sorted(set(all_ids) - {resolved_id})
    assert ids("closed") == [resolved_id]
    assert ids("since") == ids("since with offset") == [lone_alert["id"]]
    assert ids("open of one doc") == sorted(set(ids("by id")) - {resolved_id})
    assert len(ids("limit")) == 2 and ids("unknown name") == []
    assert run.status("bad since") == "failed" and "ISO 8601" in run.task("bad since")["msg"]
    queries = alert_listings(emulator)
    assert {"state": ["resolved", "inprogress"], "limit": ["500"], "offset": ["0"]} in queries
    assert {"alertedAtFrom": [lone_alert["alertedAt"]], "limit": ["500"], "offset": ["0"]} in queries
    assert {"limit": ["2"], "offset": ["0"]} in queries


def test_priority_severity_and_label_are_filtered_by_the_server(emulator, run_playbook):
    labelled = emulator.seed_intel(hash_ioc(HUNT_NAME, SHARED_PAIR).encode(), "hunt.ioc", labels=["Ransomware"])
    other = emulator.seed_intel(hash_ioc("UNRELATED", [LONE]).encode(), "other.ioc")
    urgent = emulator.raise_alert(labelled["id"], SHARED_HOLDERS[0], priority="critical", severity="high")
    usual = emulator.raise_alert(labelled["id"], SHARED_HOLDERS[1])
    emulator.raise_alert(other["id"], SHARED_HOLDERS[0], priority="critical")

    def info(task_name, **options):
        return {"name": task_name, "tanium.threat_response.alert_info": options}

    run = run_playbook([
        info("urgent or usual", priority=["critical", "high"], label="Ransomware"),
        info("high severity", severity=["high"]),
        info("no such label", label="Wiper"),
    ])
    assert run.rc == 0, run.output

    def ids(task_name):
        return sorted(alert["id"] for alert in run.task(task_name)["alerts"])

    assert ids("urgent or usual") == sorted([urgent["id"], usual["id"]])
    assert ids("high severity") == [urgent["id"]] and ids("no such label") == []
    queries = alert_listings(emulator)
    assert {"priority": ["critical", "high"], "labelName": ["Ransomware"], "limit": ["500"], "offset": ["0"]} in queries
    assert {"severity": ["high"], "limit": ["500"], "offset": ["0"]} in queries


def test_check_mode_predicts_the_state_change_and_sends_no_put(emulator, run_playbook):
    seed_and_deploy(emulator, run_playbook, hash_ioc(HUNT_NAME, SHARED_PAIR))
    alert_id = emulator.alerts()[0]["id"]
    emulator.clear_journal()
    run = run_playbook([{"name": "dismiss", "tanium.threat_response.alert": {"id": alert_id, "state": "dismissed"}}],
                       check=True, diff=True)
    assert run.rc == 0, run.output
    result = run.task("dismiss")
    assert result["changed"] is True and result["alert"]["state"] == "dismissed"
    assert result["diff"]["after"] == {"state": "dismissed"}
    assert emulator.writes() == [] and emulator.alerts()[0]["state"] == "unresolved"


def test_an_alert_that_does_not_exist_is_a_clear_error(emulator, run_playbook):
    task = {"name": "resolve", "ignore_errors": True, "tanium.threat_response.alert": {"id": 4242, "state": "resolved"}}
    run = run_playbook([task])
    assert run.status("resolve") == "failed"
    assert "no alert with id 4242" in run.task("resolve")["msg"]
    assert emulator.writes() == []


def suppress_3x(alert_id, **extra):
    return {"name": "suppress", **extra,
            "tanium.threat_response.alert": {"id": alert_id, "state": "suppressed", "api_version": "3"}}


@pytest.mark.emulator(api_version="both")
def test_api_version_3_sets_the_state_per_id_and_reads_the_alert_again(emulator, run_playbook):
    seed_and_deploy(emulator, run_playbook, hash_ioc(HUNT_NAME, SHARED_PAIR))
    alert_id = min(alert["id"] for alert in emulator.alerts())
    emulator.clear_journal()
    run = run_playbook([
        suppress_3x(alert_id),
        {"name": "list", "tanium.threat_response.alert_info": {"state": ["suppressed"], "api_version": "3"}},
    ])
    assert run.rc == 0, run.output
    assert run.task("suppress")["alert"]["state"] == "suppressed"
    assert alert_writes(emulator) == [("PUT", f"{ALERTS_3}/{alert_id}")]
    put = next(entry for entry in emulator.journal if entry["method"] == "PUT")
    reads = [entry for entry in emulator.journal if (entry["method"], entry["path"]) == ("GET", f"{ALERTS_3}/{alert_id}")]
    assert len(reads) == 2 and reads[1]["seq"] > put["seq"]  # before, and again after the PUT
    (listed,) = run.task("list")["alerts"]
    assert listed["id"] == alert_id and isinstance(listed["details"], dict)
    assert alert_listings(emulator, ALERTS_3)


@pytest.mark.emulator(api_version="both", alert_updates_3x="bulk_only")
def test_api_version_3_falls_back_to_the_bulk_body_where_the_per_id_form_is_not_served(emulator, run_playbook):
    seed_and_deploy(emulator, run_playbook, hash_ioc(HUNT_NAME, SHARED_PAIR))
    alert_id = min(alert["id"] for alert in emulator.alerts())
    emulator.clear_journal()
    run = run_playbook([suppress_3x(alert_id)])
    assert run.rc == 0, run.output
    assert run.task("suppress")["alert"]["state"] == "suppressed"
    assert [(entry["method"], entry["path"], entry["status"]) for entry in emulator.writes()] == [
        ("PUT", f"{ALERTS_3}/{alert_id}", 404), ("PUT", ALERTS_3 + "/", 200)]
    assert next(alert for alert in emulator.alerts() if alert["id"] == alert_id)["state"] == "suppressed"


@pytest.mark.emulator(api_version="both", alert_updates_3x="ignored")
def test_api_version_3_fails_when_the_server_accepts_the_state_but_keeps_the_old_one(emulator, run_playbook):
    seed_and_deploy(emulator, run_playbook, hash_ioc(HUNT_NAME, SHARED_PAIR))
    alert_id = min(alert["id"] for alert in emulator.alerts())
    run = run_playbook([suppress_3x(alert_id, ignore_errors=True)])
    assert run.status("suppress") == "failed"
    assert (f"accepted the new state 'suppressed' of alert {alert_id} but the alert still has state 'unresolved'"
            in run.task("suppress")["msg"])
    assert next(alert for alert in emulator.alerts() if alert["id"] == alert_id)["state"] == "unresolved"


# Many endpoints holding one file: one deployment raises one alert on each.
BIG_FLEET = [{"name": f"ws-{number:04d}", "ip": f"10.30.{number // 250}.{number % 250 + 1}", "platform": "windows",
              "files": [{"path": "C:\\Temp\\dropper.exe", "md5": "0123456789abcdef0123456789abcdef"}]}
             for number in range(1201)]


@pytest.mark.emulator(fleet=BIG_FLEET)
def test_every_page_is_read_and_limit_stops_early(emulator, run_playbook):
    seed_and_deploy(emulator, run_playbook, hash_ioc("DROPPER", [("md5", "0123456789abcdef0123456789abcdef")]))
    assert len(emulator.alerts()) == 1201
    emulator.clear_journal()
    run = run_playbook([
        {"name": "all", "tanium.threat_response.alert_info": {}},
    ])
    assert run.rc == 0, run.output
    alerts = run.task("all")["alerts"]
    assert len({alert["id"] for alert in alerts}) == len(alerts) == 1201
    # Pages of at most 50 rows (the integration emulator's cap) until meta.totalCount: no short-page stop.
    page_max = emulator.configure()["list_page_max"]
    assert [(query["limit"], query["offset"]) for query in alert_listings(emulator)] == [
        (["500"], [str(offset)]) for offset in range(0, 1201, page_max)]

    emulator.clear_journal()
    run = run_playbook([{"name": "some", "tanium.threat_response.alert_info": {"limit": 501}}])
    assert run.rc == 0, run.output
    assert len(run.task("some")["alerts"]) == 501
    assert [query["offset"] for query in alert_listings(emulator)] == [[str(offset)] for offset in range(0, 501, page_max)]
