"""platform_action through ansible-playbook against the emulator: a package to a group or to named endpoints,
and every endpoint's final status.

Computer group `Windows Computers` holds the six WIN-* endpoints of tests/emulator/fleet.json.
"""

import pytest

WINDOWS = ["WIN-DEV-02", "WIN-FIN-01", "WIN-HR-03", "WIN-KIOSK-06", "WIN-OPS-05", "WIN-SALES-04"]

pytestmark = pytest.mark.emulator(action_delay=0.5)


def deploy(**options):
    return {"name": "deploy", "tanium.threat_response.platform_action": dict(
        {"action_group": "All Computers", "wait_sleep": 1}, **options)}


def platform_calls(emulator):
    """(method, path) of the requests, repeated polls shown once."""
    out = []
    for entry in emulator.journal:
        call = (entry["method"], entry["path"])
        out += [call] if not out or out[-1] != call else []
    return out


def test_a_package_on_a_group_reports_every_endpoints_final_status(emulator, run_playbook):
    emulator.configure(action_outcomes={"WIN-KIOSK-06": "NotSucceeded"})
    run = run_playbook([deploy(package="Custom Tagging - Add Tags", parameters=["contained"],
                               computer_group="Windows Computers", wait=True)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["changed"] is True and result["complete"] is True
    assert [r["hostname"] for r in result["results"]] == WINDOWS
    assert all(r["final"] for r in result["results"])
    assert {r["hostname"]: r["status"] for r in result["results"]}["WIN-KIOSK-06"] == "NotSucceeded"
    assert {r["status"] for r in result["results"] if r["hostname"] != "WIN-KIOSK-06"} == {"Completed"}
    created = emulator.core.platform_actions.get(result["action"]["id"])
    assert created["package_spec"]["parameters"] == [{"key": "$1", "value": "contained"}]
    assert created["target_group"] == {"id": 2, "name": "Windows Computers"}
    assert created["action_group"] == {"id": 1, "name": "All Computers"}
    assert platform_calls(emulator) == [
        ("GET", "/api/v2/packages/by-name/Custom%20Tagging%20-%20Add%20Tags"),
        ("GET", "/api/v2/groups/by-name/Windows%20Computers"), ("POST", "/api/v2/actions"),
        ("GET", f"/api/v2/result_data/action/{result['action']['id']}")]


@pytest.mark.emulator(action_delay=1.5)
def test_with_a_verify_group_completed_is_not_final(emulator, run_playbook):
    run = run_playbook([deploy(package="Distribute Tanium Standard Utilities",
                               hostnames=["mac-exec-01", "win-hr-03"], wait=True)])
    assert run.rc == 0, run.output
    assert run.task("deploy")["results"] == [{"hostname": "mac-exec-01", "status": "Verified", "final": True},
                                             {"hostname": "WIN-HR-03", "status": "Verified", "final": True}]


def test_named_endpoints_are_targeted_exactly_and_reported_in_their_order(emulator, run_playbook):
    run = run_playbook([deploy(package="Apply Linux IPTables Quarantine", hostnames=["lnx-web-01", "WIN-HR-03"],
                               wait=True, expire_seconds=900)])
    assert run.rc == 0, run.output
    assert run.task("deploy")["results"] == [{"hostname": "lnx-web-01", "status": "Completed", "final": True},
                                             {"hostname": "WIN-HR-03", "status": "Failed", "final": True}]
    created = emulator.core.platform_actions.get(run.task("deploy")["action"]["id"])
    assert created["_targets"] == ["lnx-web-01", "WIN-HR-03"] and created["expire_seconds"] == 900
    assert ("GET", "/api/v2/sensors/by-name/Computer%20Name") in platform_calls(emulator)


def test_the_wait_ends_with_what_was_read_when_a_status_is_never_final(emulator, run_playbook):
    emulator.configure(action_outcomes={"WIN-HR-03": "Waiting"})
    run = run_playbook([deploy(package="Apply Windows IPsec Quarantine", hostnames=["WIN-HR-03", "WIN-FIN-01"],
                               wait=True, wait_timeout=3)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["complete"] is False
    assert result["results"] == [{"hostname": "WIN-HR-03", "status": "Waiting", "final": False},
                                 {"hostname": "WIN-FIN-01", "status": "Completed", "final": True}]
    assert "not final: WIN-HR-03" in run.output


def test_a_group_is_not_complete_while_an_endpoint_has_not_reported(emulator, run_playbook):
    emulator.configure(action_outcomes={"WIN-HR-03": "offline"})
    run = run_playbook([deploy(package="Apply Windows IPsec Quarantine", computer_group="Windows Computers",
                               wait=True, wait_timeout=4)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["complete"] is False and "WIN-HR-03" not in [r["hostname"] for r in result["results"]]
    assert len(result["results"]) == 5 and all(r["final"] for r in result["results"])
    assert "not final: endpoints that had not reported yet" in run.output


def test_without_wait_no_status_is_read(emulator, run_playbook):
    run = run_playbook([deploy(package="Apply Windows IPsec Quarantine", computer_group="Windows Computers")])
    assert run.rc == 0, run.output
    assert run.task("deploy")["results"] == [] and run.task("deploy")["action"]["id"] == 1
    assert not [call for call in platform_calls(emulator) if "result_data" in call[1]]


def test_check_mode_creates_no_action(emulator, run_playbook):
    run = run_playbook([deploy(package="Custom Tagging - Add Tags", parameters=["x"], hostnames=["WIN-HR-03"],
                               wait=True)], check=True)
    assert run.rc == 0, run.output
    assert run.task("deploy")["changed"] is True and run.task("deploy")["action"] is None
    assert emulator.writes() == []


@pytest.mark.parametrize("options, message", [
    ({"package": "No Such Package", "computer_group": "All Computers"}, "package: the server has no package named"),
    ({"package": "Custom Tagging - Add Tags", "computer_group": "All Computers"},
     "parameters: package 'Custom Tagging - Add Tags' takes 1 parameter(s) ($1), 0 given"),
    ({"package": "Apply Mac PF Quarantine", "hostnames": ["mac-exec-01", "NOPE-01"]},
     "hostnames: the platform knows no endpoint named NOPE-01"),
    ({"package": "Apply Mac PF Quarantine", "computer_group": "Nowhere"}, "computer_group: the server has no computer group"),
    ({"package": "Apply Mac PF Quarantine", "hostnames": []}, "hostnames: give at least one host name"),
])
def test_bad_input_fails_before_any_write(emulator, run_playbook, options, message):
    run = run_playbook([deploy(**options)])
    assert run.rc != 0 and message in run.task("deploy")["msg"]
    assert emulator.writes() == []
