"""The example rulebook contain_high_priority in the real ansible-rulebook (from .venv/eda, `make eda`): a
high-priority alert runs the contain playbook for its endpoint, a snapshot only, unless the rulebook variable
contain_quarantine is given as true."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
EDA_BIN = Path(os.environ.get("EDA_VENV", REPO / ".venv" / "eda")) / "bin"
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / ".build" / "collections"))
RULEBOOK = REPO / "extensions" / "eda" / "rulebooks" / "contain_high_priority.yml"
IOC = REPO / "tests" / "fixtures" / "corpus" / "openioc" / "APT12_2384c8ce-6eca-4d06-8aa4-151b53d9a6bc.ioc"
WAIT = 120


def completed(emulator, action_type):
    core = emulator.core
    return [a["computerName"] for a in core.response.actions.values()
            if a["type"] == action_type and (core.tasks.read(a["_task"]) or {}).get("status") == "COMPLETED"]


@pytest.mark.emulator(action_delay=0.3)
@pytest.mark.parametrize("rulebook_vars, contained", [
    (None, {}),
    ({"contain_quarantine": True}, {"WIN-HR-03": "Apply Windows IPsec Quarantine"}),
])
def test_a_high_priority_alert_snapshots_its_endpoint_and_quarantines_only_when_asked(
        emulator, tmp_path, rulebook_vars, contained):
    assert (EDA_BIN / "ansible-rulebook").exists(), f"{EDA_BIN}/ansible-rulebook is missing: run `make eda`"
    rulebook = yaml.safe_load(RULEBOOK.read_text())
    rulebook[0]["sources"][0]["tanium.threat_response.alerts"].update(interval=1, since="2026-01-01T00:00:00Z")
    (tmp_path / "rulebook.yml").write_text(yaml.safe_dump(rulebook))
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": str(EDA_BIN / "python")}}}}))
    command = [str(EDA_BIN / "ansible-rulebook"), "-r", "rulebook.yml", "-i", "inventory.yml", "-v"]
    if rulebook_vars:
        (tmp_path / "vars.yml").write_text(yaml.safe_dump(rulebook_vars))
        command += ["--vars", "vars.yml"]
    doc = emulator.seed_intel(IOC.read_bytes(), filename=IOC.name)
    emulator.raise_alert(doc["id"], "WIN-HR-03")
    env = dict(os.environ, PATH=f"{EDA_BIN}{os.pathsep}{os.environ['PATH']}", ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), HOME=str(tmp_path),
               TANIUM_URL=emulator.url, TANIUM_API_TOKEN=emulator.api_token, TANIUM_CA_PATH=emulator.ca_file)
    log = tmp_path / "ansible-rulebook.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + WAIT
        while "PLAY RECAP" not in log.read_text(errors="replace"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-4000:]
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    assert "failed=0" in log.read_text(errors="replace")
    assert completed(emulator, "gatherSnapshot") == ["WIN-HR-03"]
    assert emulator.core.response.quarantined(emulator.core) == contained
    assert emulator.api_token not in log.read_text(errors="replace")
