"""The shipped playbooks hand credentials to the modules through the environment, so the module payloads
Ansible writes to disk (and leaves there when a run is killed) hold no token or password.

ANSIBLE_KEEP_REMOTE_FILES keeps every payload, as a killed run would; each one is then searched.
"""

import json
from pathlib import Path

from emulator import EmulatorConfig, EmulatorServer

REPO = Path(__file__).resolve().parents[2]
HUNT_HASH = "b8cf3640443c280fbfb12c279309ca09"
STAGING_PASSWORD = "pw-STAGING-on-disk-4e8a1c"


def test_two_server_playbook_leaves_no_credential_in_the_module_payloads(emulator, run_playbook, tmp_path):
    with EmulatorServer(EmulatorConfig(deploy_delay=0.2, password=STAGING_PASSWORD)).start() as staging:
        # The shape of playbooks/inventory/two_servers.yml: a token for one server, a login for the other.
        hosts = {
            "tanium_prod": {"tanium_url": emulator.url, "tanium_api_token": emulator.api_token,
                            "tanium_ca_path": emulator.ca_file},
            "tanium_staging": {"tanium_url": staging.url, "tanium_username": staging.username,
                               "tanium_password": STAGING_PASSWORD, "tanium_ca_path": staging.ca_file},
        }
        inventory = tmp_path / "inventory.json"
        inventory.write_text(json.dumps({"tanium_servers": {"hosts": hosts}}))
        payloads = tmp_path / "payloads"
        hunt = {"hash_hunt_name": "ON DISK CHECK", "hash_hunt_hashes": [HUNT_HASH], "hash_hunt_wait_sleep": 1,
                "hash_hunt_alert_wait": 1}
        run = run_playbook("tanium.threat_response.hash_hunt", args=["-i", str(inventory), "-e", json.dumps(hunt)],
                           env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(payloads),
                                "TANIUM_API_TOKEN": "", "TANIUM_URL": "https://127.0.0.1:9"})
        assert run.rc == 0, run.output
        for server in (emulator, staging):
            assert [intel["name"] for intel in server.intels()] == ["ON DISK CHECK"]
        assert {entry["auth"] for entry in staging.journal if entry["status"] == 200} >= {"session"}

    kept = [path for path in payloads.rglob("*") if path.is_file()]
    assert any(path.name.startswith("AnsiballZ_intel") for path in kept)
    for path in kept:
        content = path.read_bytes()
        for secret in (emulator.api_token, STAGING_PASSWORD):
            assert secret.encode() not in content, f"{secret[:6]}... is in {path.name}"
