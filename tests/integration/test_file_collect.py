"""file_collect through ansible-playbook against the emulator: connect, request, wait, download, verify, clean up.

WIN-HR-03 holds invoice_0423.pdf.exe (tests/emulator/fleet.json); its bytes are the fleet's `content`.
"""

import hashlib
import io
import time
import zipfile

import pytest

TR = "/plugin/products/threat-response/api/v1"
HOST = "WIN-HR-03"
PATH = "C:\\Users\\mlee\\Downloads\\invoice_0423.pdf.exe"
SHA256 = "dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233"
CID = "remote:WIN-HR-03:1:"

pytestmark = pytest.mark.emulator(collect_delay=0.2)


@pytest.fixture
def dest(tmp_path):
    """An evidence directory of its own (tmp_path also holds the playbooks)."""
    path = tmp_path / "evidence"
    path.mkdir()
    return path


def collect(**options):
    return {"name": "collect", "tanium.threat_response.file_collect": dict(
        {"hostname": HOST, "path": PATH, "wait_sleep": 1}, **options)}


def tr_requests(emulator):
    """(method, path under the threat-response prefix) of every Threat Response request, in order."""
    return [(e["method"], e["path"][len(TR):]) for e in emulator.journal if e["path"].startswith(TR)]


def collapsed(requests):
    """The requests with repeated polls shown once."""
    out = []
    for request in requests:
        if not out or out[-1] != request:
            out.append(request)
    return out


def test_collects_verifies_and_cleans_up(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest))])
    assert run.rc == 0, run.output
    result = run.task("collect")
    zip_file = dest / "invoice_0423.pdf.exe.zip"
    assert result["changed"] is True and result["dest"] == str(zip_file)
    assert result["sha256"] == SHA256 and result["size"] == 94 and result["hostname"] == HOST
    assert zip_file.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(zip_file) as archive:
        inner = archive.read(archive.namelist()[0], pwd=b"infected")
    assert hashlib.sha256(inner).hexdigest() == SHA256 and hashlib.md5(inner).hexdigest() == result["md5"]
    assert list(dest.iterdir()) == [zip_file]  # kept zipped, nothing extracted
    uuid = result["evidence_uuid"]
    assert collapsed(tr_requests(emulator)) == [
        ("GET", "/filedownload"), ("POST", "/conns/connect"), ("GET", "/conns"), ("POST", f"/conns/{CID}/file"),
        ("GET", "/tasks/1"), ("GET", "/filedownload"), ("GET", f"/filedownload/data/{uuid}"),
        ("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    connect = next(e for e in emulator.journal if e["path"].endswith("/conns/connect"))
    assert connect["auth"] == "api_token"


def test_second_run_changes_nothing_and_force_collects_again(emulator, run_playbook, dest):
    assert run_playbook([collect(dest=str(dest))]).rc == 0
    emulator.clear_journal()
    again = run_playbook([collect(dest=str(dest))])
    assert again.rc == 0, again.output
    assert again.task("collect")["changed"] is False and again.task("collect")["sha256"] == SHA256
    assert tr_requests(emulator) == [("GET", "/filedownload")]  # no connection
    forced = run_playbook([collect(dest=str(dest), force=True)])
    assert forced.rc == 0, forced.output
    assert forced.task("collect")["changed"] is True
    assert forced.task("collect")["evidence_uuid"] != again.task("collect")["evidence_uuid"]
    assert ("POST", "/conns/connect") in tr_requests(emulator)


def test_a_different_file_in_dest_is_collected_again(emulator, run_playbook, dest):
    assert run_playbook([collect(dest=str(dest))]).rc == 0
    (dest / "invoice_0423.pdf.exe.zip").write_bytes(b"not the evidence")
    run = run_playbook([collect(dest=str(dest))])
    assert run.rc == 0 and run.task("collect")["changed"] is True
    assert run.task("collect")["sha256"] == SHA256


def test_check_mode_sends_nothing_but_reads(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest))], check=True)
    assert run.rc == 0, run.output
    assert run.task("collect")["changed"] is True and run.task("collect")["sha256"] is None
    assert {e["method"] for e in emulator.journal} == {"GET"} and list(dest.iterdir()) == []


def test_missing_file_fails_clearly_and_still_closes(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest), path="C:\\nowhere\\gone.exe")])
    assert run.rc != 0
    assert "could not collect C:\\nowhere\\gone.exe from WIN-HR-03" in run.task("collect")["msg"]
    assert tr_requests(emulator)[-2:] == [("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    assert list(dest.iterdir()) == []


def test_a_dropped_download_is_retried_and_the_connection_closed(emulator, run_playbook, dest):
    emulator.add_fault(method="GET", path="/filedownload/data/", action="drop", times=1)
    run = run_playbook([collect(dest=str(dest))])
    assert run.rc == 0, run.output
    data = [e for e in emulator.journal if "/filedownload/data/" in e["path"]]
    assert [e["fault"] for e in data] == ["drop", None]
    assert tr_requests(emulator)[-1] == ("DELETE", f"/conns/delete/{CID}")


def test_a_download_that_keeps_failing_fails_and_still_closes(emulator, run_playbook, dest):
    emulator.add_fault(method="GET", path="/filedownload/data/", status=500, times=None)
    run = run_playbook([collect(dest=str(dest), retries=1)])
    assert run.rc != 0 and "500" in run.output
    assert tr_requests(emulator)[-2:] == [("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    assert list(dest.iterdir()) == []


@pytest.mark.emulator(collect_delay=30)
def test_wait_timeout_is_honoured(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest), wait_timeout=2)])
    assert run.rc != 0
    assert run.task("collect")["msg"] == (f"gave up after wait_timeout (2 seconds) while waiting for connection {CID} "
                                          "to become connected")
    assert ("DELETE", f"/conns/delete/{CID}") in tr_requests(emulator)
    assert not [r for r in tr_requests(emulator) if r[1].endswith("/file")]  # never connected, never asked


def test_a_429_asking_for_20_seconds_ends_the_task_within_wait_timeout_and_still_closes(emulator, run_playbook, dest):
    emulator.add_fault(method="GET", path=f"^{TR}/conns/?$", status=429, retry_after=20, times=None)
    started = time.monotonic()
    run = run_playbook([collect(dest=str(dest), wait_timeout=5)])
    elapsed = time.monotonic() - started
    assert run.rc != 0 and elapsed < 12, elapsed  # not 5 tries x 20 s
    assert run.task("collect")["msg"] == (
        f"gave up after wait_timeout (5 seconds) while waiting for connection {CID} to become connected "
        f"(GET {TR}/conns answered HTTP 429; the next try would be 20 seconds later)")
    assert "Traceback" not in run.output
    assert tr_requests(emulator) == [("GET", "/filedownload"), ("POST", "/conns/connect"), ("GET", "/conns"),
                                     ("DELETE", f"/conns/close/{CID}"), ("DELETE", f"/conns/delete/{CID}")]
    assert list(dest.iterdir()) == []


def test_a_20_second_read_ends_the_task_within_wait_timeout_and_still_closes(emulator, run_playbook, dest):
    emulator.add_fault(method="GET", path=f"^{TR}/filedownload/?$", action="delay", delay=20, times=1)
    started = time.monotonic()
    run = run_playbook([collect(dest=str(dest), wait_timeout=5)])
    elapsed = time.monotonic() - started
    assert run.rc != 0 and elapsed < 12, elapsed
    assert run.task("collect")["msg"].startswith(
        f"gave up after wait_timeout (5 seconds) while listing the evidence Threat Response holds for {HOST} "
        "(no response from "), run.task("collect")["msg"]
    assert emulator.writes() == []  # no connection opened once the time was up


def test_a_damaged_zip_in_dest_is_collected_again(emulator, run_playbook, dest):
    assert run_playbook([collect(dest=str(dest))]).rc == 0
    zip_file = dest / "invoice_0423.pdf.exe.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("invoice_0423.pdf.exe", b"MZ" * 4000)
    damaged = bytearray(buffer.getvalue())
    damaged[50:58] = b"\xff" * 8  # inside the deflate stream: reading it raises zlib.error
    zip_file.write_bytes(bytes(damaged))
    emulator.clear_journal()
    run = run_playbook([collect(dest=str(dest))])
    assert run.rc == 0, run.output
    assert run.task("collect")["changed"] is True and run.task("collect")["sha256"] == SHA256
    assert ("POST", "/conns/connect") in tr_requests(emulator)


def test_cleanup_false_leaves_the_connection(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest), cleanup=False)])
    assert run.rc == 0, run.output
    assert not [r for r in tr_requests(emulator) if r[0] == "DELETE"]


def test_extract_unpacks_beside_the_zip_without_exec_bits(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest) + "/", extract=True)])
    assert run.rc == 0, run.output
    unpacked = dest / "invoice_0423.pdf.exe"
    assert hashlib.sha256(unpacked.read_bytes()).hexdigest() == SHA256
    assert unpacked.stat().st_mode & 0o777 == 0o600
    unpacked.unlink()
    emulator.clear_journal()
    again = run_playbook([collect(dest=str(dest), extract=True)])
    assert again.task("collect")["changed"] is True and unpacked.exists()  # extracted again, not collected
    assert tr_requests(emulator) == [("GET", "/filedownload")]


def test_by_client_id_into_a_file_path(emulator, run_playbook, dest):
    endpoints = run_playbook([{"name": "find", "tanium.threat_response.endpoint_info": {"hostname": HOST}}])
    client_id = endpoints.task("find")["endpoints"][0]["client_id"]
    target = dest / "sample.zip"
    run = run_playbook([{"name": "collect", "tanium.threat_response.file_collect": {
        "client_id": client_id, "path": PATH, "dest": str(target), "wait_sleep": 1}}])
    assert run.rc == 0, run.output
    assert run.task("collect")["dest"] == str(target)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        assert hashlib.sha256(archive.read(archive.namelist()[0], pwd=b"infected")).hexdigest() == SHA256


def test_unknown_host_fails_before_any_connection(emulator, run_playbook, dest):
    run = run_playbook([collect(dest=str(dest), hostname="NOPE-01")])
    assert run.rc != 0 and "0 endpoints matching 'NOPE-01'" in run.task("collect")["msg"]
    assert emulator.writes() == []


def test_a_download_that_is_not_the_evidence_zip_writes_nothing(emulator, run_playbook, dest):
    emulator.add_fault(method="GET", path="/filedownload/data/", status=200, body="<html>proxy login</html>")
    run = run_playbook([collect(dest=str(dest))])
    assert run.rc != 0 and "not a readable zip" in run.task("collect")["msg"]
    assert list(dest.iterdir()) == []
    assert tr_requests(emulator)[-1] == ("DELETE", f"/conns/delete/{CID}")
