"""The state file, reused TLS material, and the command line (`python -m emulator`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
import requests

from emulator_testkit import (APT18, CORPUS, SVCHELPER_MD5, TESTS_DIR, TR, YARA_FIN4, Api, hash_ioc,
                              wait_until)


def test_state_file_round_trip_keeps_everything(make_server, tmp_path):
    state_file = str(tmp_path / "state.json")
    first = make_server(state_file=state_file)
    api = Api(first)
    doc = api.create(hash_ioc("persisted", {"md5": SVCHELPER_MD5}))
    api.create(YARA_FIN4, "fin4.yara", headers={"description": "kept"})
    api.put(f"/intels/{doc['id']}/labels", json={"id": 2})
    api.post("/labels", json={"name": "managed-by-ansible"})
    api.post("/intel/deploy", json={})
    wait_until(lambda: first.deploy_status()["currentRevision"] == 1)
    before = (first.intels(), first.labels(), first.alerts(), first.deploy_status(), first.api_token)
    first.stop()

    second = make_server(state_file=state_file)
    assert (second.intels(), second.labels(), second.alerts(), second.deploy_status(),
            second.api_token) == before
    api2 = Api(second)
    assert api2.create(APT18)["id"] > max(d["id"] for d in before[0])
    assert api2.post("/labels", json={"name": "managed-by-ansible"}).status_code == 409


def test_state_file_is_written_while_running(make_server, tmp_path):
    state_file = tmp_path / "state.json"
    api = Api(make_server(state_file=str(state_file)))
    doc = api.create(APT18)

    def saved_ids():
        text = state_file.read_text() if state_file.exists() else "{}"
        return [d["id"] for d in json.loads(text).get("store", {}).get("intels", [])]

    wait_until(lambda: saved_ids() == [doc["id"]], timeout=3)


def test_tls_dir_is_reused_across_restarts(make_server, tmp_path):
    first = make_server(tls_dir=str(tmp_path))
    ca_pem = open(first.ca_file, "rb").read()
    first.stop()
    second = make_server(tls_dir=str(tmp_path))
    assert open(second.ca_file, "rb").read() == ca_pem
    assert Api(second).get("/intels").status_code == 200  # the old CA still verifies


def test_server_certificate_is_valid_for_localhost_too(srv):
    url = srv.url.replace("127.0.0.1", "localhost")
    response = requests.get(url + TR + "/intels", headers={"session": srv.api_token},
                            verify=srv.ca_file, timeout=10)
    assert response.status_code == 200


def test_the_emulator_only_listens_on_loopback():
    from emulator import EmulatorConfig

    with pytest.raises(ValueError):
        EmulatorConfig(host="0.0.0.0")


class Cli:
    def __init__(self, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "emulator", *args], cwd=str(TESTS_DIR),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line, self.process.stderr.read()
        self.ready = json.loads(line)

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.ready["url"] + path, headers={"session": self.ready["api_token"]},
                            verify=self.ready["ca_file"], timeout=10, **kwargs)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=10)
        return code, self.process.stderr.read()


@pytest.fixture
def seed_dir(tmp_path):
    directory = tmp_path / "seed"
    directory.mkdir()
    shutil.copy(APT18, directory / "apt18.ioc")
    shutil.copy(YARA_FIN4, directory / "fin4.yara")
    shutil.copy(CORPUS / "invalid" / "empty.ioc", directory / "empty.ioc")
    return directory


def test_cli_prints_ready_json_serves_seeds_and_stops_on_sigterm(tmp_path, seed_dir):
    args = ["--deploy-delay", "0.1", "--tls-dir", str(tmp_path / "tls"),
            "--state-file", str(tmp_path / "state.json"), "--ready-file", str(tmp_path / "ready.json"),
            "--seed-dir", str(seed_dir)]
    cli = Cli(*args)
    ready = cli.ready
    assert set(ready) == {"url", "ca_file", "api_token", "username", "password", "pid", "control"}
    assert ready["pid"] == cli.process.pid and ready["control"] == ready["url"] + "/_emulator"
    assert json.loads((tmp_path / "ready.json").read_text()) == ready
    names = sorted(d["name"] for d in cli.get(TR + "/intels").json()["data"])
    assert names == ["DEMONSTRATING HUSTLE - APT18 (BLOG)", "fin4.yara"]
    code, stderr = cli.stop()
    assert code == 0 and "empty.ioc" in stderr
    with pytest.raises(ProcessLookupError):
        os.kill(ready["pid"], 0)

    again = Cli(*args)  # same state: not seeded twice, same token and CA file
    try:
        assert len(again.get(TR + "/intels").json()["data"]) == 2
        assert again.ready["api_token"] == ready["api_token"]
        assert again.ready["ca_file"] == ready["ca_file"]
    finally:
        assert again.stop()[0] == 0


def test_cli_stops_on_control_shutdown(tmp_path):
    cli = Cli("--api-version", "3", "--latency-ms", "5")
    assert cli.get("/plugin/products/detect3/api/v1/intels").json() == []
    response = requests.post(cli.ready["control"] + "/shutdown", verify=cli.ready["ca_file"], timeout=10)
    assert response.status_code == 200
    assert cli.process.wait(timeout=10) == 0
