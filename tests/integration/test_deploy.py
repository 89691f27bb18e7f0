"""intel_deploy and intel_status_info through ansible-playbook against the emulator (docs/wire-format.md#deploy-and-deployment-status)."""

import contextlib
import threading
import time

import pytest

from conftest import REPO

DEPLOY_PATH = "/plugin/products/threat-response/api/v1/intel/deploy"
STATUS_PATH = "/plugin/products/threat-response/api/v1/intel/status"
APT18 = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc"


def deploy_task(task_name="deploy", **options):
    return {"name": task_name, "tanium.threat_response.intel_deploy": options}


def requests_to(emulator, method, path):
    return [entry for entry in emulator.journal if (entry["method"], entry["path"]) == (method, path)]


@contextlib.contextmanager
def fault_during_wait(emulator, passes=0, **fault):
    """Add a one-time fault on status reads as soon as the deploy request has been served (after
    `passes` more status reads that pass)."""

    def add_after_deploy():
        deadline = time.monotonic() + 60
        while not requests_to(emulator, "POST", DEPLOY_PATH) and time.monotonic() < deadline:
            time.sleep(0.01)
        if passes:
            emulator.add_fault(method="GET", path="intel/status$", action="delay", delay=0, times=passes)
        emulator.add_fault(method="GET", path="intel/status$", times=1, **fault)

    watcher = threading.Thread(target=add_after_deploy, daemon=True)
    watcher.start()
    yield
    watcher.join()


def status_reads_after_the_deploy(emulator):
    journal = emulator.journal
    deploy_seq = next(entry["seq"] for entry in journal if entry["path"] == DEPLOY_PATH)
    return [entry for entry in journal if entry["path"] == STATUS_PATH and entry["seq"] > deploy_seq]


@pytest.mark.emulator(deploy_delay=2)
def test_wait_returns_after_the_deployment_with_the_revision_advanced(emulator, run_playbook):
    run = run_playbook([deploy_task(wait=True, wait_sleep=1)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["changed"] is True and isinstance(result["task_id"], int)
    assert result["status"]["deployed"] is True and result["status"]["pending_revision"] is None
    assert result["status"]["current_revision"] == 1 == emulator.deploy_status()["currentRevision"]
    assert 1.5 <= result["elapsed"] < 30
    (post,) = requests_to(emulator, "POST", DEPLOY_PATH)
    # A JSON body of `{}`: an empty JSON body is a 400 (docs/wire-format.md#deploy-and-deployment-status).
    assert (post["status"], post["content_type"], post["body_size"]) == (200, "application/json", 2)
    assert len(status_reads_after_the_deploy(emulator)) >= 2


@pytest.mark.emulator(deploy_delay=0.5)
def test_without_wait_it_returns_the_pending_status_at_once(emulator, run_playbook):
    run = run_playbook([deploy_task()])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["changed"] is True
    assert (result["status"]["pending_revision"], result["status"]["deployed"]) == (1, False)
    assert len(requests_to(emulator, "POST", DEPLOY_PATH)) == 1


@pytest.mark.emulator(deploy_delay=2)
def test_wait_shorter_than_the_deployment_fails_with_the_last_status(emulator, run_playbook):
    run = run_playbook([dict(deploy_task(wait=True, wait_timeout=1, wait_sleep=1), ignore_errors=True)])
    assert run.status("deploy") == "failed"
    result = run.task("deploy")
    assert result["msg"].startswith(f"gave up after wait_timeout (1 seconds): the deployment (task {result['task_id']})"
                                    " had not finished")
    assert "last task status: STARTED" in result["msg"]
    assert '"pending_revision": 1' in result["msg"] and '"current_revision": 0' in result["msg"]
    assert result["changed"] is True and isinstance(result["task_id"], int)
    assert result["status"]["deployed"] is False


@pytest.mark.emulator(deploy_delay=2)
def test_a_login_session_that_expires_during_the_wait_is_renewed(emulator, run_playbook):
    # An empty API token counts as none, so the module logs in with the username and password.
    login = {"TANIUM_API_TOKEN": "", "TANIUM_USERNAME": emulator.username, "TANIUM_PASSWORD": emulator.password}
    with fault_during_wait(emulator, action="expire_sessions"):
        run = run_playbook([deploy_task(wait=True, wait_sleep=1)], env=login)
    assert run.rc == 0, run.output
    assert run.task("deploy")["status"]["deployed"] is True
    reads = status_reads_after_the_deploy(emulator)
    expired = next(index for index, entry in enumerate(reads) if entry["fault"] == "expire_sessions")
    assert (reads[expired]["status"], reads[expired + 1]["status"]) == (401, 200)
    assert reads[expired + 1]["auth"] == "session"
    logins = [entry for entry in emulator.journal if entry["path"] == "/api/v2/session/login"]
    assert len(logins) >= 2 and all(entry["status"] == 200 for entry in logins)
    assert emulator.password not in run.output


@pytest.mark.emulator(deploy_delay=2)
def test_a_transient_503_during_the_wait_is_retried(emulator, run_playbook):
    with fault_during_wait(emulator, status=503, retry_after=0):
        run = run_playbook([deploy_task(wait=True, wait_sleep=1)])
    assert run.rc == 0, run.output
    assert run.task("deploy")["status"]["deployed"] is True
    reads = status_reads_after_the_deploy(emulator)
    failed = next(index for index, entry in enumerate(reads) if entry["status"] == 503)
    assert reads[failed + 1]["status"] == 200 and reads[-1]["status"] == 200


def test_check_mode_reports_a_change_and_sends_no_deploy(emulator, run_playbook):
    run = run_playbook([deploy_task(wait=True)], check=True)
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert (result["changed"], result["task_id"]) == (True, None)
    assert result["status"]["current_revision"] == 0
    assert emulator.writes() == []


def test_status_info_reports_the_server_status_and_one_documents_deployment(emulator, run_playbook):
    apt18 = emulator.seed_intel(APT18.read_bytes(), APT18.name)
    tasks = [
        {"name": "before", "tanium.threat_response.intel_status_info": {"name": apt18["name"]}},
        deploy_task(wait=True, wait_sleep=1),
        {"name": "after", "tanium.threat_response.intel_status_info": {"id": apt18["id"]}},
        {"name": "missing", "tanium.threat_response.intel_status_info": {"id": 9999}},
        {"name": "plain", "tanium.threat_response.intel_status_info": {}},
    ]
    run = run_playbook(tasks)
    assert run.rc == 0, run.output
    before, after = run.task("before"), run.task("after")
    assert before["changed"] is False and before["status"]["current_revision"] == 0
    assert before["intel"]["id"] == apt18["id"] and before["intel"]["last_deployment_timestamp"] is None
    assert before["intel"]["deployed"] is False
    assert after["status"] == dict(after["status"], current_revision=1, pending_revision=None, deployed=True)
    assert after["intel"]["deployed"] is True and after["intel"]["last_deployment_timestamp"]
    assert run.task("missing")["intel"] is None
    assert "intel" not in run.task("plain") and run.task("plain")["status"]["deployed"] is True
    assert [entry["method"] for entry in emulator.writes()] == ["POST"]


def test_status_info_refuses_a_name_that_two_documents_share(emulator, run_playbook):
    ids = [emulator.seed_intel(APT18.read_bytes(), APT18.name)["id"] for copy in ("first", "second")]
    name = emulator.intels()[0]["name"]
    task = {"name": "status", "ignore_errors": True, "tanium.threat_response.intel_status_info": {"name": name}}
    run = run_playbook([task])
    assert run.status("status") == "failed"
    assert f"ids {ids[0]}, {ids[1]}" in run.task("status")["msg"]


# -- when a deployment has finished (docs/wire-format.md#deployment-finished) ------------------


def task_path(task_id):
    return f"/plugin/products/threat-response/api/v1/tasks/{task_id}"


def reads_after_the_deploy(emulator):
    journal = emulator.journal
    deploy_seq = next(entry["seq"] for entry in journal if entry["path"] == DEPLOY_PATH)
    return [(entry["path"], entry["status"]) for entry in journal if entry["method"] == "GET" and entry["seq"] > deploy_seq]


@pytest.mark.emulator(deploy_delay=2)
def test_the_wait_polls_the_deploy_task_first_and_ends_when_it_is_completed(emulator, run_playbook):
    run = run_playbook([deploy_task(wait=True, wait_sleep=1)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    task = task_path(result["task_id"])
    reads = reads_after_the_deploy(emulator)
    assert reads[0] == (task, 200)
    assert [path for path, _status in reads[::2]] == [task] * (len(reads) // 2)  # task, then status, each poll
    assert reads[-1] == (STATUS_PATH, 200) and len(reads) >= 4
    assert emulator.core.tasks.read(result["task_id"])["status"] == "COMPLETED"
    assert result["status"]["deployed"] is True and result["status"]["current_revision"] == 1


@pytest.mark.emulator(deploy_delay=2, tasks_readable=False)
def test_a_task_the_server_will_not_show_leaves_the_status_rule_to_finish_the_wait(emulator, run_playbook):
    run = run_playbook([deploy_task(wait=True, wait_sleep=1)])
    assert run.rc == 0, run.output
    result = run.task("deploy")
    assert result["status"]["deployed"] is True and result["status"]["current_revision"] == 1
    reads = reads_after_the_deploy(emulator)
    # The task is tried once (404), then only the status is read for the rest of the wait.
    assert reads[0] == (task_path(result["task_id"]), 404)
    assert reads[1:] == [(STATUS_PATH, 200)] * (len(reads) - 1) and len(reads) >= 3


@pytest.mark.emulator(deploy_delay=30)
def test_a_deploy_task_that_ends_in_error_fails_naming_the_task(emulator, run_playbook):
    def fail_the_task():
        deadline = time.monotonic() + 60
        while not requests_to(emulator, "POST", DEPLOY_PATH) and time.monotonic() < deadline:
            time.sleep(0.01)
        (task_id,) = emulator.core.tasks.started("intelDeploy")
        emulator.core.tasks.update(task_id, status="ERROR", error="package build failed")

    watcher = threading.Thread(target=fail_the_task, daemon=True)
    watcher.start()
    run = run_playbook([dict(deploy_task(wait=True, wait_sleep=1, wait_timeout=20), ignore_errors=True)])
    watcher.join()
    assert run.status("deploy") == "failed"
    result = run.task("deploy")
    assert f"deployment task {result['task_id']} ended with status ERROR: package build failed" in result["msg"]
    assert result["changed"] is True and result["elapsed"] < 15


@pytest.mark.emulator(deploy_delay=30)
def test_a_wait_gives_up_at_its_timeout_even_when_the_server_asks_to_retry_much_later(emulator, run_playbook):
    # Once the deploy is served, every read of the wait answers 503 asking to retry far past the wait.
    def fail_every_read():
        deadline = time.monotonic() + 60
        while not requests_to(emulator, "POST", DEPLOY_PATH) and time.monotonic() < deadline:
            time.sleep(0.01)
        for path in ("intel/status$", "/tasks/"):
            emulator.add_fault(method="GET", path=path, status=503, retry_after=100000, times=None)

    watcher = threading.Thread(target=fail_every_read, daemon=True)
    watcher.start()
    run = run_playbook([dict(deploy_task(wait=True, wait_timeout=5, wait_sleep=1), ignore_errors=True)])
    watcher.join()
    assert run.status("deploy") == "failed"
    result = run.task("deploy")
    assert result["msg"].startswith(f"gave up after wait_timeout (5 seconds): the deployment (task {result['task_id']})"
                                    " had not finished (GET "), result["msg"]
    assert "answered HTTP 503; the next try would be 60 seconds later" in result["msg"]
    assert result["elapsed"] < 10  # the wait, not the 60 s a capped Retry-After would take
    assert any(entry["status"] == 503 for entry in emulator.journal)


# -- wait_timeout bounds the whole task (docs/reliability.md, "Bounded waits") ------------------


def timed_run(run_playbook, tasks):
    started = time.monotonic()
    run = run_playbook(tasks)
    return run, time.monotonic() - started


def journal_entry(emulator, path, within=30):
    """The journal entry of a request to `path`; a delayed one is written only once the server answers it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        entries = [entry for entry in emulator.journal if entry["path"] == path]
        if entries:
            return entries
        time.sleep(0.2)
    return []


@pytest.mark.emulator(deploy_delay=30)
def test_a_20_second_status_read_during_the_wait_ends_the_task_at_wait_timeout(emulator, run_playbook):
    # One status read of the wait passes (pending revision 1), a later one takes 20 s.
    with fault_during_wait(emulator, passes=1, action="delay", delay=20):
        run, elapsed = timed_run(run_playbook, [dict(deploy_task(wait=True, wait_timeout=5, wait_sleep=1),
                                                     ignore_errors=True)])
    assert elapsed < 12, elapsed  # the bound (5 s) and ansible-playbook's own start, not the 20 s read
    assert run.status("deploy") == "failed"
    result = run.task("deploy")
    assert result["msg"].startswith(f"gave up after wait_timeout (5 seconds): the deployment (task {result['task_id']})"
                                    " had not finished (no response from "), result["msg"]
    assert result["changed"] is True and result["elapsed"] < 7
    assert result["status"]["pending_revision"] == 1  # the last status read, the one before the slow read
    assert len(requests_to(emulator, "POST", DEPLOY_PATH)) == 1


@pytest.mark.emulator(deploy_delay=30)
def test_a_20_second_status_read_before_the_deploy_ends_the_task_at_wait_timeout_deploying_nothing(
        emulator, run_playbook):
    emulator.add_fault(method="GET", path="intel/status$", action="delay", delay=20, times=1)
    run, elapsed = timed_run(run_playbook, [dict(deploy_task(wait=True, wait_timeout=5, wait_sleep=1),
                                                 ignore_errors=True)])
    assert elapsed < 12, elapsed
    result = run.task("deploy")
    assert result["msg"].startswith("gave up after wait_timeout (5 seconds) while reading the deployment status "
                                    "(no response from "), result["msg"]
    assert result["changed"] is False
    assert emulator.writes() == []
    # The slow read was the one request that reached the server (journaled once answered, 20 s after it came).
    journal_entry(emulator, STATUS_PATH)
    assert [(entry["method"], entry["path"], entry["fault"]) for entry in emulator.journal] == [
        ("GET", STATUS_PATH, "delay")]


@pytest.mark.emulator(deploy_delay=30)
def test_a_deploy_request_answered_429_retry_after_20_ends_the_task_at_once(emulator, run_playbook):
    emulator.add_fault(method="POST", path="intel/deploy$", status=429, retry_after=20, times=None)
    run, elapsed = timed_run(run_playbook, [dict(deploy_task(wait=True, wait_timeout=5, wait_sleep=1),
                                                 ignore_errors=True)])
    assert elapsed < 12, elapsed
    result = run.task("deploy")
    assert result["msg"] == ("gave up after wait_timeout (5 seconds) while asking the server to deploy "
                             f"(POST {DEPLOY_PATH} answered HTTP 429; the next try would be 20 seconds later)")
    assert result["changed"] is False and "Traceback" not in run.output
    assert [(entry["method"], entry["status"]) for entry in emulator.journal] == [("GET", 200), ("POST", 429)]
