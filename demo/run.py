"""`make demo`: start the bundled emulator, run the demo playbooks against it, stop it.

The emulator keeps its state and TLS files under .build/demo, so a second `make demo` talks to the
same server state (and shows an unchanged re-run).
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".build" / "demo"
PLAYBOOKS = [REPO / "demo" / "list_intel.yml"]
SEED = REPO / "tests" / "fixtures" / "corpus" / "openioc"


def start_emulator():
    STATE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "emulator", "--state-file", str(STATE / "state.json"),
               "--tls-dir", str(STATE / "tls"), "--seed-dir", str(SEED), "--deploy-delay", "2"]
    process = subprocess.Popen(command, cwd=REPO / "tests", stdout=subprocess.PIPE, text=True)
    ready = json.loads(process.stdout.readline())
    return process, ready


def main():
    process, ready = start_emulator()
    print(f"Threat Response emulator on {ready['url']} (CA {ready['ca_file']})", flush=True)
    env = dict(os.environ, TANIUM_URL=ready["url"], TANIUM_API_TOKEN=ready["api_token"],
               TANIUM_CA_PATH=ready["ca_file"], ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    ansible_playbook = str(Path(sys.executable).parent / "ansible-playbook")
    try:
        for playbook in PLAYBOOKS:
            completed = subprocess.run([ansible_playbook, str(playbook)], env=env, check=False)
            if completed.returncode != 0:
                return completed.returncode
        return 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
