"""Faults from the emulator's fault plan, through ansible-playbook: every test asserts what the server holds after.

The client's retry rules are in plugins/module_utils/_api/retry.py and _api/client.py; docs/reliability.md lists
every fault tried here and what the collection does about it.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "corpus"
APT18 = CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"
API = "/plugin/products/threat-response/api/v1"
INTELS, LABELS, DEPLOY = f"{API}/intels", f"{API}/labels", f"{API}/intel/deploy"
LOGIN = "/api/v2/session/login"
# A name every C library refuses before opening a socket ("!" is not a host name character; glibc's
# res_hnok, musl's is_valid_hostname), in the .invalid domain that never resolves (RFC 6761): the
# name-resolution failure happens on this machine, with no DNS query sent anywhere.
UNRESOLVABLE_HOST = "tanium!unresolvable.invalid"
EIGHT_DOCUMENTS = sorted(CORPUS.glob("openioc/APT*.ioc")) + sorted(CORPUS.glob("stix1/*.xml"))[:2] + [
    CORPUS / "yara" / "FIN4_MACROCHECK.yara", CORPUS / "yara" / "apt_hatman.yar"]


def intel_task(task_name, **options):
    return {"name": task_name, "tanium.threat_response.intel": options}


def requests_to(emulator, method, path_pattern):
    """Journal entries of `method` on paths matching `path_pattern` (a regex), in the order served."""
    return [entry for entry in emulator.journal
            if entry["method"] == method and re.search(path_pattern, entry["path"])]


def statuses(emulator, method, path_pattern):
    return [entry["status"] for entry in requests_to(emulator, method, path_pattern)]


def closed_port():
    """A 127.0.0.1 port nothing listens on: bound once by the OS, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def edited_apt18(tmp_path):
    """APT18 and an edited copy with the same identity: uploading one then the other is a create then a PUT."""
    original, edited = tmp_path / "apt18.ioc", tmp_path / "apt18-edited.ioc"
    shutil.copy(APT18, original)
    edited.write_bytes(APT18.read_bytes().replace(b"<description>", b"<description>Edited. ", 1))
    return original, edited


def create_then_update(run_playbook, edited_apt18):
    original, edited = edited_apt18
    run = run_playbook([intel_task("create", src=str(original)), intel_task("update", src=str(edited))])
    assert run.rc == 0, run.output
    assert (run.task("create")["action"], run.task("update")["action"]) == ("create", "update")
    return run


def assert_one_updated_document(emulator, run):
    (document,) = emulator.intels()
    assert document["id"] == run.task("create")["intel"]["id"] == run.task("update")["intel"]["id"]
    assert document["md5"] == run.task("update")["intel"]["md5"] != run.task("create")["intel"]["md5"]


def test_429_and_503_with_retry_after_are_waited_out_and_leave_one_updated_document(
        emulator, run_playbook, edited_apt18):
    emulator.add_fault(method="GET", path="/intels$", status=503, retry_after=1)
    emulator.add_fault(method="POST", path="/intels$", status=429, retry_after=1)
    emulator.add_fault(method="PUT", path=r"/intels/\d+$", status=503, retry_after=1)
    run = create_then_update(run_playbook, edited_apt18)
    assert_one_updated_document(emulator, run)
    assert statuses(emulator, "GET", "/intels$")[:2] == [503, 200]
    for method, path in (("POST", "/intels$"), ("PUT", r"/intels/\d+$")):
        refused, accepted = requests_to(emulator, method, path)
        assert (refused["status"], accepted["status"]) == ((429 if method == "POST" else 503), 200)
        assert accepted["time"] - refused["time"] >= 1.0  # Retry-After: 1 was honoured


def test_502_and_504_are_retried_and_a_create_is_looked_up_before_it_is_sent_again(
        emulator, run_playbook, edited_apt18):
    emulator.add_fault(method="GET", path="/intels$", status=502)
    emulator.add_fault(method="POST", path="/intels$", status=504)
    emulator.add_fault(method="PUT", path=r"/intels/\d+$", status=502)
    run = create_then_update(run_playbook, edited_apt18)
    assert_one_updated_document(emulator, run)
    assert statuses(emulator, "GET", "/intels$")[:2] == [502, 200]
    assert statuses(emulator, "PUT", r"/intels/\d+$") == [502, 200]
    # A gateway may have forwarded the create, so the module lists by name before posting it again.
    # (Listing: GET intels; create: POST sources/{id}/intels.)
    on_intels = [entry for entry in emulator.journal if entry["path"].endswith("/intels")]
    failed_at = next(index for index, entry in enumerate(on_intels) if entry["status"] == 504)
    gateway_error, lookup, create = on_intels[failed_at:failed_at + 3]
    assert [(entry["method"], entry["status"]) for entry in (gateway_error, lookup, create)] == [
        ("POST", 504), ("GET", 200), ("POST", 200)]


def test_connections_dropped_before_the_server_acted_are_retried_on_get_put_and_post(
        emulator, run_playbook, edited_apt18):
    for method, path in (("GET", "/intels$"), ("POST", "/intels$"), ("PUT", r"/intels/\d+$")):
        emulator.add_fault(method=method, path=path, action="drop")
    run = create_then_update(run_playbook, edited_apt18)
    assert_one_updated_document(emulator, run)
    assert statuses(emulator, "GET", "/intels$")[:2] == [None, 200]  # None: no response was sent
    assert statuses(emulator, "POST", "/intels$") == [None, 200]
    assert statuses(emulator, "PUT", r"/intels/\d+$") == [None, 200]


def test_creates_applied_before_the_connection_dropped_are_found_and_not_sent_again(emulator, run_playbook):
    emulator.add_fault(method="POST", path="/intels$", action="apply_then_drop", times=3)
    emulator.add_fault(method="POST", path="/labels$", action="apply_then_drop")
    synced = EIGHT_DOCUMENTS[-2:]
    run = run_playbook([
        intel_task("upload", src=str(APT18), labels=["Incident-4711"]),
        {"name": "sync", "tanium.threat_response.intel_sync": {"documents": [{"src": str(path)} for path in synced]}},
    ])
    assert run.rc == 0, run.output
    intels = emulator.intels()
    assert len(intels) == 3 and len({(intel["type"], intel["intrinsicId"]) for intel in intels}) == 3
    (label,) = [label for label in emulator.labels() if label["name"] == "Incident-4711"]
    uploaded = next(intel for intel in intels if intel["id"] == run.task("upload")["intel"]["id"])
    assert uploaded["labelIds"] == [label["id"]] and run.task("upload")["intel"]["labels"] == ["Incident-4711"]
    assert sorted(entry["id"] for entry in run.task("sync")["created"]) == sorted(
        intel["id"] for intel in intels if intel["id"] != uploaded["id"])
    # Each create reached the server once; the modules looked it up instead of posting it again.
    assert [entry["fault"] for entry in requests_to(emulator, "POST", "/intels$")] == ["apply_then_drop"] * 3
    assert [entry["fault"] for entry in requests_to(emulator, "POST", "/labels$")] == ["apply_then_drop", None]


def test_an_update_and_a_delete_applied_before_the_connection_dropped_are_sent_again_harmlessly(
        emulator, run_playbook, edited_apt18):
    original, edited = edited_apt18
    emulator.seed_intel(original.read_bytes(), original.name)
    emulator.add_fault(method="PUT", path=r"/intels/\d+$", action="apply_then_drop")
    emulator.add_fault(method="DELETE", path="/intels/$", action="apply_then_drop")
    run = run_playbook([intel_task("update", src=str(edited)), intel_task("delete", src=str(edited), state="absent")])
    assert run.rc == 0, run.output
    assert (run.task("update")["action"], run.task("delete")["action"]) == ("update", "delete")
    assert emulator.intels() == []
    # A PUT of the same bytes is the same update; a DELETE sent again finds nothing, which is success.
    assert statuses(emulator, "PUT", r"/intels/\d+$") == [200, 200]
    assert statuses(emulator, "DELETE", "/intels/$")[1] == 404


def test_a_read_that_times_out_is_sent_again(emulator, run_playbook):
    emulator.add_fault(method="GET", path="/intels$", action="delay", delay=2)
    run = run_playbook([{"name": "list", "tanium.threat_response.intel_info": {"timeout": 1}}])
    assert run.rc == 0, run.output
    # The slow request is journaled when the server gets to answer it, after the module has moved on.
    deadline = time.monotonic() + 10
    while len(requests_to(emulator, "GET", "/intels$")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    answered, slow = requests_to(emulator, "GET", "/intels$")
    assert (answered["fault"], answered["status"], slow["fault"]) == (None, 200, "delay")
    assert answered["time"] - slow["time"] >= 1.0  # sent again once the 1 second timeout had passed


def test_a_login_session_expiring_in_the_middle_of_intel_sync_is_renewed_once(emulator, run_playbook):
    emulator.add_fault(method="POST", path="/intels$", action="delay", delay=0, times=2)  # two creates pass
    emulator.add_fault(method="POST", path="/intels$", action="expire_sessions")  # the third expires them all
    login = {"TANIUM_API_TOKEN": "", "TANIUM_USERNAME": emulator.username, "TANIUM_PASSWORD": emulator.password}
    task = {"name": "sync", "tanium.threat_response.intel_sync": {
        "documents": [{"src": str(path)} for path in EIGHT_DOCUMENTS], "parallel": 4}}
    run = run_playbook([task], env=login)
    assert run.rc == 0, run.output
    assert len(run.task("sync")["created"]) == 8
    intels = emulator.intels()
    assert len(intels) == 8 and len({(intel["type"], intel["intrinsicId"]) for intel in intels}) == 8
    creates = requests_to(emulator, "POST", "/intels$")
    expired_at = next(entry["seq"] for entry in creates if entry["fault"] == "expire_sessions")
    assert [entry["status"] for entry in creates].count(200) == 8
    assert all(entry["status"] == 401 for entry in creates if entry["status"] != 200)
    # One new login for all four workers, then every request carries the new session.
    assert statuses(emulator, "POST", f"^{LOGIN}$") == [200, 200]
    later = [entry for entry in emulator.journal
             if entry["seq"] > expired_at and entry["status"] == 200 and entry["path"] != LOGIN]
    assert later and all(entry["auth"] == "session" for entry in later)


def test_server_errors_that_never_clear_fail_quickly_naming_method_path_and_status(emulator, run_playbook):
    emulator.add_fault(method="GET", path="/intels$", status=500, body={"text": "database unavailable"}, times=None)
    emulator.add_fault(method="GET", path="/labels$", status=503, times=None)
    emulator.add_fault(method="POST", path="/intel/deploy$", status=502)
    tasks = [
        {"name": "500", "ignore_errors": True, "tanium.threat_response.intel_info": {"retries": 2}},
        {"name": "503", "ignore_errors": True, "tanium.threat_response.label": {"name": "APT", "retries": 2}},
        {"name": "502 on deploy", "ignore_errors": True, "tanium.threat_response.intel_deploy": {}},
    ]
    run = run_playbook(tasks)
    assert [run.status(name) for name in ("500", "503", "502 on deploy")] == ["failed"] * 3
    assert run.task("500")["msg"] == f"GET {INTELS} failed: HTTP 500: database unavailable"
    assert run.task("503")["msg"] == f"GET {LABELS} failed: HTTP 503: injected fault: HTTP 503"
    assert (run.task("503")["method"], run.task("503")["path"], run.task("503")["status"]) == ("GET", LABELS, 503)
    # A 500 is an answer, not a pause: sent once. A 503 is sent again `retries` times, with backoff.
    assert len(requests_to(emulator, "GET", "/intels$")) == 1
    unavailable = requests_to(emulator, "GET", "/labels$")
    assert len(unavailable) == 3
    assert 0.7 <= unavailable[-1]["time"] - unavailable[0]["time"] < 10
    # A deploy that got a gateway error may have started: it fails instead of queueing a second deployment.
    assert "no clear answer (HTTP 502 from a gateway)" in run.task("502 on deploy")["msg"]
    assert len(requests_to(emulator, "POST", "/intel/deploy$")) == 1
    assert emulator.intels() == [] and [label["name"] for label in emulator.labels()].count("APT") == 0


def test_an_unreachable_server_and_an_unresolvable_name_are_one_line_errors(emulator, run_playbook):
    port = closed_port()
    tasks = [
        {"name": "refused", "ignore_errors": True,
         "tanium.threat_response.intel_info": {"url": f"https://127.0.0.1:{port}", "retries": 1}},
        {"name": "unresolvable", "ignore_errors": True,
         "tanium.threat_response.intel_info": {"url": f"https://{UNRESOLVABLE_HOST}:8443"}},
    ]
    run = run_playbook(tasks)
    assert run.task("refused")["msg"] == f"GET {INTELS} failed: cannot connect to 127.0.0.1:{port}: connection refused"
    assert run.task("unresolvable")["msg"] == (
        f"GET {INTELS} failed: cannot resolve the host name '{UNRESOLVABLE_HOST}' of the url "
        f"https://{UNRESOLVABLE_HOST}:8443")
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output
    assert emulator.journal == []


STRACE_PROBE = f"""
from ansible_collections.tanium.threat_response.plugins.module_utils._api.client import ThreatResponseClient
from ansible_collections.tanium.threat_response.plugins.module_utils._errors import TransportError
try:
    ThreatResponseClient("https://{UNRESOLVABLE_HOST}:8443", api_token="t" * 16, retries=0).get("/x")
except TransportError as error:
    print(error)
"""


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace")
def test_the_unresolvable_name_fails_on_this_machine_without_a_packet_sent():
    # Every connect/send of the probe is traced and made to fail (inject), so even a C library that
    # did try to ask a DNS server could send nothing; the trace shows whether it tried.
    command = ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg",
               "-e", "inject=connect,sendto,sendmsg,sendmmsg:error=ENETUNREACH", sys.executable, "-c", STRACE_PROBE]
    env = dict(os.environ, PYTHONPATH=str(REPO / ".build" / "pythonpath"))
    probe = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, check=False)
    if "PTRACE" in probe.stderr.upper() and "not permitted" in probe.stderr:
        pytest.skip("strace cannot trace here: " + probe.stderr.strip())
    assert f"cannot resolve the host name '{UNRESOLVABLE_HOST}'" in probe.stdout, probe.stdout + probe.stderr
    addresses = re.findall(r'inet_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"', probe.stderr)
    assert "htons(53)" not in probe.stderr and set(addresses) <= {"127.0.0.1", "::1"}, probe.stderr
