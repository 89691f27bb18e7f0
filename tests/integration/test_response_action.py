"""response_action through ansible-playbook against the emulator: start, follow the task to its end, fail clearly.

Fleet (tests/emulator/fleet.json): WIN-HR-03 is a Windows endpoint, lnx-web-01 a Linux one.
"""

import time

import pytest

TR = "/plugin/products/threat-response/api/v1"

pytestmark = pytest.mark.emulator(action_delay=0.5)


def action(**options):
    return {"name": "act", "tanium.threat_response.response_action": dict({"wait_sleep": 1}, **options)}


def requests_made(emulator):
    """(method, path) of every request, Threat Response paths shortened, repeated polls shown once."""
    out = []
    for entry in emulator.journal:
        request = (entry["method"], entry["path"].replace(TR, "{T}"))
        if not out or out[-1] != request:
            out.append(request)
    return out


def sent(emulator):
    """The response actions the emulator received, as it stored them (the journal keeps no bodies)."""
    return [{k: v for k, v in a.items() if k in ("type", "computerName", "options", "expirationTime")}
            for a in emulator.core.response.actions.values()]


def test_gather_snapshot_is_followed_to_its_tasks_end(emulator, run_playbook):
    run = run_playbook([action(hostname="win-hr-03", type="gather_snapshot", wait=True)])
    assert run.rc == 0, run.output
    result = run.task("act")
    assert result["changed"] is True
    assert result["action"]["status"] == "COMPLETED" and result["action"]["computer_name"] == "WIN-HR-03"
    assert result["task"]["status"] == "COMPLETED"
    assert result["task"]["metadata"] == {"type": "gatherSnapshot", "id": result["action"]["id"]}
    snapshot_name = result["action"]["results"]["snapshot_name"]
    assert [s["name"] for s in emulator.core.snapshots.visible(emulator.core)] == [snapshot_name]
    assert sent(emulator) == [{"type": "gatherSnapshot", "computerName": "WIN-HR-03", "options": {},
                               "expirationTime": None}]
    task_id = result["task"]["id"]
    assert requests_made(emulator) == [
        ("GET", "/api/v2/system_status"), ("GET", "/plugin/products/dec/v1/endpoints"),
        ("POST", "{T}/response-actions"), ("GET", "{T}/tasks"), ("GET", f"{{T}}/tasks/{task_id}"),
        ("GET", "{T}/response-actions")]


def test_quarantine_takes_the_package_of_the_endpoints_platform(emulator, run_playbook):
    run = run_playbook([action(hostname="lnx-web-01", type="quarantine", wait=True, expire_seconds=600)])
    assert run.rc == 0, run.output
    assert run.task("act")["task"]["status"] == "COMPLETED"
    assert emulator.core.response.quarantined(emulator.core) == {"lnx-web-01": "Apply Linux IPTables Quarantine"}
    body = sent(emulator)[0]
    assert body["options"]["packageParameters"] == [{"key": f"${n}", "value": None} for n in range(1, 10)]
    assert body["expirationTime"].endswith("Z")


def test_a_failed_task_fails_the_module_clearly(emulator, run_playbook):
    emulator.configure(response_outcomes={"WIN-HR-03": "ERROR"})
    run = run_playbook([action(hostname="WIN-HR-03", type="quarantine", wait=True, wait_timeout=30)])
    assert run.rc != 0
    result = run.task("act")
    assert "the quarantine response action 1 on WIN-HR-03 did not succeed: its task 1 ended ERROR" in result["msg"]
    assert result["changed"] is True and result["action"]["id"] == 1  # the failure does not hide the start
    assert emulator.core.response.quarantined(emulator.core) == {}


@pytest.mark.emulator(action_delay=4)
def test_an_expired_action_fails_the_module_clearly(emulator, run_playbook):
    run = run_playbook([action(hostname="WIN-HR-03", type="quarantine", wait=True, expire_seconds=1, wait_timeout=30)])
    assert run.rc != 0
    assert "did not succeed: its task 1 ended EXPIRED: the action expired before the endpoint ran it" in \
        run.task("act")["msg"]


def test_wait_timeout_bounds_the_whole_task(emulator, run_playbook):
    emulator.configure(response_outcomes={"WIN-HR-03": "STARTED"})
    started = time.monotonic()
    run = run_playbook([action(hostname="WIN-HR-03", type="gather_snapshot", wait=True, wait_timeout=2)])
    assert run.rc != 0
    msg = run.task("act")["msg"]
    assert msg == ("gave up after wait_timeout (2 seconds) while waiting for the task of gatherSnapshot response action 1"
                   " on WIN-HR-03 to end")
    assert run.task("act")["changed"] is True
    assert time.monotonic() - started < 30


def test_without_wait_the_queued_action_is_returned(emulator, run_playbook):
    run = run_playbook([action(hostname="WIN-HR-03", type="gather_snapshot")])
    assert run.rc == 0, run.output
    assert run.task("act")["action"]["status"] == "QUEUED" and run.task("act")["task"] is None
    assert ("GET", "{T}/tasks") not in requests_made(emulator)


def test_check_mode_sends_nothing(emulator, run_playbook):
    run = run_playbook([action(hostname="WIN-HR-03", type="quarantine", wait=True)], check=True)
    assert run.rc == 0, run.output
    planned = run.task("act")["action"]
    assert run.task("act")["changed"] is True and planned["id"] is None
    assert planned["options"]["package_name"] == "Apply Windows IPsec Quarantine"
    assert emulator.writes() == []


def test_an_unknown_platform_needs_a_package_before_anything_is_sent(emulator, run_playbook):
    emulator.add_fault(method="GET", path="/dec/v1/endpoints", status=404, times=None)
    run = run_playbook([action(hostname="WIN-HR-03", type="quarantine")])
    assert run.rc != 0
    assert "package: no quarantine package is known for the platform of WIN-HR-03 (unknown;" in run.task("act")["msg"]
    assert emulator.writes() == []
    given = run_playbook([action(hostname="WIN-HR-03", type="quarantine", package="Apply Windows IPsec Quarantine",
                                 wait=True)])
    assert given.rc == 0, given.output


@pytest.mark.parametrize("options, message", [
    ({"hostname": "NOPE-01", "type": "quarantine"}, "hostname: the platform knows 0 endpoints matching 'NOPE-01'"),
    ({"hostname": "WIN-HR-03", "type": "gather_snapshot", "package": "x"}, "package: only a quarantine takes a package"),
    ({"hostname": "WIN-HR-03", "type": "gather_snapshot", "expire_seconds": 0}, "expire_seconds must be at least 1"),
])
def test_bad_input_fails_before_any_write(emulator, run_playbook, options, message):
    run = run_playbook([action(**options)])
    assert run.rc != 0 and message in run.task("act")["msg"]
    assert emulator.writes() == []
