"""`make demo`: start the bundled emulator, run the rollout, hash-hunt and file-triage playbooks against it, stop it.

The emulator keeps its state and TLS files under .build/demo, so a second `make demo` talks to the
same server state and shows an unchanged re-run: nothing uploaded, nothing deployed, nothing collected.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".build" / "demo"
CORPUS = REPO / "tests" / "fixtures" / "corpus"
# Published intel from the test corpus (see tests/fixtures/corpus/SOURCES.md), one of each format.
SAMPLE_INTEL = [
    CORPUS / "openioc" / "APT18_0ae061d7-c624-4a84-8adf-00281b97797b.ioc",
    CORPUS / "openioc" / "APT28_0ff58bf9-1c07-42f6-b135-b18c139f631a.ioc",
    CORPUS / "openioc" / "SHARPERSIST (UTILITY).ioc",
    CORPUS / "stix1" / "malware-indicator-for-file-hash.xml",
    CORPUS / "yara" / "FIN4_MACROCHECK.yara",
    CORPUS / "yara" / "apt_hatman.yar",
    REPO / "tests" / "fixtures" / "handwritten" / "signal_rundll32.json",
]
# Two files that two endpoints of the emulator's fleet hold (tests/emulator/fleet.json).
HUNTED_HASHES = ["b8cf3640443c280fbfb12c279309ca09", "fa7a74457a2babb7013adedb48aae2bb"]
TRIAGE_QUESTION = ("Get Computer Name and Detected Threats Path from all machines "
                   "with Detected Threats Status contains unresolved")
# invoice_0423.pdf.exe of the fleet, as an analyst's verdict would name it.
INVOICE_SHA256 = "dbc912f4645bebd275452c919d07f4041721e7c5fc1be970a8c6c16de23ed233"
PLAYS = [
    ("tanium.threat_response.rollout", {
        "intel_rollout_documents": [{"src": str(path)} for path in SAMPLE_INTEL],
        "intel_rollout_labels": ["demo"], "intel_rollout_wait_sleep": 1}),
    ("tanium.threat_response.hash_hunt", {
        "hash_hunt_name": "DEMO INCIDENT - SVCHELPER DROPPER", "hash_hunt_hashes": HUNTED_HASHES,
        "hash_hunt_wait_sleep": 1, "hash_hunt_alert_wait": 10}),
    # The whole incident: a question finds the two endpoints whose AV reports invoice_0423.pdf.exe
    # unresolved, one copy is collected, its hash is known bad, and the hunt finds a third endpoint.
    ("tanium.threat_response.file_triage", {
        "file_triage_question": TRIAGE_QUESTION, "file_triage_path_column": "Detected Threats Path",
        "file_triage_dest": str(STATE / "evidence"), "file_triage_known_bad": [INVOICE_SHA256],
        "file_triage_hunt_name": "DEMO INCIDENT - INVOICE DROPPER", "file_triage_wait_sleep": 1}),
]


def start_emulator():
    STATE.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "emulator", "--state-file", str(STATE / "state.json"),
               "--tls-dir", str(STATE / "tls"), "--deploy-delay", "2"]
    process = subprocess.Popen(command, cwd=REPO / "tests", stdout=subprocess.PIPE, text=True)
    return process, json.loads(process.stdout.readline())


def main():
    process, ready = start_emulator()
    print(f"Threat Response emulator on {ready['url']} (CA {ready['ca_file']})", flush=True)
    env = dict(os.environ, TANIUM_URL=ready["url"], TANIUM_API_TOKEN=ready["api_token"],
               TANIUM_CA_PATH=ready["ca_file"], ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_DISPLAY_SKIPPED_HOSTS="false",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    ansible_playbook = str(Path(sys.executable).parent / "ansible-playbook")
    try:
        for playbook, extra_vars in PLAYS:
            completed = subprocess.run([ansible_playbook, playbook, "-e", json.dumps(extra_vars)], env=env,
                                       check=False)
            if completed.returncode != 0:
                return completed.returncode
        return 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
