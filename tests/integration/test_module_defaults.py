"""`module_defaults` for group/tanium.threat_response.all: the connection set once reaches every module.

The environment of the run points the TANIUM_* variables at a closed port with a wrong token, so a
module that did not take its connection from the group's defaults fails; the emulator's journal shows
that every module's requests arrived, with the API token given in module_defaults.
"""

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
APT18 = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
# A file two endpoints of the emulator's fleet hold (tests/emulator/fleet.json), so deploying raises alerts.
FLEET_HASH = "b8cf3640443c280fbfb12c279309ca09"
V4 = "/plugin/products/threat-response/api/v1"
NOWHERE = {"TANIUM_URL": "https://127.0.0.1:9", "TANIUM_API_TOKEN": "wrong-token", "TANIUM_CA_PATH": "",
           "TANIUM_USERNAME": "", "TANIUM_PASSWORD": ""}


def every_module_tasks():
    hunt = {"md5": [FLEET_HASH]}
    return [
        {"name": "label", "tanium.threat_response.label": {"name": "module-defaults"}},
        {"name": "intel", "tanium.threat_response.intel": {
            "name": "MODULE DEFAULTS HUNT", "labels": ["module-defaults"],
            "content": "{{ hunt | tanium.threat_response.to_openioc(name='MODULE DEFAULTS HUNT') }}"},
         "vars": {"hunt": hunt}},
        {"name": "intel_sync", "tanium.threat_response.intel_sync": {"documents": [{"src": str(APT18)}]}},
        {"name": "intel_info", "tanium.threat_response.intel_info": {"name": "MODULE DEFAULTS HUNT"},
         "register": "found"},
        {"name": "intel_deploy", "tanium.threat_response.intel_deploy": {"wait": True, "wait_sleep": 1}},
        {"name": "intel_status_info", "tanium.threat_response.intel_status_info": {"id": "{{ found.intels[0].id }}"}},
        {"name": "alert_info", "tanium.threat_response.alert_info": {"intel_id": "{{ found.intels[0].id }}"},
         "register": "hunt_alerts"},
        {"name": "alert", "tanium.threat_response.alert": {"id": "{{ hunt_alerts.alerts[0].id }}", "state": "resolved"}},
        {"name": "endpoint_info", "tanium.threat_response.endpoint_info": {"hostname": "WIN-HR-03"}},
        {"name": "question_info", "tanium.threat_response.question_info": {
            "text": "Get Computer Name from all machines", "wait_sleep": 1}},
        {"name": "intel_scan", "tanium.threat_response.intel_scan": {
            "intel_name": "MODULE DEFAULTS HUNT", "computer_group": "All Computers"}},
        {"name": "file_collect", "tanium.threat_response.file_collect": {
            "hostname": "WIN-HR-03", "path": "C:\\Users\\mlee\\Downloads\\invoice_0423.pdf.exe",
            "dest": "{{ playbook_dir }}/", "wait_sleep": 1}},
        {"name": "response_action", "tanium.threat_response.response_action": {
            "hostname": "WIN-HR-03", "type": "gather_snapshot"}},
        {"name": "snapshot", "tanium.threat_response.snapshot": {"hostname": "WIN-FIN-01", "wait_sleep": 1}},
        {"name": "snapshot_info", "tanium.threat_response.snapshot_info": {"hostname": "WIN-FIN-01"}},
        {"name": "platform_action", "tanium.threat_response.platform_action": {
            "package": "Apply Mac PF Quarantine", "computer_group": "Mac Computers", "action_group": "All Computers"}},
        # Not in the group (it takes no connection options): the group's defaults must not reach it.
        {"name": "intel_check", "tanium.threat_response.intel_check": {"src": str(APT18)}},
    ]


def test_connection_only_in_module_defaults_reaches_every_module(emulator, run_playbook, tmp_path):
    play = {"hosts": "localhost", "gather_facts": False, "connection": "local",
            "module_defaults": {"group/tanium.threat_response.all": {
                "url": emulator.url, "api_token": emulator.api_token, "ca_path": emulator.ca_file}},
            "tasks": every_module_tasks()}
    playbook = tmp_path / "module_defaults.yml"
    playbook.write_text(json.dumps([play], indent=1))

    run = run_playbook(playbook, env=NOWHERE)

    assert run.rc == 0, run.output
    for task in every_module_tasks():
        assert run.status(task["name"]) == "ok", (task["name"], run.output)
    assert run.task("intel_status_info")["intel"]["deployed"] is True
    assert run.task("alert")["alert"]["state"] == "resolved"
    assert run.task("intel_check")["summary"]["valid"] == 1
    reached = {(entry["method"], entry["path"].rstrip("/")) for entry in emulator.journal}
    alert_id = run.task("alert")["alert"]["id"]
    assert {("POST", f"{V4}/labels"), ("POST", f"{V4}/sources"), ("GET", f"{V4}/intels"),
            ("POST", f"{V4}/intel/deploy"), ("GET", f"{V4}/intel/status"), ("GET", f"{V4}/alerts"),
            ("PUT", f"{V4}/alerts/{alert_id}"), ("GET", "/api/v2/system_status"), ("POST", "/api/v2/questions"),
            ("POST", f"{V4}/on-demand-scans"), ("POST", f"{V4}/conns/connect"), ("POST", f"{V4}/response-actions"),
            ("GET", f"{V4}/snapshot"), ("POST", "/api/v2/actions")} <= reached
    assert {entry["auth"] for entry in emulator.journal} == {"api_token"}
