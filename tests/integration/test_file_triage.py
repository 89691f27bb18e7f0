"""The file_triage role end to end against the emulator: question -> collect -> verdict -> hunt (+ scan).

The fleet (tests/emulator/fleet.json): WIN-HR-03 and WIN-SALES-04 report invoice_0423.pdf.exe
unresolved; WIN-OPS-05 holds the same file unnoticed.
"""

import json

import pytest

QUESTION = ("Get Computer Name and Detected Threats Path from all machines "
            "with Detected Threats Status contains unresolved")
INVOICE_SHA256 = "dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233"
HOLDERS = ["WIN-HR-03", "WIN-OPS-05", "WIN-SALES-04"]
TR = "/plugin/products/threat-response/api/v1"

pytestmark = pytest.mark.emulator(deploy_delay=0.5, question_delay=1.0, collect_delay=0.2)


def triage(run_playbook, tmp_path, check=False, **values):
    settings = dict(file_triage_question=QUESTION, file_triage_path_column="Detected Threats Path",
                    file_triage_dest=str(tmp_path / "evidence"), file_triage_known_bad=[INVOICE_SHA256],
                    file_triage_hunt_name="INVOICE DROPPER", file_triage_wait_sleep=1, hash_hunt_alert_wait=5)
    settings.update(values)
    return run_playbook("tanium.threat_response.file_triage", args=["-e", json.dumps(settings)], check=check)


def threat_response_writes(emulator):
    return [(e["method"], e["path"]) for e in emulator.writes() if e["path"].startswith(TR)]


def test_question_collect_verdict_hunt_and_a_rerun_that_changes_nothing(emulator, run_playbook, tmp_path):
    first = triage(run_playbook, tmp_path)
    assert first.rc == 0, first.output
    report = first.task("Report")["msg"]
    assert report[0] == "Endpoints found: WIN-HR-03, WIN-SALES-04"
    collected = [line for line in report if line.startswith("Collected ")]
    assert len(collected) == 1 and collected[0].endswith("-> MALICIOUS")  # one copy of the one file
    assert sorted(line.rsplit(" ", 1)[1] for line in report if line.startswith("The hunt found")) == HOLDERS
    writes = threat_response_writes(emulator)
    connections = [w for w in writes if "/conns/" in w[1]]
    assert [(m, p.split("/conns/")[1].split("/")[0]) for m, p in connections] == [
        ("POST", "connect"), ("POST", "remote:WIN-HR-03:1:"), ("DELETE", "close"), ("DELETE", "delete")]
    assert (tmp_path / "evidence" / "WIN-HR-03" / "invoice_0423.pdf.exe.zip").stat().st_mode & 0o777 == 0o600
    # The hunt document is created through the collection's source, then deployed.
    assert any(method == "POST" and path.startswith(f"{TR}/sources/") and path.endswith("/intels")
               for method, path in writes) and ("POST", f"{TR}/intel/deploy") in writes
    assert [e for e in emulator.journal if e["path"] == "/api/v2/parse_question"]

    emulator.clear_journal()
    second = triage(run_playbook, tmp_path)
    assert second.rc == 0, second.output
    assert threat_response_writes(emulator) == []  # no connection, no download, no upload, no deploy
    assert sorted(line.rsplit(" ", 1)[1] for line in second.task("Report")["msg"]
                  if line.startswith("The hunt found")) == HOLDERS


def test_analysis_tasks_decide_and_a_clean_verdict_hunts_nothing(emulator, run_playbook, tmp_path):
    verdict = tmp_path / "verdict.yml"
    verdict.write_text(json.dumps([{"name": "sandbox says clean", "ansible.builtin.set_fact": {
        "file_triage_malicious": [], "seen": "{{ file_triage_collected | map(attribute='sha256') | list }}"}}]))
    run = triage(run_playbook, tmp_path, file_triage_analysis_tasks=str(verdict))
    assert run.rc == 0, run.output
    assert run.task("sandbox says clean")["ansible_facts"]["seen"] == [INVOICE_SHA256]
    assert not [w for w in threat_response_writes(emulator) if w[1].startswith(f"{TR}/intel")]
    assert run.status("Hunt for the malicious files on every endpoint") == "skipped"


def test_targets_and_a_scan_group(emulator, run_playbook, tmp_path):
    run = triage(run_playbook, tmp_path, file_triage_question="", file_triage_scan_group="Windows Computers",
                 file_triage_targets=[{"hostname": "WIN-SALES-04",
                                       "path": "C:\\Users\\tkim\\AppData\\Local\\Temp\\invoice_0423.pdf.exe"}])
    assert run.rc == 0, run.output
    assert ("POST", f"{TR}/on-demand-scans/") in threat_response_writes(emulator)
    assert not [e for e in emulator.journal if e["path"].startswith("/api/v2/parse_question")]


def test_neither_question_nor_targets_is_refused_before_any_request(emulator, run_playbook, tmp_path):
    run = triage(run_playbook, tmp_path, file_triage_question="")
    assert run.rc != 0
    assert "set file_triage_question or file_triage_targets" in run.output
    assert emulator.journal == []


def hostile(name, ip, file_name):
    path = f"C:\\Users\\x\\{file_name}"
    return {"name": name, "ip": ip, "platform": "windows", "files": [{"path": path, "content": file_name}],
            "detections": [{"path": path, "status": "unresolved"}]}


@pytest.mark.emulator(question_delay=0.5, collect_delay=0.2, fleet=[
    hostile("../victim", "10.9.0.1", "a.exe"), hostile("..", "10.9.0.2", "b.exe"),
    hostile("/etc", "10.9.0.3", "c.exe"), hostile("x/../../y", "10.9.0.4", "d.exe")])
def test_host_names_from_the_server_never_choose_a_path_outside_dest(emulator, run_playbook, tmp_path):
    run = triage(run_playbook, tmp_path, file_triage_known_bad=[])
    assert run.rc == 0, run.output
    evidence = tmp_path / "evidence"
    found = sorted(str(path.relative_to(evidence)) for path in evidence.rglob("*"))
    assert found == ["%2E%2E", "%2E%2E/b.exe.zip", "%2Fetc", "%2Fetc/c.exe.zip", "..%2Fvictim",
                     "..%2Fvictim/a.exe.zip", "x%2F..%2F..%2Fy", "x%2F..%2F..%2Fy/d.exe.zip"]
    assert all(path.stat().st_mode & 0o777 == 0o700 for path in evidence.iterdir())
    # Where `dest/<host name>` would have gone: ../victim, .. and x/../../y climb out of dest.
    assert not [name for name in ("victim", "y", "b.exe.zip") if (tmp_path / name).exists()]
    assert "its host name is not a plain directory name" in run.output
    connects = [e for e in emulator.writes() if e["path"].endswith("/conns/connect")]
    assert len(connects) == 4
