"""intel_scan through ansible-playbook: quick scans raise alerts on a group's endpoints, no deployment."""

import pytest

from test_alerts import hash_ioc

INVOICE = ("md5", "3a4f23404f3caee307802ea4cf0a2363")  # invoice_0423.pdf.exe, on three Windows endpoints
NAME = "INVOICE DROPPER"
SCANS_4 = "/plugin/products/threat-response/api/v1/on-demand-scans/"


def scan(**options):
    return {"name": "scan", "tanium.threat_response.intel_scan": options}


def test_scan_by_names_raises_alerts_without_a_deployment(emulator, run_playbook):
    emulator.seed_intel(hash_ioc(NAME, [INVOICE]).encode(), "invoice.ioc")
    run = run_playbook([scan(intel_name=NAME, computer_group="Windows Computers")])
    assert run.rc == 0, run.output
    result = run.task("scan")
    assert result["changed"] is True
    assert result["scan"]["alert_count"] == 3 and result["scan"]["computer_group_id"] == 2
    assert sorted(a["computerName"] for a in emulator.alerts()) == ["WIN-HR-03", "WIN-OPS-05", "WIN-SALES-04"]
    assert [(e["method"], e["path"]) for e in emulator.writes()] == [("POST", SCANS_4)]
    assert any(e["path"] == "/api/v2/groups/by-name/Windows%20Computers" for e in emulator.journal)


def test_check_mode_sends_no_scan(emulator, run_playbook):
    doc = emulator.seed_intel(hash_ioc(NAME, [INVOICE]).encode(), "invoice.ioc")
    run = run_playbook([scan(intel_id=doc["id"], computer_group_id=1)], check=True)
    assert run.rc == 0, run.output
    assert run.task("scan")["changed"] is True and run.task("scan")["scan"]["id"] is None
    assert emulator.writes() == [] and emulator.alerts() == []


def test_unknown_group_fails_before_any_scan(emulator, run_playbook):
    emulator.seed_intel(hash_ioc(NAME, [INVOICE]).encode(), "invoice.ioc")
    run = run_playbook([scan(intel_name=NAME, computer_group="Nope")])
    assert run.rc != 0
    assert "no computer group named 'Nope'" in run.task("scan")["msg"]
    assert emulator.writes() == []


def test_unknown_intel_name_fails(emulator, run_playbook):
    run = run_playbook([scan(intel_name="absent", computer_group_id=1)])
    assert run.rc != 0 and "0 documents are named 'absent'" in run.task("scan")["msg"]


@pytest.mark.emulator(api_version="3")
def test_3x_uses_quick_scans(emulator, run_playbook):
    doc = emulator.seed_intel(hash_ioc(NAME, [INVOICE]).encode(), "invoice.ioc")
    run = run_playbook([scan(intel_id=doc["id"], computer_group="All Computers")], env={"TANIUM_TR_API_VERSION": "3"})
    assert run.rc == 0, run.output
    assert run.task("scan")["scan"]["alert_count"] == 3
    assert [e["path"] for e in emulator.writes()] == ["/plugin/products/detect3/api/v1/quick-scans/"]


def test_scan_fault_503_is_retried_but_a_gateway_error_is_not(emulator, run_playbook):
    doc = emulator.seed_intel(hash_ioc(NAME, [INVOICE]).encode(), "invoice.ioc")
    emulator.add_fault(method="POST", path="on-demand-scans", status=503, retry_after=0, times=1)
    run = run_playbook([scan(intel_id=doc["id"], computer_group_id=2)])
    assert run.rc == 0, run.output
    emulator.add_fault(method="POST", path="on-demand-scans", status=502, times=1)
    run = run_playbook([scan(intel_id=doc["id"], computer_group_id=2)])
    assert run.rc != 0
    assert [e["status"] for e in emulator.writes()] == [503, 200, 502]
