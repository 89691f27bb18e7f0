"""The example rulebook in the real ansible-rulebook (from .venv/eda, `make eda`) against the emulator.

Alerts raised before and while it runs each give one event and one action (one state PUT, one report);
a 503, a dropped connection and an expired login session are logged and outlived; no secret is printed.
"""

import datetime
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EDA_BIN = Path(os.environ.get("EDA_VENV", REPO / ".venv" / "eda")) / "bin"
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".build" / "collections"))
RULEBOOK = REPO / "extensions" / "eda" / "rulebooks" / "alerts_in_progress.yml"
IOC = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
SOURCE = "tanium.threat_response.alerts"
WAIT = 90  # seconds for any one step; the whole test takes about a minute


class Rulebook:
    """One ansible-rulebook process, its output in a file, stopped by its process id."""

    def __init__(self, tmp_path, emulator, since, env_overrides=None, checkpoint=None, run=1):
        rulebook = yaml.safe_load(RULEBOOK.read_text())
        (source,) = rulebook[0]["sources"]
        source[SOURCE].update(interval=1, since=since)  # the shipped rulebook with a fast poll
        if checkpoint:
            source[SOURCE]["checkpoint"] = str(checkpoint)
        (tmp_path / "rulebook.yml").write_text(yaml.safe_dump(rulebook))
        (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": str(EDA_BIN / "python")}}}}))
        env = dict(os.environ, PATH=f"{EDA_BIN}{os.pathsep}{os.environ['PATH']}", ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
                   ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), HOME=str(tmp_path),
                   TANIUM_URL=emulator.url, TANIUM_USERNAME=emulator.username, TANIUM_PASSWORD=emulator.password,
                   TANIUM_CA_PATH=emulator.ca_file)
        env.pop("TANIUM_API_TOKEN", None)
        env.update(env_overrides or {})
        env = {name: value for name, value in env.items() if value is not None}
        self.log = tmp_path / f"ansible-rulebook-{run}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [str(EDA_BIN / "ansible-rulebook"), "-r", "rulebook.yml", "-i", "inventory.yml", "--print-events", "-v"],
                cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def output(self):
        return self.log.read_text(errors="replace")

    def wait_until(self, predicate, what, wait=WAIT):
        deadline = time.monotonic() + wait
        while not predicate():
            assert self.process.poll() is None, f"ansible-rulebook ended ({self.process.returncode}):\n{self.output[-4000:]}"
            assert time.monotonic() < deadline, f"no {what} within {wait} s:\n{self.output[-4000:]}"
            time.sleep(0.2)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own process group: the runner's children too
                self.process.wait(timeout=20)


@pytest.fixture
def rulebook_runner(tmp_path, emulator):
    assert (EDA_BIN / "ansible-rulebook").exists(), f"{EDA_BIN}/ansible-rulebook is missing: run `make eda`"
    started = []

    def start(since, env_overrides=None, checkpoint=None):
        started.append(Rulebook(tmp_path, emulator, since, env_overrides, checkpoint, run=len(started) + 1))
        return started[-1]

    yield start
    for rulebook in started:
        rulebook.stop()


def state_puts(emulator, alert_id):
    return [entry for entry in emulator.journal
            if entry["method"] == "PUT" and entry["path"].endswith(f"/alerts/{alert_id}")]


def alert_listings(emulator):
    return [entry for entry in emulator.journal if entry["method"] == "GET" and entry["path"].endswith("/alerts")]


def session_tokens(emulator):
    sessions = emulator.core.sessions
    return set(sessions._last_used) | set(sessions._expired)


def wait_for_action(rulebook, emulator, alert):
    """Until the rulebook set `alert` in progress and reported it."""
    rulebook.wait_until(lambda: state_puts(emulator, alert["id"]) and f"tanium alert {alert['id']} on" in rulebook.output,
                        f"action for alert {alert['id']}")


def ago(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def test_each_alert_gives_one_event_and_one_action_through_faults_and_expired_sessions(emulator, rulebook_runner):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    too_old = emulator.raise_alert(doc["id"], "WIN-DEV-02", alerted_at="2026-01-01T00:00:00.000Z")
    before = emulator.raise_alert(doc["id"], "WIN-FIN-01")
    rulebook = rulebook_runner(since="2026-06-01T00:00:00Z")
    raised = [before]

    def handled(alert):
        wait_for_action(rulebook, emulator, alert)

    handled(before)

    for fault in (dict(action="status", status=503), dict(action="drop")):
        emulator.add_fault(method="GET", path="/alerts$", times=1, **fault)
        polls = len(alert_listings(emulator))
        rulebook.wait_until(lambda: any(entry["fault"] for entry in alert_listings(emulator)[polls:]),
                            f"poll that met the {fault['action']} fault")
        raised.append(emulator.raise_alert(doc["id"], "WIN-DEV-02"))
        handled(raised[-1])

    emulator.expire_sessions()
    raised.append(emulator.raise_alert(doc["id"], "WIN-FIN-01"))
    handled(raised[-1])

    polls = len(alert_listings(emulator))
    rulebook.wait_until(lambda: len(alert_listings(emulator)) >= polls + 3, "three more polls")
    rulebook.stop()
    output = rulebook.output

    for alert in raised:
        assert len(state_puts(emulator, alert["id"])) == 1, f"alert {alert['id']} was set more than once"
        assert output.count(f"tanium alert {alert['id']} on") == 1
        assert output.count(f"'guid': '{alert['guid']}'") == 1, "one event per alert"
    assert not state_puts(emulator, too_old["id"]) and f"tanium alert {too_old['id']} on" not in output
    assert {entry["state"] for entry in emulator.alerts() if entry["id"] != too_old["id"]} == {"inprogress"}
    # The faults were logged and outlived; the expired session was renewed by a new login.
    assert re.search(rf"{SOURCE}: poll failed \(ApiError: GET \S+/alerts failed: HTTP 503", output)
    assert re.search(rf"{SOURCE}: poll failed \(TransportError: .*closed before a response", output)
    expired = [entry for entry in alert_listings(emulator) if entry["status"] == 401]
    assert expired, "the source never met its expired session"
    logins = [entry for entry in emulator.journal if entry["path"] == "/api/v2/session/login"]
    assert any(entry["time"] > expired[0]["time"] for entry in logins)
    for secret in {emulator.password, emulator.api_token} | session_tokens(emulator):
        assert secret not in output


def test_a_source_without_url_ends_the_rulebook_at_start_naming_it(emulator, rulebook_runner):
    rulebook = rulebook_runner(since="2026-06-01T00:00:00Z", env_overrides={"TANIUM_URL": None})
    try:
        rulebook.process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ansible-rulebook kept running without a url:\n{rulebook.output[-4000:]}")
    assert rulebook.process.returncode != 0
    assert f"{SOURCE}: missing required arguments: url" in rulebook.output
    assert emulator.password not in rulebook.output
    assert emulator.journal == []


def test_with_a_checkpoint_each_alert_is_one_event_across_a_restart_a_fast_clock_and_a_late_report(
        emulator, rulebook_runner, tmp_path):
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    checkpoint = tmp_path / "volume" / "alerts.checkpoint"
    checkpoint.parent.mkdir()
    rulebook = rulebook_runner(since=ago(60), checkpoint=checkpoint)
    # An endpoint whose clock runs a day ahead, then one on time: both are events.
    ahead = emulator.raise_alert(doc["id"], "WIN-FIN-01", alerted_at=ago(-86400))
    wait_for_action(rulebook, emulator, ahead)
    on_time = emulator.raise_alert(doc["id"], "WIN-DEV-02")
    wait_for_action(rulebook, emulator, on_time)
    # A match found two minutes ago, reported now (inside the 600 s look-back window).
    late = emulator.raise_alert(doc["id"], "WIN-FIN-01", alerted_at=ago(120))
    wait_for_action(rulebook, emulator, late)
    rulebook.stop()

    down = emulator.raise_alert(doc["id"], "WIN-DEV-02")  # raised while the rulebook is stopped
    again = rulebook_runner(since=ago(0), checkpoint=checkpoint)  # `since` is ignored: the file exists
    wait_for_action(again, emulator, down)
    polls = len(alert_listings(emulator))
    again.wait_until(lambda: len(alert_listings(emulator)) >= polls + 3, "three more polls")
    again.stop()

    first, second = rulebook.output, again.output
    for alert, output in ((ahead, first), (on_time, first), (late, first), (down, second)):
        assert len(state_puts(emulator, alert["id"])) == 1, f"alert {alert['id']} was set more than once"
        assert (first + second).count(f"'guid': '{alert['guid']}'") == 1, "one event per alert"
        assert output.count(f"tanium alert {alert['id']} on") == 1
    assert f"alert {ahead['id']} from WIN-FIN-01 is dated {ahead['alertedAt']}" in first
    assert re.search(rf"{SOURCE}: polling \S+ every 1 s for alerts where checkpoint {checkpoint} left off", second)


def test_a_token_with_a_trailing_newline_ends_the_rulebook_at_start_without_printing_it(emulator, rulebook_runner):
    # As `echo $TOKEN | ansible-vault encrypt_string` keeps it. The client refuses it when it is built (issue 25).
    rulebook = rulebook_runner(since=ago(60), env_overrides={
        "TANIUM_API_TOKEN": emulator.api_token + "\n", "TANIUM_USERNAME": None, "TANIUM_PASSWORD": None})
    try:
        rulebook.process.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ansible-rulebook kept running with a token that ends in a newline:\n{rulebook.output[-4000:]}")
    assert rulebook.process.returncode != 0
    assert re.search(rf"{SOURCE}: .*api_token", rulebook.output)
    assert emulator.api_token not in rulebook.output
    assert emulator.journal == []
